"""RPISeq (Muppirala, Honavar & Dobbs 2011): RNA 4-mer + protein conjoint-triad composition, RF and SVM.

Features: 256 RNA 4-mer frequencies + 343 conjoint-triad frequencies = 599 columns per pair
(:mod:`rpiembeddor_hf.baselines.features`). The paper used Weka's random forest and an RBF SVM; here they
are scikit-learn's ``RandomForestClassifier`` and ``SVC`` (RBF, on standardised features) with Platt-scaled
probabilities from ``CalibratedClassifierCV``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from rpiembeddor_hf.baselines.base import PairClassifier, load_sklearn, pair_features, register, save_sklearn
from rpiembeddor_hf.baselines.data import PairData
from rpiembeddor_hf.baselines.features import conjoint_triad, rna_4mer_composition

MODEL_FILE = "model.skops"


def rpiseq_features(data: PairData) -> np.ndarray:
    """599 columns per pair: RNA 4-mer composition (256) then protein conjoint triad (343)."""
    return pair_features(data, rna_4mer_composition, conjoint_triad)


class _SklearnOnRPISeqFeatures(PairClassifier):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.model: Any = None

    def _build(self) -> Any:
        raise NotImplementedError

    def fit(self, data: PairData) -> PairClassifier:
        self.model = self._build().fit(rpiseq_features(data), data.y)
        return self

    def predict_proba(self, data: PairData) -> np.ndarray:
        self._check_fitted(self.model is not None)
        return self.model.predict_proba(rpiseq_features(data))[:, 1]

    def _save_state(self, directory: Path) -> None:
        self._check_fitted(self.model is not None)
        save_sklearn(self.model, directory / MODEL_FILE)

    def _load_state(self, directory: Path) -> None:
        self.model = load_sklearn(directory / MODEL_FILE)


@register
class RPISeqRF(_SklearnOnRPISeqFeatures):
    name = "rpiseq-rf"

    def __init__(self, seed: int = 0, n_estimators: int = 300, n_jobs: int = 1) -> None:
        super().__init__(seed)
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "n_estimators": self.n_estimators, "n_jobs": self.n_jobs}

    def _build(self) -> RandomForestClassifier:
        return RandomForestClassifier(n_estimators=self.n_estimators, random_state=self.seed, n_jobs=self.n_jobs)


@register
class RPISeqSVM(_SklearnOnRPISeqFeatures):
    name = "rpiseq-svm"

    def __init__(self, seed: int = 0, c: float = 1.0) -> None:
        super().__init__(seed)
        self.c = c

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "c": self.c}

    def _build(self) -> CalibratedClassifierCV:
        svm = make_pipeline(StandardScaler(), SVC(C=self.c, kernel="rbf", gamma="scale", random_state=self.seed))
        return CalibratedClassifierCV(svm, method="sigmoid", cv=3, ensemble=False)
