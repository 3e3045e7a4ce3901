"""Stage ``publish``: the Hugging Face dataset folder (Parquet shards, manifest.json, dataset card).

It reads the splits, every embedding folder under ``embeddings/`` and every external set under
``external/``, so a re-embedded model or a new external set reruns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import (
    DATASET_DIR,
    EMBEDDINGS_DIR,
    EXTERNAL_DIR,
    BuildContext,
    StageSpec,
)
from rnainteract_builder.pipeline.options import HELP
from rnainteract_builder.pipeline.stages import embed, split

NAME = "publish"


@dataclass(frozen=True)
class Config:
    version: str = field(default="0.1.0", metadata=HELP("Semantic version of this release, e.g. 1.0.0."))
    shard_size_mb: int = field(default=500, metadata=HELP("Approximate Parquet shard size in MB."))
    external: dict[str, Path] = field(
        default_factory=dict, metadata=HELP("Extra external sets beside <build>/external/: {name: pairs folder}.")
    )
    repo_id: str = field(default="rnainteract/rnainteract", metadata=HELP("Hub repo named in the card's examples."))
    embeddings: bool = field(default=True, metadata=HELP("Publish the folders under <build>/embeddings."))
    figures: bool = field(default=True, metadata=HELP("Draw the card's figures."))
    provenance: Literal["rnainter", "synthetic"] = field(
        default="rnainter",
        metadata=HELP("Where the pairs came from; 'synthetic' makes the card say so everywhere (the demo)."),
    )


def external_folders(ctx: BuildContext, config: Config) -> list[Path]:
    return [ctx.path(path) for _, path in sorted(config.external.items())]


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.publish import PublishConfig, run_publish

    result = run_publish(
        PublishConfig(
            build_dir=ctx.build_dir,
            output=ctx.build_dir / DATASET_DIR,
            version=config.version,
            shard_bytes=config.shard_size_mb * 1_000_000,
            external={name: ctx.path(path) for name, path in config.external.items()},
            embeddings=config.embeddings,
            figures=config.figures,
            repo_id=config.repo_id,
            provenance=config.provenance,
            progress=ctx.progress,
        )
    )
    result.report.facts["published folder"] = str(result.output)
    return result.report


STAGE = StageSpec(
    NAME,
    "The Hugging Face dataset folder: Parquet shards per config and split, manifest.json, dataset card.",
    Config,
    run,
    outputs=lambda config: (DATASET_DIR,),
    depends=(split.NAME,),
    uses=(embed.NAME,),
    reads=(EMBEDDINGS_DIR, EXTERNAL_DIR),
    inputs=external_folders,
)
