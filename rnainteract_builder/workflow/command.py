"""``rnainteract workflow``: the build as a Snakemake workflow (many cores, or a SLURM cluster).

A thin wrapper around ``python -m snakemake`` with the packaged Snakefile: it checks the build config
first (one clear line on a bad key), names the shard counts, reruns stages whose outputs changed since
their stamp was written (Snakemake itself only sees the stamps), and resolves ``--profile slurm`` to the
packaged profile. Anything after ``--`` goes to Snakemake unchanged.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.workflow import PROFILES_DIR, SNAKEFILE


def profile_path(profile: str) -> Path:
    """A profile folder, or the name of a packaged one (``slurm``)."""
    path = Path(profile)
    if path.is_dir():
        return path.resolve()
    packaged = PROFILES_DIR / profile
    if packaged.is_dir():
        return packaged
    known = ", ".join(sorted(p.name for p in PROFILES_DIR.iterdir() if p.is_dir()))
    raise InputError(f"--profile {profile}: no such folder and no packaged profile of that name (packaged: {known})")


def snakemake_command(
    config: Path,
    cores: int | None = None,
    profile: str | None = None,
    annotate_parts: int = 1,
    embed_parts: int = 1,
    build_dir: Path | None = None,
    dry_run: bool = False,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """The ``python -m snakemake`` command line (after checking the build config)."""
    from rnainteract_builder.workflow.plan import load_plan, stale_stages

    values: dict[str, object] = {"build_config": str(config.resolve()), "annotate_parts": annotate_parts,
                                 "embed_parts": embed_parts}  # fmt: skip
    if build_dir is not None:
        values["build_dir"] = str(build_dir.resolve())
    plan = load_plan(values)
    stale = stale_stages(plan)
    # --directory: Snakemake's own records (.snakemake: logs, metadata, locks) live in the build folder.
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory", str(plan.build_dir),
               "--rerun-incomplete"]  # fmt: skip
    if profile is not None:
        command += ["--profile", str(profile_path(profile))]
    if cores is not None or profile is None:
        command += ["--cores", str(cores or 1)]
    command += ["--config", *(f"{key}={value}" for key, value in values.items())]
    if stale:
        command += ["--forcerun", *stale]
    if dry_run:
        command.append("--dry-run")
    return command + list(extra)


def workflow_command(
    ctx: typer.Context,
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML build config (as for rnainteract build).")],
    cores: Annotated[
        int | None, typer.Option("--cores", help="Local cores (default 1 without a profile).")
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="Snakemake profile folder, or 'slurm' for the packaged one.")
    ] = None,
    annotate_parts: Annotated[int, typer.Option("--annotate-parts", help="Annotate shards (jobs).")] = 1,
    embed_parts: Annotated[int, typer.Option("--embed-parts", help="Embed parts (jobs) per model.")] = 1,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", "-b", help="Build directory (default: build_dir of the config).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="Show the jobs, run nothing.")] = False,
) -> None:
    """Run the build with Snakemake: the same stages and config as `rnainteract build`, with annotate and
    embed split into jobs; the dataset folder is byte-identical. Arguments after `--` go to Snakemake.

    Needs `pip install 'rnainteract[workflow]'`. On SLURM: `--profile slurm` (see the packaged profile).
    """
    if importlib.util.find_spec("snakemake") is None:
        raise InputError("rnainteract workflow needs Snakemake: pip install 'rnainteract[workflow]'")
    if annotate_parts < 1 or embed_parts < 1:
        raise InputError("--annotate-parts and --embed-parts must be at least 1")
    command = snakemake_command(config, cores, profile, annotate_parts, embed_parts, build_dir, dry_run,
                                tuple(ctx.args))  # fmt: skip
    done = subprocess.run(command, check=False)
    if done.returncode:
        raise typer.Exit(done.returncode)
