"""The demo orchestrator (scripts/demo.py), which neither package imports."""

from __future__ import annotations

import pytest

from tests.scripts import load_script


def _demo_main():
    return load_script("demo").main


@pytest.mark.slow
def test_demo_runs_every_step_end_to_end(tmp_path, capsys):
    """The whole chain on the synthetic sample (2 epochs here; `make demo` trains longer)."""
    assert _demo_main()(["--out", str(tmp_path / "demo"), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DEMO DATA" in out
    for step in ("[1] generated", "[2] built the dataset", "[3] published", "[4] training", "[5] evaluating",
                 "[6] reloaded with AutoModel.from_pretrained", "[7] screening"):
        assert step in out
    assert "| train |" in out and "| test |" in out  # Table 1
    assert "| all-negative |" in out  # trivial baselines beside the model
    assert "ranking of the" in out and "labelled test pairs inside the screen" in out
    dataset = tmp_path / "demo" / "build" / "dataset"
    assert (dataset / "README.md").exists() and (dataset / "manifest.json").exists()
    assert (tmp_path / "demo" / "rpiembeddor" / "model" / "model.safetensors").exists()
    assert (tmp_path / "demo" / "screen" / "held_out_rnas_vs_proteins.tsv").exists()
