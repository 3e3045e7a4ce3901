"""Fingerprints of what a stage really reads and writes, and the stamp that records them.

A file counts by its size and mtime (nanoseconds), a folder by those of every file under it, so a
deleted, rewritten or added file changes the fingerprint without reading gigabytes of Parquet. The stamp
``<build>/<stage>/stage.json`` holds the fingerprint of the inputs (config, package version, external
files, ``reads`` paths and the recorded outputs of upstream stages) and of the outputs the run wrote.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rnainteract_builder import __version__
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_text_atomic
from rnainteract_builder.pipeline.context import BuildContext, StageSpec

STAMP_FILE = "stage.json"


def path_fingerprint(path: Path) -> list[Any] | None:
    """``[size, mtime_ns]`` of a file, ``[[relative path, size, mtime_ns], ...]`` of a folder, None if absent."""
    if path.is_file():
        stat = path.stat()
        return [stat.st_size, stat.st_mtime_ns]
    if path.is_dir():
        return [
            [p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns]
            for p in sorted(path.rglob("*"))
            if p.is_file()
        ]
    return None


def outputs_fingerprint(ctx: BuildContext, outputs: tuple[str, ...]) -> dict[str, Any]:
    return {out: path_fingerprint(ctx.build_dir / out) for out in outputs}


def read_stamp(ctx: BuildContext, name: str) -> dict[str, Any] | None:
    try:
        return json.loads((ctx.stage_dir(name) / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_stamp(ctx: BuildContext, name: str, fingerprint: str, outputs: dict[str, Any]) -> None:
    stamp = {"stage": name, "fingerprint": fingerprint, "version": __version__, "outputs": outputs}
    write_text_atomic(ctx.stage_dir(name) / STAMP_FILE, json.dumps(stamp, indent=2) + "\n")


def upstream_outputs(ctx: BuildContext, stage: StageSpec, dep: str, required: bool) -> dict[str, Any] | None:
    """The outputs ``dep`` recorded, checked against the files now on disk (None: optional and never run)."""
    stamp = read_stamp(ctx, dep)
    if stamp is None or not isinstance(stamp.get("outputs"), dict):
        if not required:
            return None
        raise InputError(f"stage {stage.name!r} needs stage {dep!r} first (no {ctx.stage_dir(dep) / STAMP_FILE})")
    recorded = stamp["outputs"]
    if outputs_fingerprint(ctx, tuple(recorded)) != recorded:
        raise InputError(
            f"stage {stage.name!r} needs stage {dep!r} rerun first: its outputs were deleted or changed since it ran"
        )
    return recorded


def _external_fingerprint(path: Path) -> list[Any]:
    found = path_fingerprint(path)
    if found is None:
        raise InputError(f"{path}: input file does not exist")
    return [str(path.resolve()), found]


def input_fingerprint(ctx: BuildContext, stage: StageSpec, config: Any) -> str:
    """sha256 over everything a run of ``stage`` depends on."""
    upstream = {dep: upstream_outputs(ctx, stage, dep, required=True) for dep in stage.depends}
    upstream |= {dep: upstream_outputs(ctx, stage, dep, required=False) for dep in stage.uses}
    material = {
        "stage": stage.name,
        "version": __version__,
        "config": asdict(config),
        "inputs": [_external_fingerprint(p) for p in stage.inputs(ctx, config)],
        "reads": {path: path_fingerprint(ctx.build_dir / path) for path in stage.reads},
        "upstream": upstream,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def is_fresh(ctx: BuildContext, stage: StageSpec, config: Any, fingerprint: str) -> bool:
    """The stamp matches the inputs and every declared output is still what the run wrote."""
    stamp = read_stamp(ctx, stage.name)
    if stamp is None or stamp.get("fingerprint") != fingerprint:
        return False
    recorded = stamp.get("outputs")
    return recorded == outputs_fingerprint(ctx, stage.outputs(config)) and all(v is not None for v in recorded.values())
