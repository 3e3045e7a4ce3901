"""Listed pairs read in chunks: a pairs file (TSV, CSV, Parquet), an Arrow table or a list, never whole.

A prediction reads the pairs a few times (molecules and row count, block plan, skipped rows, scoring), each
time as a stream of :class:`PairChunk` of at most :data:`CHUNK_ROWS` rows, so the memory of the input side
follows the chunk and block sizes, not the number of pairs. Rows are named the same way on every pass: a
row without ``pair_id`` is ``<rna_id>__<protein_id>``, and a row with a sequence but no id gets its row
number (``rna_12``), so the passes agree row for row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rnainteract_builder.contract.errors import InputError

PathLike = str | os.PathLike[str]
#: Columns of a pairs file: ids are required; sequence columns make FASTA files unnecessary.
PAIR_COLUMNS = ("rna_id", "protein_id")
SEQUENCE_COLUMNS = {"rna": "rna_sequence", "protein": "protein_sequence"}
KNOWN_COLUMNS = (*PAIR_COLUMNS, "pair_id", *SEQUENCE_COLUMNS.values())
#: Rows turned into Python objects at once, and the bytes of text the CSV reader takes at once.
CHUNK_ROWS = 16_384
CSV_BLOCK_BYTES = 1 << 20

Batches = Callable[[], Iterator[dict[str, list[Any]]]]


@dataclass
class PairChunk:
    """Rows ``start : start + len(pair_ids)``: names and ids as text (``""`` for a missing id), and for the
    molecule records the ids as read (``None`` when missing) and the sequence column, if there is one."""

    start: int
    pair_ids: list[str]
    rna_ids: list[str]
    protein_ids: list[str]
    raw_ids: dict[str, list[Any]]
    sequences: dict[str, list[Any] | None]

    def __len__(self) -> int:
        return len(self.pair_ids)

    def hash_into(self, digest: Any) -> None:
        """Add the rows' names to a running hash of the input (what resuming a run compares)."""
        for row in zip(self.pair_ids, self.rna_ids, self.protein_ids, strict=True):
            digest.update(("\t".join(row) + "\n").encode())

    def slice(self, start: int, stop: int) -> PairChunk:
        """Rows ``start:stop`` of the input (inside this chunk)."""
        a, b = start - self.start, stop - self.start
        return PairChunk(
            start,
            self.pair_ids[a:b],
            self.rna_ids[a:b],
            self.protein_ids[a:b],
            {m: ids[a:b] for m, ids in self.raw_ids.items()},
            {m: None if s is None else s[a:b] for m, s in self.sequences.items()},
        )


def _joined(first: PairChunk, second: PairChunk) -> PairChunk:
    return PairChunk(
        first.start,
        first.pair_ids + second.pair_ids,
        first.rna_ids + second.rna_ids,
        first.protein_ids + second.protein_ids,
        {m: ids + second.raw_ids[m] for m, ids in first.raw_ids.items()},
        {
            m: None if s is None else s + second.sequences[m]  # type: ignore[operator]
            for m, s in first.sequences.items()
        },
    )


class ListedPairs:
    """Pairs of a pairs file, table or list, in input order, re-read chunk by chunk on every pass.

    ``count`` and ``digest`` (of every row's names) are set by the first pass
    (:func:`~rpiembeddor_hf.predict.inputs.collect_inputs`).
    """

    def __init__(self, batches: Batches, columns: Sequence[str], where: str):
        self._batches, self.columns, self.where = batches, tuple(columns), where
        self.count = 0
        self.digest = ""

    def chunks(self) -> Iterator[PairChunk]:
        """Every row, in chunks, named (see module docs)."""
        start = 0
        try:
            for batch in self._batches():
                chunk = self._chunk(start, batch)
                start += len(chunk)
                if len(chunk):
                    yield chunk
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{self.where}: not a readable pairs file ({str(err).splitlines()[0]})") from err

    def ranges(self, ranges: Sequence[tuple[int, int]]) -> Iterator[PairChunk]:
        """The rows of consecutive ranges ``(start, stop)`` that cover the input, one chunk per range."""
        rows = self.chunks()
        held: PairChunk | None = None
        for start, stop in ranges:
            while held is None or held.start + len(held) < stop:
                more = next(rows, None)
                if more is None:
                    break
                held = more if held is None else _joined(held, more)
            if held is None:
                return
            yield held.slice(start, stop)
            held = held.slice(stop, held.start + len(held))

    def _chunk(self, start: int, batch: dict[str, list[Any]]) -> PairChunk:
        raw = {"rna": batch["rna_id"], "protein": batch["protein_id"]}
        sequences = {m: batch.get(c) for m, c in SEQUENCE_COLUMNS.items()}
        for mol, column in sequences.items():
            if column is None:
                continue
            ids = raw[mol]
            for row, (source_id, sequence) in enumerate(zip(ids, column, strict=True)):
                if source_id is None and sequence is not None:
                    ids[row] = f"{mol}_{start + row + 1}"  # unnamed: its row number
        given = batch.get("pair_id")
        names = [
            str(given[row]) if given is not None and given[row] else f"{r}__{p}"
            for row, (r, p) in enumerate(zip(raw["rna"], raw["protein"], strict=True))
        ]
        text = {m: ["" if i is None else str(i) for i in ids] for m, ids in raw.items()}
        return PairChunk(start, names, text["rna"], text["protein"], raw, sequences)


# -- sources ---------------------------------------------------------------------------------------------
def _check_columns(names: Sequence[str], where: str) -> list[str]:
    missing = [c for c in PAIR_COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"{where}: pairs file lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(names) or 'none'}); expected rna_id, protein_id "
            "and optionally pair_id, rna_sequence, protein_sequence"
        )
    return [c for c in KNOWN_COLUMNS if c in names]


def _record_batches(batches: Iterator[pa.RecordBatch], columns: list[str]) -> Iterator[dict[str, list[Any]]]:
    for batch in batches:
        for first in range(0, batch.num_rows, CHUNK_ROWS):
            part = batch.slice(first, CHUNK_ROWS)
            yield {c: part.column(c).to_pylist() for c in columns}


def table_pairs(table: pa.Table, where: str = "pairs table") -> ListedPairs:
    """Pairs of an Arrow table (read in slices)."""
    columns = _check_columns(table.column_names, where)
    return ListedPairs(lambda: _record_batches(iter(table.select(columns).to_batches(CHUNK_ROWS)), columns),
                       columns, where)


def list_pairs(pairs: Sequence[tuple[str, str]]) -> ListedPairs:
    """Pairs given as ``(rna_id, protein_id)`` tuples."""

    def batches() -> Iterator[dict[str, list[Any]]]:
        for first in range(0, len(pairs), CHUNK_ROWS):
            part = pairs[first : first + CHUNK_ROWS]
            yield {"rna_id": [str(r) for r, _ in part], "protein_id": [str(p) for _, p in part]}

    return ListedPairs(batches, PAIR_COLUMNS, "the pairs")


def file_pairs(source: PathLike) -> ListedPairs:
    """A pairs file: TSV (default), CSV (``.csv``, ``.csv.gz``) or Parquet, read in record batches."""
    path = Path(source)
    where = str(path)
    if not path.exists():
        raise InputError(f"{path}: no such pairs file")
    if path.suffix == ".parquet":
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{path}: not a readable Parquet file ({err})") from err
        columns = _check_columns(names, where)
        return ListedPairs(
            lambda: _record_batches(pq.ParquetFile(path).iter_batches(CHUNK_ROWS, columns=columns), columns),
            columns,
            where,
        )
    delimiter = "," if path.name.lower().endswith((".csv", ".csv.gz")) else "\t"

    def reader(columns: list[str] | None = None) -> pacsv.CSVStreamingReader:
        return pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in KNOWN_COLUMNS},
                strings_can_be_null=True,
                include_columns=columns or [],
            ),
        )

    try:
        with reader() as first:
            names = first.schema.names
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{path}: not a readable pairs file ({str(err).splitlines()[0]})") from err
    columns = _check_columns(names, where)
    return ListedPairs(lambda: _record_batches(iter(reader(columns)), columns), columns, where)
