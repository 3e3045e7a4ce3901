"""The weight-free embedders in their own modules, by name: ``kmer-context``, ``random``, ``random-letter``.

:func:`rnainteract_builder.contract.embedders.get_embedder` dispatches here (one-hot it builds itself).
"""

from __future__ import annotations

from typing import Any

from rnainteract_builder.contract.context_embedder import KmerContextEmbedder
from rnainteract_builder.contract.embedder_base import BaseEmbedder, LengthPolicy
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.random_embedders import RandomLetterEmbedder, RandomNoiseEmbedder
from rnainteract_builder.contract.sequences import Molecule

KINDS: dict[str, type[BaseEmbedder]] = {
    "kmer-context": KmerContextEmbedder,
    "random": RandomNoiseEmbedder,
    "random-letter": RandomLetterEmbedder,
}


def weight_free_embedder(
    name: str,
    molecule: Molecule | None,
    dim: int,
    seed: int,
    length_policy: LengthPolicy,
    overlap: int,
    options: dict[str, Any],
) -> BaseEmbedder:
    """The named weight-free embedder; ``options`` are its own keyword arguments (e.g. ``window``)."""
    if molecule not in ("rna", "protein"):
        raise InputError(f"embedder {name!r} needs molecule='rna' or 'protein'")
    policy: dict[str, Any] = {"length_policy": length_policy, "overlap": overlap, "dim": dim, "seed": seed}
    policy.update(options)
    try:
        return KINDS[name](molecule, **policy)  # type: ignore[call-arg]
    except TypeError as err:  # an option this embedder does not take
        raise InputError(f"embedder {name!r}: {err}") from None
