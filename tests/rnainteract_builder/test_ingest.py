from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rnainteract_builder.errors import InputError
from rnainteract_builder.ingest import IngestConfig, ingest_rnainter
from rnainteract_builder.report import Report
from tests.rnainteract_builder.rnainter_rows import row, write_rnainter

ROWS = [
    row(RNAInterID="RP1", strong="CLIP", weak="N/A", predict="N/A", score="0.9"),  # strong evidence
    row(RNAInterID="RP2", weak="RIP", score="0.4"),  # weak evidence
    row(RNAInterID="RP3", score="0.2"),  # prediction only
    row(RNAInterID="RP4", Category1="mRNA"),
    row(RNAInterID="RP5", Category2="enzyme"),
    row(RNAInterID="RP6", Species1="Mus musculus", Species2="Mus musculus", score="0.7", strong="X"),
    row(RNAInterID="RP7", score="N/A", weak="RIP"),  # missing score
    row(**{"RNAInterID": "RP8", "Interactor1.Symbol": 'Gm"12"3'}),  # quote characters in a symbol
    row(RNAInterID="RP9", Category1="unknown"),
]
MALFORMED = [
    "RP90\tonly\tthree",  # wrong column count (3)
    row(RNAInterID="RP91") + "\textra",  # 14 columns
    row(RNAInterID="RP92", score="high"),
    row(RNAInterID="RP93", score="1.7"),
    row(RNAInterID="RP94", Raw_ID1=""),
    row(RNAInterID="RP95", Raw_ID2="N/A"),
    row(RNAInterID=""),
]


def _ingest(tmp_path: Path, config: IngestConfig, lines: list[str] = ROWS) -> tuple[list[str], Report]:
    source = write_rnainter(tmp_path / "rp.txt", lines)
    report = Report("t")
    result = ingest_rnainter(source, tmp_path / "out.parquet", config, report)
    ids = pq.read_table(result.output).column("rnainter_id").to_pylist()
    assert result.rows_kept == len(ids)
    assert result.rows_read == len(lines)
    assert result.rows_kept + report.dropped() == result.rows_read  # every row kept or counted
    return ids, report


@pytest.mark.parametrize(
    ("config", "kept"),
    [
        (IngestConfig(), ["RP1", "RP2", "RP3", "RP6", "RP7", "RP8"]),
        (IngestConfig(rna_categories=("lncRNA", "mRNA")), ["RP1", "RP2", "RP3", "RP4", "RP6", "RP7", "RP8"]),
        (IngestConfig(protein_categories=("RBP", "enzyme")), ["RP1", "RP2", "RP3", "RP5", "RP6", "RP7", "RP8"]),
        (IngestConfig(species=("Mus musculus",)), ["RP6"]),
        (IngestConfig(min_score=0.45), ["RP1", "RP6", "RP8"]),
        (IngestConfig(evidence="strong"), ["RP1", "RP6"]),
        (IngestConfig(evidence="weak"), ["RP1", "RP2", "RP6", "RP7"]),
        (IngestConfig(drop_prediction_only=True), ["RP1", "RP2", "RP6", "RP7"]),
    ],
)
def test_each_filter_keeps_exactly_the_expected_rows(tmp_path: Path, config: IngestConfig, kept: list[str]) -> None:
    ids, _ = _ingest(tmp_path, config)
    assert ids == kept


def test_drop_reasons_name_the_filter(tmp_path: Path) -> None:
    _, report = _ingest(tmp_path, IngestConfig(min_score=0.45))
    drops = report.drops["ingest"]
    assert drops["rna category not in whitelist: mRNA"] == 1
    assert drops["rna category not in whitelist: unknown"] == 1
    assert drops["protein category not in whitelist: enzyme"] == 1
    assert drops["score missing (min_score set)"] == 1
    assert drops["score below min_score"] == 2


def test_values_are_typed_and_na_is_missing_and_quotes_are_literal(tmp_path: Path) -> None:
    source = write_rnainter(tmp_path / "rp.txt", ROWS)
    out = ingest_rnainter(source, tmp_path / "o.parquet").output
    rows = {r["rnainter_id"]: r for r in pq.read_table(out).to_pylist()}
    assert rows["RP8"]["rna_symbol"] == 'Gm"12"3'
    assert rows["RP1"]["score"] == pytest.approx(0.9)
    assert rows["RP7"]["score"] is None
    assert rows["RP2"]["evidence_strong"] is None and rows["RP2"]["evidence_weak"] == "RIP"
    assert rows["RP1"]["rna_source_id"] == "NCBI:1"
    assert [r["row_index"] for r in pq.read_table(out).to_pylist()] == sorted(r["row_index"] for r in rows.values())


def test_malformed_rows_are_counted_by_reason_not_fatal(tmp_path: Path) -> None:
    ids, report = _ingest(tmp_path, IngestConfig(), ROWS[:2] + MALFORMED)
    assert ids == ["RP1", "RP2"]
    drops = report.drops["ingest"]
    assert drops["malformed: 3 columns instead of 13"] == 1
    assert drops["malformed: 14 columns instead of 13"] == 1
    assert drops["malformed: bad score"] == 2
    assert drops["malformed: empty Raw_ID"] == 2
    assert drops["malformed: empty RNAInterID"] == 1


def test_gzip_and_tar_gz_give_the_same_rows(tmp_path: Path) -> None:
    plain = write_rnainter(tmp_path / "Download_data_RP.txt", ROWS)
    data = plain.read_bytes()
    gz = tmp_path / "Download_data_RP.txt.gz"
    gz.write_bytes(gzip.compress(data))
    tgz = tmp_path / "Download_data_RP.tar.gz"
    with tarfile.open(tgz, "w:gz") as archive:
        readme = tarfile.TarInfo("README")
        readme.size = 2
        archive.addfile(readme, io.BytesIO(b"hi"))
        info = tarfile.TarInfo("Download_data_RP.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    tables = [
        pq.read_table(ingest_rnainter(p, tmp_path / f"{i}.parquet", IngestConfig(block_size=256)).output)
        for i, p in enumerate((plain, gz, tgz))
    ]
    assert tables[0].num_rows == 6
    assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])


def test_bad_header_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match="not RNAInter's RNA-protein header"):
        ingest_rnainter(bad, tmp_path / "o.parquet")
    with pytest.raises(InputError, match="no such RNAInter file"):
        ingest_rnainter(tmp_path / "missing.txt", tmp_path / "o.parquet")
    with pytest.raises(InputError, match="evidence"):
        IngestConfig(evidence="great")  # type: ignore[arg-type]


def test_real_sample_rows(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "rnainter" / "Download_data_RP.sample.txt"
    if not sample.exists():
        pytest.skip(f"{sample} is absent")
    report = Report("t")
    result = ingest_rnainter(sample, tmp_path / "o.parquet", IngestConfig(), report)
    table = pq.read_table(result.output)
    assert result.rows_read == 6 and table.num_rows == 6
    assert set(table.column("rna_category").to_pylist()) == {"lncRNA"}
    assert table.column("protein_category").to_pylist().count("protein") == 1
    strict = ingest_rnainter(sample, tmp_path / "s.parquet", IngestConfig(drop_prediction_only=True))
    assert strict.rows_kept == 1  # only RP09023616 has (weak) HITS-CLIP evidence
