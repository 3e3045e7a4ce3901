"""``rnainteract``: build, inspect and publish the RNAInterAct dataset.

Each sub-command lives next to the code it drives; this module only assembles them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rnainteract_builder import __version__
from rnainteract_builder.contract.cli import LazyCommand, new_app, run

#: Sub-commands, imported when they run (their modules pull in DuckDB, torch, pyhmmer ...). Each summary is
#: the first line of the command's docstring (tests/test_cli_startup.py keeps them equal).
COMMANDS = {
    "build": LazyCommand(
        "rnainteract_builder.build:build_command",
        "Run the pipeline: every stage with a section in the config (or the --stage ones), skipping fresh stages.",
    ),
    "stage": LazyCommand(
        "rnainteract_builder.build:stage_app",
        "Run one stage of the build (options generated from the stage's config; see `rnainteract build`).",
        group=True,
    ),
    "import-benchmark": LazyCommand(
        "rnainteract_builder.contract.benchmark_sets:import_benchmark_command",
        "Import a classic RPI benchmark set (RPI369, RPI488, RPI1807, RPI2241, ...) into the interactions schema.",
    ),
    "embed": LazyCommand(
        "rnainteract_builder.pipeline.embed_tool:embed_command",
        "Embed each unique sequence once with RNA-FM / ESM-2 (or one-hot / random) into Parquet shards.",
    ),
    "workflow": LazyCommand(
        "rnainteract_builder.workflow.command:workflow_command",
        "Run the build with Snakemake: the same stages and config as `rnainteract build`, with annotate and",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    ),
    "push": LazyCommand(
        "rnainteract_builder.hub:push_command",
        "Upload a published dataset folder to the Hub and tag the commit with its version.",
    ),
    "fetch-databases": LazyCommand(
        "rnainteract_builder.annotate.databases:fetch_databases_command",
        "Download the current Rfam, Pfam and miRBase releases, decompress and press them (needs internet).",
    ),
    "audit": LazyCommand(
        "rnainteract_builder.leakage:audit_command",
        "Leakage audit: for each test sequence the highest identity to any train sequence (prints Markdown).",
    ),
    "import-rpi2825": LazyCommand(
        "rnainteract_builder.external_sets:import_rpi2825_command",
        "Import the RPI2825 external test set (positives, <= 1024 by default) into a pairs folder.",
    ),
    "exclude-train": LazyCommand(
        "rnainteract_builder.external_sets:exclude_train_command",
        "Remove pairs of an external set whose RNA or protein also occurs in the train split.",
    ),
    "stats": LazyCommand(
        "rnainteract_builder.stats:stats_command",
        "Print Table 1 (per split: RNA families, protein clans, positives, negatives) and write all statistics.",
    ),
}

app = new_app(
    "Build the RNAInterAct ncRNA-protein interaction dataset (RNAInter v4 -> Hugging Face dataset).\n\n"
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
    return run(app, "rnainteract", argv)


if __name__ == "__main__":
    sys.exit(main())
