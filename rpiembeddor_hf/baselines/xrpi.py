"""XRPI-style gradient boosting (Jain, Gupte & Aduri 2018, Sci. Rep. 8:9552), re-implemented.

The paper classifies amino acids by RNA-interaction propensity and uses "the minimum structural unit of
five residues" as the descriptor, without a full feature specification. Our choices, fixed here:

* protein: 5-mer frequencies over 4 propensity classes {RKH} {YWFNQSTG} {AVLIMCP} {DE}
  (:data:`~rpiembeddor_hf.baselines.features.XRPI_PROTEIN_CLASSES`) -> 1024 columns;
* RNA: 5-mer frequencies over ACGU (nucleotides kept as four classes) -> 1024 columns;
* booster: the public re-implementation's hyper-parameters (DESIGN §7): 200 trees, eta 0.25,
  max depth 8, L1 (alpha) 1.12, L2 (lambda) 18.51, histogram trees, seeded.

Features: :class:`~rpiembeddor_hf.baselines.transformers.XRPIFeatures`. Saved in XGBoost's JSON format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from xgboost import XGBClassifier

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, register
from rpiembeddor_hf.baselines.data import PairData
from rpiembeddor_hf.baselines.transformers import xrpi_features

MODEL_FILE = "xgboost.json"


@register
class XRPI(PairClassifier):
    name = "xrpi"

    def __init__(self, random_state: int = 0, n_estimators: int = 200, learning_rate: float = 0.25,
                 max_depth: int = 8, reg_alpha: float = 1.12, reg_lambda: float = 18.51, n_jobs: int = 1) -> None:
        self.random_state = random_state
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.reg_alpha = reg_alpha
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs

    def _new_model(self) -> XGBClassifier:
        return XGBClassifier(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                             max_depth=self.max_depth, reg_alpha=self.reg_alpha, reg_lambda=self.reg_lambda,
                             tree_method="hist", random_state=self.random_state, n_jobs=self.n_jobs,
                             objective="binary:logistic", eval_metric="logloss")

    def _fit(self, pairs: PairData) -> None:
        self.model_ = self._new_model().fit(xrpi_features(pairs), pairs.y)

    def _positive(self, pairs: PairData) -> np.ndarray:
        return self.model_.predict_proba(xrpi_features(pairs))[:, 1]

    def _save_state(self, directory: Path) -> None:
        self._check_fitted()
        self.model_.save_model(directory / MODEL_FILE)

    def _load_state(self, directory: Path) -> None:
        path = directory / MODEL_FILE
        if not path.is_file():
            raise InputError(f"{path}: saved XGBoost model not found")
        self.model_ = self._new_model()
        self.model_.load_model(path)
