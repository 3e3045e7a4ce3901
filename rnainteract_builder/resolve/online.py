"""Base of the online resolvers: cache first, then batches to the service, partial batches asked again.

Resume after a crash: every finished batch is committed to the SQLite cache (found *and* not found),
so a rerun only asks for what is not cached yet and gives the same result as an uninterrupted run.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Sequence

from tqdm import tqdm

from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.base import DEFAULT_MAX_LENGTH, Resolved, Resolver, split_raw_id
from rnainteract_builder.resolve.cache import CacheEntry, ResolverCache
from rnainteract_builder.resolve.http import HttpClient

log = logging.getLogger(__name__)


class OnlineResolver(Resolver):
    batch_size: int = 100
    default_rate: float = 3.0

    def __init__(
        self,
        cache: ResolverCache,
        base_url: str,
        client: HttpClient | None = None,
        max_length: int | None = DEFAULT_MAX_LENGTH,
        batch_size: int | None = None,
        progress: bool = False,
    ) -> None:
        self.cache = cache
        self.base_url = base_url.rstrip("/")
        self.client = client or HttpClient(rate=self.default_rate)
        self.max_length = max_length
        self.batch_size = batch_size or self.batch_size
        self.progress = progress

    def namespace(self, molecule: Molecule) -> str:
        """Cache namespace: the choice of isoform depends on the molecule and the length cut-off."""
        return f"{self.name}:{molecule}:max_length={self.max_length}"

    def key(self, raw_id: str) -> str:
        return split_raw_id(raw_id)[1].strip()

    def valid_key(self, key: str) -> bool:
        return bool(key)

    @abstractmethod
    def fetch(self, keys: Sequence[str], molecule: Molecule) -> dict[str, tuple[str, str]]:
        """Ask the service for one batch; return ``{key: (accession, sequence)}`` for what it found."""

    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        namespace = self.namespace(molecule)
        key_of = {raw_id: self.key(raw_id) for raw_id in raw_ids}
        keys = sorted({k for k in key_of.values() if self.valid_key(k)})
        known = self.cache.get_many(namespace, keys)
        todo = [k for k in keys if k not in known]
        if todo:
            log.info("%s: %d of %d ids cached, asking for %d", self.name, len(known), len(keys), len(todo))
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        for batch in tqdm(batches, desc=f"resolve {molecule} via {self.name}", unit=" batch",
                          disable=not self.progress):
            found = self.fetch(batch, molecule)
            missing = [k for k in batch if k not in found]
            if missing:  # a partial answer: ask once more for just the missing ids before caching "not found"
                found.update(self.fetch(missing, molecule))
            entries = {
                k: CacheEntry(True, found[k][1], found[k][0]) if found.get(k) and found[k][1] else CacheEntry(False)
                for k in batch
            }
            self.cache.put_many(namespace, entries.items())
            known.update(entries)
        out = {}
        for raw_id, key in key_of.items():
            entry = known.get(key)
            if entry is not None and entry.found and entry.sequence:
                out[raw_id] = Resolved(raw_id, entry.sequence, entry.accession, self.name)
        return out
