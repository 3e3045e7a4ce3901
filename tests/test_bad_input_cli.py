"""Bad input to every other command of ``rnainteract`` and ``rpiembeddor``: exit status 2, one line on stderr
naming the problem, no traceback, nothing printed on stdout and nothing written (the whole temporary folder is
compared before and after). ``tests/test_bad_input_import.py`` holds the cases of ``import-benchmark``.

Each case writes its own small files and returns ``(program, arguments, fragment of the error line)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rnainteract_builder.cli import main as rnainteract
from rpiembeddor_hf.cli import main as rpiembeddor

PROGRAMS = {"rnainteract": rnainteract, "rpiembeddor": rpiembeddor}
Case = Callable[[Path], tuple[str, list[str], str]]


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _build_config(tmp: Path, body: str) -> list[str]:
    _write(tmp / "rows.txt", "x\n")
    return ["build", "-c", str(_write(tmp / "build.yaml", body)), "-b", str(tmp / "b")]


def _positives_only_set(tmp: Path) -> Path:
    _write(tmp / "set/pairs.tsv", "rna_id\tprotein_id\tlabel\n" + "".join(f"r{i}\tp{i}\t1\n" for i in range(4)))
    _write(tmp / "set/rna.fasta", "".join(f">r{i}\n{'ACGU' * (i + 3)}\n" for i in range(4)))
    _write(tmp / "set/protein.fasta", "".join(f">p{i}\n{'MKVL' * (i + 3)}\n" for i in range(4)))
    return tmp / "set"


def _config_only_model(tmp: Path) -> Path:
    _write(tmp / "model/config.json", json.dumps({"model_type": "rpiembeddor"}))
    return tmp / "model"


CASES: dict[str, Case] = {
    # rnainteract build: the YAML config is checked before any stage folder is made
    "build_missing_config": lambda t: ("rnainteract", ["build", "-c", str(t / "none.yaml")], "no such build config"),
    "build_species_not_a_list": lambda t: (
        "rnainteract", _build_config(t, "ingest:\n  input: rows.txt\n  species: 5\n"), "ingest.species"),
    "build_min_score_not_a_number": lambda t: (
        "rnainteract", _build_config(t, "ingest:\n  input: rows.txt\n  min_score: high\n"), "ingest.min_score"),
    "build_unknown_key": lambda t: (
        "rnainteract", _build_config(t, "ingest:\n  input: rows.txt\n  colour: blue\n"), "colour"),
    "build_unknown_stage": lambda t: ("rnainteract", _build_config(t, "ingestion:\n  input: rows.txt\n"),
                                      "ingestion"),
    "build_config_not_a_mapping": lambda t: ("rnainteract", _build_config(t, "- just\n- a list\n"), "build.yaml"),
    "build_config_not_yaml": lambda t: ("rnainteract", _build_config(t, "ingest: [unclosed\n"), "build.yaml"),
    "build_bad_set_override": lambda t: (
        "rnainteract", [*_build_config(t, "ingest:\n  input: rows.txt\n"), "--set", "no-equals-sign"],
        "no-equals-sign"),
    "build_unknown_interactor_mode": lambda t: (
        "rnainteract", _build_config(t, "positives:\n  interactor_limit_mode: sometimes\n"), "sometimes"),
    # rnainteract stage / tools
    "stage_ingest_missing_input": lambda t: (
        "rnainteract", ["stage", "ingest", "-b", str(t / "b"), "--input", str(t / "none.txt")], "none.txt"),
    "stage_unknown_name": lambda t: ("rnainteract", ["stage", "digest", "-b", str(t / "b")], "digest"),
    "audit_missing_split": lambda t: ("rnainteract", ["audit", str(t / "none")], "none"),
    "stats_missing_split": lambda t: ("rnainteract", ["stats", str(t / "none"), str(t / "out")], "none"),
    "exclude_train_missing_set": lambda t: (
        "rnainteract", ["exclude-train", str(t / "none"), str(t / "train.parquet"), str(t / "out")], "none"),
    "rpi2825_missing_file": lambda t: (
        "rnainteract", ["import-rpi2825", str(t / "RPI2825.csv"), str(t / "out")], "RPI2825.csv"),
    "push_without_manifest": lambda t: (
        "rnainteract", ["push", str(t), "--repo", "org/name", "--dry-run"], "manifest.json"),
    "embed_unknown_model": lambda t: (
        "rnainteract", ["embed", str(t / "split"), "-o", str(t / "emb"), "--model", "word2vec"], "word2vec"),
    # rpiembeddor
    "train_missing_data": lambda t: (
        "rpiembeddor", ["train", "--data", str(t / "none"), "--rna-embedding", "onehot",
                        "--protein-embedding", "onehot", "--out", str(t / "run")], "none"),
    "evaluate_model_without_weights": lambda t: (
        "rpiembeddor", ["evaluate", "--model", str(_config_only_model(t)), "--data", str(t),
                        "--rna-embedding", "onehot", "--protein-embedding", "onehot", "--out", str(t / "o")],
        "no weights"),
    "evaluate_folder_is_no_model": lambda t: (
        "rpiembeddor", ["evaluate", "--model", str(t), "--data", str(t), "--rna-embedding", "onehot",
                        "--protein-embedding", "onehot", "--out", str(t / "o")], "no config.json"),
    "predict_missing_model": lambda t: (
        "rpiembeddor", ["predict", "--model", str(t / "none"), "--rna", str(t / "r.fa"),
                        "--protein", str(t / "p.fa"), "-o", str(t / "o.tsv")], "none"),
    "benchmark_positives_only_set": lambda t: (
        "rpiembeddor", ["benchmark", "--cv-set", str(_positives_only_set(t)), "-m", "all-positive",
                        "--scheme", "random", "-o", str(t / "bench")], "positive"),
    "benchmark_unknown_method": lambda t: (
        "rpiembeddor", ["benchmark", "--cv-set", str(_positives_only_set(t)), "-m", "deep-magic",
                        "-o", str(t / "bench")], "deep-magic"),
    "benchmark_unknown_param": lambda t: (
        "rpiembeddor", ["benchmark", "--cv-set", str(_positives_only_set(t)), "-m", "xrpi",
                        "--param", "xrpi.n_trees=5", "-o", str(t / "bench")], "n_trees"),
    "benchmark_missing_set": lambda t: (
        "rpiembeddor", ["benchmark", "--cv-set", str(t / "none"), "-o", str(t / "bench")], "none"),
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    program, args, fragment = CASES[case](tmp_path)
    before = _snapshot(tmp_path)
    assert PROGRAMS[program](args) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert "Traceback" not in captured.err and captured.out == ""
    assert len(lines) == 1, captured.err
    assert fragment in lines[0], lines[0]
    assert _snapshot(tmp_path) == before
