"""The benchmark formats beyond RPITER / IPMiner, on small files written like the published ones."""

from __future__ import annotations

import logging

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnainteract_builder.cli import main
from rnainteract_builder.contract.benchmark_files import detect_by_content, find_set_files, load_raw_set
from rnainteract_builder.contract.benchmark_formats import label_from_name, split_pair_id
from rnainteract_builder.contract.benchmark_sets import ImportConfig, import_benchmark_dir, import_raw_set
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report

# LGFC-CNN's NPInter mouse list (RPI1847.txt): lncRNA gene symbol, UniProt accession, label; spaces, RNA first.
LGFC_PAIRS = "Kcnq1ot1 Q9Z148 1\nGas5 Q8BIF2 1\nGas5 Q8R003 1\nMeg3 Q8BIF2 1\nKcnq1ot1 Q8R003 0\nMeg3 Q9Z148 0\n"
LGFC_RNA = (">Kcnq1ot1\nGCAGCUCGGCUGCAACGGAUUCUGCACCUUUGA\n>Gas5\nUUUCCGUGGCUCUUGGAGCCAUUGCAGCACCUG\n"
            ">Meg3\nggcauugcaggaccgaguucuacuuggcagcac\n")
LGFC_PROTEIN = (">Q9Z148\nMAAAAGAAAAAAAEGEAPAEMGALLLEKETRGATERVHGSLGDTPRSEETLPKATPDSLEPAGPSSPASVTVTVGDEGADTPVGATP\n"
                ">Q8BIF2\nMSEQSKDLSDPNFAAEAPNSEVHSSPGVSEGVPPSATLAEPQSPPLGPTAAPQAAPPPQAPNDEGDPKALQQAAEEGRAHQAPSAAQ\n"
                ">Q8R003\nMATQRLALLLALGALAGSLARAEEEEELSVSGLQLQEAAGPERGCSLLQVLLAAAGDLRPQGAEASADSAHPEPAAAAG*\n")

# RPI488-style PDB chains joined by '_' (the chain ids contain '_' themselves), protein first.
PAIR_RNA = ">1FFK_0\nUUGGCUACUAUGCCAGCUGGUGGAUUGCUCGGCUCAGG\n>1FFK_9\nUUAGGCGGCCACAGCGGUGGGGUUGCCUCCCGUACCCAU\n"
PAIR_PROTEIN = (">1FFK_A\nGRRIQGQRRGRGTSTFRAPSHRYKADLEHRKVEDGDVIAGTVVDIEHDPARSAPVAAVEFEDGDRRLILAPEGVGVGDE\n"
                ">1FFK_C\nPQPSRPRKGSMGFSPRKRAKRRLTVRRNPEEEHSWAKHLAERAEASLAAAGKEKPRRGRRGRGRRGRRGRRGRRGRR\n")

# XRPI / rpi-predict style CSV: both sequences and the label on each row (rpi-predict keeps some lower case
# and some DNA letters, as published).
SEQUENCE_CSV = (
    "rna_seq,protein_seq,label\n"
    "GGGAAcAAAGcuGAAGuAcuuAccc,MKVEEILEKALELVIPDEEEVRKGREAEEELRRRLDELGVEYVFVGSYARNTWLKGS,1\n"
    "GGGAACAAAGCUGAAGUACUUACCC,MNHKVHHHHHHMLIILTGLPGVGKSTFSKNLAKILSKNNIDVIVLGSDLIRESF,0\n"
    "AGCCGTAGGGCCCTACGGCT,MKVEEILEKALELVIPDEEEVRKGREAEEELRRRLDELGVEYVFVGSYARNTWLKGS,1\n"
    "AGCCGTAGGGCCCTACGGCT,MKVEEILEKALELVIPDEEEVRKGREAEEELRRRLDELGVEYVFVGSYARNTWLKGS,1\n"
    "UUUGCGAAUUCGCUU,SKFWEGVLRVLNQISGTLSVIPGPVGTISAGVHQLTGMYM,0\n"
)


def _write(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _pairs(imported):
    t = imported.interactions
    return sorted(zip(t.column("rna_source_id").to_pylist(), t.column("protein_source_id").to_pylist(),
                      t.column("label").to_pylist(), strict=True))


def test_lgfc_rna_protein_label_list_is_detected_from_the_fasta_ids(tmp_path):
    folder = _write(tmp_path / "NPinter_mouse", {"RPI1847.txt": LGFC_PAIRS, "RNA_mouse_fasta.fasta": LGFC_RNA,
                                                  "protein_mouse_fasta.fasta": LGFC_PROTEIN})
    imported = import_benchmark_dir(folder)
    assert imported.report.facts["format"] == "rna-protein-label (told by the content and the FASTA ids)"
    assert _pairs(imported)[:2] == [("Gas5", "Q8BIF2", 1), ("Gas5", "Q8R003", 1)]
    assert imported.interactions.num_rows == 6
    assert imported.report.facts["kept"]["positives"] == 4
    protein = imported.report.facts["protein normalisation"]
    assert protein["stop_codons_removed"] == 1
    rna = imported.report.facts["rna normalisation"]
    assert rna["lowercase_raised"] == {"records": 1, "letters": 33}


def test_lgfc_list_with_a_header_and_tabs(tmp_path):
    _write(tmp_path, {"list.txt": "RNA\tProtein\tLabel\n" + LGFC_PAIRS.replace(" ", "\t"), "rna.fa": LGFC_RNA,
                      "prot.fa": LGFC_PROTEIN})
    raw = load_raw_set("x", [tmp_path / "list.txt"], tmp_path / "rna.fa", tmp_path / "prot.fa", None, Report("t"))
    assert len(raw.pairs) == 6 and raw.pairs[0].rna == "Kcnq1ot1" and raw.pairs[0].line == 2


def test_protein_first_tab_list_with_an_unknown_name_reads_as_rpiter(tmp_path):
    swapped = "".join(f"{p}\t{r}\t{y}\n" for r, p, y in (line.split() for line in LGFC_PAIRS.splitlines()))
    _write(tmp_path, {"pairs.lst": swapped, "rna.fa": LGFC_RNA, "prot.fa": LGFC_PROTEIN})
    raw = load_raw_set("x", [tmp_path / "pairs.lst"], tmp_path / "rna.fa", tmp_path / "prot.fa", None, Report("t"))
    assert {(p.rna, p.protein) for p in raw.pairs} >= {("Kcnq1ot1", "Q9Z148"), ("Gas5", "Q8BIF2")}
    with pytest.raises(InputError, match="put the RNA column first"):
        (tmp_path / "pairs.lst").write_text(swapped.replace("\t", " "))
        load_raw_set("x", [tmp_path / "pairs.lst"], tmp_path / "rna.fa", tmp_path / "prot.fa", None, Report("t"))


def test_format_override_wins_over_the_file_name(tmp_path):
    _write(tmp_path, {"mouse_pairs.txt": LGFC_PAIRS, "rna.fa": LGFC_RNA, "prot.fa": LGFC_PROTEIN})
    args = ["x", [tmp_path / "mouse_pairs.txt"], tmp_path / "rna.fa", tmp_path / "prot.fa"]
    report = Report("t")
    with pytest.raises(InputError, match=r"no pair kept \(0 rows parsed\); dropped 6 rows: parse/wrong_field_count 6"):
        import_raw_set(load_raw_set(*args, None, report), ImportConfig(), report)  # the name says RPITER (tabs)
    assert len(load_raw_set(*args, "rna-protein-label", Report("t")).pairs) == 6


def test_pair_ids_split_where_both_parts_are_fasta_ids(tmp_path):
    rna, protein = {"1FFK_0": "", "1FFK_9": ""}, {"1FFK_A": "", "1FFK_C": ""}
    assert split_pair_id("1FFK_A_1FFK_0", rna, protein) == [("1FFK_A", "1FFK_0")]
    assert split_pair_id("1FFK_a_1FFK_0", rna, protein) == []  # ids are case-sensitive
    assert split_pair_id("X_Y_Z", {"Y_Z": "", "Z": ""}, {"X": "", "X_Y": ""}) == [("X", "Y_Z"), ("X_Y", "Z")]


chain_ids = st.text(alphabet="0123456789ABCabc_-", min_size=1, max_size=10)


@given(chain_ids, chain_ids, st.lists(chain_ids, max_size=4), st.lists(chain_ids, max_size=4))
def test_pair_id_readings_always_rejoin_and_include_the_true_split(protein, rna, other_proteins, other_rnas):
    readings = split_pair_id(f"{protein}_{rna}", {rna, *other_rnas}, {protein, *other_proteins})
    assert (protein, rna) in readings
    assert all(f"{p}_{r}" == f"{protein}_{rna}" for p, r in readings)


def test_rpi_md_pair_ids_with_labels(tmp_path):
    _write(tmp_path, {"RPI488_pairs.lst": "1FFK_A_1FFK_0\t1\n1FFK_C_1FFK_0\t1\n1FFK_A_1FFK_9\t0\n1ffk_C_1FFK_9\t0\n",
                      "rna.fa": PAIR_RNA, "protein.fa": PAIR_PROTEIN})
    report = Report("t")
    raw = load_raw_set("RPI488", [tmp_path / "RPI488_pairs.lst"], tmp_path / "rna.fa", tmp_path / "protein.fa",
                       None, report)
    assert [(p.protein, p.rna, p.label) for p in raw.pairs] == [
        ("1FFK_A", "1FFK_0", 1), ("1FFK_C", "1FFK_0", 1), ("1FFK_A", "1FFK_9", 0)]
    assert report.drops["parse"] == {"pair_id_unresolved": 1}
    assert report.examples["parse: pair_id_unresolved"] == ["RPI488_pairs.lst:4 1ffk_C_1FFK_9"]


def test_rpi_md_pair_ids_in_positive_and_negative_files(tmp_path):
    folder = _write(tmp_path / "set", {"RPI488_pos.txt": "1FFK_A_1FFK_0\n1FFK_C_1FFK_0\n",
                                       "RPI488_neg.txt": "1FFK_A_1FFK_9\n", "RPI488_rna.fa": PAIR_RNA,
                                       "RPI488_protein.fa": PAIR_PROTEIN})
    assert label_from_name(folder / "RPI488_pos.txt") == 1 and label_from_name(folder / "RPI488_neg.txt") == 0
    imported = import_benchmark_dir(folder, "RPI488")
    assert _pairs(imported) == [("1FFK_0", "1FFK_A", 1), ("1FFK_0", "1FFK_C", 1), ("1FFK_9", "1FFK_A", 0)]


def test_ambiguous_pair_ids_are_dropped_and_counted(tmp_path):
    _write(tmp_path, {"pairs.txt": "A_B_C 1\nA_C 0\n", "rna.fa": ">B_C\nACGU\n>C\nGGCC\n",
                      "protein.fa": ">A\nMKV\n>A_B\nMKL\n"})
    report = Report("t")
    raw = load_raw_set("t", [tmp_path / "pairs.txt"], tmp_path / "rna.fa", tmp_path / "protein.fa", "pair-ids",
                       report)
    assert [(p.protein, p.rna) for p in raw.pairs] == [("A", "C")]
    assert report.drops["parse"] == {"pair_id_ambiguous": 1}


def test_sequence_csv_without_fasta_files(tmp_path):
    _write(tmp_path, {"RPI_390.csv": SEQUENCE_CSV})
    report = Report("t")
    raw = load_raw_set("RPI390", [tmp_path / "RPI_390.csv"], None, None, None, report)
    imported = import_raw_set(raw, ImportConfig(), report)
    assert imported.report.drops["duplicates"] == {"duplicate_pair": 1}
    assert imported.interactions.num_rows == 4
    rna = imported.report.facts["rna normalisation"]
    assert rna["t_read_as_u"] == {"records": 1, "letters": 3}
    assert rna["lowercase_raised"] == {"records": 1, "letters": 10}
    assert rna["spellings_merged_differing_only_in_case"] == 1
    assert imported.rna_sequences.num_rows == 3  # the lower-case spelling joins its upper-case twin
    twin = [ids for ids in imported.rna_sequences.column("source_ids").to_pylist() if len(ids) == 2]
    assert len(twin) == 1 and all(i.startswith("rna-seq-") for i in twin[0])


def test_sequence_csv_with_ids_and_tabs(tmp_path):
    text = ("RNA_ID\tProtein_ID\tRNA sequence\tProtein sequence\tLabel\n"
            "3OVB-C\t3CCS-T\tGGAAGUAGAUGGUUCAAG\tMSKQPDKQRKSQRRAPLHERHKQVR\t1\n"
            "3CUL-C\t3CCS-T\tGCCCGGAUGAUCCUCAGUGG\tMSKQPDKQRKSQRRAPLHERHKQVR\t0\n")
    _write(tmp_path, {"xrpi_test.tsv": text})
    raw = load_raw_set("x", [tmp_path / "xrpi_test.tsv"], None, None, None, Report("t"))
    assert [(p.rna, p.protein, p.label) for p in raw.pairs] == [("3OVB-C", "3CCS-T", 1), ("3CUL-C", "3CCS-T", 0)]


def test_detect_by_content_needs_matching_ids(tmp_path):
    (tmp_path / "x.txt").write_text("a b 1\nc d 0\n")
    with pytest.raises(InputError, match="cannot tell the format"):
        detect_by_content(tmp_path / "x.txt", {"zz": ""}, {"yy": ""})
    assert detect_by_content(tmp_path / "x.txt", {"a": "", "c": ""}, {"b": ""}) == "rna-protein-label"


def test_folder_with_unrelated_files_is_an_error(tmp_path):
    _write(tmp_path, {"a.txt": "x", "b.txt": "y", "rna.fa": LGFC_RNA})
    with pytest.raises(InputError, match="no benchmark set found"):
        find_set_files(tmp_path)


def test_cli_reports_normalisation_and_drops_on_stderr(tmp_path, capsys, caplog):
    _write(tmp_path, {"RPI_390.csv": SEQUENCE_CSV})
    with caplog.at_level(logging.INFO):
        code = main(["import-benchmark", "--pairs", str(tmp_path / "RPI_390.csv"), "--out", str(tmp_path / "o")])
    assert code == 0
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1] == "dropped 1 rows: duplicates/duplicate_pair 1 (e.g. rna-seq-" + messages[-1].split(
        "(e.g. rna-seq-")[1]
    assert messages[-2].startswith("wrote 4 pairs to ")
    normalisation = next(m for m in messages if m.startswith("rna normalisation:"))
    assert "T read as U in 1 records (3 letters)" in normalisation
    assert "1 spellings merged into an equal sequence that differs only in case" in normalisation
    assert "| rows read | 5 |" in capsys.readouterr().out
    assert pq.read_table(tmp_path / "o" / "interactions.parquet").num_rows == 4


def test_cli_overwrite_replaces_only_the_pairs_folder_files(tmp_path, capsys):
    _write(tmp_path / "in", {"RPI_390.csv": SEQUENCE_CSV})
    out = _write(tmp_path / "o", {"notes.txt": "mine"})
    args = ["import-benchmark", "--pairs", str(tmp_path / "in" / "RPI_390.csv"), "--out", str(out)]
    assert main(args) == 2
    assert "not empty; pass --overwrite" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert main([*args, "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["import_report.json", "import_report.md", "interactions.parquet",
                                                     "notes.txt", "protein_sequences.parquet", "rna_sequences.parquet"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_id_with_a_space_gets_a_hint(tmp_path):
    _write(tmp_path, {"pairs.tsv": "rna_id\tprotein_id\tlabel\nRPI 1\tP1\t1\nR2\tP1\t0\n",
                      "rna.fasta": ">RPI 1\nACGU\n>R2\nGGCC\n", "protein.fasta": ">P1\nMKV\n"})
    imported = import_benchmark_dir(tmp_path)
    assert imported.report.drops["sequences"] == {"rna_sequence_missing": 1}
    assert imported.report.facts["hints"] == [
        "rna id 'RPI 1' holds a space: a FASTA id is the header's first word, so '>RPI 1' is read as id 'RPI'; "
        "remove the space in both files"]
