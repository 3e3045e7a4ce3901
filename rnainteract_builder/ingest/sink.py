"""Writing the kept rows to Parquet (and counting the dropped ones) on a background thread."""

from __future__ import annotations

import queue
import threading
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rnainteract_builder.contract.io import PARQUET_OPTIONS
from rnainteract_builder.ingest.filters import _count_drops
from rnainteract_builder.ingest.format import INGESTED_SCHEMA, ROW_GROUP_ROWS

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


