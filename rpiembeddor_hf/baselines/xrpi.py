"""XRPI-style gradient boosting (Jain, Gupte & Aduri 2018, Sci. Rep. 8:9552), re-implemented.

The paper classifies amino acids by RNA-interaction propensity and uses "the minimum structural unit of
five residues" as the descriptor, without a full feature specification. Our choices, fixed here:

* protein: 5-mer frequencies over 4 propensity classes {RKH} {YWFNQSTG} {AVLIMCP} {DE}
  (:data:`~rpiembeddor_hf.baselines.features.XRPI_PROTEIN_CLASSES`) -> 1024 columns;
* RNA: 5-mer frequencies over ACGU (nucleotides kept as four classes) -> 1024 columns;
* booster: the public re-implementation's hyper-parameters (DESIGN §7): 200 trees, eta 0.25,
  max depth 8, L1 (alpha) 1.12, L2 (lambda) 18.51, histogram trees, seeded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from xgboost import XGBClassifier

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, pair_features, register
from rpiembeddor_hf.baselines.data import PairData
from rpiembeddor_hf.baselines.features import xrpi_protein_features, xrpi_rna_features

MODEL_FILE = "xgboost.json"


def xrpi_features(data: PairData) -> np.ndarray:
    """2048 columns per pair: RNA 5-mers (1024) then reduced-alphabet protein 5-mers (1024)."""
    return pair_features(data, xrpi_rna_features, xrpi_protein_features)


@register
class XRPI(PairClassifier):
    name = "xrpi"

    def __init__(self, seed: int = 0, n_estimators: int = 200, learning_rate: float = 0.25, max_depth: int = 8,
                 reg_alpha: float = 1.12, reg_lambda: float = 18.51, n_jobs: int = 1) -> None:
        super().__init__(seed)
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.model: XGBClassifier | None = None

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "n_estimators": self.n_estimators, "learning_rate": self.learning_rate,
                "max_depth": self.max_depth, "reg_alpha": self.reg_alpha, "reg_lambda": self.reg_lambda,
                "n_jobs": self.n_jobs}

    def _new_model(self) -> XGBClassifier:
        return XGBClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                             max_depth=self.max_depth, reg_alpha=self.reg_alpha, reg_lambda=self.reg_lambda,
                             tree_method="hist", random_state=self.seed, n_jobs=self.n_jobs,
                             objective="binary:logistic", eval_metric="logloss")

    def fit(self, data: PairData) -> XRPI:
        self.model = self._new_model().fit(xrpi_features(data), data.y)
        return self

    def predict_proba(self, data: PairData) -> np.ndarray:
        self._check_fitted(self.model is not None)
        assert self.model is not None
        return self.model.predict_proba(xrpi_features(data))[:, 1]

    def _save_state(self, directory: Path) -> None:
        self._check_fitted(self.model is not None)
        assert self.model is not None
        self.model.save_model(directory / MODEL_FILE)

    def _load_state(self, directory: Path) -> None:
        path = directory / MODEL_FILE
        if not path.is_file():
            raise InputError(f"{path}: saved XGBoost model not found")
        self.model = self._new_model()
        self.model.load_model(path)
