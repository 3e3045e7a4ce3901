"""Stage ``annotate``: Rfam families / Pfam clans (or precomputed tables), cluster pseudo-labels for the rest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rnainteract_builder.contract.pairs_folder import PAIRS_FILES
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.options import HELP
from rnainteract_builder.pipeline.stages import positives

NAME = "annotate"
LABEL_FILES = ("rna_families.parquet", "protein_clans.parquet")
OUTPUTS = tuple(f"{NAME}/{name}" for name in PAIRS_FILES + LABEL_FILES)
PATH_KEYS = ("rfam_cm", "rfam_clanin", "pfam_hmm", "pfam_clans", "family_table", "clan_table")


@dataclass(frozen=True)
class Config:
    rfam_cm: Path | None = field(default=None, metadata=HELP("Pressed Rfam.cm (see `rnainteract fetch-databases`)."))
    rfam_clanin: Path | None = field(default=None, metadata=HELP("Rfam.clanin, for cmscan --clanin."))
    pfam_hmm: Path | None = field(default=None, metadata=HELP("Pfam-A.hmm (pressed or not)."))
    pfam_clans: Path | None = field(default=None, metadata=HELP("Pfam-A.clans.tsv (family -> clan)."))
    family_table: Path | None = field(
        default=None, metadata=HELP("Precomputed RNA families: TSV/Parquet with columns id, family[, name].")
    )
    clan_table: Path | None = field(
        default=None, metadata=HELP("Precomputed protein clans: TSV/Parquet with columns id, clan[, name].")
    )
    rna_cluster_identity: float = field(default=0.5, metadata=HELP("Identity for RNA pseudo-families."))
    protein_cluster_identity: float = field(default=0.5, metadata=HELP("Identity for protein pseudo-clans."))
    cluster_tool: Literal["mmseqs", "cd-hit"] = field(default="mmseqs", metadata=HELP("Clustering tool."))
    rna_cluster_method: Literal["linkage", "greedy"] = field(
        default="linkage",
        metadata=HELP("RNA pseudo-families with mmseqs: linkage (no pair at >= the identity split apart) or "
                      "greedy (mmseqs easy-cluster); cd-hit is always greedy."),
    )  # fmt: skip
    threads: int = field(default=1, metadata=HELP("Parallel cmscan chunks / hmmscan and clustering threads."))


def database_files(ctx: BuildContext, config: Config) -> list[Path]:
    return [ctx.path(getattr(config, key)) for key in PATH_KEYS if getattr(config, key)]


def annotate_config(ctx: BuildContext, config: Config) -> Any:
    from rnainteract_builder.annotate.annotate import AnnotateConfig

    paths = {key: ctx.path(getattr(config, key)) for key in PATH_KEYS if getattr(config, key)}
    return AnnotateConfig(**replace(config, **paths).__dict__, work_dir=ctx.stage_dir(NAME) / "work")


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.annotate.annotate import annotate_dir

    return annotate_dir(ctx.stage_dir(positives.NAME), ctx.stage_dir(NAME), annotate_config(ctx, config))


# Shards (the Snakemake workflow): ``run_shard`` per shard, then the stage run as ``merged_stage(n)``.
SHARD_FILE = NAME + "/shards/part-{part}-of-{parts}.parquet"


def shard_paths(ctx: BuildContext, parts: int) -> list[Path]:
    return [ctx.build_dir / SHARD_FILE.format(part=i, parts=parts) for i in range(parts)]


def run_shard(ctx: BuildContext, config: Config, part: int, parts: int) -> Path:
    """Table / Rfam / Pfam labels of shard ``part`` of ``parts`` of the positives' sequences."""
    from rnainteract_builder.annotate.shards import annotate_shard

    out = ctx.build_dir / SHARD_FILE.format(part=part, parts=parts)
    return annotate_shard(ctx.stage_dir(positives.NAME), out, annotate_config(ctx, config), part, parts)


def merged_stage(parts: int) -> StageSpec:
    """This stage with ``run`` taking the labels of the ``parts`` shards (same outputs, report and stamp)."""

    def run_merge(ctx: BuildContext, config: Config) -> Report:
        from rnainteract_builder.annotate.annotate import annotate_dir
        from rnainteract_builder.annotate.shards import read_shards

        known = read_shards(ctx.stage_dir(positives.NAME), shard_paths(ctx, parts))
        return annotate_dir(
            ctx.stage_dir(positives.NAME), ctx.stage_dir(NAME), annotate_config(ctx, config), known
        )

    return replace(STAGE, run=run_merge)


STAGE = StageSpec(
    NAME,
    "Rfam families / Pfam clans (or precomputed tables), cluster pseudo-families for the rest.",
    Config,
    run,
    outputs=lambda config: OUTPUTS,
    depends=(positives.NAME,),
    inputs=database_files,
)
