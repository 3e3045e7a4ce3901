"""scripts/gpu_check.py runs end to end (tiny models on the CPU with --smoke) and writes its one table."""

from __future__ import annotations

import json

from tests.scripts import load_script


def _load_script():
    return load_script("gpu_check")


def test_smoke_run_writes_one_table_with_every_check(tmp_path):
    assert _load_script().main(["--smoke", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "gpu_check.md").read_text()
    assert "smoke run" in text
    for check in ("embed esm2_t30_150M", "embed rnafm", "train paper config", "screen (fast path)"):
        assert f"| {check} |" in text
    assert "90 epochs x 109,214 pairs" in text
    rows = json.loads((tmp_path / "gpu_check.json").read_text())["rows"]
    assert [r["check"] for r in rows][:2] == ["embed esm2_t30_150M", "embed rnafm"]
    assert all(r["source"] == "random init (tiny)" for r in rows[:2])  # smoke never loads real weights
    train = rows[2]
    assert train["samples_per_s"] > 0 and train["projected_hours_90_epochs"] > 0
    assert rows[3]["pairs_per_s"] > 0
