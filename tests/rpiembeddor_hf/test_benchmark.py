from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rpiembeddor_hf import benchmark
from rpiembeddor_hf.cli import main
from tests.rpiembeddor_hf.baselines.conftest import planted_tables

SHARED_DATA = Path(__file__).resolve().parents[2] / "../shared/data"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=30, max_size=120), st.integers(2, 5), st.integers(0, 10))
def test_cluster_folds_share_no_cluster(cluster_numbers: list[int], k: int, seed: int) -> None:
    clusters = [f"c{c}" for c in cluster_numbers]
    if len(set(clusters)) < k:
        with pytest.raises(InputError, match="cluster-disjoint"):
            benchmark.cluster_folds(clusters, np.zeros(len(clusters), dtype=int), k, seed)
        return
    labels = np.asarray([(c * 7 + i) % 2 for i, c in enumerate(cluster_numbers)])
    fold = benchmark.cluster_folds(clusters, labels, k, seed)
    assert set(fold.tolist()) <= set(range(k))
    for cluster in set(clusters):
        assert len({f for f, c in zip(fold, clusters, strict=True) if c == cluster}) == 1
    np.testing.assert_array_equal(fold, benchmark.cluster_folds(clusters, labels, k, seed))


def test_random_folds_are_stratified_and_cover_everything() -> None:
    labels = np.array([0, 1] * 50)
    fold = benchmark.random_folds(labels, 5, seed=0)
    assert sorted(np.bincount(fold).tolist()) == [20] * 5
    assert all(labels[fold == f].sum() == 10 for f in range(5))


@pytest.fixture()
def planted_folder(tmp_path: Path) -> Path:
    interactions, rna, protein = planted_tables(n_rna=16, n_protein=16)
    # No annotations, like an imported benchmark set: the harness clusters the sequences itself.
    interactions = interactions.drop_columns(["rna_family", "protein_clan"])
    return PairsFolder(interactions, rna, protein).write(tmp_path / "PLANTED")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("mmseqs") is None, reason="mmseqs (Debian package mmseqs2) is not installed")
def test_cli_cross_validation_end_to_end(planted_folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "bench"
    args = [
        "benchmark",
        "--cv-set",
        str(planted_folder),
        "--folds",
        "3",
        "-o",
        str(out),
        "-m",
        "all-negative",
        "-m",
        "pair-rate",
        "-m",
        "rpiseq-rf",
        "--param",
        "rpiseq-rf.n_estimators=10",
    ]
    assert main(args) == 0
    summary = capsys.readouterr().out
    assert "| PLANTED | random | rpiseq-rf |" in summary and "| PLANTED | cluster | pair-rate |" in summary
    for name in (
        "summary.md",
        "summary.csv",
        "runs.csv",
        "manifest.json",
        "curves_PLANTED_random.png",
        "curves_PLANTED_cluster.png",
    ):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["folds"] == 3
    assert set(manifest["inputs"]["PLANTED"]["files"]) == {
        "interactions.parquet",
        "rna_sequences.parquet",
        "protein_sequences.parquet",
    }
    runs = (out / "runs.csv").read_text().splitlines()
    assert len(runs) == 1 + 2 * 3 * 3  # header + schemes x folds x methods
    # Rerunning reuses every saved fit and gives the same table.
    assert main(args) == 0
    assert capsys.readouterr().out.split("| fit s |")[0] == summary.split("| fit s |")[0]
    rows = {(r.split(",")[1], r.split(",")[2]): r for r in (out / "summary.csv").read_text().splitlines()[1:]}
    auroc_col = (out / "summary.csv").read_text().splitlines()[0].split(",").index("auroc_mean")
    assert float(rows[("random", "rpiseq-rf")].split(",")[auroc_col]) > 0.7


def test_cli_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["benchmark", "-o", str(tmp_path)]) == 2
    assert "give --cv-set" in capsys.readouterr().err
    assert main(["benchmark", "--cv-set", str(tmp_path), "-m", "nope", "-o", str(tmp_path)]) == 2
    assert "unknown method" in capsys.readouterr().err


def test_published_numbers_in_summary() -> None:
    from rpiembeddor_hf.baselines.published import published

    assert published("RPI488", "random", "ipminer").value == "acc 0.891, MCC 0.784"
    assert published("RPI488", "cluster", "ipminer") is None


@pytest.mark.skipif(not (SHARED_DATA / "RPI488").is_dir(), reason="shared benchmark data not present")
def test_rpi488_loads_with_published_counts() -> None:
    name, data, info = benchmark.load_pairs(SHARED_DATA / "RPI488")
    assert name == "RPI488"
    assert len(data) == 486  # 488 rows, one pair listed three times
    assert info["files"]["pairs.tsv"]
