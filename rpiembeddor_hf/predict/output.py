"""Prediction output: checked before any work, written block by block, resumable, atomic at the end.

A screen writes each finished block of rows to ``<output>.parts/block-NNNNNN.parquet`` (atomically), next
to a ``manifest.json`` that fingerprints the run (model, inputs, settings). A killed screen rerun with the
same command finds the blocks already written and scores only the rest; a rerun with anything changed
starts over. When every block is done the blocks are streamed into the output (Parquet row groups, or
TSV / CSV written chunk by chunk) under a temporary name that is renamed into place, and the parts folder
is removed. If that final write fails, the parts folder is kept and the error says where the finished
results are.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import (
    PARQUET_OPTIONS,
    read_parquet,
    temporary_path,
    write_parquet_atomic,
    write_text_atomic,
)

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("pair_id", pa.string(), nullable=False),
        pa.field("rna_source_id", pa.string()),
        pa.field("protein_source_id", pa.string()),
        pa.field("rna_id", pa.string()),  # content-hash ids, as in the dataset: joins with its embeddings
        pa.field("protein_id", pa.string()),
        pa.field("probability", pa.float32()),
        pa.field("label", pa.int8()),
        pa.field("status", pa.string(), nullable=False),  # scored | skipped
        pa.field("warnings", pa.string()),
    ]
)
#: Input row number, kept in the parts (top-k and ordering) and dropped from the output.
ROW = "_row"
FORMATS = {".tsv": "\t", ".csv": ",", ".parquet": None}


def output_format(path: str | os.PathLike[str] | None) -> str | None:
    """The delimiter for ``path`` (``None``: Parquet); stdout (``None`` / ``-``) is TSV."""
    if path is None or str(path) == "-":
        return "\t"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: unknown output format {suffix or '(no extension)'!r}; use .tsv, .csv or .parquet"
        )
    return FORMATS[suffix]


def check_output(path: str | os.PathLike[str] | None) -> None:
    """Before any work: the extension is known and the folder exists (or can be made) and is writable."""
    output_format(path)
    if path is None or str(path) == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a folder; give a file name ending in .tsv, .csv or .parquet")
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{target}: cannot create the output folder ({err.strerror or err})") from err
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InputError(f"{target}: not writable (check the folder's permissions), nothing was scored")
    probe = folder / f".{target.name}.probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise InputError(f"{target}: cannot write there ({err.strerror or err}), nothing was scored") from err


def _csv_options(delimiter: str, header: bool = True) -> pacsv.WriteOptions:
    # TSV unquoted (ids come from FASTA headers / TSV cells, which cannot hold tabs); CSV quoted as needed.
    style = "none" if delimiter == "\t" else "needed"
    return pacsv.WriteOptions(
        delimiter=delimiter, quoting_style=style, quoting_header=style, include_header=header
    )


def write_predictions(table: pa.Table, path: str | os.PathLike[str] | None) -> None:
    """One table as Parquet / CSV / TSV (``None`` / ``-``: TSV on stdout), atomically."""
    write_tables(iter([table]), path)


def write_tables(tables: Iterator[pa.Table], path: str | os.PathLike[str] | None) -> int:
    """Stream tables of :data:`OUTPUT_SCHEMA` (``_row`` dropped) into one output; returns rows written."""
    delimiter = output_format(path)
    if path is None or str(path) == "-":
        rows = 0
        for number, table in enumerate(tables):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(_public(table), sink, _csv_options("\t", header=number == 0))
            sys.stdout.buffer.write(sink.getvalue().to_pybytes())
            rows += table.num_rows
        sys.stdout.flush()
        return rows
    target = Path(path)
    tmp = temporary_path(target)
    rows = 0
    try:
        if delimiter is None:
            with pq.ParquetWriter(tmp, OUTPUT_SCHEMA, **PARQUET_OPTIONS) as writer:  # type: ignore[arg-type]
                for table in tables:
                    writer.write_table(_public(table))
                    rows += table.num_rows
        else:
            with pacsv.CSVWriter(tmp, OUTPUT_SCHEMA, write_options=_csv_options(delimiter)) as writer:
                for table in tables:
                    writer.write_table(_public(table))
                    rows += table.num_rows
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _public(table: pa.Table) -> pa.Table:
    return table.drop_columns([ROW]) if ROW in table.column_names else table


class BlockStore:
    """Finished blocks of a screen on disk (see module docs); ``folder`` None keeps them in memory."""

    def __init__(self, folder: Path | None, fingerprint: dict[str, object]):
        self.folder = folder
        self._memory: dict[int, pa.Table] = {}
        if folder is None:
            return
        manifest = folder / "manifest.json"
        text = json.dumps(fingerprint, sort_keys=True, indent=1) + "\n"
        if folder.exists() and (not manifest.exists() or manifest.read_text(encoding="utf-8") != text):
            shutil.rmtree(folder)  # another run's blocks: they would not give the same output
        folder.mkdir(parents=True, exist_ok=True)
        if not manifest.exists():
            write_text_atomic(manifest, text)

    def _path(self, number: int) -> Path:
        assert self.folder is not None
        return self.folder / f"block-{number:06d}.parquet"

    def done(self, number: int) -> bool:
        return number in self._memory if self.folder is None else self._path(number).exists()

    def put(self, number: int, table: pa.Table) -> None:
        if self.folder is None:
            self._memory[number] = table
        else:
            write_parquet_atomic(table, self._path(number))

    def get(self, number: int, columns: list[str] | None = None) -> pa.Table:
        if self.folder is None:
            table = self._memory[number]
            return table.select(columns) if columns else table
        if columns:
            return pq.read_table(self._path(number), columns=columns)
        return read_parquet(self._path(number))

    def remove(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self._memory.clear()


def top_rows(store: BlockStore, blocks: int, per_rna: int, per_protein: int) -> np.ndarray | None:
    """Input rows among the ``per_rna`` best of their RNA or the ``per_protein`` best of their protein.

    One pass over the blocks holding at most k candidates per molecule (ties: the earlier row), so the
    memory is (RNAs + proteins) x k, not the size of the screen. ``None`` when no top-k was asked for.
    """
    if not per_rna and not per_protein:
        return None
    keep = [
        _top_by(store, blocks, column, k)
        for column, k in (("rna_source_id", per_rna), ("protein_source_id", per_protein))
        if k
    ]
    return np.unique(np.concatenate(keep))


def _top_by(store: BlockStore, blocks: int, column: str, k: int) -> np.ndarray:
    groups = np.empty(0, dtype=object)
    scores = np.empty(0, dtype=np.float64)
    rows = np.empty(0, dtype=np.int64)
    for number in range(blocks):
        part = store.get(number, [column, "probability", "status", ROW])
        scored = part.filter(pc.equal(part.column("status"), "scored"))
        groups = np.concatenate([groups, np.asarray(scored.column(column).to_pylist(), dtype=object)])
        scores = np.concatenate([scores, scored.column("probability").to_numpy().astype(np.float64)])
        rows = np.concatenate([rows, scored.column(ROW).to_numpy()])
        order = np.lexsort((rows, -scores, groups.astype(str)))
        groups, scores, rows = groups[order], scores[order], rows[order]
        first = np.r_[True, groups[1:] != groups[:-1]] if len(groups) else np.empty(0, dtype=bool)
        start = np.maximum.accumulate(np.where(first, np.arange(len(groups)), 0))
        kept = (np.arange(len(groups)) - start) < k
        groups, scores, rows = groups[kept], scores[kept], rows[kept]
    return rows


def kept_blocks(store: BlockStore, blocks: int, keep: np.ndarray | None) -> Iterator[pa.Table]:
    """The blocks in input order, filtered to ``keep`` rows when given."""
    for number in range(blocks):
        table = store.get(number)
        if keep is not None:
            mask = np.isin(table.column(ROW).to_numpy(), keep)
            table = table.filter(pa.array(mask))
        yield table
