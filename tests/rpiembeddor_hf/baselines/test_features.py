from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rpiembeddor_hf.baselines.features import (
    CONJOINT_TRIAD,
    RNA,
    XRPI_PROTEIN,
    conjoint_triad,
    kmer_composition,
    kmer_counts,
    rna_4mer_composition,
    xrpi_protein_features,
    xrpi_rna_features,
)


def test_rna_4mer_hand_computed() -> None:
    # ACGUA has windows ACGU (index 0*64+1*16+2*4+3 = 27) and CGUA (1*64+2*16+3*4+0 = 108).
    features = rna_4mer_composition(["ACGUA"])
    assert features.shape == (1, 256)
    assert features[0, 27] == 0.5 and features[0, 108] == 0.5
    assert features.sum() == 1.0
    assert RNA.kmer_names(4)[27] == "ACGU" and RNA.kmer_names(4)[108] == "CGUA"


def test_t_read_as_u_and_lower_case_accepted() -> None:
    np.testing.assert_array_equal(rna_4mer_composition(["acgta"]), rna_4mer_composition(["ACGUA"]))


def test_non_canonical_letters_break_windows_and_are_not_counted() -> None:
    # AAAANAAAA: only AAAA at both ends is countable (windows containing N are skipped).
    counts = kmer_counts(["AAAANAAAA"], RNA, 4)
    assert counts.sum() == 2 and counts[0, 0] == 2
    # A sequence with no countable window gets an all-zero row, not NaN.
    assert not rna_4mer_composition(["ANA"]).any()


def test_conjoint_triad_hand_computed() -> None:
    # Classes: A->0 (AGV), I->1 (ILFP), Y->2 (YMTS), H->3 (HNQW), R->4 (RK), D->5 (DE), C->6 (C).
    # "AIRC" has triads (0,1,4) -> 0*49+1*7+4 = 11 and (1,4,6) -> 49+28+6 = 83.
    features = conjoint_triad(["AIRC"])
    assert features.shape == (1, 343)
    assert features[0, 11] == 0.5 and features[0, 83] == 0.5
    # Letters of one class are interchangeable: GLK is the same triad as AIR.
    np.testing.assert_array_equal(conjoint_triad(["GLK"]), conjoint_triad(["AIR"]))
    # X (unknown amino acid) is not counted.
    assert conjoint_triad(["AXR"]).sum() == 0
    assert CONJOINT_TRIAD.size == 7


def test_windows_never_span_two_sequences() -> None:
    together = kmer_counts(["ACG", "UAC"], RNA, 4)
    assert together.sum() == 0  # each sequence is shorter than k; "ACGUAC" spans would give 3 windows
    np.testing.assert_array_equal(kmer_counts(["ACGU", "ACGU"], RNA, 4)[1], kmer_counts(["ACGU"], RNA, 4)[0])


def test_xrpi_feature_widths_and_alphabet() -> None:
    assert xrpi_rna_features(["ACGUACGU"]).shape == (1, 1024)
    assert xrpi_protein_features(["RKHRK"]).shape == (1, 1024)
    assert xrpi_protein_features(["RKHRK"])[0, 0] == 1.0  # all five in class 0 -> k-mer 0
    assert XRPI_PROTEIN.size == 4


def _reference_counts(seq: str, alphabet, k: int) -> np.ndarray:
    lookup = {}
    for index, letters in enumerate(alphabet.classes):
        for letter in letters:
            lookup[letter] = index
    for alias, letter in alphabet.aliases:
        lookup[alias] = lookup[letter]
    out = np.zeros(alphabet.size**k, dtype=np.int64)
    seq = seq.upper()
    for i in range(len(seq) - k + 1):
        code = 0
        for letter in seq[i : i + k]:
            if letter not in lookup:
                break
            code = code * alphabet.size + lookup[letter]
        else:
            out[code] += 1
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGUTNacgux", max_size=30), min_size=1, max_size=6), st.integers(1, 4))
def test_matches_straightforward_implementation_rna(seqs: list[str], k: int) -> None:
    expected = np.stack([_reference_counts(s, RNA, k) for s in seqs])
    np.testing.assert_array_equal(kmer_counts(seqs, RNA, k), expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACDEFGHIKLMNPQRSTVWYXBZ", max_size=30), min_size=1, max_size=6))
def test_matches_straightforward_implementation_protein(seqs: list[str]) -> None:
    expected = np.stack([_reference_counts(s, CONJOINT_TRIAD, 3) for s in seqs])
    np.testing.assert_array_equal(kmer_counts(seqs, CONJOINT_TRIAD, 3), expected)
    rows = kmer_composition(seqs, CONJOINT_TRIAD, 3).sum(axis=1)
    assert np.all((np.abs(rows - 1) < 1e-9) | (rows == 0))
