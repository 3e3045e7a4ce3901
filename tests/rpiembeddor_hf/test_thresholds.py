"""Decision threshold chosen on validation predictions: hand-checked set, brute force, edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.thresholds import (
    DEFAULT_THRESHOLD,
    choose_threshold,
    model_threshold,
    model_threshold_source,
    training_threshold,
)

# Worked by hand (threshold: MCC / F1 / Youden's J when pairs with probability >= threshold are positive):
# 0.1: 0 / .667 / 0   0.2: .378 / .727 / .25   0.3: .577 / .8 / .5   0.35: .258 / .667 / .25
# 0.4: .5 / .75 / .5   0.6: .258 / .571 / .25   0.65: 0 / .333 / 0   0.8: .378 / .4 / .25
LABELS = np.array([0, 0, 1, 0, 1, 1, 0, 1])
PROBS = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.65, 0.8])


def _sklearn_metric(metric: str, labels: np.ndarray, called: np.ndarray) -> float:
    if metric == "mcc":
        return skm.matthews_corrcoef(labels, called)
    if metric == "f1":
        return skm.f1_score(labels, called, zero_division=0.0)
    return skm.recall_score(labels, called) - (called[labels == 0].mean())


@pytest.mark.parametrize(
    ("metric", "threshold", "value"),
    [("mcc", 0.3, 1 / np.sqrt(3)), ("f1", 0.3, 0.8), ("youden", 0.4, 0.5)],
)
def test_hand_made_validation_set(metric, threshold, value):
    choice = choose_threshold(LABELS, PROBS, metric)
    assert choice.threshold == threshold
    assert choice.value == pytest.approx(value)
    assert choice.metric == metric and "validation" in choice.source
    # It really is the best of every candidate threshold (Youden ties 0.3 and 0.4: the one nearer 0.5 wins).
    best = max(_sklearn_metric(metric, LABELS, np.greater_equal(PROBS, t).astype(int)) for t in PROBS)
    assert choice.value == pytest.approx(best)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from([i / 20 for i in range(21)])), min_size=2, max_size=40
    ),
    st.sampled_from(["mcc", "f1", "youden"]),
)
def test_choice_maximises_the_metric_over_all_candidates(rows, metric):
    labels = np.array([r[0] for r in rows])
    probs = np.array([r[1] for r in rows])
    choice = choose_threshold(labels, probs, metric)
    if not 0 < labels.sum() < len(labels):
        assert choice.metric == "fixed" and choice.threshold == 0.5 and "one class" in choice.source
        return
    assert choice.threshold in set(probs.tolist())
    scores = {t: _sklearn_metric(metric, labels, (probs >= t).astype(int)) for t in set(probs.tolist())}
    assert choice.value == pytest.approx(max(scores.values()))
    assert _sklearn_metric(metric, labels, (probs >= choice.threshold).astype(int)) == pytest.approx(
        choice.value
    )


def test_fixed_keeps_the_given_threshold_and_bad_names_are_refused():
    assert choose_threshold(LABELS, PROBS, "fixed").threshold == 0.5
    assert choose_threshold(LABELS, PROBS, "fixed", fixed=0.7).threshold == 0.7
    with pytest.raises(InputError, match="mcc, f1, youden, fixed"):
        choose_threshold(LABELS, PROBS, "auroc")
    with pytest.raises(InputError, match="between 0 and 1"):
        choose_threshold(LABELS, PROBS, "fixed", fixed=1.5)


def test_training_threshold_without_validation_and_with_one():
    none = training_threshold(None, None, "mcc", 0.4, "validation", 3)
    assert none.threshold == 0.4 and none.metric == "fixed" and "no labelled validation" in none.source
    fixed = training_threshold(None, None, "fixed", 0.7, "validation", 3)
    assert fixed.threshold == 0.7 and "not chosen on data" in fixed.source
    chosen = training_threshold(LABELS, PROBS, "mcc", 0.5, "validation (v.parquet)", 3)
    assert chosen.threshold == choose_threshold(LABELS, PROBS, "mcc").threshold
    assert chosen.source.endswith("; best checkpoint, epoch 3") and "validation (v.parquet)" in chosen.source


def test_model_threshold_reads_the_config_and_says_where_it_came_from():
    from types import SimpleNamespace

    assert model_threshold(SimpleNamespace()) == DEFAULT_THRESHOLD == 0.5
    assert "stores no threshold" in model_threshold_source(SimpleNamespace())
    stored = SimpleNamespace(threshold=0.31, threshold_source="chosen on validation")
    assert model_threshold(stored) == 0.31
    assert model_threshold_source(stored) == "from the model config: chosen on validation"
