"""RPISeq (Muppirala, Honavar & Dobbs 2011): RNA 4-mer + protein conjoint-triad composition, RF and SVM.

Features: 256 RNA 4-mer frequencies + 343 conjoint-triad frequencies = 599 columns per pair
(:class:`~rpiembeddor_hf.baselines.transformers.RPISeqFeatures`). The paper used Weka's random forest and
an RBF SVM; here they are scikit-learn's ``RandomForestClassifier`` and ``SVC`` (RBF, on standardised
features) with Platt-scaled probabilities from ``CalibratedClassifierCV``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from rpiembeddor_hf.baselines.base import PairClassifier, SkopsState, register
from rpiembeddor_hf.baselines.data import PairData
from rpiembeddor_hf.baselines.transformers import rpiseq_features


class _SklearnOnRPISeqFeatures(SkopsState, PairClassifier):
    """A scikit-learn classifier (``model_``) on the 599 RPISeq columns."""

    def _build(self) -> Any:
        raise NotImplementedError

    def _fit(self, pairs: PairData) -> None:
        self.model_ = self._build().fit(rpiseq_features(pairs), pairs.y)

    def _positive(self, pairs: PairData) -> np.ndarray:
        return self.model_.predict_proba(rpiseq_features(pairs))[:, 1]



@register
class RPISeqRF(_SklearnOnRPISeqFeatures):
    name = "rpiseq-rf"

    def __init__(self, random_state: int = 0, n_estimators: int = 300, n_jobs: int = 1) -> None:
        self.random_state = random_state
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs

    def _build(self) -> RandomForestClassifier:
        return RandomForestClassifier(n_estimators=self.n_estimators, random_state=self.random_state,
                                      n_jobs=self.n_jobs)


@register
class RPISeqSVM(_SklearnOnRPISeqFeatures):
    name = "rpiseq-svm"

    def __init__(self, random_state: int = 0, c: float = 1.0) -> None:
        self.random_state = random_state
        self.c = c

    def _build(self) -> CalibratedClassifierCV:
        svm = make_pipeline(StandardScaler(),
                            SVC(C=self.c, kernel="rbf", gamma="scale", random_state=self.random_state))
        return CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
