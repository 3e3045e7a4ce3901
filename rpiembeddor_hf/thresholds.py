"""Choosing the decision threshold of RPIembeddor on held-out (validation) predictions.

The model's probabilities are not calibrated (negatives are sampled, classes are imbalanced), so 0.5 is an
arbitrary cut: a model can rank pairs well and still call every pair negative at 0.5. Training therefore
picks the threshold that maximises a metric over the candidate thresholds of the *validation*
probabilities (every distinct probability: a pair is called interacting when its probability is at or
above the threshold) and stores it in ``config.threshold``; the test split is never used to choose it.

Metrics: ``mcc`` (default: uses all four confusion counts, robust to class imbalance), ``f1`` (positives
only; favours recall), ``youden`` (Youden's J = recall - false-positive rate, i.e. balanced accuracy - 0.5),
``fixed`` (no search: keep the given threshold, 0.5 by default). Ties go to the threshold closest to the
fixed one, so a flat optimum does not move the cut for nothing.

:func:`training_threshold` is the choice training stores with the best checkpoint; :func:`model_threshold`
reads it back from a model config (prediction, evaluation) and :func:`model_threshold_source` says where it
came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnainteract_builder.contract.errors import InputError

THRESHOLD_METRICS = ("mcc", "f1", "youden", "fixed")
#: Used when a model config carries no ``threshold`` (see :func:`model_threshold`).
DEFAULT_THRESHOLD = 0.5
_METRIC_WORDS = {"mcc": "MCC", "f1": "F1", "youden": "Youden's J"}


@dataclass(frozen=True)
class ThresholdChoice:
    """A decision threshold and how it was chosen.

    Attributes:
        threshold: call a pair interacting when its probability is >= this.
        metric: the metric it maximises (``fixed`` when it was not searched).
        value: that metric at ``threshold`` on the set it was chosen on (``None`` for ``fixed``).
        source: the same in words, for reports and the model card.
    """

    threshold: float
    metric: str
    value: float | None
    source: str


def confusion_curve(
    labels: np.ndarray, probabilities: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate thresholds (distinct probabilities, ascending) and tp, fp, tn, fn at each of them."""
    y = np.asarray(labels).astype(np.int64).ravel()
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    candidates = np.unique(p)
    positives, negatives = np.sort(p[y == 1]), np.sort(p[y == 0])
    # Pairs at or above a threshold t are called interacting: count those >= t in each class.
    tp = len(positives) - np.searchsorted(positives, candidates, side="left")
    fp = len(negatives) - np.searchsorted(negatives, candidates, side="left")
    return candidates, tp, fp, len(negatives) - fp, len(positives) - tp


def metric_curve(metric: str, tp: np.ndarray, fp: np.ndarray, tn: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """``metric`` at every candidate threshold; 0 where it is undefined (as scikit-learn reports it)."""
    tp, fp, tn, fn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, tn, fn))
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "mcc":
            denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
            value = (tp * tn - fp * fn) / denominator
        elif metric == "f1":
            value = 2 * tp / (2 * tp + fp + fn)
        elif metric == "youden":
            value = tp / (tp + fn) - fp / (fp + tn)
        else:
            raise InputError(
                f"threshold metric must be one of {', '.join(THRESHOLD_METRICS)}, not {metric!r}"
            )
    return np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)


def choose_threshold(
    labels: np.ndarray,
    probabilities: np.ndarray,
    metric: str = "mcc",
    fixed: float = 0.5,
    set_name: str = "validation",
) -> ThresholdChoice:
    """The threshold among the distinct ``probabilities`` that maximises ``metric`` on ``labels``.

    ``metric="fixed"`` returns ``fixed`` unchanged; so does a set with one class only (nothing to trade
    off), with the reason in ``source``.
    """
    if metric not in THRESHOLD_METRICS:
        raise InputError(f"threshold metric must be one of {', '.join(THRESHOLD_METRICS)}, not {metric!r}")
    if not 0.0 <= fixed <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, not {fixed}")
    if metric == "fixed":
        return ThresholdChoice(float(fixed), "fixed", None, f"fixed at {fixed:g} (not chosen on data)")
    y = np.asarray(labels).astype(np.int64).ravel()
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    if y.shape != p.shape or y.size == 0:
        raise InputError(f"{set_name}: {y.size} labels but {p.size} probabilities")
    if not 0 < y.sum() < y.size:
        return ThresholdChoice(
            float(fixed),
            "fixed",
            None,
            f"fixed at {fixed:g}: {set_name} has one class only, so no threshold could be chosen on it",
        )
    candidates, tp, fp, tn, fn = confusion_curve(y, p)
    values = metric_curve(metric, tp, fp, tn, fn)
    best = np.flatnonzero(values >= values.max() - 1e-12)
    pick = best[np.argmin(np.abs(candidates[best] - fixed))]
    value = float(values[pick])
    return ThresholdChoice(
        float(candidates[pick]),
        metric,
        value,
        f"chosen on {set_name}, {y.size:,} pairs: maximises {_METRIC_WORDS[metric]} there ({value:.3f})",
    )


def training_threshold(
    labels: np.ndarray | None,
    probabilities: np.ndarray | None,
    metric: str,
    fixed: float,
    set_name: str,
    best_epoch: int,
) -> ThresholdChoice:
    """The decision threshold stored with a trained model: chosen on the best checkpoint's validation
    predictions (``metric``), or ``fixed`` when ``metric`` is ``fixed`` or there is no labelled validation."""
    if probabilities is None:
        if metric == "fixed":
            return choose_threshold([], [], "fixed", fixed)
        return ThresholdChoice(
            fixed, "fixed", None, f"fixed at {fixed:g}: no labelled validation split to choose a threshold on"
        )
    choice = choose_threshold(labels, probabilities, metric, fixed, set_name)
    if choice.metric == "fixed":
        return choice
    source = f"{choice.source}; best checkpoint, epoch {best_epoch}"
    return ThresholdChoice(choice.threshold, choice.metric, choice.value, source)


def model_threshold(config: Any) -> float:
    """The decision threshold stored in a model config (``config.threshold``), else :data:`DEFAULT_THRESHOLD`."""
    value = getattr(config, "threshold", None)
    return DEFAULT_THRESHOLD if value is None else float(value)


def model_threshold_source(config: Any) -> str:
    """Where :func:`model_threshold` comes from, in words (for reports)."""
    if getattr(config, "threshold", None) is None:
        return f"default {DEFAULT_THRESHOLD:g}: the model config stores no threshold"
    source = getattr(config, "threshold_source", None)
    return f"from the model config: {source}" if source else "from the model config"
