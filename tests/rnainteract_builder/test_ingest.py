from __future__ import annotations

import gzip
import io
import tarfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.ingest import NCRNA_CATEGORIES, RNAINTER_COLUMNS, IngestConfig, ingest_rnainter
from tests.toy_data import row, write_rnainter

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


def test_invalid_utf8_and_crlf_lines(tmp_path: Path) -> None:
    """A line that is not UTF-8 is one malformed row (never fatal); CRLF line endings read like LF."""
    source = tmp_path / "rp.txt"
    header = "\t".join(RNAINTER_COLUMNS)
    lines = [header, ROWS[0], row(RNAInterID="RPbad").replace("RNA1", "R\udcffA"), ROWS[1]]
    source.write_bytes("\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n")
    report = Report("t")
    result = ingest_rnainter(source, tmp_path / "o.parquet", IngestConfig(), report)
    table = pq.read_table(result.output)
    assert table.column("rnainter_id").to_pylist() == ["RP1", "RP2"]
    assert table.column("row_index").to_pylist() == [0, 1]  # the bad line is not a well-formed row
    assert table.column("evidence_predict").to_pylist() == [None, "catRAPID"]  # no '\r' in the last field
    assert report.drops["ingest"] == {"malformed: not UTF-8": 1}
    assert result.rows_read == 3


def test_unreadable_tar_member_is_a_clear_error(tmp_path: Path) -> None:
    """A tar.gz cut short fails with one clear error while its member is piped to the parser (no hang)."""
    plain = write_rnainter(tmp_path / "Download_data_RP.txt", [row(RNAInterID=f"RP{i}") for i in range(20_000)])
    tgz = tmp_path / "Download_data_RP.tar.gz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(plain, arcname="Download_data_RP.txt")
    with pytest.raises(InputError, match="no member nope.txt"):
        ingest_rnainter(tgz, tmp_path / "o.parquet", IngestConfig(tar_member="nope.txt"))
    data = tgz.read_bytes()
    tgz.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="unreadable archive member"):
        ingest_rnainter(tgz, tmp_path / "o.parquet", IngestConfig(block_size=4096))
    assert not (tmp_path / "o.parquet").exists()
    with pytest.raises(InputError, match="unreadable archive"):
        ingest_rnainter(tgz, tmp_path / "o.parquet", IngestConfig(tar_member="nope.txt"))


# --- a line-by-line reference of the documented semantics, compared on random files --------------------

_VALUES = {
    "RNAInterID": ["RP1", "RP2", "RP1", "", "N/A"],
    "Category1": ["lncRNA", "miRNA", "mRNA", "unknown", "N/A", ""],
    "Category2": ["RBP", "TF", "protein", "enzyme"],
    "Species1": ["Homo sapiens", "Mus musculus", "N/A"],
    "Species2": ["Homo sapiens", "Mus musculus"],
    "Raw_ID1": ["NCBI:1", "NCBI:2", "", "N/A"],
    "Raw_ID2": ["NCBI:101", "N/A"],
    "score": ["0.5", "0", "1", "0.25", "1e-1", "N/A", "", "high", "1.7", "-0.1", "nan"],
    "strong": ["N/A", "CLIP"],
    "weak": ["N/A", "RIP", ""],
    "Interactor1.Symbol": ['Gm"1', "N/A", "x y"],
}


def _reference(lines: list[str], config: IngestConfig) -> tuple[list[tuple[int, str]], Counter[str]]:
    kept: list[tuple[int, str]] = []
    drops: Counter[str] = Counter()
    index = 0
    for line in lines:
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != len(RNAINTER_COLUMNS):
            drops[f"malformed: {len(fields)} columns instead of 13"] += 1
            continue
        f = dict(zip(RNAINTER_COLUMNS, fields, strict=True))
        missing = {name: value in ("", "N/A") for name, value in f.items()}
        try:
            score = float(f["score"])
        except ValueError:
            score = None
        strong_or_weak = not missing["strong"] or not missing["weak"]
        checks = [
            (not missing["score"] and (score is None or not 0 <= score <= 1), "malformed: bad score"),
            (missing["Raw_ID1"] or missing["Raw_ID2"], "malformed: empty Raw_ID"),
            (missing["RNAInterID"], "malformed: empty RNAInterID"),
            (f["Category1"] not in config.rna_categories, f"rna category not in whitelist: {f['Category1']}"),
            (f["Category2"] not in config.protein_categories,
             f"protein category not in whitelist: {f['Category2']}"),
            (config.species is not None
             and not (f["Species1"] in config.species and f["Species2"] in config.species), "species not selected"),
            (config.min_score is not None and missing["score"], "score missing (min_score set)"),
            (config.min_score is not None and score is not None and score < config.min_score,
             "score below min_score"),
            (config.evidence == "strong" and missing["strong"], "no strong evidence"),
            (config.evidence == "weak" and not strong_or_weak, "no strong or weak evidence"),
            (config.drop_prediction_only and not strong_or_weak, "prediction-only evidence"),
        ]
        reason = next((why for failed, why in checks if failed), None)
        if reason is None:
            kept.append((index, f["RNAInterID"]))
        else:
            drops[reason] += 1
        index += 1
    return kept, drops


_row = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in _VALUES.items()}).map(
    lambda fields: row(**{k.replace(".", "_dot_"): v for k, v in fields.items()})
)
_line = st.one_of(
    _row,
    _row,
    _row,
    st.integers(1, 16).filter(lambda n: n != 13).map(lambda n: "\t".join(["RPx"] * n)),  # wrong column count
    st.just(""),  # empty lines are skipped, not counted
)
_config = st.builds(
    IngestConfig,
    rna_categories=st.sampled_from([NCRNA_CATEGORIES, ("lncRNA", "mRNA", "N/A")]),
    species=st.sampled_from([None, ("Homo sapiens",), ("Homo sapiens", "Mus musculus", "N/A")]),
    min_score=st.sampled_from([None, 0.3]),
    evidence=st.sampled_from(["any", "strong", "weak"]),
    drop_prediction_only=st.booleans(),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, max_size=40), config=_config)
def test_matches_a_line_by_line_reference(tmp_path: Path, lines: list[str], config: IngestConfig) -> None:
    source = tmp_path / "rp.txt"
    source.write_text("\t".join(RNAINTER_COLUMNS) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_rnainter(source, tmp_path / "o.parquet", config)
    table = pq.read_table(result.output)
    expected_kept, expected_drops = _reference(lines, config)
    got = list(zip(table.column("row_index").to_pylist(), table.column("rnainter_id").to_pylist(), strict=True))
    assert got == expected_kept
    assert result.drops == expected_drops
    assert result.rows_read == sum(1 for line in lines if line)
