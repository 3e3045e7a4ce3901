"""Metrics per RNA category and per protein category (the upstream code's ``calc_metrics_per_type``).

A model that is right on miRNAs and wrong on lncRNAs can still post a fair overall score; the breakdown
shows it. Categories come from the interactions table (``rna_category``, ``protein_category``); a missing
value counts as ``unknown``. AUROC / AUPRC are undefined (n/a) for a category with one class only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

#: Interaction columns broken down, with their heading in reports.
GROUP_COLUMNS = {"rna_category": "RNA category", "protein_category": "protein category"}
SHOWN = ("precision", "recall", "f1", "mcc", "auroc", "auprc")


def metrics_by_group(
    labels: np.ndarray,
    probabilities: np.ndarray,
    groups: Mapping[str, Sequence[str | None]],
    threshold: float,
    compute: Callable[[np.ndarray, np.ndarray, float], dict[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{column: {category: metrics}}`` for every column of ``groups`` with more than one category."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for column, values in groups.items():
        names = np.array(["unknown" if v is None or v == "" else str(v) for v in values], dtype=object)
        if len(names) != len(labels) or len(set(names)) < 2:
            continue
        out[column] = {
            category: compute(labels[names == category], probabilities[names == category], threshold)
            for category in sorted(set(names))
        }
    return out


def group_tables(by_group: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """Markdown tables, one per broken-down column: pairs, positives and the main metrics per category."""
    parts = []
    for column, categories in by_group.items():
        head = [GROUP_COLUMNS.get(column, column), "pairs", "positives", *SHOWN]
        lines = [f"#### By {GROUP_COLUMNS.get(column, column)}", "", "| " + " | ".join(head) + " |",
                 "|" + "---|" * len(head)]
        for category, m in categories.items():
            values = ["n/a" if m.get(k) is None else f"{m[k]:.3f}" for k in SHOWN]
            pairs = int(m["n_positive"]) + int(m["n_negative"])
            lines.append("| " + " | ".join([category, f"{pairs:,}", f"{int(m['n_positive']):,}", *values]) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)
