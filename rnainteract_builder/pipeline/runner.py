"""Running stages in order, skipping the fresh ones, and the combined build report."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.pipeline.context import BuildContext, StageSpec
from rnainteract_builder.pipeline.freshness import (
    STAMP_FILE,
    input_fingerprint,
    is_fresh,
    outputs_fingerprint,
    write_stamp,
)
from rnainteract_builder.pipeline.sections import parse_section

log = logging.getLogger(__name__)

BUILD_REPORT = "build_report"
#: Top-level config keys that are not stage sections.
GLOBAL_KEYS = ("build_dir",)


def stage_configs(config: Mapping[str, Any], stages: Sequence[StageSpec]) -> dict[str, Any]:
    """Check every section of a build config and build each stage's Config (before anything runs)."""
    known = [s.name for s in stages] + list(GLOBAL_KEYS)
    unknown = sorted(str(k) for k in config if k not in known)
    if unknown:
        raise InputError(f"build config: unknown sections {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return {s.name: parse_section(s.name, s.config, config.get(s.name)) for s in stages}


def report_path(ctx: BuildContext, name: str) -> Path:
    return ctx.stage_dir(name) / f"{name}_report"


def load_report(path: Path) -> Report:
    return Report.from_dict(json.loads(path.read_text(encoding="utf-8")))


def run_stage(ctx: BuildContext, stage: StageSpec, config: Any = None, force: bool = False) -> tuple[Report, bool]:
    """Run one stage unless fresh; returns its report and whether it ran."""
    if config is None:
        config = parse_section(stage.name, stage.config, ctx.config.get(stage.name))
    fingerprint = input_fingerprint(ctx, stage, config)
    if not force and is_fresh(ctx, stage, config, fingerprint):
        log.info("stage %s is up to date (use --force to rerun)", stage.name)
        return load_report(report_path(ctx, stage.name).with_suffix(".json")), False
    (ctx.stage_dir(stage.name) / STAMP_FILE).unlink(missing_ok=True)  # a crash from here on leaves it "not done"
    log.info("stage %s: running", stage.name)
    report = stage.run(ctx, config)
    report.write(report_path(ctx, stage.name), relative_to=ctx.build_dir)
    outputs = outputs_fingerprint(ctx, stage.outputs(config))
    missing = [path for path, found in outputs.items() if found is None]
    if missing:
        raise InputError(f"stage {stage.name!r} finished without writing {', '.join(missing)}")
    write_stamp(ctx, stage.name, fingerprint, outputs)
    return report, True


def run_pipeline(
    ctx: BuildContext, stages: Sequence[StageSpec], names: Sequence[str] | None = None, force: bool = False
) -> Report:
    """Run the named stages (default: every stage with a section in the config) in pipeline order,
    rewriting the combined build report after each. Every section is checked before the first runs."""
    configs = stage_configs(ctx.config, stages)
    by_name = {s.name: s for s in stages}
    unknown = [n for n in names or () if n not in by_name]
    if unknown:
        raise InputError(f"unknown stage {unknown[0]!r} (stages: {', '.join(by_name)})")
    chosen = [s for s in stages if (s.name in names if names else s.name in ctx.config)]
    if not chosen:
        raise InputError("nothing to build: the config has no stage sections and no --stage was given")
    combined = Report("RNAInterAct build")
    for stage in chosen:
        run_stage(ctx, stage, configs[stage.name], force=force)
        combined = write_build_report(ctx, stages)
    return combined


def write_build_report(ctx: BuildContext, stages: Sequence[StageSpec]) -> Report:
    """Combine the reports of every finished stage into ``<build>/build_report.json/.md``."""
    combined = Report("RNAInterAct build")
    for stage in stages:
        path = report_path(ctx, stage.name).with_suffix(".json")
        if path.exists():
            combined.absorb(load_report(path), stage.name)
    combined.write(ctx.build_dir / BUILD_REPORT, relative_to=ctx.build_dir)
    return combined
