"""Evaluation: the shipped evaluate module matches scikit-learn; reports, curves, positive-only sets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from rpiembeddor_hf.evaluation import (
    POSITIVE_ONLY_NOTE,
    Predictions,
    compute_metrics,
    confusion_sentence,
    evaluation_report,
    load_metric,
    predict,
    write_report,
)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=2, max_size=60),
    st.sampled_from([0.3, 0.5]),
)
def test_evaluate_module_equals_sklearn(rows, threshold):
    labels = np.array([r[0] for r in rows])
    probs = np.array([r[1] for r in rows])
    got = compute_metrics(labels, probs, threshold)
    pred = (probs >= threshold).astype(int)
    assert got["precision"] == pytest.approx(skm.precision_score(labels, pred, zero_division=0))
    assert got["recall"] == pytest.approx(skm.recall_score(labels, pred, zero_division=0))
    assert got["f1"] == pytest.approx(skm.f1_score(labels, pred, zero_division=0))
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(labels, pred))
    tn, fp, fn, tp = skm.confusion_matrix(labels, pred, labels=[0, 1]).ravel()
    assert (got["tp"], got["fp"], got["tn"], got["fn"]) == (tp, fp, tn, fn)
    if 0 < labels.sum() < len(labels):
        assert got["mcc"] == pytest.approx(skm.matthews_corrcoef(labels, pred))
        assert got["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(labels, pred))
        assert got["auroc"] == pytest.approx(skm.roc_auc_score(labels, probs))
        assert got["auprc"] == pytest.approx(skm.average_precision_score(labels, probs))
    else:
        assert got["auroc"] is None and got["mcc"] is None


def test_metric_module_loads_by_path_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    metric = load_metric()
    assert metric.compute(references=[0, 1, 1], predictions=[0.2, 0.9, 0.4])["recall"] == 0.5


def test_report_files_table_and_counts(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    probs = np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1)
    report = evaluation_report("toy test", labels, probs)
    paths = write_report(report, Predictions([f"p{i}" for i in range(200)], labels, probs), tmp_path)
    assert {p.name for p in paths.values()} == {
        "metrics.json",
        "metrics.md",
        "predictions.parquet",
        "roc.png",
        "pr.png",
    }
    assert (tmp_path / "roc.png").read_bytes()[:4] == b"\x89PNG"
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["model"]["auroc"] == pytest.approx(skm.roc_auc_score(labels, probs))
    assert saved["baselines"]["all-negative"]["accuracy"] == pytest.approx(1 - labels.mean())
    table = (tmp_path / "metrics.md").read_text()
    assert "| all-positive |" in table and "| RPIembeddor |" in table
    assert f"{report.model['tp']} of {labels.sum()} positives called interacting" in table


def test_confusion_sentence_uses_thousands_separators():
    m = {"tp": 2971, "n_positive": 4887, "tn": 5120, "n_negative": 8116, "threshold": 0.5}
    assert confusion_sentence(m) == (
        "2,971 of 4,887 positives called interacting; 5,120 of 8,116 negatives called non-interacting "
        "(threshold 0.5)"
    )


def test_positive_only_set_reports_recall_and_explains(tmp_path):
    labels = np.ones(10, dtype=int)
    probs = np.linspace(0.05, 0.95, 10)
    report = evaluation_report("RPI2825-like", labels, probs)
    assert report.model["recall"] == pytest.approx(0.5)
    assert report.model["auroc"] is None
    assert report.note == POSITIVE_ONLY_NOTE
    paths = write_report(report, Predictions([str(i) for i in range(10)], labels, probs), tmp_path)
    assert "roc" not in paths  # no curve with one class
    assert "only recall" in (tmp_path / "metrics.md").read_text()


def test_evaluate_model_uses_the_threshold_stored_in_the_model(toy_data):
    import torch

    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel
    from rpiembeddor_hf.data import EmbeddedPairDataset, EmbeddingSource, read_tables
    from rpiembeddor_hf.evaluation import evaluate_model

    torch.manual_seed(0)
    model = RPIembeddorModel(
        RPIembeddorConfig(rna_embedding_dim=6, protein_embedding_dim=10, d_model=16, dim_feedforward=8)
    ).eval()
    table = read_tables([toy_data / "split" / "test.parquet"])
    stores = {
        m: EmbeddingSource("stored", [toy_data / f"{m}_embeddings.parquet"]).open(m, None, [])
        for m in ("rna", "protein")
    }
    data = EmbeddedPairDataset(table, stores["rna"], stores["protein"], name="toy test")
    probs = evaluate_model(model, data, threshold=0.0).model  # everything called interacting
    assert probs["tp"] + probs["fp"] == len(data)
    scores = predict(model, data).probabilities
    model.config.threshold = float(np.median(scores))
    model.config.threshold_source = "chosen on validation: maximises MCC"
    report = evaluate_model(model, data)
    assert report.model["threshold"] == model.config.threshold
    assert report.model["tp"] + report.model["fp"] == int((scores >= model.config.threshold).sum())
    assert report.threshold_source == "from the model config: chosen on validation: maximises MCC"
    assert f"Threshold {model.config.threshold:.4g}: from the model config" in report.markdown()
    overridden = evaluate_model(model, data, threshold=0.9)
    assert overridden.model["threshold"] == 0.9 and "given with --threshold" in overridden.threshold_source
