"""``rpiembeddor``: train, evaluate and apply the RPIembeddor RNA-protein interaction classifier.

Each sub-command lives next to the code it drives; this module only assembles them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rnainteract_builder.contract.cli import new_app, run
from rpiembeddor_hf import __version__
from rpiembeddor_hf.predict import cli as predict_cli

app = new_app(
    "RPIembeddor: a cross-attention RNA-protein interaction classifier on RNA-FM / ESM-2 embeddings.\n\n"
    "Results go to stdout only when asked for; progress and logs go to stderr."
)


@app.callback()
def _root() -> None:
    """Keep sub-command dispatch even while few commands exist."""


@app.command("version")
def version_command() -> None:
    """Print the installed version."""
    print(__version__)


def _register_commands() -> None:
    """Attach the sub-commands (train, evaluate, predict, benchmark) defined beside their code."""
    app.command("predict")(predict_cli.predict_command)
    from rpiembeddor_hf import evaluation
    from rpiembeddor_hf.training import command as training_command

    app.command("train", context_settings=training_command.TRAIN_CONTEXT)(training_command.train_command)
    app.command("evaluate")(evaluation.evaluate_command)
    from rpiembeddor_hf.benchmark.cli import benchmark_command

    app.command("benchmark")(benchmark_command)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    return run(app, "rpiembeddor", argv)


if __name__ == "__main__":
    sys.exit(main())
