"""Deterministic, atomic Parquet writing: the same table gives the same bytes, and a killed write leaves
no half-written file under the final name."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: Fixed writer options, part of the byte-for-byte reproducibility promise.
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "write_statistics": True}


def write_parquet_atomic(table: pa.Table, path: str | os.PathLike[str], **options: object) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, **{**PARQUET_OPTIONS, **options})
    os.replace(tmp, path)
    return path


def read_parquet(path: str | os.PathLike[str]) -> pa.Table:
    """Read a Parquet file; a missing or corrupt file raises InputError naming it."""
    from rnainteract_builder.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such Parquet file")
    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{path}: not a readable Parquet file ({err})") from err
