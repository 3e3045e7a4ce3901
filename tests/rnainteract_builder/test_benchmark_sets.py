"""The importer against the real public sets: every count of shared/data/PROVENANCE.md, every quirk."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from rnainteract_builder.cli import main
from rnainteract_builder.contract import schema
from rnainteract_builder.contract.benchmark_sets import ImportConfig, import_benchmark_dir
from rnainteract_builder.contract.errors import InputError

# (rows, positives, negatives, RNA ids, protein ids, unique RNA seqs, unique protein seqs, rows <=1024, pos, neg)
PROVENANCE = {
    "RPI369": (738, 369, 369, 332, 338, 228, 203, 717, 358, 359),
    "RPI488": (488, 243, 245, 25, 247, 25, 247, 276, 43, 233),
    "RPI1807": (3243, 1807, 1436, 1078, 3131, 374, 468, 842, 628, 214),
    "RPI2241": (4482, 2241, 2241, 841, 2042, 435, 837, 2667, 864, 1803),
}


@pytest.mark.parametrize("name", sorted(PROVENANCE))
def test_import_report_matches_provenance(shared_data, name):
    imported = import_benchmark_dir(shared_data / name)
    counts = imported.report.facts["published counts"]
    assert tuple(counts.values()) == PROVENANCE[name]
    assert imported.interactions.schema == schema.INTERACTIONS
    assert imported.rna_sequences.schema == schema.SEQUENCES
    assert len(set(imported.interactions.column("pair_id").to_pylist())) == imported.interactions.num_rows


def test_rpi488_triple_listed_pair_is_collapsed(shared_data):
    imported = import_benchmark_dir(shared_data / "RPI488")
    assert imported.report.drops["duplicates"]["duplicate_pair"] == 2
    assert imported.interactions.num_rows == 486
    assert imported.report.facts["kept"]["positives"] == 241
    pair_ids = imported.interactions.column("pair_id").to_pylist()
    assert pair_ids.count("RPI488:1J5A_K|1J5A_A") == 1


def test_rpi1807_conflicting_labels_are_excluded_and_listed(shared_data):
    imported = import_benchmark_dir(shared_data / "RPI1807")
    assert imported.report.drops["conflicting labels"]["conflicting_labels"] == 38
    listed = imported.report.facts["conflicting labels: pairs (rna|protein)"]
    assert len(listed) == 19 and "2QNH-y|2QNH-j" in listed and "4G5V-A|4G5V-N" in listed
    assert imported.interactions.num_rows == 3243 - 38
    kept = set(zip(imported.interactions.column("rna_source_id").to_pylist(),
                   imported.interactions.column("protein_source_id").to_pylist(), strict=True))
    assert ("2QNH-y", "2QNH-j") not in kept

    positive = import_benchmark_dir(shared_data / "RPI1807", config=ImportConfig(conflicts="keep-positive"))
    assert positive.interactions.num_rows == 3243 - 19
    assert positive.report.facts["kept"]["positives"] == 1807


def test_ids_stay_case_sensitive(shared_data):
    imported = import_benchmark_dir(shared_data / "RPI2241")
    rna_ids = set(imported.interactions.column("rna_source_id").to_pylist())
    assert {"3cw1-V", "3cw1-v", "1ml5-a", "1ml5-A"} <= rna_ids
    protein_ids = set(imported.interactions.column("protein_source_id").to_pylist())
    assert {"1ml5-P", "1ml5-p"} <= protein_ids


def test_letter_policy_and_length_cutoff(shared_data):
    replaced = import_benchmark_dir(shared_data / "RPI369")
    assert replaced.interactions.num_rows == 738
    # 9 RNAs have odd letters: T (2) is normalised to U, N (3) is already the unknown symbol, F, X, I are replaced
    assert replaced.report.facts["rna sequences with letters replaced"] == "3 (F: 1, I: 1, X: 1)"
    sequences = dict(zip(replaced.rna_sequences.column("id").to_pylist(),
                         replaced.rna_sequences.column("sequence").to_pylist(), strict=True))
    assert all(set(s) <= set("ACGUN") for s in sequences.values())

    strict = import_benchmark_dir(shared_data / "RPI369", config=ImportConfig(letter_policy="reject", max_length=1024))
    drops = strict.report.drops
    assert sum(drops["sequences"].values()) > 0
    assert set(drops["sequences"]) <= {"rna_nonstandard_letter", "protein_nonstandard_letter"}
    assert strict.interactions.num_rows + strict.report.dropped() == 738
    lengths = dict(zip(strict.rna_sequences.column("id").to_pylist(),
                       strict.rna_sequences.column("length").to_pylist(), strict=True))
    assert max(lengths.values()) <= 1024


def test_original_layouts_give_the_same_positives(shared_data):
    normalised = import_benchmark_dir(shared_data / "RPI369")
    rpiter = import_benchmark_dir(shared_data / "RPI369" / "original" / "rpiter")
    ipminer = import_benchmark_dir(shared_data / "RPI488" / "original" / "ipminer")

    def positives(table):
        return {(r, p) for r, p, y in zip(table.column("rna_id").to_pylist(), table.column("protein_id").to_pylist(),
                                          table.column("label").to_pylist(), strict=True) if y == 1}

    assert positives(normalised.interactions) == positives(rpiter.interactions)
    assert positives(ipminer.interactions) == positives(import_benchmark_dir(shared_data / "RPI488").interactions)
    split = import_benchmark_dir(shared_data / "RPI1807" / "original" / "ipminer")
    assert split.report.facts["published counts"]["positives"] == 1807


def test_sequence_dedupe_collapses_onto_content_ids(shared_data):
    imported = import_benchmark_dir(shared_data / "RPI369", config=ImportConfig(dedupe="sequences"))
    keys = list(zip(imported.interactions.column("rna_id").to_pylist(),
                    imported.interactions.column("protein_id").to_pylist(), strict=True))
    assert len(keys) == len(set(keys)) < 738


def test_malformed_rows_are_counted_not_fatal(tmp_path):
    (tmp_path / "pairs.tsv").write_text(
        "rna_id\tprotein_id\tlabel\nr1\tp1\t1\nr1\tp2\tyes\nr2\t\t0\nr2\tp1\n r2\tp2\t0\nr3\tp1\t1\n"
    )
    (tmp_path / "rna.fasta").write_text(">r1\nACGU\n>r2\nGGCU\n")
    (tmp_path / "protein.fasta").write_text(">p1\nMKV\n>p2\nMKL\n")
    imported = import_benchmark_dir(tmp_path, "toy")
    assert imported.report.drops["parse"] == {"bad_label": 1, "empty_id": 1, "wrong_field_count": 1}
    assert imported.report.drops["sequences"] == {"rna_sequence_missing": 1}
    assert imported.interactions.column("pair_id").to_pylist() == ["toy:r1|p1", "toy:r2|p2"]


def test_cli_writes_a_pairs_folder_and_fails_with_one_line(tmp_path, capsys, shared_data):
    assert main(["import-benchmark", "--dir", str(shared_data / "RPI488"), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "| rows read | 488 |" in out
    assert pq.read_table(tmp_path / "o" / "interactions.parquet").num_rows == 486
    assert (tmp_path / "o" / "import_report.json").exists()

    assert main(["import-benchmark", "--dir", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"rnainteract: error: {tmp_path / 'missing'}: no such folder"]
    assert main(["import-benchmark", "--dir", str(tmp_path), "--out", str(tmp_path / "o"), "--letters", "x"]) == 2
    assert capsys.readouterr().err.strip() == "rnainteract: error: --letters must be one of reject, replace, not 'x'"


def test_conflicting_duplicate_fasta_records_are_an_error(tmp_path):
    (tmp_path / "pairs.tsv").write_text("rna_id\tprotein_id\tlabel\nr1\tp1\t1\n")
    (tmp_path / "rna.fasta").write_text(">r1\nACGU\n>r1\nGGGG\n")
    (tmp_path / "protein.fasta").write_text(">p1\nMKV\n")
    with pytest.raises(InputError, match="id 'r1' appears twice with different sequences"):
        import_benchmark_dir(tmp_path)
