"""Binary classification metrics of DESIGN §6, computed with scikit-learn.

One function gives every number the project reports (precision, recall, F1, accuracy, MCC, balanced
accuracy, AUROC, AUPRC, confusion counts), so the model, the peers and the trivial baselines are scored
identically. Threshold-free metrics are ``None`` (not a fake 0.5) when only one class is present, e.g. on
a positive-only test set such as RPI2825.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn import metrics as skm

METRIC_NAMES = (
    "precision",
    "recall",
    "f1",
    "accuracy",
    "mcc",
    "balanced_accuracy",
    "auroc",
    "auprc",
)
COUNT_NAMES = ("tp", "fp", "tn", "fn", "n_positive", "n_negative")


def binary_metrics(
    labels: Sequence[int] | np.ndarray,
    probabilities: Sequence[float] | np.ndarray,
    threshold: float = 0.5,
) -> dict[str, Any]:
    """All metrics for one set of predictions; labels in {0, 1}, probabilities in [0, 1]."""
    y = np.asarray(labels).astype(np.int64).ravel()
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"{y.size} labels but {p.size} probabilities")
    if y.size == 0:
        raise ValueError("no predictions to score")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 0 or 1, found {sorted(set(np.unique(y)) - {0, 1})}")
    if not np.isfinite(p).all():
        raise ValueError("probabilities contain NaN or infinite values")
    pred = (p >= threshold).astype(np.int64)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel().tolist()
    both_classes = 0 < y.sum() < y.size
    out: dict[str, Any] = {
        "precision": skm.precision_score(y, pred, zero_division=0.0),
        "recall": skm.recall_score(y, pred, zero_division=0.0),
        "f1": skm.f1_score(y, pred, zero_division=0.0),
        "accuracy": skm.accuracy_score(y, pred),
        "mcc": skm.matthews_corrcoef(y, pred) if both_classes else None,
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred) if both_classes else None,
        "auroc": skm.roc_auc_score(y, p) if both_classes else None,
        "auprc": skm.average_precision_score(y, p) if both_classes else None,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "n_positive": int(y.sum()),
        "n_negative": int(y.size - y.sum()),
        "threshold": float(threshold),
    }
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}


def trivial_baselines(labels: Sequence[int] | np.ndarray) -> dict[str, dict[str, Any]]:
    """Scores of predicting everything positive / negative: the floor every method must clear."""
    y = np.asarray(labels)
    return {
        "all-positive": binary_metrics(y, np.ones(y.shape)),
        "all-negative": binary_metrics(y, np.zeros(y.shape)),
    }


def mean_std(runs: Sequence[Mapping[str, Any]]) -> dict[str, tuple[float, float] | None]:
    """Mean and (sample) standard deviation of every metric over seeds / folds; ``None`` where undefined."""
    out: dict[str, tuple[float, float] | None] = {}
    for name in METRIC_NAMES + COUNT_NAMES:
        values = [r[name] for r in runs if r.get(name) is not None]
        if not values:
            out[name] = None
            continue
        arr = np.asarray(values, dtype=np.float64)
        std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
        out[name] = (float(arr.mean()), std)
    return out


def format_mean_std(value: tuple[float, float] | None, digits: int = 3) -> str:
    if value is None or any(math.isnan(v) for v in value):
        return "n/a"
    mean, std = value
    return f"{mean:.{digits}f} ± {std:.{digits}f}"
