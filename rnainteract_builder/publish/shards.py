"""Writing published tables as ``<split>-0000k-of-0000n.parquet`` shards of about a given size, and
publishing an embed-stage folder's shards as they are (hard links) when every row of them is published."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import PARQUET_OPTIONS, temporary_path
from rnainteract_builder.contract.report import Report
from rnainteract_builder.publish.config import embeddings_features, with_features

log = logging.getLogger(__name__)


def shard_batches(batches: Iterable[pa.RecordBatch], shard_bytes: int) -> Iterator[list[pa.RecordBatch]]:
    """Group record batches into shards of about ``shard_bytes`` (Arrow size, a stable proxy for file size)."""
    current: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        if current and size + batch.nbytes > shard_bytes:
            yield current
            current, size = [], 0
        current.append(batch)
        size += batch.nbytes
    if current:
        yield current


def write_split_shards(
    batches: Iterable[pa.RecordBatch], target_schema: pa.Schema, directory: Path, split: str, shard_bytes: int
) -> tuple[list[Path], int]:
    """``<split>-0000k-of-0000n.parquet`` files (written under temporary names, renamed once ``n`` is known).

    Returns the files and the Arrow size of what was written (``num_bytes`` of the card's split info).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob(f"{split}-*.parquet"):
        old.unlink()
    temporary = []
    written = 0
    for index, group in enumerate(shard_batches(batches, shard_bytes)):
        tmp = directory / f".{split}-{index:05d}.parquet.tmp"
        with pq.ParquetWriter(tmp, target_schema, **PARQUET_OPTIONS) as writer:
            for batch in group:
                writer.write_batch(batch, row_group_size=max(1, batch.num_rows))
                written += batch.nbytes
        temporary.append(tmp)
    if not temporary:  # an empty split still gets one (empty) file so the config loads
        tmp = directory / f".{split}-00000.parquet.tmp"
        pq.write_table(target_schema.empty_table(), tmp, **PARQUET_OPTIONS)
        temporary.append(tmp)
    total = len(temporary)
    final = []
    for index, tmp in enumerate(temporary):
        path = directory / f"{split}-{index:05d}-of-{total:05d}.parquet"
        os.replace(tmp, path)
        final.append(path)
    return final, written


def _table_batches(table: pa.Table, shard_bytes: int) -> Iterator[pa.RecordBatch]:
    """Batches small enough (about 1/8 shard, at most 65,536 rows) for shards to come out near their size."""
    row_bytes = max(1.0, table.nbytes / max(1, table.num_rows))
    rows = int(min(65536, max(1, shard_bytes / row_bytes / 8)))
    yield from table.combine_chunks().to_batches(max_chunksize=rows)


def embedding_batches(
    folder: Path, keep_ids: pa.Array, dim: int, inputs: list[Path], report: Report, config_name: str
) -> Iterator[pa.RecordBatch]:
    """Stream an embed-stage folder's shards (in order), keeping rows whose id is published."""
    features = embeddings_features(dim)
    seen = 0
    for path in sorted(folder.glob("shard-*.parquet")):
        inputs.append(path)
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{path}: not a readable Parquet file ({err})") from err
        for batch in parquet.iter_batches(batch_size=256):
            table = pa.Table.from_batches([batch])
            mask = pc.is_in(table.column("id"), keep_ids)
            kept = table.filter(mask)
            report.drop(
                f"publish {config_name}",
                "embedding of a sequence not in the dataset",
                table.num_rows - kept.num_rows,
            )
            seen += kept.num_rows
            if kept.num_rows:
                yield from with_features(kept, features).to_batches()
    report.step(f"{config_name} rows", seen)




def whole_shards(shards: list[Path], keep_ids: pa.Array, target: pa.Schema) -> bool:
    """True when every row of every shard is published and the shards have the published columns and types,
    so the files can be published as they are. Reads only the ``id`` column."""
    if not shards:
        return False
    for path in shards:
        try:
            schema = pq.read_schema(path)
            ids = pq.read_table(path, columns=["id"]).column("id")
        except (pa.ArrowInvalid, OSError, KeyError) as err:
            raise InputError(f"{path}: not a readable Parquet file ({err})") from err
        if schema.names != target.names or any(schema.field(n).type != target.field(n).type for n in target.names):
            return False
        if not pc.all(pc.is_in(ids, keep_ids)).as_py():
            return False
    return True


def link_shards(shards: list[Path], directory: Path, split: str) -> tuple[list[Path], int, int]:
    """Publish ``shards`` as ``<split>-0000k-of-0000n.parquet``: hard links where the file system allows
    (no second copy of tens of GB), else copies. Each is made under a temporary name and renamed into place,
    and both stages only ever write files by rename, so a later write to either folder replaces that
    folder's file and never changes the other's. Returns the files, their Arrow size (from the Parquet
    metadata) and how many had to be copied."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob(f"{split}-*.parquet"):
        old.unlink()
    final, copied, size = [], 0, 0
    for index, source in enumerate(shards):
        path = directory / f"{split}-{index:05d}-of-{len(shards):05d}.parquet"
        tmp = temporary_path(path)
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError as err:  # another file system, or one without hard links
            log.info("%s: cannot hard-link (%s); copying", source, err)
            shutil.copyfile(source, tmp)
            copied += 1
        os.replace(tmp, path)
        metadata = pq.ParquetFile(path).metadata
        size += sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        final.append(path)
    return final, size, copied
