"""``rpiembeddor benchmark``: RPIembeddor, its re-implemented peers and baselines, scored on equal terms.

:mod:`.folds` (scikit-learn splitters, fold schemes), :mod:`.tasks` (parallel, resumable fits),
:mod:`.harness` (the loop), :mod:`.outputs` (tables, curves, manifest), :mod:`.inputs`, :mod:`.cli`.
"""

from rpiembeddor_hf.benchmark.cli import benchmark_command
from rpiembeddor_hf.benchmark.folds import SCHEMES, Fold, PairClusters, cv_folds
from rpiembeddor_hf.benchmark.harness import (
    DEFAULT_METHODS,
    BenchmarkConfig,
    BenchmarkResult,
    run_cross_validation,
    run_fixed_split,
)
from rpiembeddor_hf.benchmark.inputs import load_pairs, load_split
from rpiembeddor_hf.benchmark.outputs import write_outputs

__all__ = ["DEFAULT_METHODS", "SCHEMES", "BenchmarkConfig", "BenchmarkResult", "Fold", "PairClusters",
           "benchmark_command", "cv_folds", "load_pairs", "load_split", "run_cross_validation", "run_fixed_split",
           "write_outputs"]
