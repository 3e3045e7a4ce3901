"""Per-category metrics and the paper's 0.5 threshold beside the chosen one, in every evaluation report."""

from __future__ import annotations

import numpy as np

from rpiembeddor_hf.evaluation import compute_metrics, evaluation_report
from rpiembeddor_hf.group_metrics import metrics_by_group


def test_each_category_is_scored_on_its_own_rows():
    labels = np.array([1, 0, 1, 0, 1, 0])
    probs = np.array([0.9, 0.1, 0.8, 0.2, 0.3, 0.7])  # miRNA rows perfect, lncRNA rows inverted
    groups = {"rna_category": ["miRNA"] * 4 + ["lncRNA"] * 2, "protein_category": ["RBP"] * 6}
    by_group = metrics_by_group(labels, probs, groups, 0.5, compute_metrics)
    assert set(by_group) == {"rna_category"}  # one protein category: nothing to break down
    mirna, lncrna = by_group["rna_category"]["miRNA"], by_group["rna_category"]["lncRNA"]
    assert (mirna["n_positive"], mirna["n_negative"], mirna["auroc"]) == (2, 2, 1.0)
    assert (lncrna["recall"], lncrna["auroc"]) == (0.0, 0.0)


def test_missing_category_counts_as_unknown_and_one_class_gives_no_auroc():
    by_group = metrics_by_group(np.array([1, 1, 0]), np.array([0.9, 0.6, 0.1]),
                                {"rna_category": ["snoRNA", "snoRNA", None]}, 0.5, compute_metrics)
    assert set(by_group["rna_category"]) == {"snoRNA", "unknown"}
    assert by_group["rna_category"]["snoRNA"]["auroc"] is None


def test_report_shows_paper_threshold_row_and_categories():
    labels = np.array([1, 0, 1, 0])
    probs = np.array([0.45, 0.2, 0.9, 0.4])
    report = evaluation_report("test", labels, probs, threshold=0.42, threshold_source="chosen on validation",
                               groups={"rna_category": ["miRNA", "miRNA", "lncRNA", "lncRNA"]})
    assert report.model["recall"] == 1.0 and report.at_paper_threshold["recall"] == 0.5
    text = report.markdown()
    assert "RPIembeddor at 0.5 (paper)" in text and "By RNA category" in text
    assert "| lncRNA | 2 | 1 |" in text
    assert report.to_dict()["by_group"]["rna_category"]["miRNA"]["n_positive"] == 1
    assert evaluation_report("t", labels, probs, threshold=0.5).at_paper_threshold is None
