"""Stage ``positives``: normalise, filter by length, dedupe and apply the interactor limit."""

from __future__ import annotations

from dataclasses import asdict

from rnainteract_builder.contract.pairs_folder import PAIRS_FILES
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.stages import ingest, resolve
from rnainteract_builder.positives import PositivesConfig as Config
from rnainteract_builder.positives import build_positives
from rnainteract_builder.resolve.stage import RESOLVED_FILES

NAME = "positives"
OUTPUTS = tuple(f"{NAME}/{name}" for name in PAIRS_FILES)


def run(ctx: BuildContext, config: Config) -> Report:
    report = Report("clean and select positives")
    resolved = ctx.stage_dir(resolve.NAME)
    positives = build_positives(
        ctx.build_dir / ingest.OUTPUT,
        resolved / RESOLVED_FILES["rna"],
        resolved / RESOLVED_FILES["protein"],
        config,
        report,
    )
    positives.write(ctx.stage_dir(NAME))
    report.facts["parameters"] = asdict(config)
    return report


STAGE = StageSpec(
    NAME,
    "Normalise, filter by length, dedupe and apply the interactor limit: the positives pairs folder.",
    Config,
    run,
    outputs=lambda config: OUTPUTS,
    depends=(resolve.NAME,),
)
