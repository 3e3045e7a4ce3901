"""The weight-free embedders: kmer-context (windowed k-mer composition) and the random ablations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.context_embedder import KmerContextEmbedder
from rnainteract_builder.contract.embedders import EMBEDDER_NAMES, WEIGHT_FREE, get_embedder
from rnainteract_builder.contract.errors import InputError

RNA = "GGGAAACUUCGGUUUCCCAUGCAUGCAUGGCUAGCUAGGAUCCNNACGU"
PROTEIN = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWAAAAX"  # noqa: E501


def naive_kmer_context(codes: list[int], classes: int, k: int, window: int) -> np.ndarray:
    """Reference: for each position, frequencies of the valid k-mers whose letters all lie in the window."""
    length = len(codes)
    out = np.zeros((length, classes**k))
    for i in range(length):
        found = []
        for start in range(max(0, i - window), length - k + 1):
            if start + k - 1 > i + window:
                break
            letters = codes[start : start + k]
            if min(letters) >= 0:
                found.append(int(np.ravel_multi_index(letters, (classes,) * k)))
        for index in found:
            out[i, index] += 1 / len(found)
    return out


@pytest.mark.parametrize("k,window", [(1, 0), (2, 1), (3, 10), (3, 2), (4, 3)])
def test_window_frequencies_match_a_direct_count(k, window):
    embedder = KmerContextEmbedder("rna", k=k, window=window)
    sequence = "ACGUNGGCAUUAGCNNAUGCCGAUU"
    codes = embedder._codes(0, sequence)
    expected = naive_kmer_context(codes.tolist(), 4, k, window)
    np.testing.assert_allclose(embedder._window_frequencies(codes, k), expected, atol=1e-6)


def test_protein_letters_are_conjoint_triad_classes():
    embedder = KmerContextEmbedder("protein", k=1, window=0, standardise="none")
    codes = embedder._codes(0, "AGVILFPYMTSHNQWRKDECX")
    assert codes.tolist() == [0] * 3 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 2 + [5] * 2 + [6] + [-1]
    # Same class -> same context vector: V and A are both {AGV}.
    a, b = embedder.embed(["AAAA", "VGAV"])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_defaults_shape_determinism_and_revision():
    rna = get_embedder("kmer-context", molecule="rna")
    protein = get_embedder("kmer-context", molecule="protein")
    assert rna.dim == protein.dim == 640 and rna.k == (3,) and protein.k == (2,) and rna.window == 10
    first = rna.embed([RNA, RNA[:20]])
    again = get_embedder("kmer-context", molecule="rna").embed([RNA[:20], RNA])
    assert first[0].shape == (len(RNA), 640) and first[0].dtype == np.float32
    np.testing.assert_array_equal(first[0], again[1])  # independent of batch order and companions
    np.testing.assert_array_equal(first[1], again[0])
    assert np.isfinite(protein.embed([PROTEIN])[0]).all()
    other = get_embedder("kmer-context", molecule="rna", options={"window": 5})
    assert other.revision != rna.revision and "window=5" in other.revision
    assert get_embedder("kmer-context", molecule="rna", seed=1).revision != rna.revision


def test_expected_standardisation_gives_unit_scale_on_background_sequences():
    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGU"), 400)) for _ in range(20)]
    values = np.concatenate(get_embedder("kmer-context", molecule="rna").embed(sequences))
    assert abs(values.mean()) < 0.05 and 0.7 < values.std() < 1.3


def test_context_carries_local_information_onehot_position_does_not():
    """Two sequences with the same letter at position 0 but different neighbourhoods differ at position 0."""
    embedder = get_embedder("kmer-context", molecule="rna")
    a, b = embedder.embed(["AAAAAAAAAAAA", "AGCGCGCGCGCG"])
    assert not np.allclose(a[0], b[0])


def test_sequence_standardisation_removes_the_composition():
    embedder = KmerContextEmbedder("rna", standardise="sequence", window=3)
    (values,) = embedder.embed(["ACGGUUACGAUCGAUGCAUGCAUGCUAGCUAGCUAGCAUG"])
    features = embedder._features(embedder._codes(0, "ACGGUUACGAUCGAUGCAUGCAUGCUAGCUAGCUAGCAUG"))
    np.testing.assert_allclose(features.mean(axis=0), 0, atol=1e-5)
    assert values.shape == (40, 640)


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="ACGUN", min_size=1, max_size=60), st.integers(0, 6))
def test_every_length_gives_one_finite_row_per_residue(sequence, window):
    (values,) = KmerContextEmbedder("rna", window=window, k=min(3, 2 * window + 1), dim=8).embed([sequence])
    assert values.shape == (len(sequence), 8) and np.isfinite(values).all()


def test_length_policy_is_honoured():
    long = RNA * 3
    with pytest.raises(InputError, match="more than kmer-context takes"):
        KmerContextEmbedder("rna", max_length=50).embed([long])
    (cut,) = KmerContextEmbedder("rna", max_length=50, length_policy="truncate").embed([long])
    (chunked,) = KmerContextEmbedder("rna", max_length=50, length_policy="chunk", overlap=10).embed([long])
    assert cut.shape == (50, 640) and chunked.shape == (len(long), 640)
    assert get_embedder("kmer-context", molecule="rna").max_length is None  # no limit of its own


def test_bad_letters_and_options_are_one_line_errors():
    with pytest.raises(InputError, match="letter 'T' is not a normalised rna letter"):
        get_embedder("kmer-context", molecule="rna").embed(["ACGT"])
    with pytest.raises(InputError, match="standardise must be one of"):
        get_embedder("kmer-context", molecule="rna", options={"standardise": "zscore"})
    with pytest.raises(InputError, match="unexpected keyword argument 'depth'"):
        get_embedder("kmer-context", molecule="rna", options={"depth": 2})
    with pytest.raises(InputError, match="needs molecule"):
        get_embedder("kmer-context")


def test_registry_names():
    assert set(WEIGHT_FREE) == {"onehot", "kmer-context", "random", "random-letter"}
    assert set(WEIGHT_FREE) <= set(EMBEDDER_NAMES)


# -- random: the paper's i.i.d. noise ---------------------------------------------------------------------


def test_random_is_fresh_noise_on_every_call():
    embedder = get_embedder("random", molecule="rna", dim=64, seed=3)
    a, b = embedder.embed(["ACGUACGU", "ACGUACGU"])
    (c,) = embedder.embed(["ACGUACGU"])
    assert a.shape == (8, 64) and not np.allclose(a, b) and not np.allclose(a, c)
    assert not np.allclose(a[0], a[4])  # the same letter gets different vectors
    # Seeded per stream: a new embedder with the same seed replays the same stream.
    np.testing.assert_array_equal(a, get_embedder("random", molecule="rna", dim=64, seed=3).embed(["ACGUACGU"])[0])


def test_random_noise_carries_no_information_about_the_sequence():
    embedder = get_embedder("random", molecule="protein", dim=32, seed=0)
    poly_a = np.concatenate(embedder.embed(["A" * 500] * 4))
    mixed = np.concatenate(embedder.embed([PROTEIN[:500]] * 4))
    for values in (poly_a, mixed):
        assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02
    # Per-channel means of the two are as close as two samples of the same distribution.
    gap = np.abs(poly_a.mean(axis=0) - mixed.mean(axis=0))
    assert gap.max() < 5 * np.sqrt(2 / len(poly_a))


def test_random_letter_is_a_fixed_vector_per_letter():
    embedder = get_embedder("random-letter", molecule="rna", dim=16, seed=0)
    (a,) = embedder.embed(["ACGA"])
    np.testing.assert_array_equal(a[0], a[3])
    assert embedder.name == "random-letter" and embedder.revision.startswith("random-letter:")
