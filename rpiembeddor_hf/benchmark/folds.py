"""Cross-validation folds: scikit-learn splitters over the pairs, grouped by sequence cluster where asked.

Schemes (``--scheme``):

* ``random`` - ``StratifiedKFold`` on the labels (homology-leaky: for comparison with published numbers);
* ``cluster`` - ``StratifiedGroupKFold`` grouped by RNA sequence cluster: no RNA cluster in two folds;
* ``protein`` - the same grouped by protein sequence cluster: no protein cluster in two folds;
* ``both`` - test pairs whose RNA cluster *and* protein cluster are both unseen in that fold's training.
  The pairs are split by RNA cluster or by protein cluster, whichever keeps more test pairs; then a test
  pair whose other cluster also occurs in the fold's training pairs is discarded, and the count discarded
  per fold is reported. Training always uses every pair outside the fold.

Clusters come from :func:`rnainteract_builder.contract.clusters.clusters_of` (MMseqs2 or CD-HIT).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from rnainteract_builder.contract.clusters import clusters_of
from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines import PairData

SCHEMES = ("random", "cluster", "protein", "both")
#: Schemes whose folds need sequence clusters.
CLUSTERED = ("cluster", "protein", "both")


@dataclass(frozen=True)
class PairClusters:
    """Sequence-cluster representative of every pair's RNA and protein."""

    rna: np.ndarray
    protein: np.ndarray

    @classmethod
    def of(cls, data: PairData, identity: float, tool: str) -> PairClusters:
        rna = clusters_of(data.rna_ids.tolist(), data.rna_sequences, "rna", identity, tool)  # type: ignore[arg-type]
        protein = clusters_of(data.protein_ids.tolist(), data.protein_sequences, "protein", identity,
                              tool)  # type: ignore[arg-type]
        return cls(np.asarray(rna, dtype=object), np.asarray(protein, dtype=object))

    def counts(self) -> dict[str, int]:
        return {"rna_clusters": len(set(self.rna.tolist())), "protein_clusters": len(set(self.protein.tolist()))}


@dataclass(frozen=True)
class Fold:
    """Row numbers of one fold's training and test pairs; ``discarded`` test pairs were dropped (``both``)."""

    number: int
    train: np.ndarray
    test: np.ndarray
    discarded: int = 0
    grouped_by: str = ""


def _group_codes(clusters: np.ndarray) -> np.ndarray:
    return np.unique(np.asarray(clusters, dtype=object), return_inverse=True)[1]


def _grouped(clusters: np.ndarray, what: str, y: np.ndarray, k: int, seed: int) -> list[Fold]:
    """Stratified folds in which all pairs of one cluster share a fold."""
    groups = _group_codes(clusters)
    n_groups = int(groups.max(initial=-1)) + 1
    if n_groups < k:
        raise InputError(f"only {n_groups} {what} clusters: cannot make {k} cluster-disjoint folds")
    splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
    return [Fold(number, train, test, grouped_by=what)
            for number, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y, groups))]


def _unseen_only(folds: list[Fold], clusters: PairClusters) -> list[Fold]:
    """Drop test pairs whose RNA or protein cluster occurs in the fold's training pairs."""
    out = []
    for fold in folds:
        keep = (~np.isin(clusters.rna[fold.test], clusters.rna[fold.train])
                & ~np.isin(clusters.protein[fold.test], clusters.protein[fold.train]))
        out.append(Fold(fold.number, fold.train, fold.test[keep], int((~keep).sum()), fold.grouped_by))
    return out


def _both(clusters: PairClusters, y: np.ndarray, k: int, seed: int) -> list[Fold]:
    candidates, errors = [], []
    for side, what in ((clusters.rna, "RNA"), (clusters.protein, "protein")):
        try:
            candidates.append(_unseen_only(_grouped(side, what, y, k, seed), clusters))
        except InputError as err:
            errors.append(str(err))
    if not candidates:
        raise InputError("; ".join(errors))
    # max() keeps the first of equals: RNA-grouped folds win a tie.
    return max(candidates, key=lambda folds: sum(len(f.test) for f in folds))


def cv_folds(scheme: str, y: np.ndarray, clusters: PairClusters | None, k: int, seed: int) -> list[Fold]:
    """The ``k`` folds of one scheme and seed (a scikit-learn splitter, seeded with ``seed``)."""
    if scheme == "random":
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
        return [Fold(number, train, test)
                for number, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y))]
    if scheme not in CLUSTERED:
        raise InputError(f"unknown fold scheme {scheme!r}; choose from {', '.join(SCHEMES)}")
    if clusters is None:
        raise ValueError(f"scheme {scheme!r} needs sequence clusters")
    if scheme == "cluster":
        return _grouped(clusters.rna, "RNA", y, k, seed)
    if scheme == "protein":
        return _grouped(clusters.protein, "protein", y, k, seed)
    return _both(clusters, y, k, seed)


def fold_sizes(scheme: str, folds: list[Fold], y: np.ndarray) -> list[dict[str, int | str]]:
    """Per fold: test pairs and positives, and for ``both`` the test pairs discarded and the grouping side."""
    sizes: list[dict[str, int | str]] = []
    for fold in folds:
        row: dict[str, int | str] = {"pairs": len(fold.test), "positives": int(y[fold.test].sum())}
        if scheme == "both":
            row |= {"discarded": fold.discarded, "grouped_by": fold.grouped_by}
        sizes.append(row)
    return sizes
