"""Stage ``resolve``: a sequence for every unique RNA and protein raw id (files first, then online services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.options import HELP
from rnainteract_builder.pipeline.stages import ingest
from rnainteract_builder.resolve.http import RetryPolicy
from rnainteract_builder.resolve.stage import RESOLVED_FILES

NAME = "resolve"


@dataclass(frozen=True)
class Config:
    sources: tuple[dict[str, Any], ...] = field(
        default=(),
        metadata=HELP("Sequence sources asked in order: {kind: table|fasta|mirbase|noncode, path: ...} or "
                      "{kind: ncbi|uniprot|ensembl[, base_url: ...]}; NCBI_API_KEY / NCBI_EMAIL are read."),
    )  # fmt: skip
    cache: Path | None = field(default=None, metadata=HELP("SQLite cache (default <build>/resolve/cache.sqlite)."))
    max_length: int = field(
        default=1024,
        metadata=HELP("Length cut-off used to choose one transcript / isoform; longer sequences keep only their "
                      "length (positives.max_length may not exceed it)."),
    )  # fmt: skip
    retry: RetryPolicy = field(default_factory=RetryPolicy, metadata=HELP("Attempts and back-off of web requests."))


def sources(config: Config) -> list[dict[str, Any]]:
    if not config.sources:
        raise InputError("stage resolve: no sequence sources (resolve.sources in the config, or --sources)")
    return [dict(s) for s in config.sources]


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.resolve.sources import build_resolvers
    from rnainteract_builder.resolve.stage import resolve_stage

    stage_dir = ctx.stage_dir(NAME)
    cache_path = ctx.path(config.cache) if config.cache else stage_dir / "cache.sqlite"
    resolvers, cache = build_resolvers(
        sources(config), cache_path, config.max_length, config.retry, ctx.base_dir, progress=ctx.progress
    )
    report = Report("resolve sequences")
    try:
        resolve_stage(ctx.build_dir / ingest.OUTPUT, stage_dir, resolvers, report, config.max_length)
    finally:
        for resolver in resolvers:
            resolver.close()
        if cache is not None:
            cache.close()
    report.facts["sources"] = [s.get("kind") for s in sources(config)]
    return report


OUTPUTS = tuple(f"{NAME}/{RESOLVED_FILES[m]}" for m in ("rna", "protein"))

STAGE = StageSpec(
    NAME,
    "Find a sequence for every unique RNA and protein raw id (offline files first, then online services).",
    Config,
    run,
    outputs=lambda config: OUTPUTS,
    depends=(ingest.NAME,),
    inputs=lambda ctx, config: [ctx.path(s["path"]) for s in sources(config) if s.get("path")],
)
