"""``rpiembeddor``: train, evaluate and apply the RPIembeddor RNA-protein interaction classifier.

Each sub-command lives next to the code it drives; this module only assembles them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rnainteract_builder.contract.cli import LazyCommand, new_app, run
from rpiembeddor_hf import __version__

#: Sub-commands, imported when they run (they pull in torch, transformers, scikit-learn ...). Each summary is
#: the first line of the command's docstring (tests/test_cli_startup.py keeps them equal).
COMMANDS = {
    "train": LazyCommand(
        "rpiembeddor_hf.training.command:train_command",
        "Train RPIembeddor (paper defaults) with Accelerate; `accelerate launch` it for several GPUs/CPUs.",
        context_settings={"allow_extra_args": True},
    ),
    "evaluate": LazyCommand(
        "rpiembeddor_hf.evaluation_cli:evaluate_command",
        "Score a split or an imported benchmark: metrics with trivial baselines, ROC/PR PNGs, JSON + Markdown.",
    ),
    "predict": LazyCommand(
        "rpiembeddor_hf.predict.cli:predict_command",
        "Score RNA-protein pairs from sequences with a trained RPIembeddor.",
    ),
    "benchmark": LazyCommand(
        "rpiembeddor_hf.benchmark.cli:benchmark_command",
        "Benchmark RPIembeddor, RPISeq, IPMiner, XRPI and trivial baselines: CV on benchmark sets and/or a "
        "fixed split.",
    ),
}

app = new_app(
    "RPIembeddor: a cross-attention RNA-protein interaction classifier on RNA-FM / ESM-2 embeddings.\n\n"
    "Results go to stdout only when asked for; progress and logs go to stderr.",
    lazy=COMMANDS,
)


@app.callback()
def _root() -> None:
    """Keep sub-command dispatch even while few commands exist."""


@app.command("version")
def version_command() -> None:
    """Print the installed version."""
    print(__version__)


def main(argv: Sequence[str] | None = None) -> int:
    return run(app, "rpiembeddor", argv)


if __name__ == "__main__":
    sys.exit(main())
