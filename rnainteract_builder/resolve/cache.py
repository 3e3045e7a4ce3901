"""On-disk SQLite cache shared by the online resolvers: a rerun asks nothing twice, a crash loses at most
the batch in flight (every batch is committed in one transaction)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheEntry:
    """What a service said about one key: found (with sequence and accession) or definitively not found."""

    found: bool
    sequence: str | None = None
    accession: str | None = None


class ResolverCache:
    """``(namespace, key) -> CacheEntry``; namespaces separate backends, molecules and choice rules."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (namespace TEXT NOT NULL, key TEXT NOT NULL, "
            "found INTEGER NOT NULL, sequence TEXT, accession TEXT, PRIMARY KEY (namespace, key))"
        )
        self._db.commit()

    def get_many(self, namespace: str, keys: Sequence[str]) -> dict[str, CacheEntry]:
        out: dict[str, CacheEntry] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, found, sequence, accession FROM entries WHERE namespace = ? AND key IN ({marks})",
                [namespace, *chunk],
            )
            for key, found, sequence, accession in rows:
                out[key] = CacheEntry(bool(found), sequence, accession)
        return out

    def put_many(self, namespace: str, entries: Iterable[tuple[str, CacheEntry]]) -> None:
        with self._db:  # one transaction: a batch is cached entirely or not at all
            self._db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                [(namespace, key, int(e.found), e.sequence, e.accession) for key, e in entries],
            )

    def count(self, namespace: str | None = None) -> int:
        if namespace is None:
            return self._db.execute("SELECT count(*) FROM entries").fetchone()[0]
        return self._db.execute("SELECT count(*) FROM entries WHERE namespace = ?", [namespace]).fetchone()[0]

    def close(self) -> None:
        self._db.close()
