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

    def codes(self, unknown: int) -> np.ndarray:
        """Byte -> class index, with ``unknown`` for bytes that have no class (int32; cached per value)."""
        cache = self.__dict__.setdefault("_codes", {})
        if unknown not in cache:
            cache[unknown] = np.where(self.lookup < 0, unknown, self.lookup).astype(np.int32)
        return cache[unknown]

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
    """Counts of every k-mer (columns in ``alphabet.kmer_names(k)`` order) per sequence, as int64.

    Sequences are joined with a separator byte that has no class, so a window crossing from one sequence
    into the next contains an uncounted letter and drops out like any window with a non-canonical letter.
    Uncounted letters get the code ``n**k``: any window containing one ends up with a code >= ``n**k``
    and is clipped into a spare column, so no boolean masks are needed.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, not {k}")
    n_seq, n_kmers = len(sequences), alphabet.size**k
    if n_seq == 0:
        return np.zeros((0, n_kmers), dtype=np.int64)
    text = "\0".join(sequences).encode("ascii", "replace")  # "\0" has no class: a window breaker
    codes = alphabet.codes(n_kmers)[np.frombuffer(text, dtype=np.uint8)]
    n_windows = codes.size - k + 1
    if n_windows <= 0:
        return np.zeros((n_seq, n_kmers), dtype=np.int64)
    kmer = codes[:n_windows].astype(np.int64)
    for offset in range(1, k):  # k whole-array steps, not a loop over k-mers
        kmer *= alphabet.size
        kmer += codes[offset : offset + n_windows]
    # Every window with an uncounted letter goes to one spare column per sequence, dropped at the end;
    # window i belongs to the sequence it starts in (each sequence owns its letters and the separator).
    np.minimum(kmer, n_kmers, out=kmer)
    lengths = np.fromiter((len(s) + 1 for s in sequences), dtype=np.int64, count=n_seq)
    kmer += np.repeat(np.arange(0, n_seq * (n_kmers + 1), n_kmers + 1, dtype=np.int64), lengths)[:n_windows]
    flat = np.bincount(kmer, minlength=n_seq * (n_kmers + 1))
    return flat.reshape(n_seq, n_kmers + 1)[:, :n_kmers]


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
