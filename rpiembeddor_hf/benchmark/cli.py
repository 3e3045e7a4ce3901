"""``rpiembeddor benchmark``: compare RPIembeddor, its peers and baselines on equal terms (DESIGN §7).

Two kinds of runs, both scored with :func:`rpiembeddor_hf.metrics.binary_metrics`:

* **fixed split** - fit on a split's ``train.parquet``, score its ``test.parquet`` (e.g. TRinter -> TSfam)
  and any extra test sets (e.g. RPI2825);
* **k-fold cross-validation** on imported benchmark sets, with the fold schemes of
  :mod:`rpiembeddor_hf.benchmark.folds` (``random``, ``cluster``, ``protein``, ``both``).

Outputs (:mod:`rpiembeddor_hf.benchmark.outputs`) go to one folder, with ``runs/`` holding each fit's
predictions so a killed run resumes where it stopped. Benchmark sets without RNA family / protein clan
annotations get sequence-cluster pseudo-families for the ``pair-rate`` baseline (DESIGN §3.4), the same
clusters that make the cluster-disjoint folds.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.benchmark.defaults import DEFAULT_METHODS, DEFAULT_SCHEMES

if TYPE_CHECKING:
    from rpiembeddor_hf.baselines import PairData

log = logging.getLogger(__name__)


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


def _parse_methods(values: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
    """``METHOD`` or ``LABEL=METHOD`` (a labelled variant, its own row): the labels and label -> method."""
    labels, classes = [], {}
    for value in values:
        label, _, method = value.partition("=")
        if not label or (_ and not method):
            raise InputError(f"--method must look like METHOD or LABEL=METHOD, not {value!r}")
        if method:
            classes[label] = method
        labels.append(label)
    return tuple(labels), classes


def _load_cv_sets(directories: list[Path]) -> tuple[dict[str, PairData], dict[str, Any]]:
    from rpiembeddor_hf.benchmark.harness import require_both_classes
    from rpiembeddor_hf.benchmark.inputs import load_pairs

    sets: dict[str, PairData] = {}
    inputs: dict[str, Any] = {}
    for directory in directories:
        name, data, info = load_pairs(directory)
        if name in sets:
            raise InputError(f"two --cv-set folders are named {name!r}")
        require_both_classes(name, data.y)
        sets[name], inputs[name] = data, info
    return sets, inputs


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
                      f"{', '.join(DEFAULT_METHODS)}. Also: rpiembeddor, embedding-logreg, embedding-mlp (pooled "
                      "embeddings; add --param embedding-mlp.embedding=onehot etc.). LABEL=METHOD runs a "
                      "variant as its own row, with --param LABEL.NAME=VALUE (e.g. -m rpiembeddor-onehot="
                      "rpiembeddor --param rpiembeddor-onehot.embedding=onehot).")] = None,
    scheme: Annotated[list[str] | None, typer.Option("--scheme", help="CV fold scheme (repeat): random; "
                      "cluster (no RNA cluster in two folds); protein (no protein cluster in two folds); both "
                      "(test pairs whose RNA and protein clusters are both unseen in training; the others are "
                      "discarded and counted). Default: random and cluster.")] = None,
    folds: Annotated[int, typer.Option(help="Number of CV folds.")] = 5,
    only_fold: Annotated[list[int] | None, typer.Option("--only-fold", help="Run only this fold (0-based; "
                         "repeat). Splits a long benchmark across runs or machines into the same --out; the "
                         "summary averages the folds run (its runs column).")] = None,
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
    from rpiembeddor_hf.benchmark.harness import BenchmarkConfig, merge, run_cross_validation, run_fixed_split
    from rpiembeddor_hf.benchmark.inputs import load_pairs, load_split
    from rpiembeddor_hf.benchmark.outputs import write_outputs

    if not cv_set and split is None:
        raise InputError("give --cv-set (k-fold CV on a benchmark set) and/or --split (fixed train/test split)")
    if extra_test and split is None:
        raise InputError("--extra-test needs --split (the models are fitted on the split's train set)")
    labels, classes = _parse_methods(method or list(DEFAULT_METHODS))
    config = BenchmarkConfig(methods=labels, schemes=tuple(scheme or DEFAULT_SCHEMES), folds=folds,
                             seeds=tuple(seed or (0,)), cluster_identity=cluster_identity,
                             cluster_tool=cluster_tool, jobs=jobs, method_params=_parse_method_params(param or []),
                             method_classes=classes, only_folds=tuple(only_fold or ()))
    config.check()
    sets, cv_inputs = _load_cv_sets(cv_set or [])  # every input is read and checked before the first fit
    results = []
    if split is not None:
        train, test, info = load_split(split, test_name)
        tests, inputs = {test_name: test}, {"split": info}
        for directory in extra_test or []:
            name, data, extra_info = load_pairs(directory)
            tests[name] = data
            inputs[name] = extra_info
        results.append(run_fixed_split(train, tests, config, out, inputs))
    if sets:
        results.append(run_cross_validation(sets, config, out, cv_inputs))
    result = results[0] if len(results) == 1 else merge(results)
    written = write_outputs(result, out)
    log.info("benchmark done in %.0f s; wrote %s", result.seconds, ", ".join(sorted(written)))
    print(written["summary.md"].read_text(encoding="utf-8"), end="")
