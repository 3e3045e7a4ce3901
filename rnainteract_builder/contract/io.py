"""File io shared by every stage and the model package: atomic writes (a killed write leaves no half-written
file under the final name), deterministic Parquet (the same table gives the same bytes) and file digests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

#: Fixed writer options, part of the byte-for-byte reproducibility promise.
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "write_statistics": True}


def temporary_path(path: Path) -> Path:
    """The hidden temporary name a file is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp")


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the temporary name to write ``path`` under (parents created); rename it into place when the
    block ends, remove it if the block fails. For writers that want a file name (savefig, skops,
    safetensors, external programs): they never leave a half-written file under the final name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename (creating parent folders)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 text, written atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def portable(value: Any, root: str | os.PathLike[str]) -> Any:
    """``value`` (JSON-like: dicts, lists, strings, paths) with local absolute paths made relative to ``root``.

    Reports, stamps and manifests go with a dataset to other machines and to the Hub: they must not carry the
    builder's folders, and a build in another folder must give the same bytes. A string that is an absolute
    path becomes ``os.path.relpath(path, root)``; inside free text, ``root`` and its parent become ``.`` and
    ``..``.

    >>> portable({"shard": "/data/build/x.parquet", "input": "/data/in/f.tsv", "note": "wrote /data/build/ds"},
    ...          "/data/build")
    {'shard': 'x.parquet', 'input': '../in/f.tsv', 'note': 'wrote ./ds'}
    """
    root = os.path.abspath(root)
    if isinstance(value, dict):
        return {portable(k, root): portable(v, root) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [portable(v, root) for v in value]
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or "/" not in value:
        return value
    if os.path.isabs(value) and "\n" not in value and " " not in value.strip():
        return os.path.relpath(value, root)
    parent = os.path.dirname(root)
    return value.replace(root + "/", "./").replace(root, ".").replace(parent + "/", "../")


def write_parquet_atomic(table: pa.Table, path: str | os.PathLike[str], **options: object) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    pq.write_table(table, tmp, **{**PARQUET_OPTIONS, **options})
    os.replace(tmp, path)
    return path


def read_parquet(path: str | os.PathLike[str]) -> pa.Table:
    """Read a Parquet file; a missing or corrupt file raises InputError naming it."""
    from rnainteract_builder.contract.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such Parquet file")
    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(f"{path}: not a readable Parquet file ({err})") from err
