"""The Snakemake workflow: the demo built with `rnainteract workflow` (annotate and embed split into jobs)
is byte-identical to `rnainteract build`; the two runners read each other's stamps; the SLURM profile
dry-runs without a cluster."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rnainteract_builder.build import build_context, run_pipeline, validate_config
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.dataset_stages import STAGES
from rnainteract_builder.demo_data import DemoConfig, write_demo_files
from rnainteract_builder.pipeline.runner import run_stage
from rnainteract_builder.workflow import SNAKEFILE
from rnainteract_builder.workflow.command import profile_path, snakemake_command
from rnainteract_builder.workflow.plan import load_plan

pytest.importorskip("snakemake")

REPO = Path(__file__).resolve().parents[3]
SMALL = DemoConfig(n_rna_families=4, rnas_per_family=3, n_protein_clans=4, proteins_per_clan=2, mrna_rows=3)
#: Small shards, so that every model has several and the embed parts really split them.
#: Two local cores, three annotate shards, two embed parts per model.
LOCAL = ("--cores", "2", "--annotate-parts", "3", "--embed-parts", "2")
MODELS = [{"name": "onehot", "molecule": m, "residues_per_shard": 150} for m in ("rna", "protein")]


def _config(root: Path) -> Path:
    files = write_demo_files(root / "input", SMALL)
    config = {
        "build_dir": "build",
        "ingest": {"input": str(files.rnainter)},
        "resolve": {"sources": [{"kind": "table", "path": str(files.sequences)}]},
        "positives": {"max_length": 1024},
        "annotate": {"family_table": str(files.rna_families), "clan_table": str(files.protein_clans)},
        "negatives": {"strategy": "family", "seed": 0},
        "split": {"seed": 0, "audit_method": "align"},
        "embed": {"models": MODELS},
        "publish": {"version": "0.1.0", "figures": False},
    }
    path = root / "build.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _workflow(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "rnainteract_builder.cli", "workflow", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, check=False)  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_workflow_build_is_byte_identical_to_rnainteract_build(tmp_path: Path) -> None:
    single = build_context(_config(tmp_path / "single"), None, quiet=True)
    run_pipeline(single)

    config = _config(tmp_path / "snake")
    done = _workflow("--config", str(config), *LOCAL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    build = tmp_path / "snake" / "build"
    assert len(list((build / "annotate" / "shards").glob("*.parquet"))) == 3
    assert (build / ".snakemake").is_dir() and not (tmp_path / ".snakemake").exists()
    assert len(list((build / "embed" / "parts").glob("*/part-*-of-2.json"))) == 4
    assert len(list((build / "embeddings" / "rna_onehot").glob("shard-*.parquet"))) >= 2
    expected, got = _files(single.build_dir / "dataset"), _files(build / "dataset")
    assert expected.keys() == got.keys() and "manifest.json" in expected
    for name in expected:
        assert expected[name] == got[name], name

    # The stage runner sees the workflow's stamps as its own: nothing to redo.
    ctx = build_context(config, None, quiet=True)
    configs = validate_config(ctx.config)
    assert [run_stage(ctx, stage, configs[stage.name])[1] for stage in STAGES] == [False] * len(STAGES)

    # A deleted shard makes the embed stamp stale: the workflow reruns embed and publish, same bytes.
    next(iter(sorted((build / "embeddings" / "protein_onehot").glob("shard-*.parquet")))).unlink()
    again = _workflow("--config", str(config), *LOCAL, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"embed\s+1", again.stderr) and re.search(r"publish\s+1", again.stderr)
    assert not re.search(r"annotate_shard\s+\d", again.stderr)  # upstream jobs are not redone
    assert _files(build / "dataset") == expected
    # Publishing again over an earlier publish (either runner) gives the same bytes too.
    run_stage(ctx, STAGES[-1], configs["publish"], force=True)
    assert _files(build / "dataset") == expected


def test_slurm_profile_dry_run_builds_the_dag_with_gpu_parts(tmp_path: Path) -> None:
    """What is checked without a cluster: the packaged profile parses, the slurm executor plugin accepts it,
    every rule gets its partition / resources, the DAG has one job per shard and part, and embed parts
    run under `accelerate launch` over the job's GPUs. Nothing is submitted and nothing is built."""
    config = _config(tmp_path)
    done = _workflow("--config", str(config), "--profile", "slurm", "--annotate-parts", "4", "--embed-parts", "2",
                     "--dry-run", "--", "--printshellcmds", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert "workflow/profiles/slurm" in out
    assert re.search(r"annotate_shard\s+4\b", out) and re.search(r"embed_part\s+4\b", out)
    jobs = out.split("rule ")
    shard = next(j for j in jobs if j.startswith("annotate_shard:"))
    assert "slurm_partition=cpu" in shard and "cpus_per_task=8" in shard
    part = next(j for j in jobs if j.startswith("embed_part:"))
    assert "slurm_partition=gpu" in part and "gpu=4" in part
    assert re.search(r"-m accelerate\.commands\.launch --multi_gpu --num_processes 4 .* embed-part", part)
    merge = next(j for j in jobs if j.startswith("embed:"))
    assert "slurm_partition=gpu" in merge and "embed-merge" in merge and "--parts 2" in merge
    assert not list((tmp_path / "build").glob("*/stage.json"))
    assert not (tmp_path / ".snakemake").exists()  # Snakemake's records go to the build folder


def test_plan_and_command_line(tmp_path: Path) -> None:
    config = _config(tmp_path)
    plan = load_plan({"build_config": str(config), "annotate_parts": 3})
    assert plan.targets == [s.name for s in STAGES] and plan.models == ["rna_onehot", "protein_onehot"]
    assert plan.build_dir == tmp_path / "build"
    with pytest.raises(InputError, match="needs --config build_config"):
        load_plan({})
    with pytest.raises(InputError, match="unknown keys colour"):
        load_plan({"build_config": str(config), "colour": 1})
    with pytest.raises(InputError, match="embed_parts must be a positive integer"):
        load_plan({"build_config": str(config), "embed_parts": 0})
    command = snakemake_command(config, cores=2, annotate_parts=3, dry_run=True)
    assert command[:4] == [sys.executable, "-m", "snakemake", "--snakefile"] and str(SNAKEFILE) in command
    assert "--forcerun" not in command and "--dry-run" in command and "annotate_parts=3" in command
    assert profile_path("slurm").joinpath("config.yaml").is_file()
    with pytest.raises(InputError, match="no packaged profile of that name"):
        profile_path("pbs")


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnainteract_builder.cli import main

    assert main(["workflow", "--config", str(tmp_path / "none.yaml")]) == 2
    assert capsys.readouterr().err.strip().endswith("none.yaml: no such build config")
    config = _config(tmp_path)
    assert main(["workflow", "--config", str(config), "--embed-parts", "0"]) == 2
    assert "must be at least 1" in capsys.readouterr().err
    assert main(["workflow", "--config", str(config), "--profile", "pbs", "-n"]) == 2
    assert "no packaged profile of that name (packaged: slurm)" in capsys.readouterr().err


def test_command_reruns_stages_whose_outputs_changed(tmp_path: Path) -> None:
    config = _config(tmp_path)
    ctx = build_context(config, None, quiet=True)
    run_pipeline(ctx, ["ingest"])
    assert "--forcerun" not in snakemake_command(config)
    (ctx.build_dir / "ingest" / "rnainter.parquet").unlink()
    command = snakemake_command(config)
    assert command[command.index("--forcerun") + 1] == "ingest"


def test_snakefile_is_package_data() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "Snakefile" in pyproject and "profiles/*/config.yaml" in pyproject
    assert 'workflow = ["snakemake>=9", "snakemake-executor-plugin-slurm"]' in pyproject
