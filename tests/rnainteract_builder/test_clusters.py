"""cluster_sequences: both tools, both molecules, determinism, limits."""

from __future__ import annotations

import random

import pytest

from rnainteract_builder.contract.clusters import cdhit_word_size, cluster_sequences
from rnainteract_builder.contract.errors import InputError

RNA_ALPHABET, AA_ALPHABET = "ACGU", "ACDEFGHIKLMNPQRSTVWY"


def _random(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _mutate(rng: random.Random, seq: str, alphabet: str, n: int) -> str:
    letters = list(seq)
    for pos in rng.sample(range(len(seq)), n):
        letters[pos] = rng.choice([a for a in alphabet if a != letters[pos]])
    return "".join(letters)


def _families(alphabet: str, length: int, mutations: int) -> dict[str, str]:
    """Two families of three related sequences each, a short sequence, and an exact duplicate."""
    rng = random.Random(7)
    seqs = {}
    for fam in ("a", "b"):
        root = _random(rng, alphabet, length)
        seqs[f"{fam}0"] = root
        for k in (1, 2):
            seqs[f"{fam}{k}"] = _mutate(rng, root, alphabet, mutations)
    seqs["short"] = alphabet[:3] * 2
    seqs["dup"] = seqs["b2"]
    return seqs


@pytest.mark.parametrize(
    ("molecule", "tool", "identity"),
    [
        ("rna", "mmseqs", 0.5),
        ("rna", "cd-hit", 0.8),
        ("protein", "cd-hit", 0.5),
        pytest.param("protein", "mmseqs", 0.5, marks=pytest.mark.slow),
    ],
)
def test_related_sequences_share_a_cluster(molecule: str, tool: str, identity: float) -> None:
    alphabet = RNA_ALPHABET if molecule == "rna" else AA_ALPHABET
    seqs = _families(alphabet, 150, 12)
    clusters = cluster_sequences(seqs, molecule, identity=identity, tool=tool)
    assert set(clusters) == set(seqs)
    assert clusters["a0"] == clusters["a1"] == clusters["a2"]
    assert clusters["b0"] == clusters["b1"] == clusters["b2"] == clusters["dup"]
    assert clusters["a0"] != clusters["b0"]
    assert clusters["short"] == "short"  # too short to cluster: a singleton, not a shared bucket
    # Representatives are members of their own cluster and map to themselves.
    for rep in set(clusters.values()):
        assert clusters[rep] == rep


def test_deterministic_regardless_of_input_order() -> None:
    seqs = _families(RNA_ALPHABET, 120, 10)
    reversed_input = dict(reversed(list(seqs.items())))
    assert cluster_sequences(seqs, "rna", tool="cd-hit", identity=0.8) == cluster_sequences(
        reversed_input, "rna", tool="cd-hit", identity=0.8
    )
    assert cluster_sequences(seqs, "rna") == cluster_sequences(reversed_input, "rna")


def test_cdhit_limits_are_explicit() -> None:
    assert cdhit_word_size(0.95, "rna") == 10
    assert cdhit_word_size(0.5, "protein") == 3
    with pytest.raises(InputError, match="lowest it accepts is 0.8"):
        cluster_sequences({"x": "ACGU" * 10, "y": "ACGA" * 10}, "rna", identity=0.5, tool="cd-hit")
    with pytest.raises(InputError, match="unknown clustering tool"):
        cluster_sequences({"x": "ACGU"}, "rna", tool="blast")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="empty"):
        cluster_sequences({"x": ""}, "rna")


def test_single_and_identical_sequences_need_no_tool() -> None:
    assert cluster_sequences({"only": "ACGU"}, "rna") == {"only": "only"}
    assert cluster_sequences({"z": "MKV", "y": "MKV"}, "protein") == {"y": "y", "z": "y"}


def _constructed(seed: int) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    """Twelve RNA families of five members, each member a root with 5-15 % of its letters substituted (no
    indels, so the identity of two members is known exactly: equal positions / length), and every pair's
    identity. Members of one family are 72-95 % identical, unrelated sequences about 25 %."""
    rng = random.Random(seed)
    seqs = {}
    for family in range(12):
        root = _random(rng, RNA_ALPHABET, rng.randint(80, 400))
        for member in range(5):
            rate = rng.choice((0.05, 0.1, 0.15))
            seqs[f"f{family:02d}m{member}"] = _mutate(rng, root, RNA_ALPHABET, round(rate * len(root)))
    ids = sorted(seqs)
    identity = {
        (a, b): sum(x == y for x, y in zip(seqs[a], seqs[b], strict=False)) / max(len(seqs[a]), len(seqs[b]))
        for i, a in enumerate(ids) for b in ids[i + 1 :]
    }
    return seqs, identity


def _split_pairs(clusters: dict[str, str], identity: dict[tuple[str, str], float], threshold: float) -> list:
    return [(a, b, v) for (a, b), v in identity.items() if v >= threshold and clusters[a] != clusters[b]]


def test_linkage_never_splits_a_pair_at_or_above_the_identity_threshold() -> None:
    """The family-split leak: MMseqs2's greedy clustering puts RNAs at 72-95 % identity in different
    clusters; single linkage over an all-against-all search does not (and joins no unrelated ones)."""
    greedy_split = 0
    for seed in range(3):
        seqs, identity = _constructed(seed)
        linked = cluster_sequences(seqs, "rna", identity=0.5, method="linkage")
        assert _split_pairs(linked, identity, 0.5) == []
        assert len(set(linked.values())) == 12  # one cluster per family: unrelated RNAs stay apart
        greedy_split += len(_split_pairs(cluster_sequences(seqs, "rna", identity=0.5), identity, 0.5))
    assert greedy_split > 0  # why linkage is the default for RNA pseudo-families


def test_linkage_is_deterministic_and_needs_mmseqs() -> None:
    seqs = _families(RNA_ALPHABET, 120, 10)
    reversed_input = dict(reversed(list(seqs.items())))
    linked = cluster_sequences(seqs, "rna", method="linkage")
    assert linked == cluster_sequences(reversed_input, "rna", method="linkage")
    assert linked["a0"] == linked["a1"] == linked["a2"] == "a0"  # the representative is the smallest id
    assert linked["b0"] == linked["dup"] and linked["short"] == "short"
    with pytest.raises(InputError, match="needs the tool mmseqs"):
        cluster_sequences(seqs, "rna", identity=0.8, tool="cd-hit", method="linkage")
    with pytest.raises(InputError, match="unknown clustering method"):
        cluster_sequences(seqs, "rna", method="single")  # type: ignore[arg-type]


def test_linkage_joins_a_fragment_to_the_rna_containing_it() -> None:
    """The leakage audit counts a contained fragment as a copy, so linkage requires coverage of the shorter
    sequence only; greedy clustering keeps requiring it of both and leaves the fragment apart."""
    rng = random.Random(11)
    whole = _random(rng, RNA_ALPHABET, 240)
    seqs = {"whole": whole, "fragment": whole[60:160], "other": _random(rng, RNA_ALPHABET, 200)}
    linked = cluster_sequences(seqs, "rna", method="linkage")
    assert linked["fragment"] == linked["whole"] == "fragment" and linked["other"] == "other"
    assert cluster_sequences(seqs, "rna")["fragment"] != cluster_sequences(seqs, "rna")["whole"]
