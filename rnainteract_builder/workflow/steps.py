"""The commands the workflow's jobs run: ``python -m rnainteract_builder.workflow.steps <step> ...``.

Each step reads the same YAML build config as ``rnainteract build`` and runs stage code through
:func:`~rnainteract_builder.pipeline.runner.run_stage`, so stamps, reports and outputs are the ones the
single-machine runner writes. The shard steps write only their shard; the merge steps are the stage runs.
An embed part may run under ``accelerate launch`` (its shards are spread over the node's GPUs).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rnainteract_builder.build import build_context, validate_config, write_build_report
from rnainteract_builder.contract.cli import new_app, run
from rnainteract_builder.dataset_stages import get_stage
from rnainteract_builder.pipeline.context import BuildContext
from rnainteract_builder.pipeline.runner import run_stage
from rnainteract_builder.pipeline.stages import annotate, embed

app = new_app("One job of the rnainteract Snakemake workflow (run by the workflow, not by hand).")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="YAML build config.")]
BuildDirOption = Annotated[Path | None, typer.Option("--build-dir", "-b", help="Build directory.")]
PartOption = Annotated[int, typer.Option("--part", help="This job's part (0 .. parts-1).")]
PartsOption = Annotated[int, typer.Option("--parts", help="Number of parts.")]


def _context(config: Path, build_dir: Path | None) -> tuple[BuildContext, dict]:
    ctx = build_context(config, build_dir, quiet=True)
    return ctx, validate_config(ctx.config)


@app.command("stage")
def stage_step(name: str, config: ConfigOption, build_dir: BuildDirOption = None) -> None:
    """Run one stage (the workflow has already decided that it must run)."""
    ctx, configs = _context(config, build_dir)
    run_stage(ctx, get_stage(name), configs[name], force=True)
    write_build_report(ctx)


@app.command("annotate-shard")
def annotate_shard_step(
    config: ConfigOption, part: PartOption, parts: PartsOption, build_dir: BuildDirOption = None
) -> None:
    """Table / Rfam / Pfam labels of one shard of the sequences (cmscan chunks resume)."""
    ctx, configs = _context(config, build_dir)
    print(annotate.run_shard(ctx, configs[annotate.NAME], part, parts))


@app.command("annotate-merge")
def annotate_merge_step(config: ConfigOption, parts: PartsOption, build_dir: BuildDirOption = None) -> None:
    """The annotate stage from its shards' labels (cluster pseudo-labels over all sequences)."""
    ctx, configs = _context(config, build_dir)
    run_stage(ctx, annotate.merged_stage(parts), configs[annotate.NAME], force=True)
    write_build_report(ctx)


@app.command("embed-part")
def embed_part_step(
    config: ConfigOption,
    model: Annotated[str, typer.Option("--model", help="Model folder name, e.g. rna_rnafm.")],
    part: PartOption,
    parts: PartsOption,
    build_dir: BuildDirOption = None,
) -> None:
    """Embed one part of one model's shards (finished shards are kept)."""
    ctx, configs = _context(config, build_dir)
    embed.run_part(ctx, configs[embed.NAME], model, part, parts)


@app.command("embed-merge")
def embed_merge_step(config: ConfigOption, parts: PartsOption, build_dir: BuildDirOption = None) -> None:
    """The embed stage after its parts: verifies every shard and writes the manifests."""
    ctx, configs = _context(config, build_dir)
    embed.check_parts(ctx, configs[embed.NAME], parts)
    run_stage(ctx, get_stage(embed.NAME), configs[embed.NAME], force=True)
    write_build_report(ctx)


def main(argv: list[str] | None = None) -> int:
    return run(app, "rnainteract_builder.workflow.steps", argv)


if __name__ == "__main__":
    sys.exit(main())
