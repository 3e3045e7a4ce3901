"""``rnainteract build`` / ``rnainteract stage``: stages alone and from a YAML config, skipping, reports, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from rnainteract_builder.cli import main
from rnainteract_builder.contract import schema
from tests.toy_data import row, write_rnainter

LINES = [
    row(RNAInterID="RP1", Raw_ID1="NCBI:1", Raw_ID2="NCBI:101"),
    row(RNAInterID="RP2", Raw_ID1="NCBI:2", Raw_ID2="NCBI:101", Category1="miRNA"),
    row(RNAInterID="RP3", Raw_ID1="NCBI:3", Raw_ID2="NCBI:102", Category1="mRNA"),
    row(RNAInterID="RP4", Raw_ID1="NCBI:4", Raw_ID2="NCBI:102"),  # RNA has no sequence
    "broken\trow",
]
SEQS = "raw_id\tsequence\nNCBI:1\tACGT\nNCBI:2\tGGCC\nNCBI:3\tAAAA\nNCBI:101\tMKV\nNCBI:102\tMWW\n"
STAGE_FILES = {
    "ingest": "ingest/rnainter.parquet",
    "resolve": "resolve/rna_resolved.parquet",
    "positives": "positives/interactions.parquet",
}


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    write_rnainter(tmp_path / "rp.txt", LINES)
    (tmp_path / "seqs.tsv").write_text(SEQS)
    return tmp_path


def _table_source(path: Path) -> str:
    return yaml.safe_dump([{"kind": "table", "path": str(path)}], default_flow_style=True)


def _write_config(inputs: Path, **changes: dict) -> Path:
    config = {
        "build_dir": "out",
        "ingest": {"input": "rp.txt", "evidence": "any"},
        "resolve": {"sources": [{"kind": "table", "path": "seqs.tsv"}]},
        "positives": {"max_length": 3, "interactor_limit_mode": "cap", "interactor_limit": 150, "seed": 1},
    }
    config.update(changes)
    path = inputs / "rnainteract.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _mtimes(build: Path) -> dict[str, int]:
    return {stage: (build / path).stat().st_mtime_ns for stage, path in STAGE_FILES.items()}


def test_stages_one_by_one_then_skipped(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = str(inputs / "build")
    assert main(["stage", "ingest", "--input", str(inputs / "rp.txt"), "-b", b, "-q"]) == 0
    assert main(["stage", "resolve", "-b", b, "--sources", _table_source(inputs / "seqs.tsv"), "-q"]) == 0
    assert main(["stage", "positives", "-b", b, "-q"]) == 0
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
    assert main(["stage", "positives", "-b", b, "-q"]) == 0  # up to date: not rerun
    assert (pos / "interactions.parquet").stat().st_mtime_ns == before
    assert main(["stage", "positives", "-b", b, "-q", "--interactor-limit", "1"]) == 0  # new parameters: rerun
    assert pq.read_table(pos / "interactions.parquet").num_rows == 0


def test_yaml_config_drives_all_stages(inputs: Path) -> None:
    assert main(["build", "--config", str(_write_config(inputs)), "-q"]) == 0
    table = pq.read_table(inputs / "out" / "positives" / "interactions.parquet")
    assert table.num_rows == 0  # both RNAs are 4 nt > max_length 3
    report = json.loads((inputs / "out" / "build_report.json").read_text())
    assert report["drops"]["positives: sequences"]["rna sequence too_long (> 3)"] == 2
    stamps = [json.loads((inputs / "out" / s / "stage.json").read_text()) for s in ("ingest", "resolve", "positives")]
    assert all(len(s["fingerprint"]) == 64 for s in stamps)
    assert set(stamps[2]["outputs"]) == {
        f"positives/{n}" for n in ("interactions.parquet", "rna_sequences.parquet", "protein_sequences.parquet")
    }


def test_set_overrides_a_config_key(inputs: Path) -> None:
    config = _write_config(inputs)
    assert main(["build", "-c", str(config), "-q", "--set", "positives.max_length=1024"]) == 0
    assert pq.read_table(inputs / "out" / "positives" / "interactions.parquet").num_rows == 2


def test_deleted_output_reruns_its_stage_and_downstream_only(inputs: Path) -> None:
    config = str(_write_config(inputs))
    build = inputs / "out"
    assert main(["build", "-c", config, "-q"]) == 0
    first = _mtimes(build)
    assert main(["build", "-c", config, "-q"]) == 0
    assert _mtimes(build) == first  # everything fresh: nothing reran

    (build / "positives" / "rna_sequences.parquet").unlink()
    assert main(["build", "-c", config, "-q"]) == 0
    second = _mtimes(build)
    assert (build / "positives" / "rna_sequences.parquet").exists()
    assert [s for s in STAGE_FILES if second[s] != first[s]] == ["positives"]

    (build / "resolve" / "protein_resolved.parquet").unlink()
    assert main(["build", "-c", config, "-q"]) == 0
    third = _mtimes(build)
    assert [s for s in STAGE_FILES if third[s] != second[s]] == ["resolve", "positives"]


def test_changed_upstream_output_blocks_a_lone_downstream_stage(inputs: Path, capsys) -> None:
    config = str(_write_config(inputs))
    assert main(["build", "-c", config, "-q"]) == 0
    (inputs / "out" / "resolve" / "rna_resolved.parquet").unlink()
    assert main(["stage", "positives", "-c", config, "-q", "--force"]) == 2
    assert "needs stage 'resolve' rerun first" in capsys.readouterr().err


def test_bad_input_gives_one_line_and_exit_2(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = str(inputs / "build")
    assert main(["stage", "positives", "-b", b, "-q"]) == 2
    assert "needs stage 'resolve' first" in capsys.readouterr().err
    assert main(["stage", "ingest", "--input", str(inputs / "rp.txt"), "-b", b, "--evidence", "great", "-q"]) == 2
    assert "ingest.evidence must be strong | weak | any, not 'great'" in capsys.readouterr().err
    assert main(["stage", "resolve", "-b", b, "--sources", "[{kind: genbank}]"]) == 2


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"input": "rp.txt", "colour": "red"}, "unknown key in 'ingest': colour (allowed: input, rna_categories,"),
        ({"input": "rp.txt", "species": 5}, "ingest.species must be list of string, not 5"),
        ({"input": "rp.txt", "min_score": "high"}, "ingest.min_score must be number, not 'high'"),
        ({"input": "rp.txt", "drop_prediction_only": "yes"}, "ingest.drop_prediction_only must be true/false"),
        ({"input": "rp.txt", "min_score": 2}, "ingest: min_score must lie in [0, 1], not 2.0"),
    ],
)
def test_bad_yaml_key_or_type_is_one_line_and_creates_nothing(inputs: Path, capsys, section, message) -> None:
    config = {"build_dir": "out", "ingest": section, "positives": {"seed": 0}}
    (inputs / "bad.yaml").write_text(yaml.safe_dump(config))
    assert main(["build", "-c", str(inputs / "bad.yaml"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (inputs / "out").exists()


def test_a_bad_later_section_stops_the_build_before_the_first_stage(inputs: Path, capsys) -> None:
    config = _write_config(inputs, positives={"min_score": 0.5})
    assert main(["build", "-c", str(config), "-q"]) == 2
    assert "unknown key in 'positives': min_score" in capsys.readouterr().err
    assert not (inputs / "out").exists()


def test_help_lists_the_stages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stage", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(stage in out for stage in ("ingest", "resolve", "positives", "annotate", "embed", "publish"))
    assert main(["build", "--help"]) == 0
    assert "--set" in capsys.readouterr().out


def test_real_sample_rows_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "rnainter" / "Download_data_RP.sample.txt"
    if not sample.exists():
        pytest.skip(f"{sample} is absent")
    ids = ["NCBI:69889", "NCBI:69522", "NCBI:100503199", "NCBI:69781", "NCBI:77866", "NCBI:56758", "NCBI:69865"]
    seqs = ["ACGUACGU", "GGGAAAC", "CCCUUUA", "AUAUAUGG", "GCGCAAAU", "MKVLAAGR", "MSTNPKPQ"]
    (tmp_path / "seqs.tsv").write_text("raw_id\tsequence\n" + "".join(f"{i}\t{s}\n" for i, s in zip(ids, seqs, strict=True)))
    b = str(tmp_path / "b")
    assert main(["stage", "ingest", "--input", str(sample), "-b", b, "-q"]) == 0
    assert main(["stage", "resolve", "-b", b, "--sources", _table_source(tmp_path / "seqs.tsv"), "-q"]) == 0
    assert main(["stage", "positives", "-b", b, "-q"]) == 0
    table = pq.read_table(tmp_path / "b" / "positives" / "interactions.parquet")
    assert table.num_rows == 6
    assert set(table.column("protein_category").to_pylist()) == {"RBP", "protein"}
    assert pq.read_table(tmp_path / "b" / "positives" / "protein_sequences.parquet").num_rows == 2
