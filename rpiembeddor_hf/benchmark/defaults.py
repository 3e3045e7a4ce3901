"""What ``rpiembeddor benchmark`` runs when not told otherwise, without importing the benchmark code.

``rpiembeddor benchmark --help`` shows these defaults; the harness (scikit-learn, torch through the methods)
is imported only when a benchmark runs. ``tests/test_cli_startup.py`` keeps them equal to the harness's.
"""

from __future__ import annotations

#: Schemes run when none are named.
DEFAULT_SCHEMES = ("random", "cluster")
#: Methods run when none are named: every re-implemented peer and baseline (RPIembeddor and the pooled-
#: embedding baselines are opt-in: they are about a choice of embedding).
DEFAULT_METHODS = ("all-positive", "all-negative", "pair-rate", "nearest-neighbour", "rpiseq-rf", "rpiseq-svm",
                   "ipminer", "xrpi")
