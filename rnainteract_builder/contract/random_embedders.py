"""Random embedders for ablations: ``random`` (the paper's i.i.d. noise) and ``random-letter``.

* ``random`` - every element of every array is fresh standard-normal noise: no information about the
  sequence beyond its length. This is the paper's "random" ablation (Table 3). The noise comes from one
  seeded stream per embedder object, so a script rerun from the start gives the same arrays, but two calls
  (even for the same sequence) give different ones.
* ``random-letter`` - one fixed random vector per letter (seeded): one-hot letters in a wider space. It
  carries exactly the information one-hot does; kept for comparison under an honest name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnainteract_builder.contract.embedder_base import BaseEmbedder, _letter_codes, _letters
from rnainteract_builder.contract.schema import EMBEDDING_DIM
from rnainteract_builder.contract.sequences import Molecule


class RandomNoiseEmbedder(BaseEmbedder):
    """I.i.d. N(0, 1) noise in every element, fresh on every call (the paper's ``random`` ablation)."""

    name = "random"

    def __init__(self, molecule: Molecule, dim: int = EMBEDDING_DIM, seed: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.molecule, self.dim, self.seed = molecule, dim, seed
        self.letters = _letters(molecule)
        self.generator = np.random.default_rng([seed, 0 if molecule == "rna" else 1, 1])
        self.revision = f"random:iid-normal:seed={seed}:dim={dim}"

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        _letter_codes(pieces, self.letters, self.name)  # same alphabet check as every embedder
        return [self.generator.standard_normal((len(p), self.dim), dtype=np.float32) for p in pieces]


class RandomLetterEmbedder(BaseEmbedder):
    """A fixed random vector per letter (seeded): one-hot in disguise, at the width of the real models."""

    name = "random-letter"

    def __init__(self, molecule: Molecule, dim: int = EMBEDDING_DIM, seed: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.molecule, self.dim, self.seed = molecule, dim, seed
        self.letters = _letters(molecule)
        generator = np.random.default_rng([seed, 0 if molecule == "rna" else 1])
        self.table = generator.standard_normal((len(self.letters), dim)).astype(np.float32)
        self.revision = f"random-letter:seed={seed}:dim={dim}"

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        return [self.table[codes] for codes in _letter_codes(pieces, self.letters, self.name)]
