"""``rnainteract build``: stages alone and from a YAML config, skipping, reports, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from rnainteract_builder.cli import main
from rnainteract_builder.contract import schema
from tests.rnainteract_builder.rnainter_rows import row, write_rnainter

LINES = [
    row(RNAInterID="RP1", Raw_ID1="NCBI:1", Raw_ID2="NCBI:101"),
    row(RNAInterID="RP2", Raw_ID1="NCBI:2", Raw_ID2="NCBI:101", Category1="miRNA"),
    row(RNAInterID="RP3", Raw_ID1="NCBI:3", Raw_ID2="NCBI:102", Category1="mRNA"),
    row(RNAInterID="RP4", Raw_ID1="NCBI:4", Raw_ID2="NCBI:102"),  # RNA has no sequence
    "broken\trow",
]
SEQS = "raw_id\tsequence\nNCBI:1\tACGT\nNCBI:2\tGGCC\nNCBI:3\tAAAA\nNCBI:101\tMKV\nNCBI:102\tMWW\n"


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    write_rnainter(tmp_path / "rp.txt", LINES)
    (tmp_path / "seqs.tsv").write_text(SEQS)
    return tmp_path


def test_stages_one_by_one_then_skipped(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = str(inputs / "build")
    assert main(["build", "ingest", "-i", str(inputs / "rp.txt"), "-b", b, "-q"]) == 0
    assert main(["build", "resolve", "-b", b, "--table", str(inputs / "seqs.tsv"), "-q"]) == 0
    assert main(["build", "positives", "-b", b, "-q"]) == 0
    assert capsys.readouterr().out.split() == [f"{b}/ingest", f"{b}/resolve", f"{b}/positives"]
    pos = inputs / "build" / "positives"
    interactions = pq.read_table(pos / "interactions.parquet")
    assert interactions.schema.equals(schema.INTERACTIONS)
    assert interactions.column("pair_id").to_pylist() == ["RP1", "RP2"]
    assert pq.read_table(pos / "rna_sequences.parquet").num_rows == 2
    report = json.loads((inputs / "build" / "build_report.json").read_text())
    drops = report["drops"]
    assert drops["ingest: ingest"]["malformed: 2 columns instead of 13"] == 1
    assert drops["ingest: ingest"]["rna category not in whitelist: mRNA"] == 1
    assert drops["positives: sequences"]["rna unresolved: not found (table:seqs.tsv)"] == 1
    facts = report["facts"]
    assert facts["resolve: rna extraction rate by source database"]["NCBI"] == {"ids": 3, "resolved": 2, "rate": 0.6667}
    assert facts["positives: rna category shares"]["miRNA"] == {"pairs": 1, "share": 0.5}
    assert "| positives: after interactor limit (drop) | 2 |" in (inputs / "build" / "build_report.md").read_text()

    before = (pos / "interactions.parquet").stat().st_mtime_ns
    assert main(["build", "positives", "-b", b, "-q"]) == 0  # up to date: not rerun
    assert (pos / "interactions.parquet").stat().st_mtime_ns == before
    assert main(["build", "positives", "-b", b, "-q", "--interactor-limit", "1"]) == 0  # new parameters: rerun
    assert pq.read_table(pos / "interactions.parquet").num_rows == 0


def test_yaml_config_drives_all_stages(inputs: Path) -> None:
    config = {
        "build_dir": "out",
        "ingest": {"input": "rp.txt", "evidence": "any"},
        "resolve": {"sources": [{"kind": "table", "path": "seqs.tsv"}]},
        "positives": {"max_length": 3, "interactor_limit_mode": "cap", "interactor_limit": 150, "seed": 1},
    }
    (inputs / "rnainteract.yaml").write_text(yaml.safe_dump(config))
    assert main(["build", "--config", str(inputs / "rnainteract.yaml"), "-q"]) == 0
    table = pq.read_table(inputs / "out" / "positives" / "interactions.parquet")
    assert table.num_rows == 0  # both RNAs are 4 nt > max_length 3
    report = json.loads((inputs / "out" / "build_report.json").read_text())
    assert report["drops"]["positives: sequences"]["rna sequence too_long (> 3)"] == 2
    stamps = [json.loads((inputs / "out" / s / "stage.json").read_text()) for s in ("ingest", "resolve", "positives")]
    assert all(len(s["fingerprint"]) == 64 for s in stamps)


def test_bad_input_gives_one_line_and_exit_2(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = str(inputs / "build")
    assert main(["build", "positives", "-b", b, "-q"]) == 2
    assert "needs stage 'resolve' first" in capsys.readouterr().err
    (inputs / "bad.yaml").write_text("ingest: {input: rp.txt, colour: red}\n")
    assert main(["build", "-c", str(inputs / "bad.yaml"), "-q"]) == 2
    assert "unknown keys in 'ingest': colour" in capsys.readouterr().err
    assert main(["build", "ingest", "-i", str(inputs / "rp.txt"), "-b", b, "--evidence", "great", "-q"]) == 2
    assert main(["build", "resolve", "-b", b, "--online", "genbank"]) == 2


def test_help_lists_the_stages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(stage in out for stage in ("ingest", "resolve", "positives"))


def test_real_sample_rows_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "rnainter" / "Download_data_RP.sample.txt"
    if not sample.exists():
        pytest.skip(f"{sample} is absent")
    ids = ["NCBI:69889", "NCBI:69522", "NCBI:100503199", "NCBI:69781", "NCBI:77866", "NCBI:56758", "NCBI:69865"]
    seqs = ["ACGUACGU", "GGGAAAC", "CCCUUUA", "AUAUAUGG", "GCGCAAAU", "MKVLAAGR", "MSTNPKPQ"]
    (tmp_path / "seqs.tsv").write_text("raw_id\tsequence\n" + "".join(f"{i}\t{s}\n" for i, s in zip(ids, seqs, strict=True)))
    b = str(tmp_path / "b")
    assert main(["build", "ingest", "-i", str(sample), "-b", b, "-q"]) == 0
    assert main(["build", "resolve", "-b", b, "--table", str(tmp_path / "seqs.tsv"), "-q"]) == 0
    assert main(["build", "positives", "-b", b, "-q"]) == 0
    table = pq.read_table(tmp_path / "b" / "positives" / "interactions.parquet")
    assert table.num_rows == 6
    assert set(table.column("protein_category").to_pylist()) == {"RBP", "protein"}
    assert pq.read_table(tmp_path / "b" / "positives" / "protein_sequences.parquet").num_rows == 2
