from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.resolve import (
    Candidate,
    FastaResolver,
    MirbaseResolver,
    NoncodeResolver,
    ResolverError,
    TableResolver,
    choose_isoform,
    resolve_all,
)

MIRNA_DAT = """ID   hsa-let-7a-1      standard; RNA; HSA; 20 BP.
XX
AC   MI0000060;
XX
FT   miRNA           3..8
FT                   /accession="MIMAT0000062"
FT                   /product="hsa-let-7a-5p"
XX
SQ   Sequence 20 BP; 5 A; 5 C; 5 G; 5 T; 0 other;
     ugggaugagg uaguagguug                                                20
//
"""


def test_choose_isoform_rule() -> None:
    cands = [Candidate("XR_1.1", 900), Candidate("NR_2.1", 900), Candidate("NR_3.1", 2000), Candidate("NR_4.1", 10)]
    assert choose_isoform(cands, 1024) == Candidate("NR_2.1", 900)  # longest fitting; curated wins the tie
    assert choose_isoform(cands, None) == Candidate("NR_3.1", 2000)
    assert choose_isoform([Candidate("NR_9.1", 3000), Candidate("NR_8.1", 2000)], 1024) == Candidate("NR_8.1", 2000)
    assert choose_isoform([], 1024) is None


def test_table_resolver_tsv_and_parquet(tmp_path: Path) -> None:
    tsv = tmp_path / "seqs.tsv"
    tsv.write_text('raw_id\tsequence\nNCBI:1\tACGU\nNCBI:2\tGG"A\n')
    pq.write_table(pa.table({"raw_id": ["NCBI:1"], "sequence": ["ACGU"]}), tmp_path / "s.parquet")
    found = TableResolver(tsv).resolve(["NCBI:1", "NCBI:2", "NCBI:3"], "rna")
    assert {k: v.sequence for k, v in found.items()} == {"NCBI:1": "ACGU", "NCBI:2": 'GG"A'}
    assert TableResolver(tmp_path / "s.parquet").resolve(["NCBI:1"], "rna")["NCBI:1"].sequence == "ACGU"
    (tmp_path / "bad.tsv").write_text("id\tseq\nx\ty\n")
    with pytest.raises(ResolverError, match="raw_id and sequence"):
        TableResolver(tmp_path / "bad.tsv")


def test_fasta_noncode_mirbase(tmp_path: Path) -> None:
    (tmp_path / "a.fa").write_text(">NCBI:7 desc\nACGU\nAC\n")
    (tmp_path / "nc.fa").write_text(">NONHSAT000001.2\nGGGG\n>NONHSAT000002.1|x\nCCCC\n")
    (tmp_path / "miRNA.dat").write_text(MIRNA_DAT)
    assert FastaResolver(tmp_path / "a.fa").resolve(["NCBI:7"], "rna")["NCBI:7"].sequence == "ACGUAC"
    noncode = NoncodeResolver(tmp_path / "nc.fa")
    got = noncode.resolve(["NONCODE:NONHSAT000001", "NONCODE:NONHSAT000002.1", "NONCODE:NONHSAT9"], "rna")
    assert {k: v.sequence for k, v in got.items()} == {"NONCODE:NONHSAT000001": "GGGG", "NONCODE:NONHSAT000002.1": "CCCC"}
    mirbase = MirbaseResolver(tmp_path / "miRNA.dat")
    got = mirbase.resolve(["miRBase:MI0000060", "miRBase:MIMAT0000062", "miRBase:hsa-let-7a-5p"], "rna")
    assert got["miRBase:MI0000060"].sequence == "UGGGAUGAGGUAGUAGGUUG"
    assert got["miRBase:MIMAT0000062"].sequence == "GGAUGA" == got["miRBase:hsa-let-7a-5p"].sequence
    assert got["miRBase:hsa-let-7a-5p"].accession == "MIMAT0000062"


def test_chain_order_and_unresolved_reasons(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text("raw_id\tsequence\nNONCODE:NONHSAT000001\tAAAA\n")
    (tmp_path / "nc.fa").write_text(">NONHSAT000001.2\nGGGG\n>NONHSAT000003.1\nUUUU\n")
    chain = [TableResolver(tmp_path / "a.tsv"), NoncodeResolver(tmp_path / "nc.fa")]
    found, missing = resolve_all(chain, ["NONCODE:NONHSAT000001", "NONCODE:NONHSAT000003", "Foo:1"], "rna")
    assert found["NONCODE:NONHSAT000001"].sequence == "AAAA"  # the first source wins
    assert found["NONCODE:NONHSAT000003"].resolver == "noncode"
    assert missing["Foo:1"].reason == "not found (table:a.tsv)"
    found, missing = resolve_all([NoncodeResolver(tmp_path / "nc.fa")], ["Foo:1"], "rna")
    assert missing["Foo:1"].reason == "no resolver for database Foo"


def test_noncode_and_fasta_read_zip_and_gz_downloads(tmp_path: Path) -> None:
    import gzip
    import zipfile

    fasta = ">NONHSAT000001.2\nGGGG\nAA\n>NONHSAT000002.1\nCCCC\n"
    archive = tmp_path / "ncrna_NONCODE[v5.0].fasta.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("ncrna_NONCODE[v5.0].fasta", fasta)
        out.writestr("more/extra.fa.gz", gzip.compress(b">NONMMUT000009.1\nUUUU\n"))
        out.writestr("__MACOSX/._ncrna_NONCODE[v5.0].fasta", b"\x00\x05\x16\x07 resource fork")
    (tmp_path / "nc.fa.gz").write_bytes(gzip.compress(fasta.encode()))
    ids = ["NONCODE:NONHSAT000001", "NONCODE:NONHSAT000002.1", "NONCODE:NONMMUT000009"]
    from_zip = NoncodeResolver(archive).resolve(ids, "rna")
    assert {k: v.sequence for k, v in from_zip.items()} == {
        "NONCODE:NONHSAT000001": "GGGGAA", "NONCODE:NONHSAT000002.1": "CCCC", "NONCODE:NONMMUT000009": "UUUU"
    }
    from_gz = NoncodeResolver(tmp_path / "nc.fa.gz").resolve(ids, "rna")
    assert from_gz["NONCODE:NONHSAT000001"].sequence == "GGGGAA" and len(from_gz) == 2
    assert FastaResolver(archive, prefix="NONCODE").resolve(["NONCODE:NONHSAT000002.1"], "rna")


def test_broken_or_empty_zip_is_one_line(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ResolverError, match="broken.zip: not a readable zip archive"):
        NoncodeResolver(tmp_path / "broken.zip")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    with pytest.raises(ResolverError, match="empty.zip: the zip archive holds no file"):
        NoncodeResolver(tmp_path / "empty.zip")
    with pytest.raises(ResolverError, match="absent.zip: no such FASTA archive"):
        NoncodeResolver(tmp_path / "absent.zip")
