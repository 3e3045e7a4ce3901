"""``rpiembeddor predict``, --explain, the transformers pipeline, and tiny models of the real embedder classes."""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow.csv as pacsv
import pytest
import torch
from safetensors import safe_open
from transformers import pipeline

from rnainteract_builder.contract.embedders import get_embedder
from rpiembeddor_hf import predict_pairs
from rpiembeddor_hf.cli import main
from tests.rpiembeddor_hf.predict_helpers import (
    PROTEINS,
    RNAS,
    CountingEmbedder,
    save_tiny_model,
    write_inputs,
)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("model"))


def test_cli_screens_all_vs_all_and_explains(tmp_path, model_dir, capsys):
    rna, protein = write_inputs(tmp_path / "in")
    out = tmp_path / "hits.tsv"
    args = [
        "predict",
        "--model",
        str(model_dir),
        "--rna",
        str(rna),
        "--protein",
        str(protein),
        "-o",
        str(out),
    ]
    args += ["--cache-dir", str(tmp_path / "cache"), "--explain", "rna_a__prot_x", "--explain-top", "1"]
    args += ["--report", str(tmp_path / "report"), "--no-progress"]
    assert main(args) == 0
    assert capsys.readouterr().out == ""  # results went to the file, nothing else to stdout
    table = pacsv.read_csv(out, parse_options=pacsv.ParseOptions(delimiter="\t"))
    assert table.num_rows == len(RNAS) * len(PROTEINS)
    assert set(table.column("status").to_pylist()) == {"scored"}
    explain_dir = tmp_path / "hits_explain"
    with safe_open(explain_dir / "rna_a__prot_x.safetensors", "numpy") as handle:
        cross = handle.get_tensor("rna_cross.0")
        assert handle.metadata()["pair_id"] == "rna_a__prot_x"
    heads = 2
    assert cross.shape == (heads, len(RNAS["rna_a"]), len(PROTEINS["prot_x"]))
    np.testing.assert_allclose(cross.sum(axis=-1), 1.0, atol=1e-5)  # attention rows are distributions
    assert (explain_dir / "rna_a__prot_x.png").read_bytes()[:4] == b"\x89PNG"
    assert len(list(explain_dir.glob("*.png"))) in (1, 2)  # the top pair may be the same one
    assert (tmp_path / "report.json").exists()


def test_cli_writes_tsv_to_stdout_and_reports_skipped_rows(tmp_path, model_dir, capsys, caplog):
    rna, protein = write_inputs(tmp_path / "in", rnas={**RNAS, "bad": "AC1GU"})
    code = main(["predict", "-m", str(model_dir), "--rna", str(rna), "--protein", str(protein), "--no-cache"])
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.out.strip().splitlines()
    assert lines[0].split("\t")[:3] == ["pair_id", "rna_source_id", "protein_source_id"]
    assert len(lines) == 1 + (len(RNAS) + 1) * len(PROTEINS)
    assert "rna bad: invalid character '1' at position 3; 4 pair(s) skipped" in caplog.text


@pytest.mark.parametrize(
    "case, message",
    [
        ("empty_fasta", "no FASTA records"),
        ("no_weights", "no weights"),
        ("missing_model", "no such model folder"),
        ("all_bad", "no pair could be scored"),
        ("bad_policy", "length policy must be reject, truncate, chunk"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, model_dir, capsys, case, message):
    rna, protein = write_inputs(tmp_path / "in")
    model = str(model_dir)
    extra: list[str] = []
    if case == "empty_fasta":
        rna.write_text("")
    elif case == "no_weights":
        folder = save_tiny_model(tmp_path / "no_weights")
        (folder / "model.safetensors").unlink()
        model = str(folder)
    elif case == "missing_model":
        model = str(tmp_path / "nothing_here")
    elif case == "all_bad":
        rna.write_text(">r1\nAC-GU\n>r2\nA1\n")
    else:
        extra = ["--length-policy", "drop"]
    code = main(["predict", "-m", model, "--rna", str(rna), "--protein", str(protein), "--no-cache", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("rpiembeddor: error: ") and message in err[-1]


def test_pipeline_task_works_offline_from_a_local_folder(model_dir):
    classify = pipeline("rna-protein-interaction", model=str(model_dir.absolute()), device="cpu")
    one = classify({"rna": RNAS["rna_a"], "protein": PROTEINS["prot_x"]})
    assert one["status"] == "scored" and 0 < one["probability"] < 1
    assert one["label"] == int(one["probability"] >= 0.5)
    many = classify(
        [
            {"rna": RNAS["rna_a"], "protein": PROTEINS["prot_x"], "pair_id": "p1"},
            {"rna": "acgrt", "protein": PROTEINS["prot_y"], "pair_id": "p2"},
        ],
        threshold=0.0,
    )
    assert [m["pair_id"] for m in many] == ["p1", "p2"]
    assert many[0]["probability"] == pytest.approx(one["probability"], abs=1e-6)
    assert many[1]["label"] == 1 and any("replaced" in w for w in many[1]["warnings"])
    reference = predict_pairs(model_dir, [("rna_a", "prot_x")], RNAS, PROTEINS, progress=False)
    assert reference.table.column("probability")[0].as_py() == pytest.approx(one["probability"], abs=1e-6)


def _tiny_esm2():
    import esm

    torch.manual_seed(0)
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    return esm.model.esm2.ESM2(
        num_layers=1, embed_dim=32, attention_heads=2, alphabet="ESM-1b"
    ).eval(), alphabet


def _tiny_rnafm(max_positions: int = 24):
    import fm

    torch.manual_seed(0)
    args = argparse.Namespace(
        arch="roberta_large", layers=1, embed_dim=16, ffn_embed_dim=32, attention_heads=2,
        max_positions=max_positions, emb_layer_norm_before=True, final_bias=True, token_dropout=False,
    )  # fmt: skip
    alphabet = fm.Alphabet.from_architecture("ESM-1b", theme="rna")
    return fm.BioBertModel(args, alphabet).eval(), alphabet


def test_real_embedder_classes_chunk_long_rna_and_cache(tmp_path):
    """Tiny random RNA-FM / ESM-2 of the real classes through the same path as the published weights."""
    folder = save_tiny_model(
        tmp_path / "model",
        rna_embedding_dim=16,
        protein_embedding_dim=32,
        rna_embedding_model="rnafm",
        protein_embedding_model="esm2_t30_150M",
    )
    rna = CountingEmbedder(get_embedder("rnafm", model=_tiny_rnafm()))
    protein = CountingEmbedder(get_embedder("esm2_t30_150M", model=_tiny_esm2()))
    assert rna.max_length == 22  # 24 learned positions minus BOS/EOS
    long_rna = {"long": "ACGU" * 10, **RNAS}
    common = dict(cache_dir=tmp_path / "cache", length_policy="chunk", progress=False)
    first = predict_pairs(
        folder, "all", long_rna, PROTEINS, rna_embedder=rna, protein_embedder=protein, **common
    )
    rows = first.table.to_pylist()
    assert all(r["status"] == "scored" for r in rows)
    assert "chunked: 40 residues" in rows[0]["warnings"]
    assert rna.sequences == len(long_rna) and protein.sequences == len(PROTEINS)
    rna2 = CountingEmbedder(get_embedder("rnafm", model=_tiny_rnafm()))
    protein2 = CountingEmbedder(get_embedder("esm2_t30_150M", model=_tiny_esm2()))
    second = predict_pairs(
        folder, "all", long_rna, PROTEINS, rna_embedder=rna2, protein_embedder=protein2, **common
    )
    assert rna2.calls == 0 and protein2.calls == 0
    assert first.table.column("probability").equals(second.table.column("probability"))
    rejected = predict_pairs(
        folder, "all", long_rna, PROTEINS, rna_embedder=rna2, protein_embedder=protein2, progress=False
    )
    assert rejected.report.drops["score"] == {"too_long": len(PROTEINS)}


_REMOTE_PIPELINE = r"""
import importlib.abc, json, sys


class NoPackage(importlib.abc.MetaPathFinder):  # as on a machine where the project is not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rpiembeddor_hf", "rnainteract_builder", "tests"):
            raise ImportError(f"no module named {name!r} here")
        return None


sys.meta_path.insert(0, NoPackage())
from transformers import pipeline

classify = pipeline("rna-protein-interaction", model=sys.argv[1], trust_remote_code=True, device="cpu")
one = classify({"rna": sys.argv[2], "protein": sys.argv[3], "pair_id": "p1"})
two = classify([{"rna": sys.argv[2], "protein": sys.argv[3]}, {"rna": "acgrt", "protein": sys.argv[3]}])
assert not [m for m in sys.modules if m.startswith(("rpiembeddor_hf", "rnainteract_builder"))]
print(type(classify).__module__)
print(json.dumps([one, *two]))
"""


def test_remote_code_pipeline_works_without_the_package(tmp_path):
    import json
    import os
    import subprocess
    import sys

    folder = save_tiny_model((tmp_path / "remote model").resolve())
    config = json.loads((folder / "config.json").read_text())
    assert config["custom_pipelines"]["rna-protein-interaction"]["impl"] == (
        "pipeline_rpiembeddor.RNAProteinInteractionPipeline"
    )
    assert (folder / "pipeline_rpiembeddor.py").exists()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"), TRANSFORMERS_VERBOSITY="error")
    done = subprocess.run(
        [sys.executable, "-c", _REMOTE_PIPELINE, str(folder), RNAS["rna_a"], PROTEINS["prot_x"]],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    module, rows = done.stdout.strip().splitlines()[-2:]
    assert module.startswith("transformers_modules")
    one, first, odd = json.loads(rows)
    reference = predict_pairs(
        folder, [("rna_a", "prot_x")], RNAS, PROTEINS, progress=False
    ).table.to_pylist()[0]
    for key in ("probability", "label", "rna_id", "protein_id", "status"):
        assert (
            one[key] == pytest.approx(reference[key], abs=1e-6)
            if key == "probability"
            else one[key] == reference[key]
        )
    assert one["pair_id"] == "p1" and first["probability"] == pytest.approx(one["probability"], abs=1e-6)
    assert any("replaced" in w for w in odd["warnings"])


@pytest.mark.parametrize(
    "out, message",
    [("hits.xlsx", "unknown output format '.xlsx'"), ("file/hits.tsv", "cannot create the output folder")],
)
def test_cli_output_is_checked_before_any_work(tmp_path, capsys, out, message):
    rna, protein = write_inputs(tmp_path / "in")
    (tmp_path / "file").write_text("")
    code = main(["predict", "-m", str(tmp_path / "no model yet"), "--rna", str(rna), "--protein", str(protein),
                 "-o", str(tmp_path / out)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]


def test_cli_top_k_and_memory_budget(tmp_path, model_dir, capsys):
    rna, protein = write_inputs(tmp_path / "in")
    out = tmp_path / "top.csv"
    code = main(["predict", "-m", str(model_dir), "--rna", str(rna), "--protein", str(protein), "--no-cache",
                 "--top-k-per-rna", "1", "--memory-budget", "256MB", "-o", str(out), "--no-progress"])  # fmt: skip
    assert code == 0
    table = pacsv.read_csv(out)
    assert sorted(table.column("rna_source_id").to_pylist()) == sorted(RNAS)
    assert not list(tmp_path.glob(".top.csv*"))  # no parts or temporary files left
    code = main(["predict", "-m", str(model_dir), "--rna", str(rna), "--protein", str(protein), "--no-cache",
                 "--memory-budget", "lots"])  # fmt: skip
    assert code == 2 and "memory budget 'lots'" in capsys.readouterr().err
