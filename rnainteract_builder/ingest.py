"""Streaming ingest of RNAInter v4's RNA-protein download (``Download_data_RP.txt``, 37 M rows).

The file is never loaded whole. DuckDB's CSV reader parses it in parallel and out of core (plain
``.txt`` read in place, ``.txt.gz`` decompressed by DuckDB, the member of the original ``.tar.gz``
decompressed from the tar stream and piped into DuckDB through a FIFO), classifies every well-formed row
in the same pass (malformed -> filtered -> kept) and streams the rows, in file order, as Arrow batches:
kept rows are written to one Parquet file, dropped rows are counted by reason. Lines with the wrong
number of columns never reach the query: DuckDB's rejects table records them and they are counted
afterwards, once per line.

Parsing rules that follow the file's format (``shared/data/rnainter/README.md``):

* tab-separated, one header line, 13 columns; ``"`` is an ordinary character (symbols contain it), never
  a quote, and there is no escape character; empty lines are skipped;
* ``N/A`` (and an empty field) means missing;
* a row with the wrong number of columns, a score that is not a number in [0, 1], an empty
  ``Raw_ID1`` / ``Raw_ID2`` or an empty ``RNAInterID`` is *malformed*: counted, never fatal. So is a line
  that is not valid UTF-8 or longer than DuckDB's maximum line size.

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
import gzip
import os
import queue
import tarfile
import tempfile
import threading
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import PARQUET_OPTIONS
from rnainteract_builder.contract.report import Report

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

#: Bytes per read when a ``.tar`` / ``.tar.gz`` member is piped into DuckDB.
DEFAULT_BLOCK_SIZE = 4 << 20
#: Rows per Arrow batch streamed out of DuckDB (bounds the memory held in Python at once).
BATCH_ROWS = 1 << 17
#: Rows per Parquet row group of the output.
ROW_GROUP_ROWS = 1 << 17
INGEST_STEP = "ingest"
_COLUMN_COUNT_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")


@dataclass(frozen=True)
class IngestConfig:
    """Which RNAInter rows to keep (see the module docstring for the exact semantics), and the resources
    the parser may use (``block_size``, ``threads``, ``memory_limit`` never change the output)."""

    rna_categories: tuple[str, ...] = NCRNA_CATEGORIES
    protein_categories: tuple[str, ...] = PROTEIN_CATEGORIES
    species: tuple[str, ...] | None = None
    min_score: float | None = None
    evidence: Evidence = "any"
    drop_prediction_only: bool = False
    #: Member of a ``.tar.gz`` to read (default: the only / first ``.txt`` member).
    tar_member: str | None = None
    block_size: int = DEFAULT_BLOCK_SIZE
    #: DuckDB worker threads (default: one per CPU core).
    threads: int | None = None
    #: DuckDB's memory cap; beyond it DuckDB spills to a temporary folder beside the output.
    memory_limit: str = "1GB"

    def __post_init__(self) -> None:
        if self.evidence not in ("strong", "weak", "any"):
            raise InputError(f"evidence must be strong, weak or any, not {self.evidence!r}")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError(f"min_score must lie in [0, 1], not {self.min_score}")
        if not self.rna_categories or not self.protein_categories:
            raise InputError("the RNA and protein category lists must not be empty")
        if self.block_size < 1 or (self.threads is not None and self.threads < 1):
            raise InputError("block_size and threads must be positive")


@dataclass
class IngestResult:
    output: Path
    rows_read: int
    rows_kept: int
    drops: Counter[str] = field(default_factory=Counter)


def _is_tar(path: Path) -> bool:
    return path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))


@contextlib.contextmanager
def open_rnainter(path: str | os.PathLike[str], tar_member: str | None = None) -> Iterator[IO[bytes]]:
    """Open RNAInter's file as a binary stream: ``.txt``, ``.txt.gz`` or a member of ``.tar.gz``.

    A ``.tar.gz`` is read in streaming mode (``r|gz``): the member is decompressed as it is read,
    never extracted to disk or held in memory.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such RNAInter file")
    if _is_tar(path):
        try:
            archive = tarfile.open(path, mode="r|*")  # noqa: SIM115 - closed by the with below
        except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
            raise InputError(f"{path}: unreadable archive ({err})") from err
        with archive:
            yield _tar_member(archive, path, tar_member)
    elif path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield handle  # type: ignore[misc]
    else:
        with open(path, "rb") as handle:
            yield handle


def _tar_member(archive: tarfile.TarFile, path: Path, tar_member: str | None) -> IO[bytes]:
    """The stream of the wanted member (by name or base name; default: the first ``.txt``)."""
    try:
        for member in archive:
            wanted = member.name == tar_member or Path(member.name).name == tar_member
            if member.isfile() and (wanted or (tar_member is None and member.name.endswith(".txt"))):
                handle = archive.extractfile(member)
                assert handle is not None  # a regular file always has a stream
                return handle
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise InputError(f"{path}: unreadable archive ({err})") from err
    raise InputError(f"{path}: no member {tar_member or '*.txt'} in the archive")


def check_header(line: bytes, source: Path) -> None:
    """Raise InputError unless ``line`` is RNAInter's RNA-protein header."""
    if not line:
        raise InputError(f"{source}: the file is empty (expected RNAInter's header line)")
    try:
        names = line.decode("utf-8-sig").rstrip("\r\n").split("\t")
    except UnicodeDecodeError as err:
        raise InputError(f"{source}: the header line is not UTF-8 ({err})") from err
    if tuple(names) != RNAINTER_COLUMNS:
        raise InputError(
            f"{source}: header {'/'.join(names)!r} is not RNAInter's RNA-protein header "
            f"{'/'.join(RNAINTER_COLUMNS)!r}"
        )


class _Pipe(threading.Thread):
    """Copies a binary stream into a FIFO that DuckDB reads, so a tar member is parsed while it is
    decompressed (nothing extracted, nothing held). Errors are kept for the caller to raise."""

    def __init__(self, stream: IO[bytes], fifo: Path, block_size: int) -> None:
        super().__init__(name="rnainter-pipe", daemon=True)
        self.stream, self.fifo, self.block_size = stream, fifo, block_size
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            with open(self.fifo, "wb") as out:
                while not self.stop.is_set() and (block := self.stream.read(self.block_size)):
                    out.write(block)
        except BrokenPipeError:  # the reader went away; its own error is what the caller reports
            pass
        except BaseException as err:  # noqa: BLE001 - handed to the caller, never lost
            self.error = err

    def release(self) -> None:
        """Stop the copy and wait for it. A writer still blocked (no reader came, or the reader stopped
        reading after an error) is unblocked by opening and draining the FIFO here."""
        self.stop.set()
        if self.is_alive():
            fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while self.is_alive():
                    with contextlib.suppress(BlockingIOError):
                        os.read(fd, 1 << 20)
                    self.join(0.01)
            finally:
                os.close(fd)
        self.join()


@contextlib.contextmanager
def _duckdb_input(source: Path, config: IngestConfig, workdir: Path) -> Iterator[tuple[Path, bool, str]]:
    """Check the header and give DuckDB something to read: ``(path, header line still there, compression)``.

    Plain and gzip files are read by DuckDB itself (in parallel for plain text); a tar member is piped
    through a FIFO by a thread (a temporary copy on disk where the platform has no FIFOs).
    """
    with open_rnainter(source, config.tar_member) as handle:
        try:
            first_line = handle.readline()
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(f"{source}: unreadable compressed file ({err})") from err
        check_header(first_line, source)
        if not _is_tar(source):
            handle.close()
            yield source, True, "gzip" if source.name.lower().endswith(".gz") else "none"
            return
        fifo = workdir / "member.txt"
        if not hasattr(os, "mkfifo"):
            with open(fifo, "wb") as copy:
                while block := handle.read(config.block_size):
                    copy.write(block)
            yield fifo, False, "none"
            return
        os.mkfifo(fifo)
        pipe = _Pipe(handle, fifo, config.block_size)
        pipe.start()
        try:
            yield fifo, False, "none"
        finally:
            pipe.release()
        if pipe.error is not None:
            raise InputError(f"{source}: unreadable archive member ({pipe.error})") from pipe.error


def _sql_string(value: str | os.PathLike[str]) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _quote(values: Sequence[str]) -> str:
    return ", ".join(_sql_string(v) for v in values)


def read_csv_sql(path: Path, header: bool, compression: str) -> str:
    """DuckDB's reader for RNAInter's format: all text, verbatim (no quote / escape character, no NULL
    strings), 13 columns exactly; other lines go to the rejects table ``ingest_rejects``."""
    columns = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in RNAINTER_COLUMNS)
    return (
        f"read_csv({_sql_string(path)}, columns = {{{columns}}}, delim = '\\t', quote = '', escape = '', "
        f"force_not_null = [{_quote(RNAINTER_COLUMNS)}], "  # an empty field stays '' (NULL is decided in SQL)
        f"header = {str(header).lower()}, compression = '{compression}', auto_detect = false, "
        "strict_mode = true, store_rejects = true, rejects_table = 'ingest_rejects', "
        "rejects_scan = 'ingest_scans')"
    )


#: Drop reasons of well-formed rows; the query returns their index (0 = kept). ``{}`` is the category.
DROP_REASONS = (
    None,
    "malformed: bad score",
    "malformed: empty Raw_ID",
    "malformed: empty RNAInterID",
    "rna category not in whitelist: {}",
    "protein category not in whitelist: {}",
    "species not selected",
    "score missing (min_score set)",
    "score below min_score",
    "no strong evidence",
    "no strong or weak evidence",
    "prediction-only evidence",
)
_RNA_CATEGORY_CODE = DROP_REASONS.index("rna category not in whitelist: {}")
_PROTEIN_CATEGORY_CODE = DROP_REASONS.index("protein category not in whitelist: {}")


def classify_sql(config: IngestConfig, source: str) -> str:
    """One pass over ``source`` (a DuckDB relation of RNAInter's 13 text columns): every row in file
    order with ``drop_code`` (index into :data:`DROP_REASONS`, 0 = kept; the first filter that fails
    wins) and the renamed, typed columns of the ingested table."""

    # Fields are compared verbatim (no trim: it costs more than the rest of the filter, and RNAInter's
    # fields carry no padding); the score is parsed once per row in the inner query. Reasons are small
    # integers, not strings, so dropped rows cost no string building.
    def missing(col: str) -> str:
        return f"(\"{col}\" IN ('', 'N/A'))"

    def nullable(col: str) -> str:
        return f"CASE WHEN {missing(col)} THEN NULL ELSE \"{col}\" END"

    def when(condition: str, reason: str) -> str:
        return f"WHEN {condition} THEN {DROP_REASONS.index(reason)}"

    score = "score_value"
    has_strong = f"NOT {missing('strong')}"
    has_weak = f"NOT {missing('weak')}"
    cases = [
        when(f"NOT {missing('score')} AND ({score} IS NULL OR isnan({score}) OR {score} < 0 OR {score} > 1)",
             "malformed: bad score"),
        when(f"{missing('Raw_ID1')} OR {missing('Raw_ID2')}", "malformed: empty Raw_ID"),
        when(missing("RNAInterID"), "malformed: empty RNAInterID"),
        when(f"Category1 NOT IN ({_quote(config.rna_categories)})", "rna category not in whitelist: {}"),
        when(f"Category2 NOT IN ({_quote(config.protein_categories)})", "protein category not in whitelist: {}"),
    ]
    if config.species is not None:
        allowed = _quote(config.species)
        cases.append(when(f"Species1 NOT IN ({allowed}) OR Species2 NOT IN ({allowed})", "species not selected"))
    if config.min_score is not None:
        cases.append(when(missing("score"), "score missing (min_score set)"))
        cases.append(when(f"{score} < {float(config.min_score)!r}", "score below min_score"))
    if config.evidence == "strong":
        cases.append(when(f"NOT ({has_strong})", "no strong evidence"))
    elif config.evidence == "weak":
        cases.append(when(f"NOT ({has_strong} OR {has_weak})", "no strong or weak evidence"))
    if config.drop_prediction_only:
        cases.append(when(f"NOT ({has_strong} OR {has_weak})", "prediction-only evidence"))
    return f"""
        SELECT
            CAST(CASE {' '.join(cases)} ELSE 0 END AS UTINYINT) AS drop_code,
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
        FROM (SELECT *, TRY_CAST(score AS DOUBLE) AS {score} FROM {source})
    """


#: Malformed lines from DuckDB's rejects table: one per line (DuckDB logs one error per missing column),
#: counted by reason, with the first such line as the example.
MALFORMED_SQL = f"""
    WITH lines AS (
        SELECT line_byte_position,
               bool_or(error_type IN ({_quote(_COLUMN_COUNT_ERRORS)})) AS column_count_error,
               any_value(error_type) AS error_type,
               any_value(csv_line) AS csv_line
        FROM ingest_rejects GROUP BY scan_id, file_id, line_byte_position)
    SELECT reason, count(*), arg_min(trim(csv_line, chr(10) || chr(13)), line_byte_position)
    FROM (SELECT line_byte_position, csv_line,
                 CASE WHEN column_count_error
                      THEN 'malformed: ' || (length(csv_line) - length(replace(csv_line, chr(9), '')) + 1)
                           || ' columns instead of {len(RNAINTER_COLUMNS)}'
                      WHEN error_type = 'INVALID ENCODING' THEN 'malformed: not UTF-8'
                      WHEN error_type = 'LINE SIZE OVER MAXIMUM' THEN 'malformed: line too long'
                      ELSE 'malformed: ' || lower(error_type) END AS reason
          FROM lines)
    GROUP BY reason ORDER BY reason
"""


#: Columns with few distinct values: dictionary-encoded in the output (ids, numbers and row numbers are not).
_DICTIONARY_COLUMNS = [
    "rna_symbol", "rna_category", "rna_species", "protein_symbol", "protein_category", "protein_species",
    "rna_source_id", "protein_source_id", "evidence_strong", "evidence_weak", "evidence_predict",
]


class _RowSink:
    """Takes numbered batches with their drop codes and, on a background thread (pyarrow filters and
    encodes without the GIL, so this overlaps parsing), counts the drops and writes the kept rows to
    Parquet in row groups of :data:`ROW_GROUP_ROWS` (deterministic bytes)."""

    def __init__(self, path: Path) -> None:
        self.writer = pq.ParquetWriter(path, INGESTED_SCHEMA, use_dictionary=_DICTIONARY_COLUMNS, **PARQUET_OPTIONS)
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.rows_kept = 0
        self.drops: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.queue: queue.Queue[tuple[pa.RecordBatch, pa.Array] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="rnainter-sink", daemon=True)
        self.thread.start()

    def add(self, rows: pa.RecordBatch, codes: pa.Array) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((rows, codes))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self._take(*item)
                except BaseException as err:  # noqa: BLE001 - raised by add() / close()
                    self.error = err

    def _take(self, rows: pa.RecordBatch, codes: pa.Array) -> None:
        kept = rows.filter(pc.equal(codes, 0))
        if kept.num_rows < rows.num_rows:
            _count_drops(codes, rows, self.drops, self.examples)
        self.rows_kept += kept.num_rows
        self.pending.append(kept)
        self.pending_rows += kept.num_rows
        if self.pending_rows >= ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        table = pa.Table.from_batches(self.pending, INGESTED_SCHEMA)
        full = table.num_rows if final else table.num_rows - table.num_rows % ROW_GROUP_ROWS
        if full:
            self.writer.write_table(table.slice(0, full), row_group_size=ROW_GROUP_ROWS)
        rest = table.slice(full)
        self.pending, self.pending_rows = rest.to_batches(), rest.num_rows

    def close(self, discard: bool = False) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is None and self.pending_rows and not discard:
            self._flush(final=True)
        self.writer.close()
        if self.error is not None and not discard:
            raise self.error


def _connect(config: IngestConfig, spill: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"preserve_insertion_order": True})  # the stream comes in file order
    if config.threads is not None:
        con.execute(f"SET threads TO {int(config.threads)}")
    con.execute(f"SET memory_limit = {_sql_string(config.memory_limit)}")
    con.execute(f"SET temp_directory = {_sql_string(spill)}")
    return con


def ingest_rnainter(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    config: IngestConfig = IngestConfig(),
    report: Report | None = None,
    progress: bool = False,
) -> IngestResult:
    """Stream RNAInter's file through the filters into ``output`` (Parquet, :data:`INGESTED_SCHEMA`).

    ``row_index`` numbers the well-formed data rows (13 columns) from 0 in file order (later stages use
    it to keep the first occurrence deterministically). Drops go to ``report`` under the step ``ingest``.
    """
    from tqdm import tqdm

    source, output = Path(path), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    rows_read = 0
    with tempfile.TemporaryDirectory(prefix=".ingest-", dir=output.parent) as workdir:
        con = _connect(config, Path(workdir) / "spill")
        sink = _RowSink(tmp)
        try:
            with _duckdb_input(source, config, Path(workdir)) as (csv_path, header, compression), tqdm(
                desc="ingest RNAInter", unit=" rows", unit_scale=True, disable=not progress
            ) as bar:
                query = classify_sql(config, read_csv_sql(csv_path, header, compression))
                for batch in con.sql(query).to_arrow_reader(BATCH_ROWS):
                    numbered = pa.RecordBatch.from_arrays(
                        [pa.array(np.arange(rows_read, rows_read + batch.num_rows, dtype=np.int64)),
                         *batch.columns[1:]],
                        schema=INGESTED_SCHEMA,
                    )
                    sink.add(numbered, batch.column(0))
                    rows_read += batch.num_rows
                    bar.update(batch.num_rows)
                malformed = con.sql(MALFORMED_SQL).fetchall()
            sink.close()
        except BaseException as err:
            sink.close(discard=True)
            tmp.unlink(missing_ok=True)
            if isinstance(err, duckdb.Error):
                raise InputError(f"{source}: cannot read as RNAInter's tab-separated format ({err})") from err
            raise
        finally:
            con.close()
    os.replace(tmp, output)
    drops, examples, rows_kept = sink.drops, sink.examples, sink.rows_kept

    malformed_total = sum(count for _, count, _ in malformed)
    if report is not None:
        report.step("rows read (well-formed + malformed)", rows_read + malformed_total)
        for reason, count, example in malformed:
            report.drop(INGEST_STEP, reason, count, example[:80] if example else None)
        for reason, count in sorted(drops.items()):
            report.drop(INGEST_STEP, reason, count, examples.get(reason))
        report.step("ingested (after filters)", rows_kept)
    drops.update({reason: count for reason, count, _ in malformed})
    return IngestResult(output, rows_read + malformed_total, rows_kept, drops)


def _count_drops(codes: pa.Array, rows: pa.RecordBatch, drops: Counter[str], examples: dict[str, str]) -> None:
    """Add one batch's drop counts by reason; the first RNAInterID dropped for a reason is its example."""
    counts = pc.value_counts(codes)
    for code, count in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
        if code == 0:
            continue
        selected = pc.equal(codes, code)
        ids = rows.column("rnainter_id").filter(selected)
        if code in (_RNA_CATEGORY_CODE, _PROTEIN_CATEGORY_CODE):
            column = "rna_category" if code == _RNA_CATEGORY_CODE else "protein_category"
            categories = rows.column(column).filter(selected)
            per_category = pc.value_counts(categories)
            for category, n in zip(
                per_category.field("values").to_pylist(), per_category.field("counts").to_pylist(), strict=True
            ):
                reason = DROP_REASONS[code].format(category)
                drops[reason] += n
                if reason not in examples:
                    examples[reason] = ids[pc.index(categories, category).as_py()].as_py()
        else:
            reason = DROP_REASONS[code]
            drops[reason] += count
            examples.setdefault(reason, ids[0].as_py())


def source_database(raw_id: str | None) -> str:
    """The database prefix of a ``DB:ID`` raw id (``NCBI:69889`` -> ``NCBI``); ``(none)`` without one."""
    if not raw_id or ":" not in raw_id:
        return "(none)"
    return raw_id.split(":", 1)[0]
