"""Nothing local is published: the same inputs built in two different folders give byte-identical dataset
folders, and no report, manifest or card holds an absolute path of the machine that built it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnainteract_builder.build import BuildContext, run_pipeline
from rnainteract_builder.demo_data import DemoConfig, write_demo_files

SMALL = DemoConfig(n_rna_families=4, rnas_per_family=3, n_protein_clans=4, proteins_per_clan=2, mrna_rows=3)


def _build(root: Path) -> Path:
    files = write_demo_files(root / "input", SMALL)
    config = {
        "ingest": {"input": str(files.rnainter)},
        "resolve": {"sources": [{"kind": "table", "path": str(files.sequences)}]},
        "positives": {"max_length": 1024},
        "annotate": {"family_table": str(files.rna_families), "clan_table": str(files.protein_clans)},
        "negatives": {"strategy": "family", "seed": 0},
        "split": {"seed": 0, "audit_method": "align"},
        "embed": {"models": [{"name": "onehot", "molecule": "rna"}, {"name": "onehot", "molecule": "protein"}]},
        "publish": {"version": "0.1.0", "figures": False},
    }
    ctx = BuildContext(build_dir=root / "build", config=config, progress=False)
    run_pipeline(ctx)
    return ctx.build_dir


@pytest.mark.slow
def test_builds_in_two_folders_are_byte_identical_and_hold_no_local_path(tmp_path):
    first = _build(tmp_path / "one" / "here")
    second = _build(tmp_path / "two")
    dataset_a, dataset_b = first / "dataset", second / "dataset"
    files_a = sorted(p.relative_to(dataset_a) for p in dataset_a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(dataset_b) for p in dataset_b.rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    for name in files_a:
        assert (dataset_a / name).read_bytes() == (dataset_b / name).read_bytes(), name
    for path in first.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".md"):
            assert str(tmp_path) not in path.read_text(encoding="utf-8"), path
    shutil.rmtree(tmp_path / "two")
