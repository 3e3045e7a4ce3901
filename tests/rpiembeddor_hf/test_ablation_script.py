"""scripts/ablation.py: Table 3's rows on a tiny planted set (seconds), its table and option parsing."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rpiembeddor_hf.baselines import PairData
from tests.rpiembeddor_hf.baselines.conftest import planted_tables
from tests.scripts import load_script


def _script():
    return load_script("ablation")


def test_rows_seeds_and_both_thresholds(tmp_path):
    ablation = _script()
    data = PairData.from_tables(*planted_tables(n_rna=12, n_protein=12, seed=1))
    rnas = np.unique(data.rna_ids)
    held = np.isin(data.rna_ids, rnas[:3])  # RNA-disjoint: no held-out RNA is seen in training
    train, test = data.subset(np.nonzero(~held)[0]), data.subset(np.nonzero(held)[0])
    params = {"embedding": "kmer-context", "epochs": 1, "max_length": 32, "warmup_steps": 1, "batch_size": 16,
              "embedding_options": {"dim": 12, "window": 4}, "model": {"d_model": 8, "dim_feedforward": 4}}
    results = {}
    for row, (rna, protein) in ablation.ROWS.items():
        rna, protein = rna.replace(ablation.INPUT, "kmer-context"), protein.replace(ablation.INPUT, "kmer-context")
        seeds = (0, 1) if row == "RPIembeddor" else (0,)
        results[row] = [ablation.run_one(train, test, rna, protein, seed, params) for seed in seeds]
    assert [r["rna"] for r in results["random-RNA"]] == ["random"]
    assert results["random-protein"][0]["protein"] == "random" and results["one-hot"][0]["rna"] == "onehot"
    run = results["RPIembeddor"][0]
    assert set(run["at_0.5"]) >= {"auroc", "mcc", "f1"} and 0 <= run["threshold"] <= 1
    assert math.isclose(run["prior_loss"], ablation.prior_loss(train.y)) and len(run["history"]) == 1
    settings = {"set": "PLANTED", "fold": 0, "folds": 4, "test_pairs": len(test)}
    text = ablation.write_outputs(tmp_path, results, settings)
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0][2:] for line in lines[1:]] == list(ablation.ROWS)
    assert "auroc @0.5" in lines[0] and "mcc @val" in lines[0] and "±" in lines[1]
    assert len((tmp_path / "runs.csv").read_text().splitlines()) == 1 + 5
    assert json.loads((tmp_path / "ablation.json").read_text())["settings"]["set"] == "PLANTED"


def test_prior_loss_and_options():
    ablation = _script()
    assert math.isclose(ablation.prior_loss(np.array([0, 1])), math.log(2))
    assert ablation.prior_loss(np.array([1, 1])) == 0.0
    assert ablation.parse_options(["window=5", "rna.k=[2,3]", "standardise=none"]) == {
        "window": 5, "rna": {"k": [2, 3]}, "standardise": "none"}
    assert ablation.parse_options(["pooling=mean", "num_layers=2"], "--model") == {"pooling": "mean",
                                                                                    "num_layers": 2}
    with pytest.raises(SystemExit, match="--model must look like NAME=VALUE"):
        ablation.parse_options(["pooling"], "--model")
