"""What a benchmark writes: summary.md / summary.csv, runs.csv, ROC + PR figures and manifest.json.

``summary``: mean ± std over folds and seeds of every metric per (test set, scheme, method), mean fit and
predict seconds, and the published number with its source where one exists. ``manifest.json``: inputs
with checksums, configuration, versions, fold sizes (and, for ``both``, the test pairs discarded), machine
load, and for a resumed run the original start time and which fits were reused.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from rnainteract_builder.contract.io import atomic_path, write_text_atomic
from rpiembeddor_hf.baselines.base import write_json_atomic
from rpiembeddor_hf.baselines.published import published
from rpiembeddor_hf.benchmark.harness import FIXED, BenchmarkResult
from rpiembeddor_hf.benchmark.tasks import RunRecord
from rpiembeddor_hf.metrics import METRIC_NAMES, format_mean_std, mean_std

METRIC_LABELS = {"precision": "precision", "recall": "recall", "f1": "F1", "accuracy": "accuracy", "mcc": "MCC",
                 "balanced_accuracy": "bal. acc.", "auroc": "AUROC", "auprc": "AUPRC"}


def summary_rows(result: BenchmarkResult) -> list[dict[str, Any]]:
    """One row per (test set, scheme, method): mean ± std of every metric over folds and seeds."""
    groups: dict[tuple[str, str, str], list[RunRecord]] = {}
    for record in result.records:
        t = record.task
        groups.setdefault((t.test_set, t.scheme, t.method), []).append(record)
    rows = []
    for (test_set, scheme, method), records in groups.items():
        stats = mean_std([r.metrics for r in records])
        pub = published(test_set, scheme, method)
        row: dict[str, Any] = {"test_set": test_set, "scheme": scheme, "method": method, "runs": len(records),
                               "pairs": int(sum(len(r.labels) for r in records) / len(result.config.seeds))}
        for name in METRIC_NAMES:
            value = stats.get(name)
            row[f"{name}_mean"] = None if value is None else round(value[0], 6)
            row[f"{name}_std"] = None if value is None else round(value[1], 6)
        row["fit_seconds_mean"] = round(float(np.mean([r.fit_seconds for r in records])), 3)
        row["predict_seconds_mean"] = round(float(np.mean([r.predict_seconds for r in records])), 3)
        row["published"] = pub.value if pub else ""
        row["published_source"] = pub.source if pub else ""
        rows.append(row)
    return rows


def discard_notes(folds: Mapping[str, Any]) -> list[str]:
    """One line per set run with ``both``: test pairs discarded because a cluster was seen in training."""
    notes = []
    for name, sizes in folds.items():
        for key, per_fold in sizes.items() if isinstance(sizes, Mapping) else ():
            if key.startswith("both/"):
                kept = sum(f["pairs"] for f in per_fold)
                dropped = sum(f["discarded"] for f in per_fold)
                notes.append(f"{name} both ({key.split('/', 1)[1]}, folds grouped by {per_fold[0]['grouped_by']} "
                             f"cluster): {dropped} test pairs discarded (RNA or protein cluster seen in training), "
                             f"{kept} scored")
    return notes


def summary_markdown(rows: list[dict[str, Any]], notes: list[str] | None = None) -> str:
    header = ["test set", "scheme", "method", *METRIC_LABELS.values(), "fit s", "predict s", "published"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    sources: dict[str, int] = {}
    for row in rows:
        cells = [row["test_set"], row["scheme"], row["method"]]
        for name in METRIC_LABELS:
            mean, std = row[f"{name}_mean"], row[f"{name}_std"]
            cells.append(format_mean_std(None if mean is None else (mean, std)))
        cells.append(f"{row['fit_seconds_mean']:.1f}")
        cells.append(f"{row['predict_seconds_mean']:.1f}")
        if row["published"]:
            note = sources.setdefault(row["published_source"], len(sources) + 1)
            cells.append(f"{row['published']} [{note}]")
        else:
            cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    if sources:
        lines.append("")
        lines += [f"[{n}] {source}" for source, n in sources.items()]
    if notes:
        lines.append("")
        lines += notes
    return "\n".join(lines) + "\n"


def plot_curves(result: BenchmarkResult, out_dir: Path) -> list[Path]:
    """One PNG per (test set, scheme): ROC and PR of every method on pooled predictions of the first seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    first_seed = result.config.seeds[0]
    pooled: dict[tuple[str, str], dict[str, tuple[list[np.ndarray], list[np.ndarray]]]] = {}
    for record in result.records:
        t = record.task
        if t.seed != first_seed:
            continue
        labels, probs = pooled.setdefault((t.test_set, t.scheme), {}).setdefault(t.method, ([], []))
        labels.append(record.labels)
        probs.append(record.probabilities)
    paths = []
    for (test_set, scheme), methods in pooled.items():
        fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(11, 4.8))
        base_rate = None
        for method, (labels_list, probs_list) in methods.items():
            y, p = np.concatenate(labels_list), np.concatenate(probs_list)
            base_rate = y.mean()
            # Constant scores (all-positive / all-negative) have no curve: the chance lines stand for them.
            if 0 < y.sum() < y.size and np.unique(p).size > 1:
                fpr, tpr, _ = roc_curve(y, p)
                precision, recall, _ = precision_recall_curve(y, p)
                roc_ax.plot(fpr, tpr, label=method, lw=1.3)
                pr_ax.plot(recall, precision, label=method, lw=1.3)
        roc_ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=0.8, label="chance / constant")
        if base_rate is not None:
            pr_ax.axhline(base_rate, color="grey", ls=":", lw=0.8)
        roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
        pr_ax.set(xlabel="recall", ylabel="precision", title="precision-recall", ylim=(0, 1.02))
        roc_ax.legend(fontsize=8, loc="lower right")
        fig.suptitle(f"{test_set} ({scheme}{'' if scheme == FIXED else ' CV, pooled folds'}, seed {first_seed})")
        fig.tight_layout()
        path = out_dir / f"curves_{test_set}_{scheme}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, metadata={"Software": None}, format="png")
        plt.close(fig)
        paths.append(path)
    return paths


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for package in ("numpy", "scikit-learn", "xgboost", "torch", "rapidfuzz", "skops", "rnainteract"):
        try:
            out[package] = md.version(package)
        except md.PackageNotFoundError:
            out[package] = "not installed"
    try:
        out["mmseqs"] = subprocess.run(["mmseqs", "version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        out["mmseqs"] = "not found"
    return out


def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                              text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None


def write_outputs(result: BenchmarkResult, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = summary_rows(result)
    files = {"summary.md": summary_markdown(rows, discard_notes(result.folds)), "summary.csv": _csv(rows)}
    run_rows = []
    for record in result.records:
        t = record.task
        metrics = record.metrics
        run_rows.append({"test_set": t.test_set, "scheme": t.scheme, "seed": t.seed, "fold": t.fold,
                         "method": t.method, **{m: metrics[m] for m in METRIC_NAMES},
                         **{c: metrics[c] for c in ("tp", "fp", "tn", "fn")},
                         "fit_seconds": round(record.fit_seconds, 3),
                         "predict_seconds": round(record.predict_seconds, 3)})
    files["runs.csv"] = _csv(run_rows)
    written = {name: write_text_atomic(out_dir / name, text) for name, text in files.items()}
    for path in plot_curves(result, out_dir):
        written[path.name] = path
    reused = [r.task.key for r in result.records if r.reused]
    manifest = {
        "started": result.first_started or result.started,
        "this_run_started": result.started,
        "wall_seconds": round(result.seconds, 1),
        "fits": {"computed": len(result.records) - len(reused), "reused": len(reused)},
        "reused_fits": reused,
        "load_average_1_5_15min": result.load_average,
        "cpu_count": os.cpu_count(),
        "config": _jsonable(asdict(result.config)),
        "inputs": result.inputs,
        "folds": result.folds,
        "versions": _versions(),
        "git_commit": _git_commit(),
        "command": sys.argv,
        "outputs": sorted(written),
    }
    write_json_atomic(out_dir / "manifest.json", manifest)
    written["manifest.json"] = out_dir / "manifest.json"
    return written


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


