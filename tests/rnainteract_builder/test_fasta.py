from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.fasta import FastaError, FastaRecord, iter_fasta, read_fasta, write_fasta


def test_reads_multiline_records_and_keeps_id_case(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">3cw1-V first chain\nACGU\nAC\n>3cw1-v\nGG\n")
    records = list(iter_fasta(path))
    assert records == [FastaRecord("3cw1-V", "ACGUAC", "first chain"), FastaRecord("3cw1-v", "GG", "")]


def test_gzip_round_trip_is_byte_stable(tmp_path):
    records = [("a", "ACGU" * 40), ("b", "GG")]
    write_fasta(records, tmp_path / "one.fa.gz")
    write_fasta(records, tmp_path / "two.fa.gz")
    assert (tmp_path / "one.fa.gz").read_bytes() == (tmp_path / "two.fa.gz").read_bytes()
    assert read_fasta(tmp_path / "one.fa.gz") == dict(records)
    assert gzip.decompress((tmp_path / "one.fa.gz").read_bytes()).startswith(b">a\n")


def test_duplicate_ids_empty_and_missing_files(tmp_path):
    dup = tmp_path / "dup.fa"
    dup.write_text(">a\nAC\n>a\nGG\n")
    with pytest.raises(FastaError, match=r"dup.fa: duplicate id 'a'$"):
        read_fasta(dup)
    empty = tmp_path / "empty.fa"
    empty.write_text("")
    with pytest.raises(FastaError, match=r"empty.fa: no FASTA records$"):
        read_fasta(empty)
    assert read_fasta(empty, allow_empty=True) == {}
    with pytest.raises(FastaError, match=r"nope.fa: no such FASTA file$"):
        read_fasta(tmp_path / "nope.fa")


def test_binary_garbage_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.fa.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(FastaError, match="bad.fa.gz: not a readable FASTA file"):
        read_fasta(bad)


ids = st.text(alphabet="abcXYZ019-_|.", min_size=1, max_size=12)
seqs = st.text(alphabet="ACGUNXMKLW", min_size=0, max_size=200)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(ids, seqs, min_size=1, max_size=8), st.sampled_from(["x.fa", "x.fa.gz"]),
       st.integers(min_value=1, max_value=80))
def test_write_then_read_round_trips(tmp_path, records, name, width):
    path = tmp_path / name
    assert write_fasta(records.items(), path, line_width=width) == len(records)
    assert read_fasta(path) == records


def test_a_folder_or_a_binary_file_is_a_clear_error(tmp_path):
    (tmp_path / "dir.fa").mkdir()
    with pytest.raises(FastaError, match=r"dir.fa: not a file \(a FASTA file is expected\)$"):
        read_fasta(tmp_path / "dir.fa")
    (tmp_path / "bin.fa").write_bytes(b">a\nAC\x00GU\n")
    with pytest.raises(FastaError, match=r"bin.fa: binary file \(NUL bytes\), not FASTA text$"):
        read_fasta(tmp_path / "bin.fa")
    (tmp_path / "bin.fa.gz").write_bytes(gzip.compress(b"\x00\x01\x02"))
    with pytest.raises(FastaError, match=r"bin.fa.gz: binary file"):
        read_fasta(tmp_path / "bin.fa.gz")
