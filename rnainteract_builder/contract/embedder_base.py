"""The embedder interface and the length policy every embedder honours (see :mod:`.embedders`).

Separate from :mod:`.embedders` so that embedders in their own modules (:mod:`.context_embedder`,
:mod:`.random_embedders`) build on :class:`BaseEmbedder` while :func:`.embedders.get_embedder` still
finds them by name, without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

from rnainteract_builder.contract.batching import merge_windows, windows
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import PROTEIN_CANONICAL, RNA_CANONICAL, UNKNOWN_SYMBOL, Molecule

LengthPolicy = Literal["reject", "truncate", "chunk"]


class SequenceTooLong(InputError):
    def __init__(self, index: int, length: int, limit: int, name: str):
        super().__init__(
            f"sequence {index} has {length} residues, more than {name} takes ({limit}); "
            "use the length policy 'truncate' or 'chunk', or filter long sequences first"
        )
        self.index, self.length, self.limit = index, length, limit


class Embedder(Protocol):
    name: str
    dim: int
    revision: str
    molecule: Molecule
    max_length: int | None

    def embed(self, sequences: Sequence[str]) -> list[np.ndarray]: ...


class BaseEmbedder:
    """Length policy and windowing shared by all embedders; subclasses embed pieces that fit."""

    name: str
    dim: int
    revision: str
    molecule: Molecule
    max_length: int | None = None

    def __init__(self, length_policy: LengthPolicy = "reject", overlap: int = 128):
        if length_policy not in ("reject", "truncate", "chunk"):
            raise InputError(f"length policy must be reject, truncate or chunk, not {length_policy!r}")
        self.length_policy = length_policy
        self.overlap = overlap

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        raise NotImplementedError

    def embed(self, sequences: Sequence[str]) -> list[np.ndarray]:
        """``L x dim`` float32 arrays, one per sequence, in input order."""
        limit = self.max_length
        if limit is None or all(len(s) <= limit for s in sequences):
            return self._embed_pieces(list(sequences))
        if self.length_policy == "reject":
            index = next(i for i, s in enumerate(sequences) if len(s) > limit)
            raise SequenceTooLong(index, len(sequences[index]), limit, self.name)
        if self.length_policy == "truncate":
            return self._embed_pieces([s[:limit] for s in sequences])
        overlap = min(self.overlap, limit // 2)
        plan = [
            (i, start, stop)
            for i, s in enumerate(sequences)
            for start, stop in windows(len(s), limit, overlap)
        ]
        outputs = self._embed_pieces([sequences[i][start:stop] for i, start, stop in plan])
        grouped: dict[int, list[tuple[int, int, np.ndarray]]] = {}
        for (i, start, stop), values in zip(plan, outputs, strict=True):
            grouped.setdefault(i, []).append((start, stop, values))
        return [merge_windows(len(s), grouped[i]) for i, s in enumerate(sequences)]


def _letters(molecule: Molecule) -> str:
    canonical = RNA_CANONICAL if molecule == "rna" else PROTEIN_CANONICAL
    return "".join(sorted(canonical)) + UNKNOWN_SYMBOL[molecule]


def _letter_codes(sequences: Sequence[str], letters: str, name: str) -> list[np.ndarray]:
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[np.frombuffer(letters.encode("ascii"), dtype=np.uint8)] = np.arange(len(letters))
    out = []
    for i, seq in enumerate(sequences):
        codes = lookup[np.frombuffer(seq.encode("ascii", errors="replace"), dtype=np.uint8)]
        if (codes < 0).any():
            bad = seq[int(np.argmax(codes < 0))]
            raise InputError(
                f"sequence {i}: letter {bad!r} is not in the {name} alphabet ({letters}); normalise first"
            )
        out.append(codes)
    return out
