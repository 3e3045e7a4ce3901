"""What every peer / baseline method shares: a scikit-learn classifier that saves and loads without pickles.

Saved models are a folder: ``method.json`` (method name, parameters, format version) plus the method's
own files. scikit-learn estimators are stored with skops and loaded only when every type in the file is
on :data:`TRUSTED_SKOPS_TYPES` (so a crafted file cannot run code); torch weights go to safetensors and
XGBoost boosters to XGBoost's own JSON format.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import atomic_path, write_text_atomic
from rpiembeddor_hf.baselines.data import PairData, as_pair_data

#: 2: scikit-learn estimators (``seed`` became ``random_state``).
FORMAT_VERSION = 2
METHOD_FILE = "method.json"

#: Types skops does not trust by default but that our estimators legitimately contain.
#: All are plain data holders of scikit-learn (tree arrays, calibration maps, the MLP's Adam moments).
TRUSTED_SKOPS_TYPES = frozenset(
    {"sklearn.tree._tree.Tree", "sklearn.calibration._CalibratedClassifier", "sklearn.calibration._SigmoidCalibration",
     "sklearn.neural_network._stochastic_optimizers.AdamOptimizer"}
)


class PairClassifier(ClassifierMixin, BaseEstimator, ABC):
    """A scikit-learn classifier of RNA-protein pairs.

    ``X`` is a pairs DataFrame (:meth:`PairData.to_frame`; a :class:`PairData` works too), ``y`` is 0/1.
    ``predict_proba`` has the two scikit-learn columns (P(no interaction), P(interaction)). Subclasses
    implement ``_fit(pairs)`` and ``_positive(pairs)`` on :class:`PairData`, where features are computed
    once per unique sequence. ``random_state`` is an int seed (it is written to ``method.json``).
    """

    #: Registry name, also written to ``method.json``.
    name: ClassVar[str]

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> PairClassifier:  # noqa: N803  (scikit-learn's name)
        pairs = as_pair_data(X, y)
        pairs.y  # noqa: B018  (fails with a clear message when there are no labels)
        self._fit(pairs)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:  # noqa: N803
        self._check_fitted()
        positive = self._positive(as_pair_data(X))
        return np.column_stack([1 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """1 where P(interaction) >= 0.5."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    @abstractmethod
    def _fit(self, pairs: PairData) -> None: ...

    @abstractmethod
    def _positive(self, pairs: PairData) -> np.ndarray:
        """Probability that each pair interacts (1-D, one value per pair)."""

    def save(self, directory: str | Path) -> Path:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self._save_state(out)
        write_json_atomic(out / METHOD_FILE, {"method": self.name, "params": self.get_params(deep=False),
                                              "format_version": FORMAT_VERSION})
        return out

    @abstractmethod
    def _save_state(self, directory: Path) -> None: ...

    @abstractmethod
    def _load_state(self, directory: Path) -> None: ...

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NotFittedError(f"{self.name}: call fit() (or load a saved model) before predicting")


def write_json_atomic(path: Path, payload: Any) -> None:
    write_text_atomic(path, json.dumps(payload, indent=1, sort_keys=True) + "\n")


def save_sklearn(estimator: Any, path: Path) -> None:
    """skops file written under a temporary name and renamed into place."""
    with atomic_path(path) as tmp:
        sio.dump(estimator, tmp)


def load_sklearn(path: Path) -> Any:
    """Load a skops file, refusing any type that is neither skops-trusted nor in TRUSTED_SKOPS_TYPES."""
    if not path.is_file():
        raise InputError(f"{path}: saved estimator not found")
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = sorted(set(untrusted) - TRUSTED_SKOPS_TYPES)
    if unexpected:
        raise InputError(f"{path}: refusing to load untrusted type(s) {', '.join(unexpected)}")
    return sio.load(path, trusted=list(untrusted))


_REGISTRY: dict[str, type[PairClassifier]] = {}


def register(cls: type[PairClassifier]) -> type[PairClassifier]:
    _REGISTRY[cls.name] = cls
    return cls


def method_names() -> list[str]:
    return sorted(_REGISTRY)


def make_method(name: str, **params: Any) -> PairClassifier:
    if name not in _REGISTRY:
        raise InputError(f"unknown method {name!r}; choose from {', '.join(method_names())}")
    return _REGISTRY[name](**params)


def load_method(directory: str | Path) -> PairClassifier:
    """Rebuild a saved method from its folder (``method.json`` + state files); no pickle is involved."""
    folder = Path(directory)
    meta_path = folder / METHOD_FILE
    if not meta_path.is_file():
        raise InputError(f"{folder}: not a saved method (no {METHOD_FILE})")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        name, params = meta["method"], meta["params"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise InputError(f"{meta_path}: malformed ({err})") from err
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{meta_path}: format version {meta.get('format_version')} is not {FORMAT_VERSION}")
    method = make_method(name, **params)
    method._load_state(folder)
    method.classes_ = np.array([0, 1])
    return method


class SkopsState:
    """Saving for methods whose whole fitted state is one scikit-learn object in ``model_`` (a skops file)."""

    MODEL_FILE = "model.skops"

    def _save_state(self, directory: Path) -> None:
        self._check_fitted()  # type: ignore[attr-defined]
        save_sklearn(self.model_, directory / self.MODEL_FILE)  # type: ignore[attr-defined]

    def _load_state(self, directory: Path) -> None:
        self.model_ = load_sklearn(directory / self.MODEL_FILE)
