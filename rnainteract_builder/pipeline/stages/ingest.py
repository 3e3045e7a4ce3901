"""Stage ``ingest``: stream RNAInter's RNA-protein file through the filters into ``ingest/rnainter.parquet``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.options import HELP

NAME = "ingest"
INGESTED_FILE = "rnainter.parquet"
OUTPUT = f"{NAME}/{INGESTED_FILE}"


@dataclass(frozen=True)
class Config:
    input: Path | None = field(default=None, metadata=HELP("Download_data_RP.txt, .txt.gz or the original .tar.gz."))
    rna_categories: tuple[str, ...] | None = field(
        default=None, metadata=HELP("RNA categories to keep (repeatable; default: ncRNA classes, no mRNA/unknown).")
    )
    protein_categories: tuple[str, ...] | None = field(
        default=None, metadata=HELP("Protein categories to keep (repeatable; default RBP, TF, protein).")
    )
    species: tuple[str, ...] | None = field(
        default=None, metadata=HELP("Keep rows whose RNA and protein species are both listed (repeatable).")
    )
    min_score: float | None = field(default=None, metadata=HELP("Minimum RNAInter score (0-1)."))
    evidence: Literal["strong", "weak", "any"] = field(
        default="any", metadata=HELP("strong: a strong method listed; weak: strong or weak listed; any: no filter.")
    )
    drop_prediction_only: bool = field(default=False, metadata=HELP("Drop rows with prediction-only evidence."))
    tar_member: str | None = field(default=None, metadata=HELP("Member of a .tar.gz to read (default: the .txt)."))
    threads: int | None = field(default=None, metadata=HELP("DuckDB worker threads (default: one per core)."))
    memory_limit: str = field(default="1GB", metadata=HELP("DuckDB's memory cap before it spills to disk."))

    def __post_init__(self) -> None:
        ingest_config(self)  # value checks (score range, empty lists) before any stage runs


def source(ctx: BuildContext, config: Config) -> Path:
    if config.input is None:
        raise InputError("stage ingest: no input file (ingest.input in the config, or --input)")
    return ctx.path(config.input)


def ingest_config(config: Config) -> Any:
    """The parser's own config: every option that was set (the rest keep the parser's defaults)."""
    from rnainteract_builder.ingest import IngestConfig

    names = ("rna_categories", "protein_categories", "species", "min_score", "evidence", "drop_prediction_only",
             "tar_member", "threads", "memory_limit")  # fmt: skip
    return IngestConfig(**{n: getattr(config, n) for n in names if getattr(config, n) is not None})


def run(ctx: BuildContext, config: Config) -> Report:
    from rnainteract_builder.ingest import ingest_rnainter

    report = Report("ingest RNAInter")
    parser_config = ingest_config(config)
    path = source(ctx, config)
    ingest_rnainter(path, ctx.build_dir / OUTPUT, parser_config, report, progress=ctx.progress)
    report.facts["input"] = str(path)
    report.facts["filters"] = {
        "rna_categories": list(parser_config.rna_categories),
        "protein_categories": list(parser_config.protein_categories),
        "species": list(parser_config.species) if parser_config.species else None,
        "min_score": parser_config.min_score,
        "evidence": parser_config.evidence,
        "drop_prediction_only": parser_config.drop_prediction_only,
    }
    return report


STAGE = StageSpec(
    NAME,
    "Stream RNAInter's RNA-protein file through the filters into ingest/rnainter.parquet.",
    Config,
    run,
    outputs=lambda config: (OUTPUT,),
    inputs=lambda ctx, config: [source(ctx, config)],
)
