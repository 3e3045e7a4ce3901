"""The embedder interface and the length policy every embedder honours (see :mod:`.embedders`).

Separate from :mod:`.embedders` so that embedders in their own modules (:mod:`.context_embedder`,
:mod:`.random_embedders`) build on :class:`BaseEmbedder` while :func:`.embedders.get_embedder` still
finds them by name, without an import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from rnainteract_builder.contract.batching import LengthPolicy, apply_length_policy, check_length_policy
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import PROTEIN_CANONICAL, RNA_CANONICAL, UNKNOWN_SYMBOL, Molecule

__all__ = ["BaseEmbedder", "Embedder", "LengthPolicy", "SequenceTooLong"]


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

    def __init__(
        self, length_policy: LengthPolicy = "reject", overlap: int = 128, max_length: int | None = None
    ):
        self.length_policy = check_length_policy(length_policy)
        self.overlap = overlap
        if max_length is not None:  # one-hot / random take any length; a limit makes the policy apply
            self.max_length = max_length

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        raise NotImplementedError

    def embed(self, sequences: Sequence[str]) -> list[np.ndarray]:
        """``L x dim`` float32 arrays, one per sequence, in input order, under the length policy."""
        return apply_length_policy(
            sequences,
            self.max_length,
            check_length_policy(self.length_policy),
            self.overlap,
            self._embed_pieces,
            lambda i: SequenceTooLong(i, len(sequences[i]), self.max_length or 0, self.name),
        )


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
