"""``kmer-context``: a weight-free contextual embedder (windowed k-mer composition, randomly projected).

Why it exists: without the RNA-FM / ESM-2 weights the only inputs were one-hot letters, and with the
paper's ``first`` pooling RPIembeddor then sees the first RNA letter plus attention-averaged letter
compositions and learns nothing (DESIGN §6). Each position here gets a vector of its *local context*
instead, built from the features the classic predictors work with (RPISeq, IPMiner): RNA k-mers and
protein conjoint-triad k-mers (amino acids in 7 classes {AGV}{ILFP}{YMTS}{HNQW}{RK}{DE}{C}).

For position ``i`` and every k in ``k``: the frequency of every k-mer among the k-mers that lie inside the
window ``i - window .. i + window`` (fewer at the ends; k-mers with an unknown letter are not counted) ->
standardised per channel -> concatenated over the k values -> one fixed random projection to ``dim``
(seeded Gaussian, scaled so every output channel has about unit variance) -> times ``scale``.

Standardisation uses *fixed* statistics, so the embedding of a sequence never depends on which other
sequences are embedded with it, and build and prediction time give the same numbers:

* ``expected`` (default): the mean and standard deviation a k-mer's window frequency has when letters are
  drawn independently from background frequencies (RNA: uniform; protein: UniProtKB/Swiss-Prot amino-acid
  composition): ``(f - p) / sqrt(p (1 - p) / n)`` with ``n`` the k-mers in a full window. Rare k-mers are
  lifted to the same scale as common ones, and the global composition (what RPISeq classifies on) stays in.
* ``sequence``: per-sequence z-scores of each channel along the sequence (only local variation is left;
  the composition itself is removed);
* ``none``: the raw window frequencies.

Everything is numpy and deterministic: the same sequence and parameters give the same array everywhere.
The revision string records every parameter, so stores and caches of different settings never mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from rnainteract_builder.contract.embedder_base import BaseEmbedder
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.schema import EMBEDDING_DIM
from rnainteract_builder.contract.sequences import UNKNOWN_SYMBOL, Molecule

Standardise = Literal["expected", "sequence", "none"]
STANDARDISE_MODES = ("expected", "sequence", "none")

#: Letter classes: RNA nucleotides; protein conjoint-triad classes (Shen et al. 2007, used by RPISeq).
RNA_CLASSES = ("A", "C", "G", "U")
PROTEIN_CLASSES = ("AGV", "ILFP", "YMTS", "HNQW", "RK", "DE", "C")
#: Amino-acid background frequencies, UniProtKB/Swiss-Prot release statistics (percent).
AMINO_ACID_BACKGROUND = {
    "A": 8.25, "R": 5.53, "N": 4.06, "D": 5.45, "C": 1.37, "Q": 3.93, "E": 6.75, "G": 7.07, "H": 2.27,
    "I": 5.96, "L": 9.66, "K": 5.84, "M": 2.42, "F": 3.86, "P": 4.70, "S": 6.56, "T": 5.34, "W": 1.08,
    "Y": 2.92, "V": 6.87,
}  # fmt: skip
#: Defaults measured on RPI2241 (RNA-cluster-disjoint folds; see the README): RNA 3-mers, protein 2-mers.
DEFAULT_K: dict[str, tuple[int, ...]] = {"rna": (3,), "protein": (2,)}
DEFAULT_WINDOW = 10


def _class_codes(molecule: Molecule) -> tuple[np.ndarray, np.ndarray]:
    """Byte -> class index (-1: unknown letter, -2: not in the alphabet) and the class background probabilities."""
    classes = RNA_CLASSES if molecule == "rna" else PROTEIN_CLASSES
    lookup = np.full(256, -2, dtype=np.int64)
    lookup[ord(UNKNOWN_SYMBOL[molecule])] = -1
    for index, letters in enumerate(classes):
        lookup[np.frombuffer(letters.encode("ascii"), dtype=np.uint8)] = index
    if molecule == "rna":
        background = np.full(len(classes), 1.0 / len(classes))
    else:
        total = sum(AMINO_ACID_BACKGROUND.values())
        background = np.array([sum(AMINO_ACID_BACKGROUND[a] for a in c) / total for c in classes])
    return lookup, background


def _kmer_background(background: np.ndarray, k: int) -> np.ndarray:
    """Probability of every k-mer (index = base-``len(background)`` number of its letters) under i.i.d. letters."""
    probs = np.ones(1)
    for _ in range(k):
        probs = np.outer(probs, background).ravel()
    return probs


class KmerContextEmbedder(BaseEmbedder):
    """Windowed k-mer composition around every residue, standardised and randomly projected to ``dim``."""

    name = "kmer-context"

    def __init__(
        self,
        molecule: Molecule,
        dim: int = EMBEDDING_DIM,
        seed: int = 0,
        *,
        k: int | Sequence[int] | None = None,
        window: int = DEFAULT_WINDOW,
        standardise: Standardise = "expected",
        scale: float = 1.0,
        max_length: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if molecule not in ("rna", "protein"):
            raise InputError(f"embedder 'kmer-context' needs molecule='rna' or 'protein', not {molecule!r}")
        ks = DEFAULT_K[molecule] if k is None else ((k,) if isinstance(k, int) else tuple(k))
        if not ks or any(int(x) < 1 or int(x) > 2 * window + 1 for x in ks):
            raise InputError(f"kmer-context: every k must be between 1 and 2 * window + 1, got {ks}")
        if standardise not in STANDARDISE_MODES:
            raise InputError(f"kmer-context: standardise must be one of {STANDARDISE_MODES}, not {standardise!r}")
        if dim < 1 or window < 0 or not np.isfinite(scale):
            raise InputError(f"kmer-context: need dim >= 1, window >= 0 and a finite scale ({dim}, {window}, {scale})")
        self.molecule, self.dim, self.seed = molecule, dim, seed
        self.k, self.window, self.standardise, self.scale = tuple(int(x) for x in ks), window, standardise, scale
        self.max_length = max_length
        self.lookup, background = _class_codes(molecule)
        self.classes = len(background)
        self.means = [_kmer_background(background, x) for x in self.k]
        full = [2 * window + 2 - x for x in self.k]  # k-mers inside a full window
        self.stds = [np.sqrt(p * (1 - p) / n) for p, n in zip(self.means, full, strict=True)]
        channels = sum(len(p) for p in self.means)
        generator = np.random.default_rng([seed, 0 if molecule == "rna" else 1, 2])
        self.projection = (generator.standard_normal((channels, dim)) / np.sqrt(channels)).astype(np.float32)
        self.revision = (
            f"kmer-context:k={','.join(map(str, self.k))}:window={window}:standardise={standardise}"
            f":scale={scale:g}:seed={seed}:dim={dim}:v1"
        )

    def _codes(self, index: int, sequence: str) -> np.ndarray:
        codes = self.lookup[np.frombuffer(sequence.encode("ascii", errors="replace"), dtype=np.uint8)]
        if (codes == -2).any():
            bad = sequence[int(np.argmax(codes == -2))]
            raise InputError(
                f"sequence {index}: letter {bad!r} is not a normalised {self.molecule} letter; normalise first"
            )
        return codes

    def _window_frequencies(self, codes: np.ndarray, k: int) -> np.ndarray:
        """``L x classes**k`` frequency of each k-mer among the valid k-mers inside each position's window."""
        length = len(codes)
        starts = max(length - k + 1, 0)
        kmer = np.zeros(starts, dtype=np.int64)
        valid = np.ones(starts, dtype=bool)
        for offset in range(k):
            part = codes[offset : offset + starts]
            kmer = kmer * self.classes + np.maximum(part, 0)
            valid &= part >= 0
        counts = np.zeros((starts + 1, self.classes**k), dtype=np.float32)
        rows = np.nonzero(valid)[0]
        counts[rows + 1, kmer[rows]] = 1.0
        np.cumsum(counts, axis=0, out=counts)
        totals = np.concatenate([[0], np.cumsum(valid)])
        position = np.arange(length)
        low = np.clip(position - self.window, 0, starts)
        high = np.clip(position + self.window - k + 2, 0, starts)  # exclusive: last start i + window - k + 1
        high = np.maximum(high, low)
        window_counts = counts[high] - counts[low]
        n = (totals[high] - totals[low]).astype(np.float32)
        return window_counts / np.maximum(n, 1.0)[:, None]

    def _features(self, codes: np.ndarray) -> np.ndarray:
        parts = []
        for k, mean, std in zip(self.k, self.means, self.stds, strict=True):
            freq = self._window_frequencies(codes, k)
            if self.standardise == "expected":
                freq = (freq - mean.astype(np.float32)) / std.astype(np.float32)
            elif self.standardise == "sequence":
                freq = (freq - freq.mean(axis=0)) / (freq.std(axis=0) + 1e-3)
            parts.append(freq)
        return np.concatenate(parts, axis=1)

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        out = []
        for index, piece in enumerate(pieces):
            features = self._features(self._codes(index, piece))
            out.append((features @ self.projection) * np.float32(self.scale))
        return out
