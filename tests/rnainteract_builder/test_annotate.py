"""Rfam / Pfam annotation with toy databases built here, pseudo-families, precomputed tables, fetching."""

from __future__ import annotations

import functools
import gzip
import http.server
import random
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.annotate.annotate import (
    AnnotateConfig,
    annotate_dir,
    annotate_pairs,
    read_label_table,
)
from rnainteract_builder.annotate.databases import DatabaseFile, fetch_databases
from rnainteract_builder.annotate.pfam import read_clans, scan_pfam
from rnainteract_builder.annotate.rfam import best_hits, parse_tblout, scan_rfam
from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.contract.tools import require_tool
from tests.rnainteract_builder.toy_databases import build_toy_pfam, build_toy_rfam

SHARED = Path(__file__).resolve().parents[2] / "../shared/data"


@pytest.fixture(scope="module")
def rfam(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    return build_toy_rfam(tmp_path_factory.mktemp("rfam"))


@pytest.fixture(scope="module")
def pfam(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    return build_toy_pfam(tmp_path_factory.mktemp("pfam"), press=True)


def _random_rna(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ACGU") for _ in range(n))


def test_cmscan_assigns_the_right_family_and_resumes(rfam, tmp_path: Path) -> None:
    cm, clanin, roots = rfam
    rng = random.Random(0)
    seqs = {
        "a": _random_rna(rng, 15) + roots["RF90001"] + _random_rna(rng, 15),
        "b": roots["RF90002"],
        "none": _random_rna(rng, 60),
    }
    work = tmp_path / "work"
    hits = scan_rfam(seqs, cm, clanin, jobs=2, chunk_size=2, work_dir=work)
    assert {k: (h.accession, h.name, h.clan) for k, h in hits.items()} == {
        "a": ("RF90001", "toyA", "CL99001"),
        "b": ("RF90002", "toyB", "CL99001"),
    }
    assert hits["a"].evalue < 1e-5 and hits["a"].score > 20
    tables = sorted(work.glob("*.tbl"))
    assert len(tables) == 2  # two chunks of at most two sequences
    stamp = [t.stat().st_mtime_ns for t in tables]
    assert scan_rfam(seqs, cm, clanin, jobs=1, chunk_size=2, work_dir=work) == hits
    assert [t.stat().st_mtime_ns for t in tables] == stamp  # resumed: chunks not rerun


def test_unpressed_cm_is_a_clear_error(tmp_path: Path) -> None:
    require_tool("cmscan")  # the message under test comes after cmscan is found
    cm = tmp_path / "Rfam.cm"
    cm.write_text("not pressed")
    with pytest.raises(InputError, match="cmpress"):
        scan_rfam({"x": "ACGU"}, cm)
    with pytest.raises(InputError, match="fetch-databases"):
        scan_rfam({"x": "ACGU"}, tmp_path / "absent.cm")


def test_best_hit_skips_clan_overlaps_and_minus_strand() -> None:
    def row(target: str, acc: str, strand: str, score: str, evalue: str, olp: str) -> str:
        return (
            f"1 {target} {acc} q1 - CL1 cm 1 50 1 50 {strand} no 1 0.5 0.0 {score} {evalue} ! {olp} "
            "- - - - - - some description"
        )

    table = ["#idx header", row("famA", "RF1", "+", "40.0", "1e-8", "^"), row("famB", "RF2", "+", "30.0",
             "1e-6", "="), row("famC", "RF3", "-", "90.0", "1e-20", "*")]  # fmt: skip
    hits = parse_tblout(table)
    assert [h.accession for h in hits] == ["RF1", "RF2", "RF3"]
    assert best_hits(hits)["q1"].accession == "RF1"
    with pytest.raises(InputError, match="fmt 2"):
        parse_tblout(["1 too few fields"])


@pytest.mark.parametrize("press", [True, False])
def test_hmmscan_assigns_the_clan_of_the_best_hit_with_a_clan(tmp_path: Path, press: bool) -> None:
    hmm, clans, roots = build_toy_pfam(tmp_path, press=press)
    seqs = {
        "kinase": roots["PF90001"],
        "binder": "MS" + roots["PF90002"] + "GGK",
        "loner": roots["PF90003"],
        # Best hit is the clan-less family, but a weaker hit to a clan family decides the clan.
        "chimera": roots["PF90003"] + roots["PF90001"][:45],
        "nothing": "MKVLAAGIVALLSPEQ" * 4,
    }
    hits = scan_pfam(seqs, hmm, clans)
    assert {k: h.clan for k, h in hits.items()} == {
        "kinase": "CL9001", "binder": "CL9001", "loner": "PF90003", "chimera": "CL9001",
    }  # fmt: skip
    assert hits["chimera"].family == "PF90001"
    assert hits["kinase"].clan_name == "ToyClan"


@pytest.mark.skipif(not (SHARED / "annotations/Pfam-A.clans.tsv").exists(), reason="shared/data is absent")
def test_real_pfam_clans_table() -> None:
    clans = read_clans(SHARED / "annotations/Pfam-A.clans.tsv")
    assert clans["PF00004"].accession == "CL0023"  # AAA -> P-loop_NTPase
    assert clans["PF00004"].name == "P-loop_NTPase"
    assert any(value is None for value in clans.values())  # families outside every clan exist
    assert len(clans) > 10_000


def _folder(rnas: dict[str, str], proteins: dict[str, str], pairs: list[tuple[str, str]]) -> PairsFolder:
    def seq_table(seqs: dict[str, str], molecule: str) -> tuple[pa.Table, dict[str, str]]:
        ids = {name: sequence_id(s, molecule) for name, s in seqs.items()}
        order = sorted(ids, key=ids.get)
        table = pa.table({"id": [ids[n] for n in order], "sequence": [seqs[n] for n in order],
                          "length": pa.array([len(seqs[n]) for n in order], pa.int32()),
                          "source_ids": [[n] for n in order]})  # fmt: skip
        return schema.conform(table, schema.SEQUENCES), ids

    rna_table, rna_ids = seq_table(rnas, "rna")
    prot_table, prot_ids = seq_table(proteins, "protein")
    interactions = pa.table({
        "pair_id": [f"p{i}" for i in range(len(pairs))],
        "rna_id": [rna_ids[r] for r, _ in pairs], "protein_id": [prot_ids[p] for _, p in pairs],
        "label": pa.array([1] * len(pairs), pa.int8()),
    })  # fmt: skip
    return PairsFolder(schema.conform(interactions, schema.INTERACTIONS), rna_table, prot_table)


def test_annotate_pairs_folder(rfam, pfam, tmp_path: Path) -> None:
    cm, clanin, rna_roots = rfam
    hmm, clans, prot_roots = pfam
    rng = random.Random(3)
    orphan = _random_rna(rng, 90)
    orphan_sibling = orphan[:40] + ("A" if orphan[40] != "A" else "C") + orphan[41:]
    rnas = {
        "tA": rna_roots["RF90001"],
        "tB": "GG" + rna_roots["RF90002"],
        "orphan": orphan,
        "orphan2": orphan_sibling,
        "other": _random_rna(rng, 80),
        "given": _random_rna(rng, 50),
    }
    proteins = {
        "kin": prot_roots["PF90001"],
        "lon": prot_roots["PF90003"],
        "free": "MKWVTFISLLFLFSSAYS" * 4,
        "given": "MDDDKRRRLLLEEEKKKAAA" * 3,
    }
    pairs = [(r, p) for r in rnas for p in proteins]
    family_table = tmp_path / "families.tsv"
    family_table.write_text("id\tfamily\tname\ngiven\tRF00005\ttRNA\n")  # a source id is enough
    clan_table = tmp_path / "clans.tsv"
    clan_table.write_text(f"id\tclan\n{sequence_id(proteins['given'], 'protein')}\tCL0221\n")  # or a hash id
    folder = _folder(rnas, proteins, pairs)
    folder.write(tmp_path / "in")
    config = AnnotateConfig(rfam_cm=cm, rfam_clanin=clanin, pfam_hmm=hmm, pfam_clans=clans,
                            family_table=family_table, clan_table=clan_table, cluster_tool="cd-hit",
                            rna_cluster_identity=0.9, protein_cluster_identity=0.9)  # fmt: skip
    report = annotate_dir(tmp_path / "in", tmp_path / "out", config)
    out = PairsFolder.read(tmp_path / "out")
    rna_label: dict[str, str] = {}
    ids = {sequence_id(s, "rna"): name for name, s in rnas.items()}
    for rid, fam in zip(
        out.interactions.column("rna_id").to_pylist(),
        out.interactions.column("rna_family").to_pylist(),
        strict=True,
    ):
        rna_label[ids[rid]] = fam
    assert rna_label["tA"] == "RF90001" and rna_label["tB"] == "RF90002"
    assert rna_label["given"] == "RF00005"
    # Unannotated RNAs get cluster pseudo-families: related ones share one, unrelated ones do not.
    assert rna_label["orphan"] == rna_label["orphan2"]
    assert rna_label["orphan"].startswith("cluster:") and rna_label["other"].startswith("cluster:")
    assert rna_label["orphan"] != rna_label["other"]
    prot_ids = {sequence_id(s, "protein"): name for name, s in proteins.items()}
    clan = {
        prot_ids[p]: c
        for p, c in zip(
            out.interactions.column("protein_id").to_pylist(),
            out.interactions.column("protein_clan").to_pylist(),
            strict=True,
        )
    }
    assert clan == {
        "kin": "CL9001",
        "lon": "PF90003",
        "given": "CL0221",
        "free": f"cluster:{sequence_id(proteins['free'], 'protein')}",
    }
    assert out.interactions.column("rna_family").null_count == 0
    families = pq.read_table(tmp_path / "out" / "rna_families.parquet")
    sources = dict(zip(families.column("id").to_pylist(), families.column("source").to_pylist(), strict=True))
    assert sorted(sources.values()) == ["cluster", "cluster", "cluster", "rfam", "rfam", "table"]
    evalues = pc.drop_null(families.column("evalue")).to_pylist()
    assert len(evalues) == 2 and max(evalues) < 1e-5
    assert report.facts["RNA families by source"]["cluster"] == {"sequences": 3, "unique": 2}
    assert (tmp_path / "out" / "annotate_report.md").exists()


def test_clusters_only_never_one_unknown_family() -> None:
    rng = random.Random(9)
    rnas = {f"r{i}": _random_rna(rng, 60) for i in range(5)}
    folder = _folder(rnas, {"p": "MKV" * 20}, [(r, "p") for r in rnas])
    out, _ = annotate_pairs(folder, AnnotateConfig(cluster_tool="cd-hit", rna_cluster_identity=0.9,
                                                   protein_cluster_identity=0.9))  # fmt: skip
    families = out.interactions.column("rna_family").to_pylist()
    assert len(set(families)) == 5 and all(f.startswith("cluster:rna-") for f in families)


def test_label_table_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tfamily\nx\tRF1\nx\tRF2\n")
    with pytest.raises(InputError, match="two family values"):
        read_label_table(bad, "family")
    with pytest.raises(InputError, match="needs the columns"):
        read_label_table(bad, "clan")


def test_fetch_databases_from_a_local_server(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    _, clans, _ = build_toy_pfam(served, press=False)
    for name in ("Pfam-A.hmm", "Pfam-A.clans.tsv"):
        (served / f"{name}.gz").write_bytes(gzip.compress((served / name).read_bytes()))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        files = (
            DatabaseFile("Pfam-A.hmm", f"{base}/Pfam-A.hmm.gz"),
            DatabaseFile("Pfam-A.clans.tsv", f"{base}/Pfam-A.clans.tsv.gz"),
        )
        paths = fetch_databases(tmp_path / "db", rfam=False, pfam_files=files)
        missing = (DatabaseFile("Rfam.cm", f"{base}/absent.cm.gz"),)
        with pytest.raises(InputError, match=r"could not download .*absent.cm.gz"):
            fetch_databases(tmp_path / "db2", pfam=False, rfam_files=missing)
    finally:
        server.shutdown()
    assert paths["pfam_hmm"].read_bytes() == (served / "Pfam-A.hmm").read_bytes()
    assert Path(f"{paths['pfam_hmm']}.h3m").exists()  # pressed
    assert not list((tmp_path / "db").glob("*.gz")) and not list((tmp_path / "db").glob(".*part"))
    assert scan_pfam({"x": "MKV" * 10}, paths["pfam_hmm"], paths["pfam_clans"]) == {}


def test_fetch_without_network_is_one_line(tmp_path: Path) -> None:
    files = (DatabaseFile("Rfam.cm", "http://127.0.0.1:9/Rfam.cm.gz"),)  # discard port: refused
    with pytest.raises(InputError) as info:
        fetch_databases(tmp_path, pfam=False, rfam_files=files)
    assert "\n" not in str(info.value) and "Rfam.cm.gz" in str(info.value)
