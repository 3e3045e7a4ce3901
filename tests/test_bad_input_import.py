"""Bad input to ``rnainteract import-benchmark``: exit status 2, one line on stderr, no traceback, nothing written.

Each case writes its own small files and returns the command-line arguments (after ``import-benchmark``) and a
fragment the error line must hold. The whole temporary folder is compared before and after the run, so a case
that leaves any output (a partial pairs folder, a staging folder, a touched file) fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from rnainteract_builder.cli import main

RNA = ">r1\nACGU\n>r2\nGGCU\n"
PROTEIN = ">p1\nMKV\n>p2\nMKL\n"
TABLE = "rna_id\tprotein_id\tlabel\n"


def _files(tmp: Path, **files: str | bytes) -> None:
    for name, content in files.items():
        path = tmp / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _with_fasta(tmp: Path, pairs_name: str, pairs: str | bytes, *extra: str) -> list[str]:
    _files(tmp, **{pairs_name: pairs, "rna.fa": RNA, "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / pairs_name), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa"),
            *extra]


def binary_pairs(tmp):
    return _with_fasta(tmp, "pairs.tsv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"), "binary file (NUL bytes)"


def latin1_pairs(tmp):
    return _with_fasta(tmp, "pairs.txt", "r1 p1 1\nr\xe9 p2 0\n".encode("latin-1")), "not UTF-8 text"


def empty_pairs(tmp):
    return _with_fasta(tmp, "pairs.txt", ""), "empty file"


def header_only_table(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE), "no pair rows (header only)"


def header_only_sequence_csv(tmp):
    _files(tmp, **{"set.csv": "rna_seq,protein_seq,label\n"})
    return ["--pairs", str(tmp / "set.csv")], "no pair rows (header only)"


def wrong_column_count(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\textra\nr2\tp2\t0\tmore\n"), \
        "no pair kept (0 rows parsed); dropped 2 rows: parse/wrong_field_count 2 (e.g. pairs.tsv:2)"


def table_without_label_column(tmp):
    return _with_fasta(tmp, "pairs.tsv", "rna_id\tprotein_id\nr1\tp1\n"), "no label column"


def id_list_without_label_column(tmp):
    return _with_fasta(tmp, "pairs.txt", "r1 p1\nr2 p2\n"), "no label column (two ids per row)"


def rpiter_without_label_column(tmp):
    return _with_fasta(tmp, "RPI9_pairs.txt", "p1\tr1\np2\tr2\n"), "no label column (every row has 2 columns"


def sequence_csv_without_label_column(tmp):
    _files(tmp, **{"set.csv": "rna_seq,protein_seq\nACGU,MKV\n"})
    return ["--pairs", str(tmp / "set.csv"), "--format", "sequence-csv"], "no label column in the header"


def pair_ids_without_label(tmp):
    return _with_fasta(tmp, "pairs.lst", "p1_r1\np2_r2\n", "--format", "pair-ids"), \
        "no label column, and the file name does not say positive or negative"


def labels_not_binary(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\tyes\nr2\tp2\tno\n"), "parse/bad_label 2"


def unrecognised_format(tmp):
    return _with_fasta(tmp, "notes.txt", "some words here\nand more words\n"), "cannot tell the format"


def unknown_format_option(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n", "--format", "excel"), \
        "--format must be one of table, rpiter"


def out_under_a_regular_file(tmp):
    _files(tmp, **{"file": "x"})
    args = _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n")
    return [*args, "--out", str(tmp / "file" / "out")], "is a file, not a folder"


def out_is_a_regular_file(tmp):
    _files(tmp, **{"out.parquet": "x"})
    args = _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n")
    return [*args, "--out", str(tmp / "out.parquet")], "is a file, not a folder"


def out_not_empty(tmp):
    _files(tmp, **{"out__interactions.parquet": "an earlier import"})
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n"), "is not empty; pass --overwrite"


def id_with_a_space(tmp):
    _files(tmp, **{"rna.fa": ">RPI 1\nACGU\n", "protein.fa": PROTEIN, "pairs.tsv": TABLE + "RPI 1\tp1\t1\n"})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "hint: rna id 'RPI 1' holds a space: a FASTA id is the header's first word"


def ids_missing_from_fasta(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "x1\tp1\t1\nx2\tp2\t0\n"), "sequences/rna_sequence_missing 2"


def every_pair_conflicting(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\nr1\tp1\t0\n"), \
        "conflicting labels/conflicting_labels 2"


def every_pair_too_long(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n", "--max-length", "2"), \
        "length cut-off/rna_too_long 1"


def pair_ids_unresolved(tmp):
    return _with_fasta(tmp, "pairs.lst", "P1_R1 1\np1_r9 0\n", "--format", "pair-ids"), \
        "parse/pair_id_unresolved 2"


def pairs_is_a_folder(tmp):
    (tmp / "folder").mkdir()
    return _with_fasta(tmp, "pairs.tsv", TABLE)[:0] + ["--pairs", str(tmp / "folder"), "--rna", "x", "--protein",
                                                        "y"], "not a file"


def pairs_missing(tmp):
    return ["--pairs", str(tmp / "nope.tsv"), "--rna", str(tmp / "r.fa"), "--protein", str(tmp / "p.fa")], \
        "nope.tsv: no such file"


def fasta_missing(tmp):
    _files(tmp, **{"pairs.tsv": TABLE + "r1\tp1\t1\n", "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "rna.fa: no such FASTA file"


def fasta_binary(tmp):
    _files(tmp, **{"pairs.tsv": TABLE + "r1\tp1\t1\n", "rna.fa": b">r1\nAC\x00\x01GU\n", "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "rna.fa: binary file (NUL bytes), not FASTA text"


def fasta_is_a_folder(tmp):
    (tmp / "rna.fa").mkdir()
    _files(tmp, **{"pairs.tsv": TABLE + "r1\tp1\t1\n", "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "rna.fa: not a file"


def fasta_without_records(tmp):
    _files(tmp, **{"pairs.tsv": TABLE + "r1\tp1\t1\n", "rna.fa": "ACGU\n", "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "rna.fa: no FASTA records"


def fasta_id_with_two_sequences(tmp):
    _files(tmp, **{"pairs.tsv": TABLE + "r1\tp1\t1\n", "rna.fa": ">r1\nACGU\n>r1\nGGGG\n", "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "pairs.tsv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "id 'r1' appears twice with different sequences"


def id_list_without_fasta(tmp):
    _files(tmp, **{"pairs.txt": "r1 p1 1\n"})
    return ["--pairs", str(tmp / "pairs.txt")], "needs --rna and --protein FASTA files"


def sequence_csv_with_fasta(tmp):
    _files(tmp, **{"set.csv": "rna_seq,protein_seq,label\nACGU,MKV,1\n", "rna.fa": RNA, "protein.fa": PROTEIN})
    return ["--pairs", str(tmp / "set.csv"), "--rna", str(tmp / "rna.fa"), "--protein", str(tmp / "protein.fa")], \
        "format sequence-csv carries its sequences"


def sequence_csv_bad_letters(tmp):
    _files(tmp, **{"set.csv": "rna_seq,protein_seq,label\nAC-GU,MKV,1\nAC GU 1,MKL,0\n"})
    return ["--pairs", str(tmp / "set.csv")], "first refused: rna rna-seq-"


def malformed_rpi488_records(tmp):
    _files(tmp, **{"lncRNA-protein-488.txt": ">1FFK_A_0|maybe\nMKV\nACGU\n"})
    return ["--pairs", str(tmp / "lncRNA-protein-488.txt")], "parse/malformed_record"


def dir_and_pairs(tmp):
    _files(tmp, **{"set__pairs.tsv": TABLE + "r1\tp1\t1\n", "set__rna.fasta": RNA, "set__protein.fasta": PROTEIN})
    return ["--dir", str(tmp / "set"), "--pairs", str(tmp / "set" / "pairs.tsv")], "not both"


def empty_dir(tmp):
    (tmp / "set").mkdir()
    return ["--dir", str(tmp / "set")], "no benchmark set found"


def bad_letters_option(tmp):
    return _with_fasta(tmp, "pairs.tsv", TABLE + "r1\tp1\t1\n", "--letters", "drop"), \
        "--letters must be one of reject, replace"


CASES: dict[str, Callable[[Path], tuple[list[str], str]]] = {
    f.__name__: f for f in (
        binary_pairs, latin1_pairs, empty_pairs, header_only_table, header_only_sequence_csv, wrong_column_count,
        table_without_label_column, id_list_without_label_column, rpiter_without_label_column,
        sequence_csv_without_label_column, pair_ids_without_label, labels_not_binary, unrecognised_format,
        unknown_format_option, out_under_a_regular_file, out_is_a_regular_file, out_not_empty, id_with_a_space,
        ids_missing_from_fasta, every_pair_conflicting, every_pair_too_long, pair_ids_unresolved,
        pairs_is_a_folder, pairs_missing, fasta_missing, fasta_binary, fasta_is_a_folder, fasta_without_records,
        fasta_id_with_two_sequences, id_list_without_fasta, sequence_csv_with_fasta, sequence_csv_bad_letters,
        malformed_rpi488_records, dir_and_pairs, empty_dir, bad_letters_option,
    )
}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    args, fragment = CASES[case](tmp_path)
    if "--out" not in args:
        args = [*args, "--out", str(tmp_path / "out")]
    before = _snapshot(tmp_path)
    assert main(["import-benchmark", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("rnainteract: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert _snapshot(tmp_path) == before


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    args, fragment = binary_pairs(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "rnainteract_builder.cli", "import-benchmark", *args, "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()] and fragment in done.stderr
    assert not (tmp_path / "out").exists()
