"""The one registry of ``rnainteract build``'s stages, in pipeline order.

ingest -> resolve -> positives -> annotate -> negatives -> split -> embed -> publish. Each stage is one
module of :mod:`rnainteract_builder.pipeline.stages` (Config dataclass, ``run(context, config)``, declared
inputs and outputs); the YAML config has one section per stage whose keys are the fields of its Config.
"""

from __future__ import annotations

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.pipeline.context import (
    DATASET_DIR,
    DEFAULT_SPLIT,
    EMBEDDINGS_DIR,
    EXTERNAL_DIR,
    SPLIT_KINDS,
    StageSpec,
)
from rnainteract_builder.pipeline.stages import (
    annotate,
    embed,
    ingest,
    negatives,
    positives,
    publish,
    resolve,
    split,
)

__all__ = ["DATASET_DIR", "DEFAULT_SPLIT", "EMBEDDINGS_DIR", "EXTERNAL_DIR", "SPLIT_KINDS", "STAGES", "get_stage"]

STAGES: tuple[StageSpec, ...] = tuple(
    module.STAGE for module in (ingest, resolve, positives, annotate, negatives, split, embed, publish)
)


def get_stage(name: str) -> StageSpec:
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise InputError(f"unknown stage {name!r} (stages: {', '.join(s.name for s in STAGES)})")
