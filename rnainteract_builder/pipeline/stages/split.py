"""Stage ``split``: TRinter / TSfam family-disjoint split (+ random and cold-protein), leakage audit, statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import DEFAULT_SPLIT, SPLIT_KINDS, BuildContext, StageSpec
from rnainteract_builder.pipeline.options import HELP
from rnainteract_builder.pipeline.stages import annotate, negatives

NAME = "split"
STATS_DIR = "stats"


@dataclass(frozen=True)
class Config:
    seed: int = field(default=0, metadata=HELP("Seed of the group / row assignment."))
    test_fraction: float = field(default=0.1, metadata=HELP("Target share of pairs in test."))
    validation_fraction: float = field(default=0.1, metadata=HELP("Share of train pairs moved to validation."))
    configs: tuple[Literal["family", "random", "cold_protein", "component"], ...] = field(
        default=SPLIT_KINDS,
        metadata=HELP(f"Split kinds to write (must include {DEFAULT_SPLIT}); 'component' holds out RNA "
                      "families and protein clans together (the strictest)."),
    )
    audit_method: Literal["auto", "align", "mmseqs"] = field(
        default="auto", metadata=HELP("Leakage audit of the family split.")
    )

    def __post_init__(self) -> None:
        if DEFAULT_SPLIT not in self.configs:
            raise InputError(f"split.configs must include {DEFAULT_SPLIT!r}, got {list(self.configs)}")


def run(ctx: BuildContext, config: Config) -> Report:
    """Write every split config, audit the default split for leakage and compute the paper's statistics."""
    from rnainteract_builder.leakage import audit_split
    from rnainteract_builder.splits import SplitConfig, split_dir
    from rnainteract_builder.stats import write_stats

    report = Report("split")
    for kind in config.configs:
        options = SplitConfig(kind, config.test_fraction, config.validation_fraction, config.seed)
        report.absorb(split_dir(ctx.stage_dir(negatives.NAME), ctx.stage_dir(NAME) / kind, options), kind)
    family = ctx.stage_dir(NAME) / DEFAULT_SPLIT
    report.facts["leakage audit (family split, RNA)"] = audit_split(family, method=config.audit_method)
    report.facts["leakage audit (family split, protein)"] = audit_split(family, "protein", method=config.audit_method)
    stats = write_stats(family, ctx.stage_dir(NAME) / STATS_DIR, annotate_dir=ctx.stage_dir(annotate.NAME))
    report.facts["table1"] = stats["table1"]
    return report


STAGE = StageSpec(
    NAME,
    "TRinter / TSfam family-disjoint split (+ random and cold-protein configs), leakage audit, statistics.",
    Config,
    run,
    outputs=lambda config: tuple(f"{NAME}/{kind}" for kind in config.configs) + (f"{NAME}/{STATS_DIR}",),
    depends=(negatives.NAME, annotate.NAME),
)
