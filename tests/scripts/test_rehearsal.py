"""The paper-scale rehearsal's helpers: the synthetic RNAInter file agrees with its world, the loopback
services answer the real resolvers (through 429s and partial batches), /usr/bin/time output is parsed."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from rnainteract_builder.resolve.cache import ResolverCache
from rnainteract_builder.resolve.ensembl import EnsemblResolver
from rnainteract_builder.resolve.http import HttpClient, RetryPolicy
from rnainteract_builder.resolve.ncbi import NCBIResolver
from rnainteract_builder.resolve.offline import MirbaseResolver, NoncodeResolver
from rnainteract_builder.resolve.uniprot import UniProtResolver
from scripts.rehearsal.local_files import write_mirbase, write_noncode
from scripts.rehearsal.measure import parse_time_output
from scripts.rehearsal.rnainter_file import COLUMNS, write_rnainter
from scripts.rehearsal.services import Behaviour, Catalogue, Handler, ThreadingHTTPServer
from scripts.rehearsal.world import World, protein_raw_id, rna_raw_id

ROWS = 60_000


@pytest.fixture(scope="module")
def world() -> World:
    return World.scaled(ROWS, seed=3)


def test_file_has_rnainter_columns_and_the_world_ids(world: World, tmp_path: Path) -> None:
    path = write_rnainter(world, tmp_path / "rp.txt", threads=1)
    lines = path.read_text().splitlines()
    assert tuple(lines[0].split("\t")) == COLUMNS
    assert len(lines) == ROWS + 1 and all(len(line.split("\t")) == 13 for line in lines)
    source = f"read_csv('{path}', delim='\t', header=true, quote='', escape='', all_varchar=true)"
    kept = duckdb.sql(f"""SELECT DISTINCT "Raw_ID1" FROM {source}
                          WHERE "Category1" NOT IN ('mRNA', 'retained_intron', 'nonsense_mediated_decay', 'unknown')
                          AND "Raw_ID1" <> ''""").fetchall()
    rna_ids = {rna_raw_id(world, r) for r in range(world.n_rna)}
    assert {row[0] for row in kept} <= rna_ids
    assert len(kept) >= 0.95 * world.n_rna  # every RNA id occurs (a few rows are duplicates instead)
    proteins = {row[0] for row in duckdb.sql(f'SELECT DISTINCT "Raw_ID2" FROM {source}').fetchall()}
    assert proteins <= {protein_raw_id(world, p) for p in range(world.n_protein)}


@pytest.fixture()
def services(world: World):
    behaviour = Behaviour(seed=0, p429=0.2, p503=0.1, p_partial=0.3, latency_ms=0.1)
    handler = type("H", (Handler,), {"catalogue": Catalogue(world), "behaviour": behaviour})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", behaviour
    server.shutdown()
    server.server_close()


def test_services_answer_the_real_resolvers(world: World, services, tmp_path: Path) -> None:
    url, behaviour = services
    cache = ResolverCache(tmp_path / "cache.sqlite")
    retry = RetryPolicy(attempts=20, initial_wait=0.001, max_wait=0.01, timeout=10)
    client = HttpClient(rate=1000.0, retry=retry, sleep=lambda s: None)
    ncbi = NCBIResolver(cache, f"{url}/eutils", client=client, batch_size=20)
    rna_ids = [rna_raw_id(world, r) for r in range(60)]
    got = ncbi.resolve(rna_ids, "rna")
    expected = [i for i in rna_ids if world.found("ncbi", i.split(":")[1], int(i.split(":")[1]) - 10_000_000 < world.hubs)]
    assert sorted(got) == sorted(expected)
    for hit in got.values():
        lengths = world.isoform_lengths("ncbi", hit.raw_id.split(":")[1], False)
        if hit.sequence is None:  # too long for the 1,024 cut-off: only its length is kept
            assert hit.length in lengths and hit.length > 1024
        else:
            assert len(hit.sequence) in lengths or len(hit.sequence) <= 1024
    assert behaviour.counts["HTTP 429"] > 0 and behaviour.counts["partial"] > 0
    # only batches the services left ids out of are asked again (not every batch holding unknown genes)
    batches = -(-len(rna_ids) // 20)
    retried = behaviour.counts["partial"] + behaviour.counts["HTTP 429"] + behaviour.counts["HTTP 503"]
    assert behaviour.counts["elink.fcgi"] <= batches + retried
    asked = dict(behaviour.counts)
    again = NCBIResolver(ResolverCache(tmp_path / "cache.sqlite"), f"{url}/eutils", client=client, batch_size=20)
    assert again.resolve(rna_ids, "rna").keys() == got.keys()
    assert dict(behaviour.counts) == asked  # a rerun over the same ids sends no request
    proteins = [protein_raw_id(world, world.counts["protein_ncbi"] + k) for k in range(world.counts["protein_uniprot"])]
    uniprot = UniProtResolver(cache, url, HttpClient(rate=1000.0, retry=retry, sleep=lambda s: None))
    assert len(uniprot.resolve(proteins, "protein")) >= 0.8 * len(proteins)
    first_ensembl = world.counts["rna_ncbi"]
    ensembl_ids = [rna_raw_id(world, first_ensembl + k) for k in range(min(30, world.counts["rna_ensembl"]))]
    ensembl = EnsemblResolver(cache, url, HttpClient(rate=1000.0, retry=retry, sleep=lambda s: None))
    assert len(ensembl.resolve(ensembl_ids, "rna")) >= 0.8 * len(ensembl_ids)


def test_local_files_resolve(world: World, tmp_path: Path) -> None:
    start = world.counts["rna_ncbi"] + world.counts["rna_ensembl"]
    mirnas = [rna_raw_id(world, start + k) for k in range(world.counts["rna_mirbase"])]
    found = MirbaseResolver(write_mirbase(world, tmp_path / "miRNA.dat")).resolve(mirnas, "rna")
    assert len(found) >= 0.8 * len(mirnas) and all(len(h.sequence) == 22 for h in found.values())
    start += world.counts["rna_mirbase"]
    noncode = [rna_raw_id(world, start + k) for k in range(world.counts["rna_noncode"])]
    found = NoncodeResolver(write_noncode(world, tmp_path / "nc.fa.zip")).resolve(noncode, "rna")
    assert len(found) >= 0.8 * len(noncode)


def test_time_output_parsed() -> None:
    text = ("\tUser time (seconds): 12.50\n\tSystem time (seconds): 1.25\n"
            "\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03.5\n\tMaximum resident set size (kbytes): 2048\n")
    assert parse_time_output(text) == {"user": 12.5, "system": 1.25, "wall": 3723.5, "rss_kb": 2048.0}
