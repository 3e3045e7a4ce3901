"""Stage ``negatives``: two informed negatives per positive (protein swap, RNA swap), seeded; or random."""

from __future__ import annotations

from rnainteract_builder.contract.pairs_folder import PAIRS_FILES
from rnainteract_builder.contract.report import Report
from rnainteract_builder.negatives import NegativesConfig as Config
from rnainteract_builder.negatives import negatives_dir
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.stages import annotate

NAME = "negatives"
OUTPUTS = tuple(f"{NAME}/{name}" for name in PAIRS_FILES)


def run(ctx: BuildContext, config: Config) -> Report:
    return negatives_dir(ctx.stage_dir(annotate.NAME), ctx.stage_dir(NAME), config)


STAGE = StageSpec(
    NAME,
    "Two informed negatives per positive (protein swap, RNA swap), seeded; or random pairing.",
    Config,
    run,
    outputs=lambda config: OUTPUTS,
    depends=(annotate.NAME,),
)
