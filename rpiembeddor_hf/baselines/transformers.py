"""The peers' pair features as scikit-learn transformers, so they drop into ``Pipeline`` and ``GridSearchCV``.

Each transformer takes a pairs DataFrame (:meth:`~rpiembeddor_hf.baselines.data.PairData.to_frame`) and
returns ``[RNA features | protein features]`` per pair as float32, computed once per unique sequence:

* :class:`RPISeqFeatures` - RNA 4-mer composition (256) + protein conjoint triad (343) = 599 columns;
* :class:`XRPIFeatures` - RNA 5-mers (1024) + reduced-alphabet protein 5-mers (1024) = 2048 columns;
* :class:`IPMinerFeatures` - RPISeq features min-max scaled on the training pairs (clipped to [0, 1]).

Example::

    Pipeline([("features", RPISeqFeatures()), ("forest", RandomForestClassifier())]).fit(frame, labels)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from rpiembeddor_hf.baselines.data import PairData, as_pair_data
from rpiembeddor_hf.baselines.features import (
    CONJOINT_TRIAD,
    RNA,
    XRPI_K,
    XRPI_PROTEIN,
    conjoint_triad,
    rna_4mer_composition,
    xrpi_protein_features,
    xrpi_rna_features,
)


def pair_features(
    data: PairData,
    rna_features: Callable[[Sequence[str]], np.ndarray],
    protein_features: Callable[[Sequence[str]], np.ndarray],
) -> np.ndarray:
    """[RNA features | protein features] per pair, computed once per unique sequence."""
    rna_ids, rna_rows = data.unique_rna()
    prot_ids, prot_rows = data.unique_protein()
    rna = rna_features([data.rna_sequences[i] for i in rna_ids])
    prot = protein_features([data.protein_sequences[i] for i in prot_ids])
    return np.hstack([rna[rna_rows], prot[prot_rows]]).astype(np.float32)


def rpiseq_features(data: PairData) -> np.ndarray:
    """599 columns per pair: RNA 4-mer composition (256) then protein conjoint triad (343)."""
    return pair_features(data, rna_4mer_composition, conjoint_triad)


def xrpi_features(data: PairData) -> np.ndarray:
    """2048 columns per pair: RNA 5-mers (1024) then reduced-alphabet protein 5-mers (1024)."""
    return pair_features(data, xrpi_rna_features, xrpi_protein_features)


class _StatelessPairFeatures(TransformerMixin, BaseEstimator):
    """Composition features need nothing from the training pairs; ``fit`` only records the width."""

    _names: Callable[[], list[str]]
    _compute: Callable[[PairData], np.ndarray]

    def fit(self, X: Any, y: Any = None) -> _StatelessPairFeatures:  # noqa: N803  (scikit-learn's name)
        self.n_features_out_ = len(type(self)._names())
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        return type(self)._compute(as_pair_data(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(type(self)._names(), dtype=object)


def _rpiseq_names() -> list[str]:
    return [f"rna_{k}" for k in RNA.kmer_names(4)] + [f"protein_{k}" for k in CONJOINT_TRIAD.kmer_names(3)]


def _xrpi_names() -> list[str]:
    return ([f"rna_{k}" for k in RNA.kmer_names(XRPI_K)]
            + [f"protein_{k}" for k in XRPI_PROTEIN.kmer_names(XRPI_K)])


class RPISeqFeatures(_StatelessPairFeatures):
    """RPISeq: RNA 4-mer frequencies over ACGU + protein conjoint-triad 3-mer frequencies (599 columns)."""

    _names = staticmethod(_rpiseq_names)
    _compute = staticmethod(rpiseq_features)


class XRPIFeatures(_StatelessPairFeatures):
    """XRPI: RNA 5-mers over ACGU + protein 5-mers over 4 propensity classes (2048 columns)."""

    _names = staticmethod(_xrpi_names)
    _compute = staticmethod(xrpi_features)


class IPMinerFeatures(TransformerMixin, BaseEstimator):
    """IPMiner's input: RPISeq features min-max scaled on the training pairs, clipped to [0, 1] (float32).

    A column constant in training gets scale 1e-12 rather than a division by zero.
    """

    def fit(self, X: Any, y: Any = None) -> IPMinerFeatures:  # noqa: N803
        raw = rpiseq_features(as_pair_data(X))
        self.min_ = raw.min(axis=0)
        self.scale_ = np.maximum(raw.max(axis=0) - self.min_, np.float32(1e-12))
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        check_is_fitted(self)
        return self.scale(rpiseq_features(as_pair_data(X)))

    def scale(self, raw: np.ndarray) -> np.ndarray:
        """Scale already computed RPISeq features."""
        return np.clip((raw - self.min_) / self.scale_, np.float32(0.0), np.float32(1.0))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(_rpiseq_names(), dtype=object)
