"""Fold schemes: random, cluster (RNA), protein and both, on synthetic clusters and on a real benchmark set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.benchmark.folds import PairClusters, cv_folds, fold_sizes
from rpiembeddor_hf.benchmark.inputs import load_pairs


def _clusters(rna: list[int], protein: list[int]) -> PairClusters:
    return PairClusters(np.asarray([f"r{c}" for c in rna], dtype=object),
                        np.asarray([f"p{c}" for c in protein], dtype=object))


def _shared(side: np.ndarray, train: np.ndarray, test: np.ndarray) -> set[str]:
    return set(side[train].tolist()) & set(side[test].tolist())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 9)), min_size=30, max_size=120),
       st.integers(2, 5), st.integers(0, 10))
def test_grouped_schemes_share_no_cluster(pairs: list[tuple[int, int]], k: int, seed: int) -> None:
    clusters = _clusters([r for r, _ in pairs], [p for _, p in pairs])
    labels = np.asarray([(r * 7 + p + i) % 2 for i, (r, p) in enumerate(pairs)])
    for scheme, side in (("cluster", clusters.rna), ("protein", clusters.protein)):
        if len(set(side.tolist())) < k:
            with pytest.raises(InputError, match="cluster-disjoint"):
                cv_folds(scheme, labels, clusters, k, seed)
            continue
        folds = cv_folds(scheme, labels, clusters, k, seed)
        assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(pairs)))
        for fold in folds:
            assert not _shared(side, fold.train, fold.test)
        again = cv_folds(scheme, labels, clusters, k, seed)
        assert all(np.array_equal(a.test, b.test) for a, b in zip(folds, again, strict=True))


def test_random_folds_are_stratified_and_cover_everything() -> None:
    labels = np.array([0, 1] * 50)
    folds = cv_folds("random", labels, None, 5, seed=0)
    assert sorted(len(f.test) for f in folds) == [20] * 5
    assert all(labels[f.test].sum() == 10 for f in folds)
    assert all(np.array_equal(np.sort(np.concatenate([f.train, f.test])), np.arange(100)) for f in folds)


def test_both_discards_and_counts() -> None:
    # Two RNA clusters x two protein clusters plus cross pairs: some test pairs must go.
    rna = [0, 0, 1, 1, 2, 2, 3, 3] * 4
    protein = [0, 1, 0, 1, 2, 3, 2, 3] * 4
    clusters = _clusters(rna, protein)
    labels = np.asarray([0, 1] * 16)
    folds = cv_folds("both", labels, clusters, 2, seed=0)
    for fold in folds:
        assert not _shared(clusters.rna, fold.train, fold.test)
        assert not _shared(clusters.protein, fold.train, fold.test)
        assert len(fold.train) + len(fold.test) + fold.discarded == len(labels)
    sizes = fold_sizes("both", folds, labels)
    assert [s["discarded"] for s in sizes] == [f.discarded for f in folds]


@pytest.fixture(scope="module")
def rpi369(shared_data: Path):
    _, data, _ = load_pairs(shared_data / "RPI369")
    return data, PairClusters.of(data, 0.5, "mmseqs")


@pytest.mark.parametrize("seed", [0, 1])
def test_real_set_schemes_hold_out_what_they_promise(rpi369, seed: int) -> None:
    data, clusters = rpi369
    y = data.y
    for fold in cv_folds("cluster", y, clusters, 3, seed):
        assert not _shared(clusters.rna, fold.train, fold.test)
        assert _shared(clusters.protein, fold.train, fold.test)  # proteins do leak under the RNA scheme
    for fold in cv_folds("protein", y, clusters, 3, seed):
        assert not _shared(clusters.protein, fold.train, fold.test)
    folds = cv_folds("both", y, clusters, 3, seed)
    for fold in folds:
        assert not _shared(clusters.rna, fold.train, fold.test)
        assert not _shared(clusters.protein, fold.train, fold.test)
    assert sum(len(f.test) + f.discarded for f in folds) == len(data)
    assert sum(len(f.test) for f in folds) > 0
