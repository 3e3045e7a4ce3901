"""Scoring RPIembeddor on a split or benchmark: predictions, metrics beside trivial baselines, curves, tables.

Metrics go through the package's own ``evaluate`` module (:data:`METRIC_MODULE_DIR`, loaded by path, so it
works offline), which computes them with scikit-learn via :func:`rpiembeddor_hf.metrics.binary_metrics`.
A report is ``metrics.json`` + ``metrics.md`` (model and the all-positive / all-negative baselines, the
confusion counts in words) + ``roc.png`` / ``pr.png`` + ``predictions.parquet``. Positive-only sets (e.g.
RPI2825) report recall and say why the other numbers are not informative there.

The decision threshold of the threshold metrics is the model's own (``config.threshold``, chosen on the
validation split at training time) unless one is given; every report says which threshold it used and
where it came from.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_bytes_atomic, write_parquet_atomic, write_text_atomic
from rpiembeddor_hf.data import (
    EmbeddedPairDataset,
    length_sorted_order,
)
from rpiembeddor_hf.group_metrics import group_tables, metrics_by_group
from rpiembeddor_hf.metrics import METRIC_NAMES, trivial_baselines
from rpiembeddor_hf.thresholds import model_threshold, model_threshold_source

log = logging.getLogger(__name__)

METRIC_MODULE_DIR = Path(__file__).resolve().parent / "interaction_metrics"

POSITIVE_ONLY_NOTE = (
    "This set has positives only, so only recall (here equal to accuracy) is informative: precision is 1 "
    "whenever anything is called positive (there are no negatives to get wrong), and MCC, balanced accuracy, "
    "AUROC and AUPRC are undefined with one class. Compare recall with how often the model calls pairs "
    "positive on a set with negatives."
)
NEGATIVE_ONLY_NOTE = (
    "This set has negatives only, so only the fraction correctly called non-interacting (accuracy) is "
    "informative; precision, recall and F1 are 0 by construction and MCC, AUROC and AUPRC are undefined."
)


@lru_cache(maxsize=1)
def load_metric() -> Any:
    """The shipped ``evaluate`` metric module (loaded by absolute path; no Hub access)."""
    import evaluate

    return evaluate.load(str(METRIC_MODULE_DIR))


def compute_metrics(labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5) -> dict[str, Any]:
    return load_metric().compute(
        references=np.asarray(labels).astype(np.int64).tolist(),
        predictions=np.asarray(probabilities, dtype=np.float64).tolist(),
        threshold=threshold,
    )


@dataclass
class Predictions:
    pair_ids: list[str]
    labels: np.ndarray | None
    probabilities: np.ndarray

    def table(self) -> pa.Table:
        columns = {
            "pair_id": pa.array(self.pair_ids, pa.string()),
            "probability": pa.array(self.probabilities, pa.float32()),
        }
        if self.labels is not None:
            columns["label"] = pa.array(self.labels.astype(np.int8), pa.int8())
        return pa.table(columns)


@torch.inference_mode()
def predict(
    model: torch.nn.Module,
    data: EmbeddedPairDataset,
    batch_size: int = 64,
    accelerator: Any | None = None,
    show_progress: bool = True,
) -> Predictions:
    """Probabilities for every pair of ``data`` in its row order (exact under several processes).

    With an ``accelerator`` the (length-sorted) rows are sharded over processes and collected with
    ``gather_for_metrics``, which drops the samples repeated to even out the last batches; rows are then
    put back in order by their index, and a check makes sure every row came back exactly once.
    """
    from tqdm.auto import tqdm

    order = length_sorted_order(data)
    loader = torch.utils.data.DataLoader(order, batch_size=batch_size, shuffle=False, collate_fn=data.collate)
    was_training = model.training
    model.eval()
    main = True
    if accelerator is not None:
        # Shard without registering the loader in the accelerator (it would join every saved state).
        from accelerate.data_loader import prepare_data_loader

        loader = prepare_data_loader(
            loader,
            device=accelerator.device,
            num_processes=accelerator.num_processes,
            process_index=accelerator.process_index,
            put_on_device=True,
        )
        main = accelerator.is_main_process
    indices, probabilities = [], []
    for batch in tqdm(loader, desc=f"scoring {data.name}", disable=not (show_progress and main), leave=False):
        index = batch.pop("index")
        batch.pop("labels", None)
        if accelerator is None:
            batch = {k: v.to(_device_of(model)) for k, v in batch.items()}
        probs = model(**batch).probabilities.float()
        if accelerator is not None:
            index, probs = accelerator.gather_for_metrics((index, probs))
        indices.append(index.cpu())
        probabilities.append(probs.cpu())
    model.train(was_training)
    index = torch.cat(indices).numpy()
    probs = torch.cat(probabilities).numpy().astype(np.float64)
    out = np.full(len(data), np.nan)
    out[index] = probs
    if len(index) != len(data) or np.isnan(out).any():
        raise RuntimeError(f"scoring {data.name}: got {len(index)} predictions for {len(data)} pairs")
    return Predictions(list(data.pair_ids), None if data.labels is None else data.label_array(), out)


def _device_of(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


# -- reports -------------------------------------------------------------------------------------------------
@dataclass
class EvaluationReport:
    name: str
    model: dict[str, Any]
    baselines: dict[str, dict[str, Any]]
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Where the threshold of the threshold metrics came from, in words.
    threshold_source: str | None = None
    #: The model's metrics at the paper's fixed threshold 0.5 (when the chosen threshold differs).
    at_paper_threshold: dict[str, Any] | None = None
    #: ``{column: {category: metrics}}``: per RNA / protein category (:mod:`rpiembeddor_hf.group_metrics`).
    by_group: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.name,
            "model": self.model,
            "baselines": self.baselines,
            "note": self.note,
            "confusion": confusion_sentence(self.model),
            "threshold": self.model["threshold"],
            "threshold_source": self.threshold_source,
            "model_at_threshold_0.5": self.at_paper_threshold,
            "by_group": self.by_group,
            **self.extra,
        }

    def markdown(self, model_name: str = "RPIembeddor") -> str:
        rows = {model_name: self.model}
        if self.at_paper_threshold is not None:
            rows[f"{model_name} at 0.5 (paper)"] = self.at_paper_threshold
        table = metrics_table({**rows, **self.baselines}, title=self.name, note=self.note)
        text = table + threshold_line(self.model["threshold"], self.threshold_source)
        if self.by_group:
            text += f"\nPer category ({model_name}, threshold {self.model['threshold']:.4g}):\n\n"
            text += group_tables(self.by_group)
        return text


def threshold_line(threshold: float, source: str | None) -> str:
    """One Markdown paragraph saying which threshold the threshold metrics used and why."""
    if not source:
        return ""
    return f"\nThreshold {threshold:.4g}: {source}. AUROC and AUPRC do not depend on it.\n"


def evaluation_report(
    name: str,
    labels: np.ndarray,
    probabilities: np.ndarray,
    threshold: float = 0.5,
    threshold_source: str | None = None,
    groups: dict[str, Any] | None = None,
    **extra: Any,
) -> EvaluationReport:
    """Metrics at ``threshold`` beside the trivial baselines, at the paper's 0.5 when that differs, and per
    RNA / protein category when ``groups`` (interaction columns in row order) are given."""
    model = compute_metrics(labels, probabilities, threshold)
    baselines = {
        k: compute_metrics(labels, np.full(len(labels), 1.0 if k == "all-positive" else 0.0), threshold)
        for k in trivial_baselines(labels)
    }
    note = None
    if model["n_negative"] == 0:
        note = POSITIVE_ONLY_NOTE
    elif model["n_positive"] == 0:
        note = NEGATIVE_ONLY_NOTE
    at_half = compute_metrics(labels, probabilities, 0.5) if abs(threshold - 0.5) > 1e-12 else None
    by_group = metrics_by_group(labels, probabilities, groups or {}, threshold, compute_metrics)
    return EvaluationReport(name, model, baselines, note, dict(extra), threshold_source, at_half, by_group)


def confusion_sentence(m: dict[str, Any]) -> str:
    """The paper's way of stating counts: "2,971 of 4,887 positives and 5,120 of 8,116 negatives correct"."""
    parts = []
    if m["n_positive"]:
        parts.append(f"{m['tp']:,} of {m['n_positive']:,} positives called interacting")
    if m["n_negative"]:
        parts.append(f"{m['tn']:,} of {m['n_negative']:,} negatives called non-interacting")
    return "; ".join(parts) + f" (threshold {m['threshold']:g})"


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, tuple):  # (mean, std) over seeds
        return f"{value[0]:.3f} ± {value[1]:.3f}"
    return f"{value:.3f}"


def metrics_table(rows: dict[str, dict[str, Any]], title: str | None = None, note: str | None = None) -> str:
    """A Markdown table: one row per method, the DESIGN §6 metrics and the confusion counts."""
    head = ["method", *METRIC_NAMES, "TP", "FP", "TN", "FN"]
    lines = [f"### {title}", ""] if title else []
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for method, m in rows.items():
        counts = [m.get(k) for k in ("tp", "fp", "tn", "fn")]
        count_text = [
            ("n/a" if c is None else (f"{c[0]:,.1f}" if isinstance(c, tuple) else f"{c:,}")) for c in counts
        ]
        lines.append("| " + " | ".join([method, *(_fmt(m.get(k)) for k in METRIC_NAMES), *count_text]) + " |")
    first = next(iter(rows.values()))
    if "n_positive" in first and not isinstance(first.get("tp"), tuple):
        lines += [
            "",
            f"{first['n_positive']:,} positives, {first['n_negative']:,} negatives. "
            f"{next(iter(rows))}: {confusion_sentence(first)}.",
        ]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def plot_curves(labels: np.ndarray, curves: dict[str, np.ndarray], out_dir: Path, title: str) -> list[Path]:
    """ROC and precision-recall curves as PNG (matplotlib, Agg); nothing when only one class is present."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_curve

    if not 0 < labels.sum() < len(labels):
        return []
    written = []
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    for name, probs in curves.items():
        fpr, tpr, _ = roc_curve(labels, probs)
        ax.plot(fpr, tpr, label=f"{name} (AUROC {auc(fpr, tpr):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=0.8, label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC: {title}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    written.append(_save(fig, out_dir / "roc.png"))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    for name, probs in curves.items():
        precision, recall, _ = precision_recall_curve(labels, probs)
        ax.plot(recall, precision, label=f"{name} (AUPRC {average_precision_score(labels, probs):.3f})")
    ax.axhline(labels.mean(), ls="--", c="grey", lw=0.8, label=f"positive rate {labels.mean():.3f}")
    ax.set(xlabel="recall", ylabel="precision", title=f"Precision-recall: {title}", ylim=(0, 1.02))
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    written.append(_save(fig, out_dir / "pr.png"))
    plt.close(fig)
    return written


def _save(fig: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return write_bytes_atomic(path, buffer.getvalue())


def write_report(
    report: EvaluationReport, predictions: Predictions, out_dir: Path, model_name: str = "RPIembeddor"
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out_dir / "metrics.json",
        "markdown": out_dir / "metrics.md",
        "predictions": out_dir / "predictions.parquet",
    }
    write_text_atomic(paths["json"], json.dumps(report.to_dict(), indent=2) + "\n")
    write_text_atomic(paths["markdown"], report.markdown(model_name))
    write_parquet_atomic(predictions.table(), paths["predictions"])
    if predictions.labels is not None:
        for path in plot_curves(
            predictions.labels, {model_name: predictions.probabilities}, out_dir, report.name
        ):
            paths[path.stem] = path
    return paths


def evaluate_model(
    model: torch.nn.Module,
    data: EmbeddedPairDataset,
    out_dir: Path | None = None,
    threshold: float | None = None,
    batch_size: int = 64,
    accelerator: Any | None = None,
) -> EvaluationReport:
    """Score ``data`` with ``model`` and (on the main process) write the report to ``out_dir``.

    ``threshold`` defaults to the model's own (``config.threshold``, chosen on validation in training).
    """
    data.check_widths(model.config.rna_embedding_dim, model.config.protein_embedding_dim)
    if threshold is None:
        threshold, source = model_threshold(model.config), model_threshold_source(model.config)
    else:
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"threshold must be between 0 and 1, not {threshold}")
        source = "given with --threshold, overriding the model's"
        stored = getattr(model.config, "threshold", None)
        if stored is not None:
            source += f" {float(stored):.4g}"
    predictions = predict(model, data, batch_size=batch_size, accelerator=accelerator)
    report = evaluation_report(
        data.name,
        predictions.labels,
        predictions.probabilities,
        threshold,
        threshold_source=source,
        groups=data.groups,
        pairs=len(data),
    )
    if out_dir is not None and (accelerator is None or accelerator.is_main_process):
        write_report(report, predictions, out_dir)
    return report
