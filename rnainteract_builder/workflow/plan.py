"""What the Snakemake workflow reads from a build config: the build folder, the stages to run, their
inputs (upstream stamps and the files the config names), their parameters and the shard counts.

Every rule's output is its stage's stamp ``<stage>/stage.json`` (written by the same
:func:`~rnainteract_builder.pipeline.runner.run_stage` as ``rnainteract build``), so the two runners
leave the same build folder and either can continue what the other started.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rnainteract_builder import __version__
from rnainteract_builder.build import build_context, validate_config
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.dataset_stages import STAGES, get_stage
from rnainteract_builder.pipeline.context import BuildContext
from rnainteract_builder.pipeline.freshness import STAMP_FILE, outputs_fingerprint, read_stamp

#: Keys of Snakemake's ``--config`` that the workflow reads.
WORKFLOW_KEYS = ("build_config", "build_dir", "annotate_parts", "embed_parts", "embed_launcher")


@dataclass(frozen=True)
class WorkflowPlan:
    config_path: Path
    ctx: BuildContext
    configs: dict[str, Any]
    #: Stages with a section in the build config, in pipeline order (what ``rnainteract build`` runs).
    targets: list[str]
    annotate_parts: int = 1
    embed_parts: int = 1
    #: Command prefix of an embed part, e.g. ``accelerate launch --multi_gpu --num_processes 4`` ('' = python).
    embed_launcher: str = ""
    models: list[str] = field(default_factory=list)

    @property
    def build_dir(self) -> Path:
        return self.ctx.build_dir


def _count(values: Mapping[str, Any], key: str) -> int:
    value = values.get(key, 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"workflow config {key} must be a positive integer, got {value!r}")
    return value


def load_plan(values: Mapping[str, Any]) -> WorkflowPlan:
    """The plan from Snakemake's ``config`` (``--config build_config=cfg.yaml [annotate_parts=N] ...``)."""
    unknown = sorted(set(values) - set(WORKFLOW_KEYS))
    if unknown:
        raise InputError(f"workflow config: unknown keys {', '.join(unknown)} (known: {', '.join(WORKFLOW_KEYS)})")
    if not values.get("build_config"):
        raise InputError("the workflow needs --config build_config=PATH (the YAML build config)")
    config_path = Path(values["build_config"]).resolve()
    build_dir = Path(values["build_dir"]) if values.get("build_dir") else None
    ctx = build_context(config_path, build_dir, quiet=True)
    configs = validate_config(ctx.config)
    targets = [s.name for s in STAGES if s.name in ctx.config]
    if not targets:
        raise InputError(f"{config_path}: nothing to build (no stage sections)")
    from rnainteract_builder.pipeline.stages import embed

    models = [embed.model_dir(entry).rsplit("/", 1)[-1] for entry in configs["embed"].models]
    return WorkflowPlan(
        config_path, ctx, configs, targets, _count(values, "annotate_parts"), _count(values, "embed_parts"),
        str(values.get("embed_launcher") or ""), models,
    )  # fmt: skip


def stamp(name: str) -> str:
    """A stage's stamp, relative to the build folder (the workflow's working directory)."""
    return f"{name}/{STAMP_FILE}"


def upstream(plan: WorkflowPlan, name: str) -> list[str]:
    """Stamps of the stages ``name`` reads: all of ``depends``; of ``uses`` those built or to be built."""
    stage = get_stage(name)
    used = [u for u in stage.uses if u in plan.targets or read_stamp(plan.ctx, u) is not None]
    return [stamp(dep) for dep in (*stage.depends, *used)]


def external_inputs(plan: WorkflowPlan, name: str) -> list[str]:
    """Files outside the build folder that the stage's config names (absent stages: none)."""
    if name not in plan.ctx.config:
        return []
    stage = get_stage(name)
    return [str(p) for p in stage.inputs(plan.ctx, plan.configs[name])]


def params(plan: WorkflowPlan, name: str) -> str:
    """What a job's result depends on besides its input files: its config section and the builder version."""
    return json.dumps({"config": asdict(plan.configs[name]), "version": __version__}, sort_keys=True, default=str)


def stale_stages(plan: WorkflowPlan) -> list[str]:
    """Stages whose stamp exists but whose recorded outputs were deleted or changed since (Snakemake only
    sees the stamp; ``rnainteract workflow`` reruns these and everything downstream)."""
    stale = []
    for stage in STAGES:
        recorded = (read_stamp(plan.ctx, stage.name) or {}).get("outputs")
        if isinstance(recorded, dict) and outputs_fingerprint(plan.ctx, tuple(recorded)) != recorded:
            stale.append(stage.name)
    return stale
