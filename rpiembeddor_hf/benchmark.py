"""``rpiembeddor benchmark``: compare RPIembeddor, its peers and trivial baselines on equal terms.

Two kinds of runs, both scored with :func:`rpiembeddor_hf.metrics.binary_metrics`:

* **fixed split** - fit on a split's ``train.parquet``, score its ``test.parquet`` (e.g. TRinter -> TSfam)
  and any extra test sets (e.g. RPI2825);
* **k-fold cross-validation** on an imported benchmark set, with ``random`` folds (stratified by label) or
  ``cluster`` folds (stratified, and no RNA sequence cluster in two folds; clusters from
  :func:`rnainteract_builder.contract.clusters.cluster_sequences`).

Outputs in one folder: ``summary.md`` / ``summary.csv`` (mean ± std over folds and seeds of every metric,
with the published number and its source where one exists), ``runs.csv`` (one row per fold / seed /
method), ``curves_<test set>_<scheme>.png`` (ROC and PR of all methods, pooled out-of-fold predictions of
the first seed), ``manifest.json`` (inputs with checksums, configuration, versions, fold sizes, timings,
machine load), and ``runs/`` with each fit's predictions, so a killed run resumes where it stopped.

Benchmark sets without RNA family / protein clan annotations get sequence-cluster pseudo-families for the
``pair-rate`` baseline (DESIGN §3.4), the same clusters that make the cluster-disjoint folds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import typer
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic
from rpiembeddor_hf.baselines import PairData, make_method, method_names
from rpiembeddor_hf.baselines.base import write_json_atomic
from rpiembeddor_hf.baselines.published import published
from rpiembeddor_hf.metrics import METRIC_NAMES, binary_metrics, format_mean_std, mean_std

log = logging.getLogger(__name__)

SCHEMES = ("random", "cluster")
FIXED = "fixed"
#: Methods run when none are named: every re-implemented peer and baseline (RPIembeddor is opt-in: it
#: needs embeddings and is far slower on a CPU).
DEFAULT_METHODS = ("all-positive", "all-negative", "pair-rate", "nearest-neighbour", "rpiseq-rf", "rpiseq-svm",
                   "ipminer", "xrpi")
METRIC_LABELS = {"precision": "precision", "recall": "recall", "f1": "F1", "accuracy": "accuracy", "mcc": "MCC",
                 "balanced_accuracy": "bal. acc.", "auroc": "AUROC", "auprc": "AUPRC"}


@dataclass(frozen=True)
class BenchmarkConfig:
    methods: tuple[str, ...] = DEFAULT_METHODS
    schemes: tuple[str, ...] = SCHEMES
    folds: int = 5
    seeds: tuple[int, ...] = (0,)
    cluster_identity: float = 0.5
    cluster_tool: str = "mmseqs"
    jobs: int = 1
    threshold: float = 0.5
    method_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def check(self) -> None:
        unknown = [m for m in self.methods if m not in method_names()]
        if unknown:
            raise InputError(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(method_names())}")
        bad = [s for s in self.schemes if s not in SCHEMES]
        if bad:
            raise InputError(f"unknown fold scheme(s) {', '.join(bad)}; choose from {', '.join(SCHEMES)}")
        if self.folds < 2:
            raise InputError(f"--folds must be at least 2, not {self.folds}")
        if not self.seeds:
            raise InputError("give at least one seed")
        if self.jobs < 1:
            raise InputError("--jobs must be at least 1")


# ------------------------------------------------------------------------------------------------ folds


def random_folds(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number of every pair: stratified by label, shuffled with ``seed``."""
    fold = np.empty(len(labels), dtype=np.int64)
    splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    for number, (_, held) in enumerate(splitter.split(np.zeros(len(labels)), labels)):
        fold[held] = number
    return fold


def cluster_folds(clusters: Sequence[str], labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number of every pair such that all pairs of one cluster share a fold (label-stratified as far as
    the clusters allow). Raises when there are fewer clusters than folds."""
    groups = np.unique(np.asarray(clusters, dtype=object), return_inverse=True)[1]
    if groups.max(initial=-1) + 1 < k:
        raise InputError(f"only {groups.max(initial=-1) + 1} RNA clusters: cannot make {k} cluster-disjoint folds")
    fold = np.empty(len(labels), dtype=np.int64)
    splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed)
    for number, (_, held) in enumerate(splitter.split(np.zeros(len(labels)), labels, groups)):
        fold[held] = number
    return fold


def sequence_clusters(data: PairData, identity: float, tool: str) -> tuple[np.ndarray, np.ndarray]:
    """Cluster representative of every pair's RNA and protein (MMseqs2 / CD-HIT via rnainteract_builder.contract.clusters)."""
    from rnainteract_builder.contract.clusters import cluster_sequences

    rna_ids, rna_rows = data.unique_rna()
    prot_ids, prot_rows = data.unique_protein()
    rna = cluster_sequences({i: data.rna_sequences[i] for i in rna_ids}, "rna", identity, tool)  # type: ignore[arg-type]
    prot = cluster_sequences({i: data.protein_sequences[i] for i in prot_ids}, "protein", identity, tool)  # type: ignore[arg-type]
    rna_rep = np.asarray([rna[i] for i in rna_ids], dtype=object)[rna_rows]
    prot_rep = np.asarray([prot[i] for i in prot_ids], dtype=object)[prot_rows]
    return rna_rep, prot_rep


# ------------------------------------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class Task:
    """One fit and one prediction: ``method`` trained on ``train_index`` scoring ``test_index``."""

    test_set: str
    scheme: str
    seed: int
    fold: int
    method: str

    @property
    def key(self) -> str:
        return f"{self.test_set}/{self.scheme}/seed{self.seed}/fold{self.fold}/{self.method}"


def _fit_predict(method: str, params: Mapping[str, Any], seed: int, train: PairData, test: PairData
                 ) -> tuple[np.ndarray, float, float]:
    model = make_method(method, seed=seed, **params)
    start = time.perf_counter()
    model.fit(train)
    fitted = time.perf_counter()
    probs = np.asarray(model.predict_proba(test), dtype=np.float64)
    return probs, fitted - start, time.perf_counter() - fitted


def _task_file(out_dir: Path, task: Task) -> Path:
    return out_dir / "runs" / f"{task.key}.parquet"


def _load_task(path: Path, n: int) -> tuple[np.ndarray, float, float] | None:
    if not path.is_file():
        return None
    table = read_parquet(path)
    meta = table.schema.metadata or {}
    if table.num_rows != n or b"fit_seconds" not in meta:
        return None
    return (table.column("probability").to_numpy(), float(meta[b"fit_seconds"]), float(meta[b"predict_seconds"]))


def _save_task(path: Path, probs: np.ndarray, fit_s: float, predict_s: float) -> None:
    table = pa.table({"probability": pa.array(probs, pa.float64())})
    table = table.replace_schema_metadata({"fit_seconds": repr(fit_s), "predict_seconds": repr(predict_s)})
    write_parquet_atomic(table, path)


@dataclass
class RunRecord:
    task: Task
    labels: np.ndarray
    probabilities: np.ndarray
    fit_seconds: float
    predict_seconds: float

    @property
    def metrics(self) -> dict[str, Any]:
        return binary_metrics(self.labels, self.probabilities)


def run_tasks(jobs: list[tuple[Task, PairData, PairData]], config: BenchmarkConfig, out_dir: Path) -> list[RunRecord]:
    """Fit and score every task (in ``config.jobs`` processes), reusing predictions saved by an earlier run."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    records: dict[str, RunRecord] = {}
    todo = []
    for task, train, test in jobs:
        cached = _load_task(_task_file(out_dir, task), len(test))
        if cached is not None:
            records[task.key] = RunRecord(task, test.y, *cached)
        else:
            todo.append((task, train, test))
    if records:
        log.info("reusing %d saved fits from %s", len(records), out_dir / "runs")

    def work(task: Task, train: PairData, test: PairData) -> tuple[Task, np.ndarray, float, float]:
        params = dict(config.method_params.get(task.method, {}))
        return (task, *_fit_predict(task.method, params, task.seed, train, test))

    tests = {task.key: test for task, _, test in todo}
    runner = Parallel(n_jobs=config.jobs, return_as="generator_unordered", backend="loky")
    results = runner(delayed(work)(task, train, test) for task, train, test in todo)
    for task, probs, fit_s, predict_s in tqdm(results, total=len(todo), desc="fits", file=sys.stderr,
                                              disable=not todo):
        _save_task(_task_file(out_dir, task), probs, fit_s, predict_s)
        records[task.key] = RunRecord(task, tests[task.key].y, probs, fit_s, predict_s)
    return [records[task.key] for task, _, _ in jobs]


# ------------------------------------------------------------------------------------------------ runs


@dataclass
class BenchmarkResult:
    config: BenchmarkConfig
    records: list[RunRecord]
    inputs: dict[str, Any] = field(default_factory=dict)
    folds: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    seconds: float = 0.0
    load_average: dict[str, list[float]] = field(default_factory=dict)


def _fill_groups(data: PairData, config: BenchmarkConfig, need_clusters: bool) -> tuple[PairData, np.ndarray | None]:
    """Cluster the set's sequences when folds or pseudo-families need it; returns the data and RNA clusters."""
    if not need_clusters:
        return data, None
    rna_clusters, protein_clusters = sequence_clusters(data, config.cluster_identity, config.cluster_tool)
    family = data.rna_family if data.rna_family is not None else rna_clusters
    clan = data.protein_clan if data.protein_clan is not None else protein_clusters
    return data.with_groups(family, clan), rna_clusters


def cross_validation_jobs(name: str, data: PairData, config: BenchmarkConfig
                          ) -> tuple[list[tuple[Task, PairData, PairData]], dict[str, Any]]:
    """Every (scheme, seed, fold, method) task of one set, and the fold sizes for the manifest."""
    need = "cluster" in config.schemes or ("pair-rate" in config.methods and
                                           (data.rna_family is None or data.protein_clan is None))
    data, rna_clusters = _fill_groups(data, config, need)
    jobs: list[tuple[Task, PairData, PairData]] = []
    sizes: dict[str, Any] = {}
    if rna_clusters is not None:
        sizes["rna_clusters"] = len(set(rna_clusters.tolist()))
    for scheme in config.schemes:
        for seed in config.seeds:
            if scheme == "random":
                fold = random_folds(data.y, config.folds, seed)
            else:
                assert rna_clusters is not None
                fold = cluster_folds(rna_clusters.tolist(), data.y, config.folds, seed)
            sizes[f"{scheme}/seed{seed}"] = [
                {"pairs": int((fold == f).sum()), "positives": int(data.y[fold == f].sum())}
                for f in range(config.folds)
            ]
            for f in range(config.folds):
                train, test = data.subset(np.flatnonzero(fold != f)), data.subset(np.flatnonzero(fold == f))
                jobs += [(Task(name, scheme, seed, f, m), train, test) for m in config.methods]
    return jobs, sizes


def run_cross_validation(sets: Mapping[str, PairData], config: BenchmarkConfig, out_dir: Path,
                         inputs: Mapping[str, Any] | None = None) -> BenchmarkResult:
    config.check()
    started, clock, load = _now(), time.perf_counter(), {"start": list(os.getloadavg())}
    jobs, folds = [], {}
    for name, data in sets.items():
        set_jobs, folds[name] = cross_validation_jobs(name, data, config)
        jobs += set_jobs
    records = run_tasks(jobs, config, out_dir)
    load["end"] = list(os.getloadavg())
    return BenchmarkResult(config, records, dict(inputs or {}), folds, started, time.perf_counter() - clock, load)


def run_fixed_split(train: PairData, tests: Mapping[str, PairData], config: BenchmarkConfig, out_dir: Path,
                    inputs: Mapping[str, Any] | None = None) -> BenchmarkResult:
    """Fit every method on ``train`` once per seed and score each test set (fold number 0)."""
    config.check()
    started, clock, load = _now(), time.perf_counter(), {"start": list(os.getloadavg())}
    if "pair-rate" in config.methods and (train.rna_family is None or train.protein_clan is None):
        raise InputError("pair-rate needs rna_family / protein_clan in the split's interactions (annotate first) "
                         "or leave pair-rate out")
    jobs = [(Task(name, FIXED, seed, 0, m), train, test)
            for name, test in tests.items() for seed in config.seeds for m in config.methods]
    records = run_tasks(jobs, config, out_dir)
    load["end"] = list(os.getloadavg())
    folds = {name: {"train_pairs": len(train), "test_pairs": len(test), "test_positives": int(test.y.sum())}
             for name, test in tests.items()}
    return BenchmarkResult(config, records, dict(inputs or {}), folds, started, time.perf_counter() - clock, load)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------------------ outputs


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
        row["published"] = pub.value if pub else ""
        row["published_source"] = pub.source if pub else ""
        rows.append(row)
    return rows


def summary_markdown(rows: list[dict[str, Any]]) -> str:
    header = ["test set", "scheme", "method", *METRIC_LABELS.values(), "fit s", "published"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    sources: dict[str, int] = {}
    for row in rows:
        cells = [row["test_set"], row["scheme"], row["method"]]
        for name in METRIC_LABELS:
            mean, std = row[f"{name}_mean"], row[f"{name}_std"]
            cells.append(format_mean_std(None if mean is None else (mean, std)))
        cells.append(f"{row['fit_seconds_mean']:.1f}")
        if row["published"]:
            note = sources.setdefault(row["published_source"], len(sources) + 1)
            cells.append(f"{row['published']} [{note}]")
        else:
            cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    if sources:
        lines.append("")
        lines += [f"[{n}] {source}" for source, n in sources.items()]
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
        tmp = path.with_name(f".{path.name}.tmp.png")
        fig.savefig(tmp, dpi=110, metadata={"Software": None})
        plt.close(fig)
        os.replace(tmp, path)
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
    files = {"summary.md": summary_markdown(rows), "summary.csv": _csv(rows)}
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
    written = {}
    for name, text in files.items():
        path = out_dir / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written[name] = path
    for path in plot_curves(result, out_dir):
        written[path.name] = path
    manifest = {
        "started": result.started,
        "wall_seconds": round(result.seconds, 1),
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


# ------------------------------------------------------------------------------------------------ inputs


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_pairs(directory: Path) -> tuple[str, PairData, dict[str, Any]]:
    """A pairs folder (interactions.parquet + sequence tables) or a raw benchmark folder (imported here).

    The set is named after the folder, or ``NAME=FOLDER`` names it explicitly.
    """
    from rnainteract_builder.contract.pairs_folder import PairsFolder

    directory = Path(directory)
    name = directory.name
    if not directory.exists() and "=" in str(directory):
        name, _, rest = str(directory).partition("=")
        directory = Path(rest)
    if (directory / "interactions.parquet").is_file():
        folder = PairsFolder.read(directory)
        tables = (folder.interactions, folder.rna_sequences, folder.protein_sequences)
        files = [directory / n for n in ("interactions.parquet", "rna_sequences.parquet", "protein_sequences.parquet")]
        facts: dict[str, Any] = {}
    else:
        from rnainteract_builder.contract.benchmark_sets import import_benchmark_dir

        imported = import_benchmark_dir(directory, name)
        tables = (imported.interactions, imported.rna_sequences, imported.protein_sequences)
        files = sorted(p for p in directory.iterdir() if p.is_file())
        facts = {"import_report": imported.report.to_dict()}
    data = PairData.from_tables(*tables)
    info = {"path": str(directory.resolve()), "files": {p.name: sha256_of(p) for p in files},
            "pairs": len(data), "positives": int(data.y.sum()), **facts}
    return name, data, info


def load_split(directory: Path, test_name: str) -> tuple[PairData, PairData, dict[str, Any]]:
    directory = Path(directory)
    rna = read_parquet(directory / "rna_sequences.parquet")
    protein = read_parquet(directory / "protein_sequences.parquet")
    train = PairData.from_tables(read_parquet(directory / "train.parquet"), rna, protein)
    test = PairData.from_tables(read_parquet(directory / "test.parquet"), rna, protein)
    files = [directory / n for n in ("train.parquet", "test.parquet", "rna_sequences.parquet",
                                     "protein_sequences.parquet")]
    info = {"path": str(directory.resolve()), "files": {p.name: sha256_of(p) for p in files},
            "train_pairs": len(train), f"{test_name}_pairs": len(test)}
    return train, test, info


# ------------------------------------------------------------------------------------------------ CLI


def _parse_method_params(values: list[str]) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for value in values:
        try:
            target, assignment = value.split(".", 1)
            key, raw = assignment.split("=", 1)
        except ValueError as err:
            raise InputError(f"--param must look like METHOD.NAME=VALUE, not {value!r}") from err
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            parsed = raw
        params.setdefault(target, {})[key] = parsed
    return params


def benchmark_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (tables, curves, manifest, saved "
                                      "fits; rerunning with the same folder resumes).")],
    cv_set: Annotated[list[Path] | None, typer.Option("--cv-set", help="Benchmark set for k-fold CV: a raw "
                      "folder (pairs.tsv + rna.fasta + protein.fasta, imported on the fly) or a pairs folder. "
                      "NAME=FOLDER names the set (default: the folder name). Repeat for several sets.")] = None,
    split: Annotated[Path | None, typer.Option(help="Fixed split folder (train.parquet, test.parquet + the "
                                               "two sequence tables): fit on train, score test.")] = None,
    test_name: Annotated[str, typer.Option(help="Name of the split's test set in tables.")] = "TSfam",
    extra_test: Annotated[list[Path] | None, typer.Option("--extra-test", help="Extra test set (pairs "
                          "folder or raw benchmark folder) scored by the models fitted on --split's train.")] = None,
    method: Annotated[list[str] | None, typer.Option("--method", "-m", help="Method to run (repeat); default: "
                      f"{', '.join(DEFAULT_METHODS)}. Also: rpiembeddor (add --param rpiembeddor.embedding=onehot "
                      "etc.).")] = None,
    scheme: Annotated[list[str] | None, typer.Option("--scheme", help="CV fold scheme (repeat): random, "
                      "cluster (no RNA cluster in two folds). Default: both.")] = None,
    folds: Annotated[int, typer.Option(help="Number of CV folds.")] = 5,
    seed: Annotated[list[int] | None, typer.Option("--seed", help="Seed (repeat for mean ± std over seeds; "
                    "seeds the folds and the methods). Default: 0.")] = None,
    cluster_identity: Annotated[float, typer.Option(help="Sequence identity of the RNA / protein clusters "
                                                    "(cluster folds, pseudo-families).")] = 0.5,
    cluster_tool: Annotated[str, typer.Option(help="mmseqs or cd-hit.")] = "mmseqs",
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Fits run in parallel (processes).")] = 1,
    param: Annotated[list[str] | None, typer.Option("--param", help="Method parameter METHOD.NAME=VALUE "
                     "(JSON value), e.g. rpiseq-rf.n_estimators=500. Repeatable.")] = None,
) -> None:
    """Benchmark RPIembeddor, RPISeq, IPMiner, XRPI and trivial baselines: CV on benchmark sets and/or a fixed split.

    Writes summary.md / summary.csv (mean ± std over folds and seeds, with published numbers), runs.csv,
    one ROC + PR figure per test set and a manifest.json to --out; prints summary.md on stdout.
    """
    if not cv_set and split is None:
        raise InputError("give --cv-set (k-fold CV on a benchmark set) and/or --split (fixed train/test split)")
    if extra_test and split is None:
        raise InputError("--extra-test needs --split (the models are fitted on the split's train set)")
    config = BenchmarkConfig(methods=tuple(method or DEFAULT_METHODS), schemes=tuple(scheme or SCHEMES),
                             folds=folds, seeds=tuple(seed or (0,)), cluster_identity=cluster_identity,
                             cluster_tool=cluster_tool, jobs=jobs, method_params=_parse_method_params(param or []))
    config.check()
    results = []
    if split is not None:
        train, test, info = load_split(split, test_name)
        tests, inputs = {test_name: test}, {"split": info}
        for directory in extra_test or []:
            name, data, extra_info = load_pairs(directory)
            tests[name] = data
            inputs[name] = extra_info
        results.append(run_fixed_split(train, tests, config, out, inputs))
    if cv_set:
        sets, inputs = {}, {}
        for directory in cv_set:
            name, data, info = load_pairs(directory)
            if name in sets:
                raise InputError(f"two --cv-set folders are named {name!r}")
            sets[name], inputs[name] = data, info
        results.append(run_cross_validation(sets, config, out, inputs))
    result = results[0] if len(results) == 1 else _merge(results)
    written = write_outputs(result, out)
    log.info("benchmark done in %.0f s; wrote %s", result.seconds, ", ".join(sorted(written)))
    print(written["summary.md"].read_text(encoding="utf-8"), end="")


def _merge(results: list[BenchmarkResult]) -> BenchmarkResult:
    first = results[0]
    merged = BenchmarkResult(first.config, [], {}, {}, first.started, 0.0, {})
    for r in results:
        merged.records += r.records
        merged.inputs.update(r.inputs)
        merged.folds.update(r.folds)
        merged.seconds += r.seconds
    merged.load_average = {"start": first.load_average.get("start", []),
                           "end": results[-1].load_average.get("end", [])}
    return merged
