"""What every stage gets (the build context) and what every stage declares (its spec)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.report import Report

# Folders under the build directory not named after the stage writing them: the layout publish reads.
from rnainteract_builder.publish.config import DATASET_DIR, EMBEDDINGS_DIR, EXTERNAL_DIR

__all__ = ["DATASET_DIR", "DEFAULT_SPLIT", "EMBEDDINGS_DIR", "EXTERNAL_DIR", "SPLIT_KINDS", "BuildContext", "StageSpec"]

#: Split kinds, written to ``split/<kind>/``; ``family`` (TRinter / TSfam) becomes the default config.
SPLIT_KINDS = ("family", "random", "cold_protein")
DEFAULT_SPLIT = "family"


@dataclass
class BuildContext:
    """Where a build lives and its whole config (one section per stage)."""

    build_dir: Path
    config: dict[str, Any] = field(default_factory=dict)
    #: Folder that relative paths in the config are relative to.
    base_dir: Path = field(default_factory=Path.cwd)
    progress: bool = True

    def stage_dir(self, name: str) -> Path:
        return self.build_dir / name

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.config.get(name) or {})

    def path(self, value: str | os.PathLike[str]) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


def no_files(ctx: BuildContext, config: Any) -> list[Path]:
    return []


@dataclass(frozen=True)
class StageSpec:
    """One pipeline step: its Config dataclass, ``run(context, config)`` and what it reads and writes.

    Paths in ``outputs`` and ``reads`` are relative to the build directory. The runner fingerprints the
    real files behind them (size and mtime of every file), so a deleted or rewritten output reruns the
    stage and everything downstream.
    """

    name: str
    help: str
    config: type
    run: Callable[[BuildContext, Any], Report]
    #: What the stage writes (files or folders), given its config; all must exist after a run.
    outputs: Callable[[Any], tuple[str, ...]]
    #: Stages whose outputs it reads; each must have run (and be unchanged since) before this one.
    depends: tuple[str, ...] = ()
    #: Stages whose outputs it reads when they have run (absent ones are skipped, not an error).
    uses: tuple[str, ...] = ()
    #: Other paths under the build directory it reads when present (e.g. ``external/``).
    reads: tuple[str, ...] = ()
    #: Files outside the build directory named by its config (e.g. the RNAInter download).
    inputs: Callable[[BuildContext, Any], list[Path]] = no_files
