"""``rnainteract``: build, inspect and publish the RNAInterAct dataset.

Each sub-command lives next to the code it drives; this module only assembles them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rnainteract_builder import __version__
from rnainteract_builder.contract.cli import new_app, run

app = new_app(
    "Build the RNAInterAct ncRNA-protein interaction dataset (RNAInter v4 -> Hugging Face dataset).\n\n"
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
    """Attach the pipeline (``build``, ``stage <name>``) and the tools defined beside their code."""
    from rnainteract_builder import build

    app.command("build")(build.build_command)
    app.add_typer(build.stage_app(), name="stage")
    from rnainteract_builder.contract import benchmark_sets

    app.command("import-benchmark")(benchmark_sets.import_benchmark_command)
    from rnainteract_builder.pipeline.embed_tool import embed_command

    app.command("embed")(embed_command)
    from rnainteract_builder.workflow.command import workflow_command

    app.command("workflow", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
        workflow_command
    )
    from rnainteract_builder import external_sets, hub, leakage, stats  # noqa: I001
    from rnainteract_builder.annotate import databases

    app.command("push")(hub.push_command)
    app.command("fetch-databases")(databases.fetch_databases_command)
    app.command("audit")(leakage.audit_command)
    app.command("import-rpi2825")(external_sets.import_rpi2825_command)
    app.command("exclude-train")(external_sets.exclude_train_command)
    app.command("stats")(stats.stats_command)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    return run(app, "rnainteract", argv)


if __name__ == "__main__":
    sys.exit(main())
