"""A model trained on a weight-free embedder with non-default options (kmer-context's window, width ...)
records them in its config, and prediction and evaluation rebuild that embedder, not the defaults."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnainteract_builder.contract.embedders import get_embedder
from rnainteract_builder.contract.io import read_parquet
from rpiembeddor_hf.cli import main
from rpiembeddor_hf.predict import predict_pairs

RNA_OPTIONS = {"window": 3, "dim": 24}
PROTEIN_OPTIONS = {"dim": 16, "k": 1}


@pytest.fixture
def kmer_model(toy_data, tmp_path):
    """A one-epoch model on kmer-context inputs with non-default options for both molecules."""
    out = (tmp_path / "kmer").resolve()
    args = [
        "train", "--data", str(toy_data / "split"), "--out", str(out), "--epochs", "1", "--batch-size", "8",
        "--d-model", "8", "--dim-feedforward", "8", "--warmup-steps", "1", "--no-progress",
        "--rna-embedding", "kmer-context", "--rna-embedding-options", json.dumps(RNA_OPTIONS),
        "--protein-embedding", "kmer-context", "--protein-embedding-options", json.dumps(PROTEIN_OPTIONS),
    ]  # fmt: skip
    assert main(args) == 0
    return out


def _test_inputs(toy_data):
    split = toy_data / "split"
    test = read_parquet(split / "test.parquet")
    sequences = {
        m: dict(zip(*(read_parquet(split / f"{m}_sequences.parquet").column(c).to_pylist()
                      for c in ("id", "sequence")), strict=True))
        for m in ("rna", "protein")
    }  # fmt: skip
    pairs = list(zip(test.column("rna_id").to_pylist(), test.column("protein_id").to_pylist(), strict=True))
    return pairs, sequences


def _probabilities(result):
    return result.table.column("probability").to_numpy(zero_copy_only=False)


def test_predict_and_evaluate_rebuild_the_training_embedder(kmer_model, toy_data, tmp_path, capsys):
    config = json.loads((kmer_model / "model" / "config.json").read_text())
    assert config["rna_embedding_model"] == config["protein_embedding_model"] == "kmer-context"
    assert config["rna_embedding_options"] == RNA_OPTIONS
    assert config["protein_embedding_options"] == PROTEIN_OPTIONS
    assert (config["rna_embedding_dim"], config["protein_embedding_dim"]) == (24, 16)

    pairs, sequences = _test_inputs(toy_data)
    run = dict(device="cpu", progress=False)
    predicted = predict_pairs(kmer_model / "model", pairs, sequences["rna"], sequences["protein"], **run)
    trained_with = {
        m: get_embedder("kmer-context", molecule=m, options=o)
        for m, o in (("rna", RNA_OPTIONS), ("protein", PROTEIN_OPTIONS))
    }
    reference = predict_pairs(
        kmer_model / "model", pairs, sequences["rna"], sequences["protein"],
        rna_embedder=trained_with["rna"], protein_embedder=trained_with["protein"], **run,
    )  # fmt: skip
    np.testing.assert_array_equal(_probabilities(predicted), _probabilities(reference))
    default_window = get_embedder("kmer-context", molecule="rna", options={"dim": 24})
    other = predict_pairs(
        kmer_model / "model", pairs, sequences["rna"], sequences["protein"],
        rna_embedder=default_window, protein_embedder=trained_with["protein"], **run,
    )  # fmt: skip
    assert not np.allclose(_probabilities(other), _probabilities(predicted), atol=1e-7)  # the window matters

    capsys.readouterr()
    evaluated = [
        "evaluate", "--model", str(kmer_model / "model"), "--data", str(toy_data / "split"), "--split", "test",
        "--rna-embedding", "kmer-context", "--protein-embedding", "kmer-context", "--out", str(tmp_path / "eval"),
    ]  # fmt: skip
    assert main(evaluated) == 0
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())["model"]
    trained = json.loads((kmer_model / "evaluation" / "test" / "metrics.json").read_text())["model"]
    assert saved == pytest.approx(trained)  # the same inputs as at training time, so the same scores


def test_a_config_saved_before_the_options_existed_loads_with_defaults(tmp_path):
    from rpiembeddor_hf import RPIembeddorConfig
    from rpiembeddor_hf.predict.loading import build_embedder

    RPIembeddorConfig(
        rna_embedding_model="kmer-context", protein_embedding_model="onehot", rna_embedding_dim=640,
        protein_embedding_dim=21,
    ).save_pretrained(tmp_path)  # fmt: skip
    saved = json.loads((tmp_path / "config.json").read_text())
    for key in ("rna_embedding_options", "protein_embedding_options"):
        saved.pop(key)
    (tmp_path / "config.json").write_text(json.dumps(saved))
    config = RPIembeddorConfig.from_pretrained(tmp_path)
    assert config.rna_embedding_options is None and config.protein_embedding_options is None
    embedder = build_embedder(None, "rna", config, "cpu")
    assert embedder.revision == get_embedder("kmer-context", molecule="rna").revision


def test_embedding_options_are_checked(toy_data, tmp_path, capsys):
    base = ["train", "--data", str(toy_data / "split"), "--out", str(tmp_path / "x"), "--epochs", "1"]
    assert main([*base, "--rna-embedding", "kmer-context", "--rna-embedding-options", "{window: 3}"]) == 2
    assert "--rna-embedding-options: not valid JSON" in capsys.readouterr().err
    assert main([*base, "--rna-embedding", "kmer-context", "--rna-embedding-options", "[3]"]) == 2
    assert "must be a JSON object" in capsys.readouterr().err
    assert main([*base, "--protein-embedding-options", '{"window": 3}']) == 2
    assert "applies to a weight-free --protein-embedding" in capsys.readouterr().err


def test_the_benchmark_method_records_the_options_it_embedded_with():
    from rpiembeddor_hf.baselines import PairData, make_method
    from tests.rpiembeddor_hf.baselines.conftest import planted_tables

    data = PairData.from_tables(*planted_tables(n_rna=6, n_protein=6))
    method = make_method(
        "rpiembeddor", embedding="kmer-context", protein_embedding="onehot", epochs=1, warmup_steps=1,
        validation_fraction=0.0, embedding_options={"dim": 12, "rna": {"window": 4}},
        model={"d_model": 8, "dim_feedforward": 4},
    )  # fmt: skip
    config = method.fit(data.to_frame(), data.y).model_.config
    assert config.rna_embedding_model == "kmer-context" and config.rna_embedding_options == {"dim": 12, "window": 4}
    assert config.protein_embedding_model == "onehot" and config.protein_embedding_options is None
