"""Base of the online resolvers: cache first, then batches to the service (a few at a time), partial
batches asked again.

* **Answered, not just found**: a backend's :meth:`OnlineResolver.fetch` says which keys the service
  answered for (found *or* definitively not found, e.g. an NCBI gene with no RefSeq link). Only keys left
  out of an answer (a partial batch) are asked once more; after that they are cached as not found, so a
  rerun over the same ids sends no request at all.
* **Concurrent batches**: up to ``workers`` batches are in flight at once, on threads that share the
  client's :class:`~rnainteract_builder.resolve.http.RateLimiter`, so the service's rate limit holds for
  the whole resolver while its latency overlaps. Answers are cached by the calling thread only, and the
  output depends only on the cache, so it is byte-identical to a one-at-a-time run.
* **Resume after a crash**: every finished batch is committed to the SQLite cache in one transaction, so a
  rerun only asks for what is not cached yet and gives the same result as an uninterrupted run.
* **Memory**: sequences too long for ``max_length`` are kept as their length only
  (:func:`~rnainteract_builder.resolve.base.without_long_sequence`); the cache still holds them whole.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from tqdm import tqdm

from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.resolve.base import (
    DEFAULT_MAX_LENGTH,
    Resolved,
    Resolver,
    split_raw_id,
    without_long_sequence,
)
from rnainteract_builder.resolve.cache import CacheEntry, ResolverCache
from rnainteract_builder.resolve.http import HttpClient

log = logging.getLogger(__name__)

#: Batches in flight at once by default: enough to hide ~0.3-1 s of latency behind NCBI's 3-10 requests/s.
DEFAULT_WORKERS = 4
#: Cached keys read (and shortened) at a time, so the cache's long sequences never sit in memory together.
_CACHE_CHUNK = 5000


@dataclass
class Fetched:
    """One batch's answer: ``found`` maps key -> (accession, sequence); ``answered`` holds every key the
    service answered for, found or definitively not found (a key outside it was left out of the answer)."""

    found: dict[str, tuple[str, str]] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)

    @classmethod
    def only_found(cls, found: dict[str, tuple[str, str]]) -> Fetched:
        """For a service whose answer cannot tell "unknown id" from "left out": only what it found."""
        return cls(found, set(found))


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
        workers: int | None = None,
    ) -> None:
        workers = workers or DEFAULT_WORKERS
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.cache = cache
        self.base_url = base_url.rstrip("/")
        self.client = client or HttpClient(rate=self.default_rate)
        self.max_length = max_length
        self.batch_size = batch_size or self.batch_size
        self.progress = progress
        self.workers = workers

    def namespace(self, molecule: Molecule) -> str:
        """Cache namespace: the choice of isoform depends on the molecule and the length cut-off."""
        return f"{self.name}:{molecule}:max_length={self.max_length}"

    def key(self, raw_id: str) -> str:
        return split_raw_id(raw_id)[1].strip()

    def valid_key(self, key: str) -> bool:
        return bool(key)

    @abstractmethod
    def fetch(self, keys: Sequence[str], molecule: Molecule) -> Fetched:
        """Ask the service for one batch (called from worker threads: no cache access here)."""

    def ask(self, batch: Sequence[str], molecule: Molecule) -> dict[str, CacheEntry]:
        """One batch -> a cache entry per key; keys left out of the answer are asked once more, alone."""
        answer = self.fetch(batch, molecule)
        found = dict(answer.found)
        missing = [k for k in batch if k not in answer.answered and k not in found]
        if missing:  # a partial answer: ask once more for just these before caching "not found"
            found.update(self.fetch(missing, molecule).found)
        return {
            k: CacheEntry(True, found[k][1], found[k][0]) if found.get(k) and found[k][1] else CacheEntry(False)
            for k in batch
        }

    def _shortened(self, entry: CacheEntry, molecule: Molecule) -> Resolved | None:
        if not entry.found or not entry.sequence:
            return None
        return without_long_sequence(Resolved("", entry.sequence, entry.accession, self.name), molecule,
                                     self.max_length)

    def _answers(self, batches: list[list[str]], molecule: Molecule) -> Iterator[dict[str, CacheEntry]]:
        """Each batch's entries as it completes, at most ``workers`` batches in flight."""
        if self.workers == 1:
            yield from (self.ask(batch, molecule) for batch in batches)
            return
        pending: set[Future[dict[str, CacheEntry]]] = set()
        queue = iter(batches)
        with ThreadPoolExecutor(self.workers, thread_name_prefix=f"resolve-{self.name}") as pool:
            try:
                while True:
                    for batch in queue:
                        pending.add(pool.submit(self.ask, batch, molecule))
                        if len(pending) >= self.workers:
                            break
                    if not pending:
                        return
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    failed = [f for f in done if f.exception() is not None]
                    yield from (f.result() for f in done if f.exception() is None)  # cache what finished
                    if failed:
                        raise failed[0].exception()  # type: ignore[misc]
            finally:
                for future in pending:
                    future.cancel()

    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        namespace = self.namespace(molecule)
        key_of = {raw_id: self.key(raw_id) for raw_id in raw_ids}
        keys = sorted({k for k in key_of.values() if self.valid_key(k)})
        known: dict[str, Resolved | None] = {}
        for start in range(0, len(keys), _CACHE_CHUNK):
            cached = self.cache.get_many(namespace, keys[start : start + _CACHE_CHUNK])
            known.update((k, self._shortened(e, molecule)) for k, e in cached.items())
        todo = [k for k in keys if k not in known]
        if todo:
            log.info("%s: %d of %d ids cached, asking for %d", self.name, len(known), len(keys), len(todo))
        batches = [todo[i : i + self.batch_size] for i in range(0, len(todo), self.batch_size)]
        with tqdm(total=len(batches), desc=f"resolve {molecule} via {self.name}", unit=" batch",
                  disable=not self.progress) as bar:
            for entries in self._answers(batches, molecule):
                self.cache.put_many(namespace, entries.items())
                known.update((k, self._shortened(e, molecule)) for k, e in entries.items())
                bar.update()
        out = {}
        for raw_id, key in key_of.items():
            hit = known.get(key)
            if hit is not None:
                out[raw_id] = Resolved(raw_id, hit.sequence, hit.accession, self.name, hit.length)
        return out
