"""A content-addressed embedding cache shared across prediction runs, and the embedder in front of it.

Embedding sequences is by far the slowest part of a prediction (RNA-FM / ESM-2 against a model of 1.4 M
parameters), and screens repeat the same proteins again and again. So every per-residue embedding is
stored under a key that says exactly what it is:

``<cache-dir>/<embedder name>/<sha256(revision)[:16]>/<2 hex digits>/<sequence id>[.<variant>].safetensors``

* the embedder name and revision (a weights checksum for RNA-FM / ESM-2, seed and width for ``random``),
  so embeddings of different models never mix;
* the content-hash id of the normalised sequence (:func:`rnainteract_builder.contract.sequences.sequence_id`), so
  the same sequence under a different name or in another file is a cache hit;
* a variant when the length policy changed what was embedded (``truncate1022``, ``chunk1022-128``).

Files are safetensors (float16, the precision of the published dataset; never pickles), written to a
temporary name and renamed, so concurrent runs and killed runs never leave a half-written entry. A file
that cannot be read is treated as missing and embedded again. Without a cache folder the cache lives in
memory for one run.

Embeddings are always fed to the model in float16, whether they were just computed or read back, so a
first and a second run give identical probabilities.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import save_file
from safetensors.torch import load_file

from rnainteract_builder.contract.batching import check_length_policy, windows
from rnainteract_builder.contract.embedders import BaseEmbedder, LengthPolicy
from rnainteract_builder.contract.errors import InputError

log = logging.getLogger(__name__)

#: Sequences handed to one ``embedder.embed`` call (the embedder packs them into token-budget batches).
EMBED_GROUP = 64


@dataclass
class PlannedEmbedding:
    """What will be (or was) embedded for one unique sequence, and what the user must be told about it."""

    seq_id: str
    sequence: str
    variant: str = ""
    length: int = 0  # residues of the embedding (the limit when truncated)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # why it cannot be scored (e.g. too long under ``reject``)
    error_kind: str | None = None


class EmbeddingCache:
    """Per-residue embeddings keyed by (embedder name, revision, sequence id, variant); see module docs."""

    def __init__(self, root: str | os.PathLike[str] | None = None):
        self.root = None if root is None else Path(root).expanduser().absolute()
        self._memory: dict[tuple[str, str, str, str], torch.Tensor] = {}
        self.writes = 0

    def folder(self, embedder: BaseEmbedder) -> Path:
        if self.root is None:
            raise ValueError("an in-memory cache has no folder")
        digest = hashlib.sha256(embedder.revision.encode("utf-8")).hexdigest()[:16]
        return self.root / embedder.name / digest

    def path(self, embedder: BaseEmbedder, seq_id: str, variant: str = "") -> Path:
        digits = seq_id.rsplit("-", 1)[-1][:2]
        suffix = f".{variant}" if variant else ""
        return self.folder(embedder) / digits / f"{seq_id}{suffix}.safetensors"

    def get(self, embedder: BaseEmbedder, seq_id: str, variant: str = "") -> torch.Tensor | None:
        """The ``length x dim`` float16 embedding, or None when it is not cached (or unreadable)."""
        if self.root is None:
            return self._memory.get((embedder.name, embedder.revision, seq_id, variant))
        path = self.path(embedder, seq_id, variant)
        if not path.exists():
            return None
        try:
            tensor = load_file(path)["embedding"]
        except (SafetensorError, OSError, KeyError) as err:
            log.warning("ignoring unreadable cache entry %s (%s); embedding again", path, err)
            return None
        if tensor.dim() != 2 or tensor.shape[1] != embedder.dim:
            log.warning("ignoring cache entry %s of shape %s; embedding again", path, tuple(tensor.shape))
            return None
        return tensor

    def __contains__(self, key: tuple[BaseEmbedder, str, str]) -> bool:
        embedder, seq_id, variant = key
        if self.root is None:
            return (embedder.name, embedder.revision, seq_id, variant) in self._memory
        return self.path(embedder, seq_id, variant).exists()

    def put(self, embedder: BaseEmbedder, seq_id: str, variant: str, embedding: np.ndarray) -> torch.Tensor:
        """Store one embedding (as float16) and return it as the model will see it."""
        values = np.ascontiguousarray(embedding, dtype=np.float16)
        self.writes += 1
        if self.root is None:
            tensor = torch.from_numpy(values)
            self._memory[(embedder.name, embedder.revision, seq_id, variant)] = tensor
            return tensor
        path = self.path(embedder, seq_id, variant)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._describe(embedder)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        metadata = {
            "id": seq_id,
            "model": embedder.name,
            "model_revision": embedder.revision,
            "variant": variant,
        }
        save_file({"embedding": values}, tmp, metadata=metadata)
        os.replace(tmp, path)
        return torch.from_numpy(values)

    def _describe(self, embedder: BaseEmbedder) -> None:
        """Write ``revision.json`` once per embedder folder, so a person can tell the folders apart."""
        info = self.folder(embedder) / "revision.json"
        if info.exists():
            return
        tmp = info.with_name(f".revision.json.{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"model": embedder.name, "model_revision": embedder.revision, "dim": embedder.dim})
            + "\n",
            encoding="utf-8",
        )
        os.replace(tmp, info)


class CachedEmbedder:
    """One embedder behind the cache, applying the length policy the embedder implements.

    :meth:`plan` decides per sequence what gets embedded (and rejects over-long sequences under
    ``reject`` *before* embedding, so the rest of a batch is still scored); :meth:`ensure` embeds only
    what the cache lacks; :meth:`load` reads one embedding back.

    ``model_limit`` is the longest sequence the scoring model can take within the memory budget
    (:func:`rpiembeddor_hf.predict.budget.length_limit`). Under ``truncate`` it lowers the embedder's limit;
    under ``reject`` and ``chunk`` (whose merged embedding keeps the full length) a longer sequence is
    refused in :meth:`plan` with ``model_limit_message(length)``, before anything is allocated.
    """

    def __init__(
        self,
        embedder: BaseEmbedder,
        cache: EmbeddingCache,
        length_policy: LengthPolicy = "reject",
        max_length: int | None = None,
        model_limit: int | None = None,
        model_limit_message: Callable[[int], str] | None = None,
    ):
        length_policy = check_length_policy(length_policy)
        # The embedder implements the policy (truncation, overlapping windows); we only set it.
        embedder.length_policy = length_policy
        if max_length is not None and max_length < 1:
            raise InputError(f"max length must be positive, not {max_length}")
        cut = (
            max_length
            if length_policy != "truncate" or model_limit is None
            else min(model_limit, max_length or model_limit)
        )
        if cut is not None:
            limit = embedder.max_length
            embedder.max_length = cut if limit is None else min(limit, cut)
        self.model_limit = model_limit
        self.model_limit_message = model_limit_message or (lambda n: f"{n} residues exceed the memory budget")
        self.embedder, self.cache, self.length_policy = embedder, cache, length_policy
        self.calls = 0  # sequences sent to the embedder (0 on a fully cached run)

    @property
    def name(self) -> str:
        return self.embedder.name

    def plan(self, seq_id: str, sequence: str) -> PlannedEmbedding:
        planned = PlannedEmbedding(seq_id, sequence, length=len(sequence))
        limit = self.embedder.max_length
        too_long_for_model = self.model_limit is not None and len(sequence) > self.model_limit
        if too_long_for_model and self.length_policy != "truncate":
            planned.error_kind = "too_long"
            planned.error = self.model_limit_message(len(sequence))
            return planned
        if limit is None or len(sequence) <= limit:
            return planned
        if self.length_policy == "reject":
            planned.error_kind = "too_long"
            planned.error = (
                f"length {len(sequence)} exceeds the {limit} residues {self.embedder.name} takes "
                "(length policy 'reject'; use 'truncate' or 'chunk')"
            )
        elif self.length_policy == "truncate":
            planned.variant, planned.length = f"truncate{limit}", limit
            planned.warnings.append(f"truncated to the first {limit} of {len(sequence)} residues")
        else:
            overlap = min(self.embedder.overlap, limit // 2)
            planned.variant = f"chunk{limit}-{overlap}"
            count = len(windows(len(sequence), limit, overlap))
            planned.warnings.append(
                f"chunked: {len(sequence)} residues embedded in {count} windows of {limit} (overlap {overlap})"
            )
        return planned

    def ensure(
        self, planned: Iterable[PlannedEmbedding], progress: Callable[[int], None] | None = None
    ) -> int:
        """Embed every planned sequence the cache lacks; returns how many were embedded."""
        todo: dict[tuple[str, str], PlannedEmbedding] = {}
        for item in planned:
            if item.error is None and (self.embedder, item.seq_id, item.variant) not in self.cache:
                todo.setdefault((item.seq_id, item.variant), item)
        items = sorted(todo.values(), key=lambda p: (len(p.sequence), p.seq_id))
        for start in range(0, len(items), EMBED_GROUP):
            group = items[start : start + EMBED_GROUP]
            outputs = self.embedder.embed([p.sequence for p in group])
            self.calls += len(group)
            for item, values in zip(group, outputs, strict=True):
                if not np.isfinite(values).all() or not np.isfinite(values.astype(np.float16)).all():
                    item.error_kind = "embedding_not_finite"
                    item.error = f"{self.embedder.name} gave NaN or infinite (float16) values"
                    continue
                self.cache.put(self.embedder, item.seq_id, item.variant, values)
            if progress is not None:
                progress(len(group))
        return len(items)

    def load(self, item: PlannedEmbedding) -> torch.Tensor:
        tensor = self.cache.get(self.embedder, item.seq_id, item.variant)
        if tensor is None:  # removed behind our back (e.g. a cache cleaned during the run)
            values = self.embedder.embed([item.sequence])[0]
            self.calls += 1
            tensor = self.cache.put(self.embedder, item.seq_id, item.variant, values)
        return tensor


class LazyEmbeddings:
    """``embeddings[i]`` reads molecule ``i`` from the cache when it is needed (screens of 20,000
    proteins do not fit in memory at once); ``lengths`` is known without reading anything."""

    def __init__(self, source: CachedEmbedder, items: list[PlannedEmbedding]):
        self.source, self.items = source, items
        self.lengths = [item.length for item in items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.source.load(self.items[index])


def plan_all(source: CachedEmbedder, sequences: Mapping[str, str]) -> dict[str, PlannedEmbedding]:
    """Plans for unique sequences ``{seq_id: normalised sequence}``."""
    return {seq_id: source.plan(seq_id, seq) for seq_id, seq in sequences.items()}
