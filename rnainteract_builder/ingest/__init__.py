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

import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.ingest.filters import DROP_REASONS, MALFORMED_SQL, classify_sql
from rnainteract_builder.ingest.format import (
    BATCH_ROWS,
    DEFAULT_BLOCK_SIZE,
    EXCLUDED_RNA_CATEGORIES,
    INGEST_STEP,
    INGESTED_SCHEMA,
    NCRNA_CATEGORIES,
    PROTEIN_CATEGORIES,
    RNAINTER_COLUMNS,
    ROW_GROUP_ROWS,
    Evidence,
    IngestConfig,
    source_database,
)
from rnainteract_builder.ingest.reader import (
    _duckdb_input,
    _sql_string,
    check_header,
    open_rnainter,
    read_csv_sql,
)
from rnainteract_builder.ingest.sink import _RowSink

__all__ = [
    "DEFAULT_BLOCK_SIZE", "DROP_REASONS", "EXCLUDED_RNA_CATEGORIES", "INGESTED_SCHEMA", "NCRNA_CATEGORIES",
    "PROTEIN_CATEGORIES", "RNAINTER_COLUMNS", "ROW_GROUP_ROWS", "Evidence", "IngestConfig", "IngestResult",
    "check_header", "classify_sql", "ingest_rnainter", "open_rnainter", "read_csv_sql", "source_database",
]  # fmt: skip


@dataclass
class IngestResult:
    output: Path
    rows_read: int
    rows_kept: int
    drops: Counter[str] = field(default_factory=Counter)


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


