"""What the paper-scale rehearsal found in resolve: unknown ids asked again, one request at a time, and
too-long sequences held in memory. Against the loopback server (no internet)."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.positives import PositivesConfig, build_positives
from rnainteract_builder.resolve import HttpClient, NCBIResolver, RateLimiter, ResolverCache, RetryPolicy
from rnainteract_builder.resolve.base import too_long_length
from rnainteract_builder.resolve.offline import TableResolver
from rnainteract_builder.resolve.stage import RESOLVED, resolve_molecule
from tests.rnainteract_builder.fake_services import FakeServer, Transcript, gene_world


def _ncbi(cache: Path, url: str, rate: float = 1000.0, workers: int = 1, batch_size: int = 3) -> NCBIResolver:
    client = HttpClient(rate=rate, retry=RetryPolicy(attempts=3, initial_wait=0.01))
    return NCBIResolver(ResolverCache(cache), url, api_key="", email="", batch_size=batch_size, client=client,
                        workers=workers)


def test_unknown_genes_are_cached_as_not_found_without_asking_again(tmp_path: Path) -> None:
    world = gene_world(3)
    known = ["NCBI:1", "NCBI:2", "NCBI:3"]
    unknown = [f"NCBI:{g}" for g in range(90, 97)]  # NCBI lists them, with no RefSeq link
    with FakeServer(world) as url:
        found = _ncbi(tmp_path / "c.sqlite", url, batch_size=10).resolve(known + unknown, "rna")
        assert set(found) == set(known)
        assert world.requests["elink.fcgi"] == 1  # one batch, not asked a second time for the unknown genes
        assert sorted(world.asked_genes) == sorted(i.split(":")[1] for i in known + unknown)
        asked = sum(world.requests.values())
        again = _ncbi(tmp_path / "c.sqlite", url, batch_size=10).resolve(known + unknown, "rna")
        assert sum(world.requests.values()) == asked  # a rerun over the same ids sends no request
    assert {k: v.sequence for k, v in again.items()} == {k: v.sequence for k, v in found.items()}


def test_left_out_genes_are_still_asked_once_more(tmp_path: Path) -> None:
    world = gene_world(3)
    world.partial_once = True  # the first elink answer leaves the last gene out
    with FakeServer(world) as url:
        found = _ncbi(tmp_path / "c.sqlite", url, batch_size=10).resolve(["NCBI:1", "NCBI:2", "NCBI:3", "NCBI:9"], "rna")
    assert set(found) == {"NCBI:1", "NCBI:2", "NCBI:3"}
    assert world.asked_genes == ["1", "2", "3", "9", "9"]  # only the left-out gene, unknown, asked again


def test_rate_limiter_holds_across_threads() -> None:
    clock = [0.0]
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:  # a fake clock that moves only when someone waits
        with lock:
            slept.append(seconds)
            clock[0] += seconds

    limiter = RateLimiter(4.0, clock=lambda: clock[0], sleep=sleep)
    threads = [threading.Thread(target=lambda: [limiter.wait() for _ in range(5)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(slept) == pytest.approx(39 / 4.0)  # 40 requests, each 1/4 s after the previous one


def test_concurrent_batches_never_exceed_the_rate_at_the_server(tmp_path: Path) -> None:
    world = gene_world(15)
    world.delay = 0.02  # answers fast: without the shared limiter four threads would send ~200 requests/s
    rate = 20.0
    with FakeServer(world) as url:
        found = _ncbi(tmp_path / "c.sqlite", url, rate=rate, workers=4, batch_size=1).resolve(
            [f"NCBI:{g}" for g in range(1, 16)], "rna")
    assert len(found) == 15
    arrivals = sorted(world.arrivals)
    window = int(rate)
    assert len(arrivals) > window
    # no more than `rate` requests in any one second (the slack covers a request delayed on its way)
    gaps = [arrivals[i + window] - arrivals[i] for i in range(len(arrivals) - window)]
    assert min(gaps) >= 1.0 - 0.25


def _world_with_unknowns() -> tuple[object, list[str]]:
    world = gene_world(16)
    world.genes["17"] = {"rna": [Transcript("1701", "NR_001701.1", "A" * 1500)]}  # only too long
    ids = [f"NCBI:{g}" for g in range(1, 18)] + [f"NCBI:{g}" for g in range(50, 60)] + ["NCBI:x"]
    return world, ids


def test_concurrent_output_is_byte_identical_to_one_at_a_time(tmp_path: Path) -> None:
    tables = {}
    for workers in (1, 4):
        world, ids = _world_with_unknowns()
        world.delay = 0.1
        world.partial_once = True
        with FakeServer(world) as url:
            resolver = _ncbi(tmp_path / f"c{workers}.sqlite", url, workers=workers, batch_size=2)
            table = resolve_molecule(ids, [resolver], "rna", max_length=1024)
        path = write_parquet_atomic(table, tmp_path / f"rna_{workers}.parquet")
        tables[workers] = (path.read_bytes(), world.max_in_flight)
    assert tables[1][0] == tables[4][0]
    assert tables[1][1] == 1 and tables[4][1] >= 2  # batches really were in flight together


def test_too_long_length_mirrors_normalise() -> None:
    assert too_long_length("ACGT" * 300, "rna", 1024) == 1200
    assert too_long_length("acgt" * 300, "rna", None) is None
    assert too_long_length("ACGU" * 256, "rna", 1024) is None  # exactly the limit
    assert too_long_length("ACGU" * 256 + " \n", "rna", 1024) is None  # whitespace is not counted
    assert too_long_length("M" * 1024 + "*", "protein", 1024) is None  # nor a protein's stop
    assert too_long_length("ACGN" * 300, "rna", 1024) is None  # a letter error may come first: kept


def _resolve_and_positives(tmp_path: Path, resolve_max: int | None, config: PositivesConfig) -> tuple:
    rna = {"miR:short": "ACGU" * 10, "miR:long": "ACGT" * 300, "miR:long_n": "ACGN" * 300, "miR:lower": "acgu" * 300}
    protein = {"P:short": "MKV" * 10, "P:long": "MKVL" * 300 + "*", "P:edge": "M" * 1024 + "*"}
    pairs = [(r, p) for r in rna for p in protein]
    out = tmp_path / f"max{resolve_max}_{config.letter_policy}"
    files = {}
    for molecule, seqs in (("rna", rna), ("protein", protein)):
        source = write_parquet_atomic(pa.table({"raw_id": list(seqs), "sequence": list(seqs.values())}),
                                      out / f"{molecule}_source.parquet")
        table = resolve_molecule(list(seqs), [TableResolver(source)], molecule, resolve_max)  # type: ignore[arg-type]
        files[molecule] = write_parquet_atomic(table, out / f"{molecule}_resolved.parquet")
    ingested = pa.table({
        "row_index": list(range(len(pairs))), "rnainter_id": [f"RP{i}" for i in range(len(pairs))],
        "rna_source_id": [r for r, _ in pairs], "protein_source_id": [p for _, p in pairs],
        "rna_symbol": [None] * len(pairs), "protein_symbol": [None] * len(pairs),
        "rna_category": ["miRNA"] * len(pairs), "protein_category": ["protein"] * len(pairs),
        "rna_species": ["Homo sapiens"] * len(pairs), "protein_species": ["Homo sapiens"] * len(pairs),
        "score": [0.5] * len(pairs), "evidence_strong": [None] * len(pairs), "evidence_weak": ["RIP"] * len(pairs),
        "evidence_predict": [None] * len(pairs),
    })
    write_parquet_atomic(ingested, out / "ingested.parquet")
    report = Report("positives")
    folder = build_positives(out / "ingested.parquet", files["rna"], files["protein"], config, report)
    return folder.interactions.to_pylist(), report.to_dict()["drops"], files


@pytest.mark.parametrize("policy", ["reject", "replace"])
def test_too_long_sequences_leave_resolve_as_their_length_with_the_same_drops(tmp_path: Path, policy: str) -> None:
    config = PositivesConfig(letter_policy=policy, interactor_limit=None)  # type: ignore[arg-type]
    kept, drops, files = _resolve_and_positives(tmp_path, None, config)
    kept_short, drops_short, files_short = _resolve_and_positives(tmp_path, 1024, config)
    assert (kept_short, drops_short) == (kept, drops)  # the same pairs and the same drops, by reason
    rna = pa.parquet.read_table(files_short["rna"]).to_pylist()
    by_id = {r["raw_id"]: r for r in rna}
    assert by_id["miR:long"]["sequence"] is None and by_id["miR:long"]["length"] == 1200
    assert by_id["miR:long"]["status"] == RESOLVED  # still counted as resolved (extraction rate)
    assert by_id["miR:long_n"]["sequence"] is not None  # may be dropped for its letter first: kept whole
    protein = {r["raw_id"]: r for r in pa.parquet.read_table(files_short["protein"]).to_pylist()}
    assert protein["P:long"]["sequence"] is None and protein["P:edge"]["sequence"] is not None


def test_positives_refuses_a_longer_limit_than_resolve_kept(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rerun resolve with max_length >= positives.max_length"):
        _resolve_and_positives(tmp_path, 1024, PositivesConfig(max_length=2000, interactor_limit=None))


def test_workers_come_from_the_source_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnainteract_builder.resolve import build_resolvers

    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    cache = tmp_path / "c.sqlite"
    (plain, keyed, set_, uniprot), _ = build_resolvers(
        [{"kind": "ncbi"}, {"kind": "ncbi", "api_key": "k"}, {"kind": "ncbi", "workers": 2}, {"kind": "uniprot"}],
        cache, 1024)
    assert [r.workers for r in (plain, keyed, set_, uniprot)] == [4, 10, 2, 4]  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="workers must be a whole number >= 1"):
        build_resolvers([{"kind": "ensembl", "workers": 0}], cache, 1024)
