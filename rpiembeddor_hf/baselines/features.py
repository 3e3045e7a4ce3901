"""Sequence composition features of the peer methods (DESIGN §7), vectorised with numpy.

All features are k-mer compositions over a (possibly reduced) alphabet. Sequences are concatenated into
one byte buffer, mapped to class codes with a 256-entry lookup table, and every window of length ``k`` is
turned into a k-mer code by ``k`` whole-array multiply-adds; one ``np.bincount`` then counts all k-mers of
all sequences at once. There is no Python loop over sequences or k-mers.

K-mer order: the code of a k-mer is the base-``n`` number of its class indices, first position most
significant (``AAAA, AAAC, AAAG, AAAU, AACA, …`` for RNA 4-mers over ``ACGU``).

Non-canonical letters: input is upper-cased and, for RNA, ``T`` is read as ``U``. Every other letter that
is not in the alphabet (IUPAC ``N``, ``X``, inosine ``I``, ``B``/``Z``/``U``/``O`` in proteins, …) gets no
class: a window containing it is not counted, and compositions are normalised by the number of windows
that *were* counted. A sequence with no countable window gets an all-zero row (never a division by zero).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: RNA letters (T is read as U).
RNA_ALPHABET = ("A", "C", "G", "U")
#: Conjoint-triad amino-acid classes (Shen et al. 2007, used by RPISeq and IPMiner), by dipole and side-chain volume.
CONJOINT_TRIAD_CLASSES = ("AGV", "ILFP", "YMTS", "HNQW", "RK", "DE", "C")
#: Four amino-acid classes by RNA-interaction propensity (our reading of XRPI, Jain et al. 2018): positively
#: charged (most enriched at RNA interfaces), aromatic / polar / glycine (stacking and H-bonding), hydrophobic
#: and proline/cysteine (depleted), negatively charged (most depleted).
XRPI_PROTEIN_CLASSES = ("RKH", "YWFNQSTG", "AVLIMCP", "DE")


@dataclass(frozen=True)
class Alphabet:
    """Letters grouped into classes; ``lookup`` maps every byte to its class index or -1 (not counted)."""

    name: str
    classes: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def size(self) -> int:
        return len(self.classes)

    @property
    def lookup(self) -> np.ndarray:
        table = np.full(256, -1, dtype=np.int64)
        for index, letters in enumerate(self.classes):
            for letter in letters:
                table[ord(letter.upper())] = index
                table[ord(letter.lower())] = index
        for alias, letter in self.aliases:
            table[ord(alias.upper())] = table[ord(letter)]
            table[ord(alias.lower())] = table[ord(letter)]
        return table

    def kmer_names(self, k: int) -> list[str]:
        """Human-readable names of the k-mer columns, in column order (class letters joined by '|' if grouped)."""
        labels = [c if len(c) == 1 else f"[{c}]" for c in self.classes]
        names = [""]
        for _ in range(k):
            names = [prefix + label for prefix in names for label in labels]
        return names


RNA = Alphabet("rna", RNA_ALPHABET, aliases=(("T", "U"),))
CONJOINT_TRIAD = Alphabet("conjoint_triad", CONJOINT_TRIAD_CLASSES)
XRPI_PROTEIN = Alphabet("xrpi_protein", XRPI_PROTEIN_CLASSES)


def kmer_counts(sequences: Sequence[str], alphabet: Alphabet, k: int) -> np.ndarray:
    """Counts of every k-mer (columns in ``alphabet.kmer_names(k)`` order) per sequence, as int64."""
    if k < 1:
        raise ValueError(f"k must be >= 1, not {k}")
    n_seq, n_kmers = len(sequences), alphabet.size**k
    if n_seq == 0:
        return np.zeros((0, n_kmers), dtype=np.int64)
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=n_seq)
    buffer = np.frombuffer("".join(sequences).encode("ascii", "replace"), dtype=np.uint8)
    codes = alphabet.lookup[buffer]
    n_windows = codes.size - k + 1
    if n_windows <= 0:
        return np.zeros((n_seq, n_kmers), dtype=np.int64)
    kmer = np.zeros(n_windows, dtype=np.int64)
    unknown = np.zeros(n_windows, dtype=bool)
    for offset in range(k):  # k whole-array steps, not a loop over k-mers
        window_codes = codes[offset : offset + n_windows]
        kmer = kmer * alphabet.size + window_codes
        unknown |= window_codes < 0
    ends = np.cumsum(lengths)
    owner = np.repeat(np.arange(n_seq, dtype=np.int64), lengths)[:n_windows]
    inside = np.arange(n_windows, dtype=np.int64) + k <= ends[owner]  # window does not cross into the next one
    keep = inside & ~unknown
    flat = np.bincount(owner[keep] * n_kmers + kmer[keep], minlength=n_seq * n_kmers)
    return flat.reshape(n_seq, n_kmers)


def kmer_composition(sequences: Sequence[str], alphabet: Alphabet, k: int) -> np.ndarray:
    """k-mer frequencies per sequence (rows sum to 1, or are all zero when no window could be counted)."""
    counts = kmer_counts(sequences, alphabet, k).astype(np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def rna_4mer_composition(sequences: Sequence[str]) -> np.ndarray:
    """RPISeq RNA features: 4-mer frequencies over ACGU (256 columns)."""
    return kmer_composition(sequences, RNA, 4)


def conjoint_triad(sequences: Sequence[str]) -> np.ndarray:
    """RPISeq / IPMiner protein features: 3-mer frequencies over the 7 conjoint-triad classes (343 columns)."""
    return kmer_composition(sequences, CONJOINT_TRIAD, 3)


#: XRPI's descriptor is "the minimum structural unit of five residues": 5-mers of both partners.
XRPI_K = 5


def xrpi_rna_features(sequences: Sequence[str]) -> np.ndarray:
    """XRPI-style RNA features: 5-mer frequencies over ACGU (1024 columns)."""
    return kmer_composition(sequences, RNA, XRPI_K)


def xrpi_protein_features(sequences: Sequence[str]) -> np.ndarray:
    """XRPI-style protein features: 5-mer frequencies over the 4 propensity classes (1024 columns)."""
    return kmer_composition(sequences, XRPI_PROTEIN, XRPI_K)
