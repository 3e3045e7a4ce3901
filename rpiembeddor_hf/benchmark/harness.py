"""The benchmark's loop: every set x scheme x seed x fold x method becomes one fit (:mod:`.tasks`).

Folds come from scikit-learn splitters (:func:`.folds.cv_folds`); each method is a scikit-learn
estimator built by :func:`rpiembeddor_hf.baselines.make_method` and fitted on a pairs DataFrame.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines import PairData, make_method, method_names
from rpiembeddor_hf.benchmark.defaults import DEFAULT_METHODS, DEFAULT_SCHEMES
from rpiembeddor_hf.benchmark.folds import CLUSTERED, SCHEMES, PairClusters, cv_folds, fold_sizes
from rpiembeddor_hf.benchmark.tasks import Job, RunRecord, Task, run_tasks

log = logging.getLogger(__name__)

FIXED = "fixed"


@dataclass(frozen=True)
class BenchmarkConfig:
    methods: tuple[str, ...] = DEFAULT_METHODS
    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    folds: int = 5
    seeds: tuple[int, ...] = (0,)
    cluster_identity: float = 0.5
    cluster_tool: str = "mmseqs"
    jobs: int = 1
    threshold: float = 0.5
    method_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Row label -> registered method, for labelled variants (``-m onehot=rpiembeddor``); a label that is
    #: not here is the method's own name. ``method_params`` are keyed by label.
    method_classes: Mapping[str, str] = field(default_factory=dict)
    #: Fold numbers (0-based) to run; empty = all. Splits a long benchmark across runs or machines (each
    #: resumes into the same folder); the summary's ``runs`` column says how many folds it averages.
    only_folds: tuple[int, ...] = ()

    def method_of(self, label: str) -> str:
        """The registered method behind a row label."""
        return self.method_classes.get(label, label)

    def specs(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Row label -> (registered method, its parameters): what each fit is built from."""
        return {label: (self.method_of(label), dict(self.method_params.get(label, {}))) for label in self.methods}

    def uses(self, method: str) -> bool:
        """Whether any row runs the registered ``method``."""
        return any(self.method_of(label) == method for label in self.methods)

    def check(self) -> None:
        if len(set(self.methods)) != len(self.methods):
            raise InputError(f"a method label is given twice: {', '.join(self.methods)}")
        unknown = [self.method_of(m) for m in self.methods if self.method_of(m) not in method_names()]
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
        outside = [f for f in self.only_folds if not 0 <= f < self.folds]
        if outside:
            raise InputError(f"--only-fold {outside[0]} is not a fold of {self.folds} (folds are numbered 0 to "
                             f"{self.folds - 1})")
        stray = sorted(set(self.method_params) - set(self.methods))
        if stray:
            raise InputError(f"--param names {', '.join(stray)}, which is not a method of this run "
                             f"({', '.join(self.methods)})")
        for label, (method, params) in self.specs().items():  # a wrong --param fails now, not after hours
            try:
                make_method(method, **params)
            except TypeError as err:
                raise InputError(f"--param for {label}: {err}") from err


def require_both_classes(name: str, labels: np.ndarray) -> None:
    """Refuse a set with only positives (or only negatives) before anything is fitted."""
    positives = int(labels.sum())
    if positives in (0, len(labels)):
        only = "positive" if positives else "negative"
        raise InputError(f"{name}: all {len(labels)} pairs are {only}; a benchmark needs positive and negative "
                         "pairs (add negatives, e.g. with the builder's negatives stage)")


@dataclass
class BenchmarkResult:
    config: BenchmarkConfig
    records: list[RunRecord]
    inputs: dict[str, Any] = field(default_factory=dict)
    folds: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    seconds: float = 0.0
    load_average: dict[str, list[float]] = field(default_factory=dict)
    #: Start of the run that began this output folder (earlier than ``started`` when it was resumed).
    first_started: str = ""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _clusters(data: PairData, config: BenchmarkConfig) -> PairClusters | None:
    """Sequence clusters when a scheme or the pair-rate baseline's pseudo-families need them."""
    unannotated = data.rna_family is None or data.protein_clan is None
    if any(s in CLUSTERED for s in config.schemes) or (config.uses("pair-rate") and unannotated):
        return PairClusters.of(data, config.cluster_identity, config.cluster_tool)
    return None


def cross_validation_jobs(name: str, data: PairData, config: BenchmarkConfig) -> tuple[list[Job], dict[str, Any]]:
    """Every (scheme, seed, fold, method) fit of one set, and the fold sizes for the manifest."""
    require_both_classes(name, data.y)
    clusters = _clusters(data, config)
    sizes: dict[str, Any] = {}
    if clusters is not None:
        data = data.with_groups(data.rna_family if data.rna_family is not None else clusters.rna,
                                data.protein_clan if data.protein_clan is not None else clusters.protein)
        sizes |= clusters.counts()
    frame, y = data.to_frame(), data.y
    jobs: list[Job] = []
    for scheme in config.schemes:
        for seed in config.seeds:
            folds = cv_folds(scheme, y, clusters, config.folds, seed)
            sizes[f"{scheme}/seed{seed}"] = fold_sizes(scheme, folds, y)
            for fold in folds:
                if config.only_folds and fold.number not in config.only_folds:
                    continue
                if len(fold.test) == 0:
                    log.warning("%s %s seed %d fold %d: every test pair was discarded; fold skipped",
                                name, scheme, seed, fold.number)
                    continue
                train_x, test_x = frame.iloc[fold.train], frame.iloc[fold.test]
                jobs += [Job(Task(name, scheme, seed, fold.number, m), train_x, y[fold.train], test_x, y[fold.test])
                         for m in config.methods]
    return jobs, sizes


def _run(jobs: list[Job], config: BenchmarkConfig, out_dir: Path, result: BenchmarkResult) -> BenchmarkResult:
    load = {"start": list(os.getloadavg())}
    clock = time.perf_counter()
    result.records, result.first_started = run_tasks(jobs, config.jobs, config.specs(), out_dir, result.started)
    result.seconds += time.perf_counter() - clock
    load["end"] = list(os.getloadavg())
    result.load_average = load
    return result


def run_cross_validation(sets: Mapping[str, PairData], config: BenchmarkConfig, out_dir: Path,
                         inputs: Mapping[str, Any] | None = None) -> BenchmarkResult:
    config.check()
    started, clock = now(), time.perf_counter()
    jobs: list[Job] = []
    folds: dict[str, Any] = {}
    for name, data in sets.items():
        set_jobs, folds[name] = cross_validation_jobs(name, data, config)
        jobs += set_jobs
    result = BenchmarkResult(config, [], dict(inputs or {}), folds, started, time.perf_counter() - clock)
    return _run(jobs, config, out_dir, result)


def run_fixed_split(train: PairData, tests: Mapping[str, PairData], config: BenchmarkConfig, out_dir: Path,
                    inputs: Mapping[str, Any] | None = None) -> BenchmarkResult:
    """Fit every method on ``train`` once per seed and score each test set (fold number 0)."""
    config.check()
    require_both_classes("the split's training set", train.y)
    started = now()
    if config.uses("pair-rate") and (train.rna_family is None or train.protein_clan is None):
        raise InputError("pair-rate needs rna_family / protein_clan in the split's interactions (annotate first) "
                         "or leave pair-rate out")
    train_x = train.to_frame()
    jobs = [Job(Task(name, FIXED, seed, 0, m), train_x, train.y, test.to_frame(), test.y)
            for name, test in tests.items() for seed in config.seeds for m in config.methods]
    folds = {name: {"train_pairs": len(train), "test_pairs": len(test), "test_positives": int(test.y.sum())}
             for name, test in tests.items()}
    return _run(jobs, config, out_dir, BenchmarkResult(config, [], dict(inputs or {}), folds, started))


def merge(results: list[BenchmarkResult]) -> BenchmarkResult:
    """One result of a fixed split and a CV run made in the same command."""
    first = results[0]
    merged = BenchmarkResult(first.config, [], {}, {}, first.started, 0.0, {},
                             min(r.first_started or r.started for r in results))
    for r in results:
        merged.records += r.records
        merged.inputs.update(r.inputs)
        merged.folds.update(r.folds)
        merged.seconds += r.seconds
    merged.load_average = {"start": first.load_average.get("start", []),
                           "end": results[-1].load_average.get("end", [])}
    return merged
