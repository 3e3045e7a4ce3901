"""scripts/benchmark_tables.py: one table per set, schemes side by side, best method per scheme."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.scripts import load_script

tables = load_script("benchmark_tables")


def _summary(path: Path) -> Path:
    rows = []
    for scheme, scores in (("random", {"rf": 0.9, "const": 0.5}), ("cluster", {"rf": 0.6, "const": 0.5})):
        for method, auroc in scores.items():
            rows.append({"test_set": "S", "scheme": scheme, "method": method, "pairs": 100, "auroc_mean": auroc,
                         "auroc_std": 0.01, "mcc_mean": auroc - 0.5, "mcc_std": 0.02})
    rows.append({"test_set": "S", "scheme": "both", "method": "const", "pairs": 40, "auroc_mean": 0.5,
                 "auroc_std": 0.0, "mcc_mean": 0.0, "mcc_std": 0.0})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_one_table_per_set_with_schemes_in_order_and_missing_runs_marked(tmp_path, capsys):
    assert tables.main([str(_summary(tmp_path / "summary.csv"))]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### S\n")
    assert "| method | random AUROC | random MCC | cluster AUROC | cluster MCC | both AUROC | both MCC |" in out
    assert "| rf | 0.900 ± 0.010 | 0.400 ± 0.020 | 0.600 ± 0.010 | 0.100 ± 0.020 | – | – |" in out
    assert "random: **rf** (0.900); cluster: **rf** (0.600); both: **const** (0.500)" in out
    assert "Test pairs scored: random 100, cluster 100, both 40." in out


def test_several_summaries_are_one_table_and_a_row_given_twice_is_refused(tmp_path, capsys):
    first = _summary(tmp_path / "a.csv")
    extra = pd.DataFrame([{"test_set": "S", "scheme": "cluster", "method": "model", "pairs": 100,
                           "auroc_mean": 0.7, "auroc_std": 0.0, "mcc_mean": 0.2, "mcc_std": 0.0}])
    extra.to_csv(tmp_path / "b.csv", index=False)
    assert tables.main([str(first), str(tmp_path / "b.csv")]) == 0
    out = capsys.readouterr().out
    assert "| model | – | – | 0.700 ± 0.000 | 0.200 ± 0.000 | – | – |" in out
    assert "cluster: **model** (0.700)" in out
    with pytest.raises(SystemExit) as exit_:
        tables.main([str(first), str(first)])
    assert exit_.value.code == 2
    assert "S / random / rf is in more than one summary" in capsys.readouterr().err
