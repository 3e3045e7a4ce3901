"""Fits of the benchmark: one method, one training set, one test set; run in parallel, saved, resumable.

Each finished fit writes its test probabilities, its fit / predict seconds and the method and parameters
it was built from to ``runs/<set>/<scheme>/seed<s>/fold<f>/<label>.parquet``; a rerun into the same folder
reuses a fit only when its method and parameters are the same (and reports which it reused). SIGINT and SIGTERM end the joblib worker processes before the command exits, so a killed
benchmark leaves no fits running behind it.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic, write_text_atomic
from rpiembeddor_hf.baselines import make_method
from rpiembeddor_hf.metrics import binary_metrics

log = logging.getLogger(__name__)

#: In ``runs/``: when the run that began the folder started (a resumed run keeps it).
STARTED_FILE = "started.json"


@dataclass(frozen=True)
class Task:
    """Which fit: ``method`` (a row label) seeded with ``seed`` on fold ``fold`` of ``scheme`` on ``test_set``."""

    test_set: str
    scheme: str
    seed: int
    fold: int
    method: str

    @property
    def key(self) -> str:
        return f"{self.test_set}/{self.scheme}/seed{self.seed}/fold{self.fold}/{self.method}"


@dataclass(frozen=True)
class Job:
    """A task with its data: training pairs (DataFrame + labels) and test pairs."""

    task: Task
    train_x: pd.DataFrame
    train_y: np.ndarray
    test_x: pd.DataFrame
    test_y: np.ndarray


@dataclass
class RunRecord:
    task: Task
    labels: np.ndarray
    probabilities: np.ndarray
    fit_seconds: float
    predict_seconds: float
    reused: bool = False

    @property
    def metrics(self) -> dict[str, Any]:
        return binary_metrics(self.labels, self.probabilities)


def fit_predict(method: str, params: Mapping[str, Any], seed: int, train_x: pd.DataFrame, train_y: np.ndarray,
                test_x: pd.DataFrame) -> tuple[np.ndarray, float, float]:
    """P(interaction) of the test pairs, fit seconds, predict seconds."""
    model = make_method(method, random_state=seed, **params)
    start = time.perf_counter()
    model.fit(train_x, train_y)
    fitted = time.perf_counter()
    probs = np.asarray(model.predict_proba(test_x)[:, 1], dtype=np.float64)
    return probs, fitted - start, time.perf_counter() - fitted


def task_file(out_dir: Path, task: Task) -> Path:
    return out_dir / "runs" / f"{task.key}.parquet"


Spec = tuple[str, Mapping[str, Any]]  # (registered method, parameters) of one row label


def spec_fingerprint(spec: Spec) -> str:
    """What a saved fit was built from, as canonical JSON: a rerun with other parameters must not reuse it."""
    method, params = spec
    return json.dumps({"method": method, "params": params}, sort_keys=True, default=str)


def load_task(path: Path, n: int, spec: Spec) -> tuple[np.ndarray, float, float] | None:
    """A saved fit's (probabilities, fit s, predict s), or None when absent or built differently."""
    if not path.is_file():
        return None
    table = read_parquet(path)
    meta = table.schema.metadata or {}
    if table.num_rows != n or b"fit_seconds" not in meta:
        return None
    if meta.get(b"spec", b"").decode() != spec_fingerprint(spec):
        log.warning("%s was fitted with other parameters (or by an older version); fitting again", path)
        return None
    return (table.column("probability").to_numpy(), float(meta[b"fit_seconds"]), float(meta[b"predict_seconds"]))


def save_task(path: Path, probs: np.ndarray, fit_s: float, predict_s: float, spec: Spec) -> None:
    table = pa.table({"probability": pa.array(probs, pa.float64())})
    table = table.replace_schema_metadata({"fit_seconds": repr(fit_s), "predict_seconds": repr(predict_s),
                                           "spec": spec_fingerprint(spec)})
    write_parquet_atomic(table, path)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt (as SIGINT already is) so both unwind through joblib's cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def first_started(out_dir: Path, started: str, resumed: bool) -> str:
    """Start time of the run that began ``out_dir/runs``: kept while runs resume it, reset by a fresh run."""
    path = out_dir / "runs" / STARTED_FILE
    if resumed and path.is_file():
        try:
            return str(json.loads(path.read_text(encoding="utf-8"))["started"])
        except (json.JSONDecodeError, KeyError, TypeError):
            log.warning("%s is malformed; the start time of this run is used", path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"started": started}) + "\n")
    return started


def run_tasks(jobs: list[Job], n_jobs: int, specs: Mapping[str, Spec], out_dir: Path,
              started: str) -> tuple[list[RunRecord], str]:
    """Fit and score every job (in ``n_jobs`` processes), reusing predictions saved by an earlier run.

    ``specs`` maps each row label to the registered method and parameters it runs. Returns the records in
    job order and the start time of the run that began this output folder.
    """
    records: dict[str, RunRecord] = {}
    todo = []
    for job in jobs:
        cached = load_task(task_file(out_dir, job.task), len(job.test_y), specs[job.task.method])
        if cached is not None:
            records[job.task.key] = RunRecord(job.task, job.test_y, *cached, reused=True)
        else:
            todo.append(job)
    if records:
        log.info("reusing %d saved fits from %s", len(records), out_dir / "runs")
    original = first_started(out_dir, started, resumed=bool(records))
    labels = {job.task.key: job.test_y for job in todo}
    with interrupt_on_sigterm():
        for task, probs, fit_s, predict_s in _run_parallel(todo, n_jobs, specs):
            save_task(task_file(out_dir, task), probs, fit_s, predict_s, specs[task.method])
            records[task.key] = RunRecord(task, labels[task.key], probs, fit_s, predict_s)
    return [records[job.task.key] for job in jobs], original


def _run_parallel(todo: list[Job], n_jobs: int, specs: Mapping[str, Spec]
                  ) -> Iterator[tuple[Task, np.ndarray, float, float]]:
    """Results as they finish; on any exit before the end (an interrupt) the worker processes are ended."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    def work(job: Job) -> tuple[Task, np.ndarray, float, float]:
        method, params = specs[job.task.method]
        return (job.task, *fit_predict(method, dict(params), job.task.seed, job.train_x, job.train_y,
                                       job.test_x))

    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered", backend="loky")
    results = runner(delayed(work)(job) for job in todo)
    try:
        yield from tqdm(results, total=len(todo), desc="fits", file=sys.stderr, disable=not todo)
    finally:
        results.close()  # joblib aborts the pending fits and kills its workers
