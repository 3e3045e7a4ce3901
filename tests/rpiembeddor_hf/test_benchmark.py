from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

from rnainteract_builder.contract.pairs_folder import PairsFolder
from rpiembeddor_hf.benchmark.inputs import load_pairs
from rpiembeddor_hf.cli import main
from tests.rpiembeddor_hf.baselines.conftest import planted_tables

SHARED_DATA = Path(__file__).resolve().parents[2] / "../shared/data"


@pytest.fixture()
def planted_folder(tmp_path: Path) -> Path:
    interactions, rna, protein = planted_tables(n_rna=16, n_protein=16)
    # No annotations, like an imported benchmark set: the harness clusters the sequences itself.
    interactions = interactions.drop_columns(["rna_family", "protein_clan"])
    return PairsFolder(interactions, rna, protein).write(tmp_path / "PLANTED")


@pytest.mark.slow
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
    assert "| fit s | predict s |" in summary
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
    assert manifest["fits"] == {"computed": 18, "reused": 0} and manifest["reused_fits"] == []
    # Rerunning reuses every saved fit, gives the same table and keeps the first run's start time.
    assert main(args) == 0
    assert capsys.readouterr().out.split("| fit s |")[0] == summary.split("| fit s |")[0]
    resumed = json.loads((out / "manifest.json").read_text())
    assert resumed["fits"] == {"computed": 0, "reused": 18}
    assert "PLANTED/random/seed0/fold0/rpiseq-rf" in resumed["reused_fits"]
    assert resumed["started"] == manifest["started"] <= resumed["this_run_started"]
    rows = {(r.split(",")[1], r.split(",")[2]): r for r in (out / "summary.csv").read_text().splitlines()[1:]}
    auroc_col = (out / "summary.csv").read_text().splitlines()[0].split(",").index("auroc_mean")
    assert float(rows[("random", "rpiseq-rf")].split(",")[auroc_col]) > 0.7


def test_labelled_variants_are_rows_and_changed_parameters_are_refitted(planted_folder: Path, tmp_path: Path,
                                                                         capsys) -> None:
    """``LABEL=METHOD`` runs a variant as its own row; a saved fit is reused only with the same parameters."""
    out = tmp_path / "bench"

    def run(trees: int) -> dict:
        args = ["benchmark", "--cv-set", str(planted_folder), "--folds", "2", "--scheme", "random", "-o", str(out),
                "-m", "rpiseq-rf", "--param", "rpiseq-rf.n_estimators=5",
                "-m", "small-forest=rpiseq-rf", "--param", f"small-forest.n_estimators={trees}"]
        assert main(args) == 0
        summary = capsys.readouterr().out
        assert "| PLANTED | random | rpiseq-rf |" in summary and "| PLANTED | random | small-forest |" in summary
        return json.loads((out / "manifest.json").read_text())

    assert run(2)["fits"] == {"computed": 4, "reused": 0}
    assert run(2)["fits"] == {"computed": 0, "reused": 4}
    changed = run(3)  # only the variant whose parameters changed is fitted again
    assert changed["fits"] == {"computed": 2, "reused": 2}
    assert all(key.endswith("/rpiseq-rf") for key in changed["reused_fits"])
    assert changed["config"]["method_classes"] == {"small-forest": "rpiseq-rf"}


def test_only_fold_runs_the_named_folds_and_a_later_run_completes_them(planted_folder: Path, tmp_path: Path,
                                                                       capsys) -> None:
    out = tmp_path / "bench"
    args = ["benchmark", "--cv-set", str(planted_folder), "--folds", "3", "--scheme", "random", "-o", str(out),
            "-m", "all-negative"]
    assert main([*args, "--only-fold", "0", "--only-fold", "2"]) == 0
    capsys.readouterr()
    first = json.loads((out / "manifest.json").read_text())
    assert first["fits"] == {"computed": 2, "reused": 0}
    assert sorted(p.parent.name for p in (out / "runs").rglob("all-negative.parquet")) == ["fold0", "fold2"]
    assert main(args) == 0
    assert json.loads((out / "manifest.json").read_text())["fits"] == {"computed": 1, "reused": 2}
    assert main([*args, "--only-fold", "3"]) == 2
    assert "--only-fold 3 is not a fold of 3" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "message"), [
    (["-m", "rpiseq-rf", "-m", "rpiseq-rf"], "given twice"),
    (["-m", "x=nope"], "unknown method"),
    (["-m", "=rpiseq-rf"], "LABEL=METHOD"),
    (["-m", "rpiseq-rf", "--param", "xrpi.n_estimators=5"], "not a method of this run"),
])
def test_method_labels_and_params_are_checked(planted_folder: Path, tmp_path: Path, capsys, extra: list[str],
                                              message: str) -> None:
    out = tmp_path / "bench"
    assert main(["benchmark", "--cv-set", str(planted_folder), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (out / "runs").exists()


def test_cli_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["benchmark", "-o", str(tmp_path)]) == 2
    assert "give --cv-set" in capsys.readouterr().err
    assert main(["benchmark", "--cv-set", str(tmp_path), "-m", "nope", "-o", str(tmp_path)]) == 2
    assert "unknown method" in capsys.readouterr().err


def test_one_class_set_is_refused_before_any_fit(tmp_path: Path, capsys) -> None:
    interactions, rna, protein = planted_tables(n_rna=8, n_protein=8)
    positives = interactions.filter(pc.equal(interactions.column("label"), 1))
    folder = PairsFolder(positives, rna, protein).write(tmp_path / "POSITIVES")
    out = tmp_path / "bench"
    assert main(["benchmark", "--cv-set", str(folder), "-o", str(out), "-m", "rpiseq-rf", "--scheme", "random"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "all" in err[0] and "pairs are positive" in err[0] and "POSITIVES" in err[0]
    assert not (out / "runs").exists()


def test_bad_param_is_refused_before_any_fit(planted_folder: Path, tmp_path: Path, capsys) -> None:
    args = ["benchmark", "--cv-set", str(planted_folder), "-o", str(tmp_path / "b"), "-m", "xrpi",
            "--param", "xrpi.n_trees=5"]
    assert main(args) == 2
    assert "--param for xrpi" in capsys.readouterr().err


@pytest.mark.slow
def test_sigterm_ends_the_workers(planted_folder: Path, tmp_path: Path) -> None:
    """A benchmark killed with SIGTERM takes its joblib worker processes with it."""
    import psutil

    command = [sys.executable, "-m", "rpiembeddor_hf.cli", "benchmark", "--cv-set", str(planted_folder),
               "-o", str(tmp_path / "b"), "-m", "rpiseq-rf", "--param", "rpiseq-rf.n_estimators=100000",
               "--scheme", "random", "--folds", "2", "--jobs", "2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = [p for p in parent.children(recursive=True) if "loky" in " ".join(p.cmdline())]
    assert workers, "no joblib workers started"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) != 0
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running: {[p.pid for p in alive]}"


def test_published_numbers_in_summary() -> None:
    from rpiembeddor_hf.baselines.published import published

    assert published("RPI488", "random", "ipminer").value == "acc 0.891, MCC 0.784"
    assert published("RPI488", "cluster", "ipminer") is None


@pytest.mark.skipif(not (SHARED_DATA / "RPI488").is_dir(), reason="shared benchmark data not present")
def test_rpi488_loads_with_published_counts() -> None:
    name, data, info = load_pairs(SHARED_DATA / "RPI488")
    assert name == "RPI488"
    assert len(data) == 486  # 488 rows, one pair listed three times
    assert info["files"]["pairs.tsv"]
