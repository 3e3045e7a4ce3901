"""Streaming ingest of RNAInter v4's RNA-protein download (``Download_data_RP.txt``, 37 M rows).

The file is never loaded whole: a pyarrow streaming CSV reader cuts it into blocks (plain ``.txt``,
``.txt.gz``, or the member of the original ``.tar.gz`` read straight from the compressed tar stream), and
DuckDB classifies every row of a block in one SQL pass (malformed -> filtered -> kept). Only kept rows are
written, block by block, to one Parquet file; dropped rows are counted by reason.

Parsing rules that follow the file's format (``shared/data/rnainter/README.md``):

* tab-separated, one header line, 13 columns; ``"`` is an ordinary character (symbols contain it), never
  a quote, and there is no escape character;
* ``N/A`` (and an empty field) means missing;
* a row with the wrong number of columns, a score that is not a number in [0, 1], an empty
  ``Raw_ID1`` / ``Raw_ID2`` or an empty ``RNAInterID`` is *malformed*: counted, never fatal.

Filters, applied in this order (a row is counted once, under the first reason that drops it):

``rna_category``      ``Category1`` in the whitelist (default: ncRNA classes; mRNA, retained_intron,
                      nonsense_mediated_decay and unknown are excluded);
``protein_category``  ``Category2`` in RBP / TF / protein;
``species``           if given, *both* ``Species1`` and ``Species2`` in the list;
``min_score``         if given, ``score >= min_score`` (rows without a score are dropped too);
``evidence``          ``strong``: a strong method is listed; ``weak``: a strong *or* weak method is listed;
                      ``any``: no evidence filter;
``drop_prediction_only``  drop rows whose only evidence is computational prediction (no strong, no weak).
"""

from __future__ import annotations

import contextlib
import os
import tarfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rnainteract_builder.errors import InputError
from rnainteract_builder.parquet_io import PARQUET_OPTIONS
from rnainteract_builder.report import Report

#: RNAInter's header, in file order.
RNAINTER_COLUMNS = (
    "RNAInterID",
    "Interactor1.Symbol",
    "Category1",
    "Species1",
    "Interactor2.Symbol",
    "Category2",
    "Species2",
    "Raw_ID1",
    "Raw_ID2",
    "score",
    "strong",
    "weak",
    "predict",
)

#: RNA classes seen in RNAInter that are not coding / undefined transcripts.
NCRNA_CATEGORIES = (
    "lncRNA",
    "snRNA",
    "snoRNA",
    "scaRNA",
    "miRNA",
    "circRNA",
    "rRNA",
    "ribozyme",
    "sncRNA",
    "ncRNA",
    "sRNA",
    "vtRNAs",
    "pseudo",
    "others",
    "misc_RNA",
    "Mt_tRNA",
    "Mt_rRNA",
    "tRNA",
    "tRF",
    "piRNA",
)
#: RNA classes the default whitelist leaves out (coding or undefined transcripts).
EXCLUDED_RNA_CATEGORIES = ("mRNA", "retained_intron", "nonsense_mediated_decay", "unknown")
PROTEIN_CATEGORIES = ("RBP", "TF", "protein")

Evidence = Literal["strong", "weak", "any"]

#: Column names of the ingested table (RNAInter's columns renamed to the dataset's vocabulary).
INGESTED_SCHEMA = pa.schema(
    [
        pa.field("row_index", pa.int64(), nullable=False),
        pa.field("rnainter_id", pa.string()),
        pa.field("rna_symbol", pa.string()),
        pa.field("rna_category", pa.string()),
        pa.field("rna_species", pa.string()),
        pa.field("protein_symbol", pa.string()),
        pa.field("protein_category", pa.string()),
        pa.field("protein_species", pa.string()),
        pa.field("rna_source_id", pa.string()),
        pa.field("protein_source_id", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("evidence_strong", pa.string()),
        pa.field("evidence_weak", pa.string()),
        pa.field("evidence_predict", pa.string()),
    ]
)

#: Bytes per parsed block: bounds memory (a block of the real file is ~1 M rows at 128 MiB).
DEFAULT_BLOCK_SIZE = 64 << 20
INGEST_STEP = "ingest"


@dataclass(frozen=True)
class IngestConfig:
    """Which RNAInter rows to keep (see the module docstring for the exact semantics)."""

    rna_categories: tuple[str, ...] = NCRNA_CATEGORIES
    protein_categories: tuple[str, ...] = PROTEIN_CATEGORIES
    species: tuple[str, ...] | None = None
    min_score: float | None = None
    evidence: Evidence = "any"
    drop_prediction_only: bool = False
    #: Member of a ``.tar.gz`` to read (default: the only / first ``.txt`` member).
    tar_member: str | None = None
    block_size: int = DEFAULT_BLOCK_SIZE

    def __post_init__(self) -> None:
        if self.evidence not in ("strong", "weak", "any"):
            raise InputError(f"evidence must be strong, weak or any, not {self.evidence!r}")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError(f"min_score must lie in [0, 1], not {self.min_score}")
        if not self.rna_categories or not self.protein_categories:
            raise InputError("the RNA and protein category lists must not be empty")


@dataclass
class IngestResult:
    output: Path
    rows_read: int
    rows_kept: int
    drops: Counter[str] = field(default_factory=Counter)


@contextlib.contextmanager
def open_rnainter(path: str | os.PathLike[str], tar_member: str | None = None) -> Iterator[IO[bytes]]:
    """Open RNAInter's file as a binary stream: ``.txt``, ``.txt.gz`` or a member of ``.tar.gz``.

    A ``.tar.gz`` is read in streaming mode (``r|gz``): the member is decompressed as it is parsed,
    never extracted to disk or held in memory.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such RNAInter file")
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                wanted = member.name == tar_member or Path(member.name).name == tar_member
                if member.isfile() and (wanted or (tar_member is None and member.name.endswith(".txt"))):
                    handle = archive.extractfile(member)
                    assert handle is not None  # a regular file always has a stream
                    yield handle
                    return
        raise InputError(f"{path}: no member {tar_member or '*.txt'} in the archive")
    elif name.endswith(".gz"):
        with pa.input_stream(str(path), compression="gzip") as stream:
            yield stream  # type: ignore[misc]
    else:
        with open(path, "rb") as handle:
            yield handle


def _quote(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def classify_sql(config: IngestConfig) -> tuple[str, str]:
    """Two queries over one block: drop counts by reason (reads only the filtered columns) and the
    renamed, typed kept rows (the costly projection runs on kept rows only)."""

    # Fields are compared verbatim (no trim: it costs more than the rest of the filter, and RNAInter's
    # fields carry no padding); the score is parsed once per row in the inner query.
    def missing(col: str) -> str:
        return f"(\"{col}\" IN ('', 'N/A'))"

    def nullable(col: str) -> str:
        return f"CASE WHEN {missing(col)} THEN NULL ELSE \"{col}\" END"

    score = "score_value"
    has_strong = f"NOT {missing('strong')}"
    has_weak = f"NOT {missing('weak')}"
    cases = [
        f"WHEN NOT {missing('score')} AND ({score} IS NULL OR isnan({score}) OR {score} < 0 OR {score} > 1)"
        " THEN 'malformed: bad score'",
        f"WHEN {missing('Raw_ID1')} OR {missing('Raw_ID2')} THEN 'malformed: empty Raw_ID'",
        f"WHEN {missing('RNAInterID')} THEN 'malformed: empty RNAInterID'",
        f"WHEN Category1 NOT IN ({_quote(config.rna_categories)}) "
        "THEN 'rna category not in whitelist: ' || Category1",
        f"WHEN Category2 NOT IN ({_quote(config.protein_categories)}) "
        "THEN 'protein category not in whitelist: ' || Category2",
    ]
    if config.species is not None:
        allowed = _quote(config.species)
        cases.append(f"WHEN Species1 NOT IN ({allowed}) OR Species2 NOT IN ({allowed}) THEN 'species not selected'")
    if config.min_score is not None:
        cases.append(f"WHEN {missing('score')} THEN 'score missing (min_score set)'")
        cases.append(f"WHEN {score} < {float(config.min_score)!r} THEN 'score below min_score'")
    if config.evidence == "strong":
        cases.append(f"WHEN NOT ({has_strong}) THEN 'no strong evidence'")
    elif config.evidence == "weak":
        cases.append(f"WHEN NOT ({has_strong} OR {has_weak}) THEN 'no strong or weak evidence'")
    if config.drop_prediction_only:
        cases.append(f"WHEN NOT ({has_strong} OR {has_weak}) THEN 'prediction-only evidence'")
    reason = f"CASE {' '.join(cases)} ELSE NULL END"
    scored = "WITH scored AS (SELECT *, TRY_CAST(score AS DOUBLE) AS score_value FROM block)"
    counts = f"""{scored}
        SELECT drop_reason, count(*), min(RNAInterID)
        FROM (SELECT RNAInterID, {reason} AS drop_reason FROM scored)
        WHERE drop_reason IS NOT NULL GROUP BY drop_reason
    """
    kept = f"""{scored}
        SELECT
            row_index,
            RNAInterID AS rnainter_id,
            {nullable('Interactor1.Symbol')} AS rna_symbol,
            Category1 AS rna_category,
            {nullable('Species1')} AS rna_species,
            {nullable('Interactor2.Symbol')} AS protein_symbol,
            Category2 AS protein_category,
            {nullable('Species2')} AS protein_species,
            Raw_ID1 AS rna_source_id,
            Raw_ID2 AS protein_source_id,
            CASE WHEN {missing('score')} THEN NULL ELSE {score} END AS score,
            {nullable('strong')} AS evidence_strong,
            {nullable('weak')} AS evidence_weak,
            {nullable('predict')} AS evidence_predict
        FROM scored
        WHERE ({reason}) IS NULL
    """
    return counts, kept


def _blocks(
    handle: IO[bytes], source: Path, block_size: int, malformed: Counter[str], examples: list[str]
) -> Iterator[pa.RecordBatch]:
    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        malformed[f"malformed: {row.actual_columns} columns instead of {row.expected_columns}"] += 1
        if len(examples) < 5:
            examples.append(row.text[:80])
        return "skip"

    try:
        reader = pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(block_size=block_size, use_threads=True),
            parse_options=pacsv.ParseOptions(
                delimiter="\t",
                quote_char=False,
                escape_char=False,
                newlines_in_values=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in RNAINTER_COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        if "Empty CSV file" in str(err):
            raise InputError(f"{source}: the file is empty (expected RNAInter's header line)") from err
        raise InputError(f"{source}: cannot read as RNAInter's tab-separated format ({err})") from err
    if tuple(reader.schema.names) != RNAINTER_COLUMNS:
        raise InputError(
            f"{source}: header {'/'.join(reader.schema.names)!r} is not RNAInter's RNA-protein header "
            f"{'/'.join(RNAINTER_COLUMNS)!r}"
        )
    try:
        yield from reader
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise InputError(f"{source}: unreadable content ({err})") from err


def ingest_rnainter(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    config: IngestConfig = IngestConfig(),
    report: Report | None = None,
    progress: bool = False,
) -> IngestResult:
    """Stream RNAInter's file through the filters into ``output`` (Parquet, :data:`INGESTED_SCHEMA`).

    ``row_index`` numbers the well-formed data rows from 0 in file order (later stages use it to keep
    the first occurrence deterministically). Drops go to ``report`` under the step ``ingest``.
    """
    from tqdm import tqdm

    source, output = Path(path), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    count_sql, kept_sql = classify_sql(config)
    drops: Counter[str] = Counter()
    malformed: Counter[str] = Counter()
    malformed_examples: list[str] = []
    drop_examples: dict[str, str] = {}
    rows_read = rows_kept = 0
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    writer = pq.ParquetWriter(tmp, INGESTED_SCHEMA, **PARQUET_OPTIONS)
    try:
        with open_rnainter(source, config.tar_member) as handle, tqdm(
            desc="ingest RNAInter", unit=" rows", unit_scale=True, disable=not progress
        ) as bar:
            for batch in _blocks(handle, source, config.block_size, malformed, malformed_examples):
                numbered = batch.append_column(
                    "row_index", pa.array(range(rows_read, rows_read + batch.num_rows), pa.int64())
                )
                con.register("block", numbered)
                for reason, count, example in con.sql(count_sql).fetchall():
                    drops[reason] += count
                    drop_examples.setdefault(reason, example)
                kept = con.sql(kept_sql).to_arrow_table()
                con.unregister("block")
                rows_read += batch.num_rows
                rows_kept += kept.num_rows
                writer.write_table(kept.cast(INGESTED_SCHEMA))
                bar.update(batch.num_rows)
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(tmp, output)

    drops.update(malformed)
    if report is not None:
        report.step("rows read (well-formed + malformed)", rows_read + sum(malformed.values()))
        for reason, count in sorted(malformed.items()):
            report.drop(INGEST_STEP, reason, count, "; ".join(malformed_examples[:3]) or None)
        for reason, count in sorted(drops.items()):
            if reason not in malformed:
                report.drop(INGEST_STEP, reason, count, drop_examples.get(reason))
        report.step("ingested (after filters)", rows_kept)
    return IngestResult(output, rows_read + sum(malformed.values()), rows_kept, drops)


def source_database(raw_id: str | None) -> str:
    """The database prefix of a ``DB:ID`` raw id (``NCBI:69889`` -> ``NCBI``); ``(none)`` without one."""
    if not raw_id or ":" not in raw_id:
        return "(none)"
    return raw_id.split(":", 1)[0]
