"""``rpiembeddor benchmark``: RPIembeddor, its re-implemented peers and baselines, scored on equal terms.

:mod:`.folds` (scikit-learn splitters, fold schemes), :mod:`.tasks` (parallel, resumable fits),
:mod:`.harness` (the loop), :mod:`.outputs` (tables, curves, manifest), :mod:`.inputs`, :mod:`.cli`.
"""

from __future__ import annotations

from rpiembeddor_hf.lazy_exports import lazy_getattr

#: public name -> module that defines it, loaded on first use (PEP 562), so ``rpiembeddor benchmark --help``
#: (:mod:`.cli`) imports neither scikit-learn nor torch
_PUBLIC = {
    "DEFAULT_METHODS": "rpiembeddor_hf.benchmark.defaults",
    "SCHEMES": "rpiembeddor_hf.benchmark.folds",
    "BenchmarkConfig": "rpiembeddor_hf.benchmark.harness",
    "BenchmarkResult": "rpiembeddor_hf.benchmark.harness",
    "Fold": "rpiembeddor_hf.benchmark.folds",
    "PairClusters": "rpiembeddor_hf.benchmark.folds",
    "benchmark_command": "rpiembeddor_hf.benchmark.cli",
    "cv_folds": "rpiembeddor_hf.benchmark.folds",
    "load_pairs": "rpiembeddor_hf.benchmark.inputs",
    "load_split": "rpiembeddor_hf.benchmark.inputs",
    "run_cross_validation": "rpiembeddor_hf.benchmark.harness",
    "run_fixed_split": "rpiembeddor_hf.benchmark.harness",
    "write_outputs": "rpiembeddor_hf.benchmark.outputs",
}
__all__ = sorted(_PUBLIC)


__getattr__ = lazy_getattr(__name__, _PUBLIC)
