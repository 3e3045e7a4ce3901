"""Online resolvers against a loopback server that answers like the real APIs (no internet)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from rnainteract_builder.build import BuildContext, get_stage, run_stage
from rnainteract_builder.resolve import (
    EnsemblResolver,
    HttpClient,
    NCBIResolver,
    RateLimiter,
    ResolverCache,
    ResolverError,
    RetryPolicy,
    UniProtResolver,
)
from tests.rnainteract_builder.fake_services import FakeServer, FakeWorld, gene_world
from tests.toy_data import row, write_rnainter

REPO = Path(__file__).resolve().parents[2]


def _client(sleeps: list[float], attempts: int = 4) -> HttpClient:
    return HttpClient(rate=1000.0, retry=RetryPolicy(attempts=attempts, initial_wait=0.5, max_wait=8), sleep=sleeps.append)


def _ncbi(tmp_path: Path, url: str, sleeps: list[float], batch_size: int = 3, attempts: int = 4) -> NCBIResolver:
    return NCBIResolver(ResolverCache(tmp_path / "cache.sqlite"), url, api_key="", email="",
                        batch_size=batch_size, client=_client(sleeps, attempts))


def test_ncbi_isoform_rule_and_cache(tmp_path: Path) -> None:
    world = gene_world(4)
    with FakeServer(world) as url:
        resolver = _ncbi(tmp_path, url, [])
        ids = ["NCBI:1", "NCBI:2", "NCBI:3", "NCBI:4", "NCBI:99", "NCBI:abc"]
        found = resolver.resolve(ids, "rna")
        # odd genes: the longer predicted transcript fits 1024 and is chosen; even: the long one does not
        assert found["NCBI:1"].accession == "XR_000102.1" and found["NCBI:1"].sequence == "GGCA" * 21
        assert found["NCBI:2"].accession == "NR_000201.1"
        assert "NCBI:99" not in found and "NCBI:abc" not in found
        proteins = resolver.resolve(["NCBI:3"], "protein")
        assert proteins["NCBI:3"].accession == "NP_000309.1"
        asked = sum(world.requests.values())
        again = _ncbi(tmp_path, url, []).resolve(ids, "rna")  # a new resolver on the same cache file
        assert sum(world.requests.values()) == asked  # nothing asked twice, not even the not-found gene
        assert {k: v.sequence for k, v in again.items()} == {k: v.sequence for k, v in found.items()}


def test_retries_with_backoff_on_5xx_and_429_honouring_retry_after(tmp_path: Path) -> None:
    world = gene_world(2)
    world.errors = [(500, {}), (429, {"Retry-After": "3"}), (503, {})]
    sleeps: list[float] = []
    with FakeServer(world) as url:
        resolver = _ncbi(tmp_path, url, sleeps, attempts=4)
        found = resolver.resolve(["NCBI:1", "NCBI:2"], "rna")
    assert set(found) == {"NCBI:1", "NCBI:2"}
    assert resolver.client.retries == 3
    backoffs = [s for s in sleeps if s >= 0.01]  # the rate limiter (1000/s) may add sub-millisecond waits
    assert backoffs == [0.5, 3.0, 2.0]  # exponential 0.5, 1 (Retry-After 3 wins), 2


def test_gives_up_after_the_last_attempt_and_resumes_later(tmp_path: Path) -> None:
    world = gene_world(4)
    with FakeServer(world) as url:
        first = _ncbi(tmp_path, url, [], batch_size=2, attempts=2)
        first.resolve(["NCBI:1", "NCBI:2"], "rna")  # one batch done and cached
        world.errors = [(502, {}), (502, {})]
        with pytest.raises(ResolverError, match="still failing after 2 attempts"):
            first.resolve(["NCBI:1", "NCBI:2", "NCBI:3", "NCBI:4"], "rna")
        world.asked_genes.clear()
        found = _ncbi(tmp_path, url, []).resolve(["NCBI:1", "NCBI:2", "NCBI:3", "NCBI:4"], "rna")
    assert len(found) == 4
    assert sorted(world.asked_genes) == ["3", "4"]  # the cached batch was not asked again


def test_partial_batch_is_asked_again_before_not_found(tmp_path: Path) -> None:
    world = gene_world(3)
    world.partial_once = True
    with FakeServer(world) as url:
        found = _ncbi(tmp_path, url, []).resolve(["NCBI:1", "NCBI:2", "NCBI:3"], "rna")
    assert set(found) == {"NCBI:1", "NCBI:2", "NCBI:3"}
    assert world.asked_genes == ["1", "2", "3", "3"]


def test_permanent_4xx_is_an_error_not_a_retry(tmp_path: Path) -> None:
    world = gene_world(1)
    world.errors = [(400, {})]
    with FakeServer(world) as url:
        resolver = _ncbi(tmp_path, url, [])
        with pytest.raises(ResolverError, match="HTTP 400"):
            resolver.resolve(["NCBI:1"], "rna")
    assert resolver.client.retries == 0


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    sleeps: list[float] = []

    def sleep(s: float) -> None:
        sleeps.append(round(s, 6))
        now[0] += s

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert sleeps == [round(1 / 3, 6)] * 3
    now[0] += 5  # idle time is not "saved up"
    limiter.wait()
    assert len(sleeps) == 3


def test_ncbi_rate_follows_the_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ResolverCache(tmp_path / "c.sqlite")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    assert NCBIResolver(cache).client.limiter.interval == pytest.approx(1 / 3)
    monkeypatch.setenv("NCBI_API_KEY", "k")
    keyed = NCBIResolver(cache)
    assert keyed.client.limiter.interval == pytest.approx(0.1)
    assert keyed._params()["api_key"] == "k"


def test_uniprot_and_ensembl(tmp_path: Path) -> None:
    world = FakeWorld(
        uniprot={"P12345": "MKVL", "Q9XYZ1": "MAAA"},
        ensembl={"ENSG01": {"ENST011": "ACGT" * 10, "ENST012": "AC" * 600}, "ENST02": {"ENST02": "GGG"}},
    )
    cache = ResolverCache(tmp_path / "c.sqlite")
    with FakeServer(world) as url:
        uni = UniProtResolver(cache, url, _client([]))
        got = uni.resolve(["UniProt:P12345", "UniProt:Q9XYZ1", "UniProt:O00000"], "protein")
        assert {k: v.sequence for k, v in got.items()} == {"UniProt:P12345": "MKVL", "UniProt:Q9XYZ1": "MAAA"}
        ens = EnsemblResolver(cache, url, _client([]))
        got = ens.resolve(["Ensembl:ENSG01", "Ensembl:ENST02", "Ensembl:ENSG99"], "rna")
    assert got["Ensembl:ENSG01"].accession == "ENST011"  # the 1200-nt transcript exceeds 1024
    assert got["Ensembl:ENST02"].sequence == "GGG"
    assert "Ensembl:ENSG99" not in got


@pytest.mark.slow
def test_killed_resolution_resumes_to_the_same_output(tmp_path: Path) -> None:
    n = 8
    world = gene_world(n)
    rnainter = write_rnainter(
        tmp_path / "rp.txt", [row(RNAInterID=f"RP{g}", Raw_ID1=f"NCBI:{g}", Raw_ID2=f"NCBI:{g}") for g in range(1, n + 1)]
    )

    def make_build(name: str, url: str) -> tuple[BuildContext, Path]:
        config = {
            "build_dir": name,
            "ingest": {"input": str(rnainter)},
            "resolve": {
                "sources": [{"kind": "ncbi", "base_url": url, "batch_size": 1, "rate": 1000, "api_key": ""}],
                "retry": {"attempts": 2, "initial_wait": 0.01},
            },
        }
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config))
        ctx = BuildContext(tmp_path / name, config, tmp_path, progress=False)
        run_stage(ctx, get_stage("ingest"))
        return ctx, path

    with FakeServer(world) as url:
        reference, _ = make_build("reference", url)
        run_stage(reference, get_stage("resolve"))
        world.delay = 0.05
        ctx, config_path = make_build("crashed", url)
        world.requests.clear()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnainteract_builder.cli", "build", "-c", str(config_path), "-s", "resolve", "-q"],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while world.requests["efetch.fcgi"] < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
        cache = ResolverCache(ctx.stage_dir("resolve") / "cache.sqlite")
        cached = cache.count()
        cache.close()
        assert 0 < cached < 2 * n  # killed in the middle: some genes cached, not all
        assert not (ctx.stage_dir("resolve") / "rna_resolved.parquet").exists() or cached >= n
        time.sleep(0.2)  # let the server finish the request that was in flight when the client died
        world.delay = 0.0
        world.asked_genes.clear()
        _, ran = run_stage(ctx, get_stage("resolve"))
    assert ran
    assert len(world.asked_genes) == 2 * n - cached  # only what the killed run had not cached
    for name in ("rna_resolved.parquet", "protein_resolved.parquet"):
        a = (reference.stage_dir("resolve") / name).read_bytes()
        b = (ctx.stage_dir("resolve") / name).read_bytes()
        assert a == b
        assert pq.read_table(reference.stage_dir("resolve") / name).column("status").to_pylist().count("resolved") == n


def test_uniprot_secondary_accessions_map_back_to_what_was_asked(tmp_path: Path) -> None:
    world = FakeWorld(
        uniprot={"P12345": "MKVL", "Q99999": "MWWW", "A0A001": "MAAA", "A0A002": "MCCC"},
        uniprot_secondary={"O11111": ["Q99999"], "O22222": ["A0A001", "A0A002"]},  # merged; demerged
    )
    cache = ResolverCache(tmp_path / "c.sqlite")
    ids = ["UniProt:P12345", "UniProt:O11111", "UniProt:O22222", "UniProt:O00000"]
    with FakeServer(world) as url:
        found = UniProtResolver(cache, url, _client([])).resolve(ids, "protein")
        assert found["UniProt:O11111"].sequence == "MWWW"
        assert found["UniProt:O11111"].accession == "Q99999"  # the record it came from: the primary entry
        assert found["UniProt:P12345"].accession == "P12345"
        assert "UniProt:O22222" not in found  # split into two entries: ambiguous, not guessed
        assert "UniProt:O00000" not in found
        asked = world.requests["accessions"]
        again = UniProtResolver(cache, url, _client([])).resolve(ids, "protein")
    assert world.requests["accessions"] == asked  # the mapping is cached under the asked id
    assert {k: v.sequence for k, v in again.items()} == {k: v.sequence for k, v in found.items()}


def test_uniprot_secondary_asked_alone_and_with_its_primary(tmp_path: Path) -> None:
    world = FakeWorld(uniprot={"Q99999": "MWWW"}, uniprot_secondary={"O11111": ["Q99999"]})
    with FakeServer(world) as url:
        alone = UniProtResolver(ResolverCache(tmp_path / "a.sqlite"), url, _client([]))
        assert alone.resolve(["UniProt:O11111"], "protein")["UniProt:O11111"].sequence == "MWWW"
        both = UniProtResolver(ResolverCache(tmp_path / "b.sqlite"), url, _client([]))
        got = both.resolve(["UniProt:O11111", "UniProt:Q99999"], "protein")
    assert got["UniProt:O11111"].sequence == got["UniProt:Q99999"].sequence == "MWWW"


def _interval_world() -> FakeWorld:
    world = gene_world(2)
    world.chromosomes = {"NC_000001.11": "AAAACCCCGGGGTTTTAACGTTTT"}
    world.placements = {
        "1": [("NC_000001.11", 4, 11)],  # plus strand: 1-based 5..12
        "2": [("NC_000001.11", 19, 16), ("NC_000002.12", 0, 3)],  # minus strand: 17..20; first placement
    }
    return world


def test_ncbi_interval_mode_fetches_the_genes_genomic_interval(tmp_path: Path) -> None:
    world = _interval_world()
    with FakeServer(world) as url:
        resolver = NCBIResolver(ResolverCache(tmp_path / "c.sqlite"), url, api_key="", email="",
                                client=_client([]), gene_mode="interval")
        found = resolver.resolve(["NCBI:1", "NCBI:2", "NCBI:3"], "rna")
        proteins = resolver.resolve(["NCBI:1"], "protein")
    assert found["NCBI:1"].sequence == "CCCCGGGG" and found["NCBI:1"].accession == "NC_000001.11:5-12"
    assert found["NCBI:2"].sequence == "CGTT"  # reverse complement of 17..20 (AACG)
    assert found["NCBI:2"].accession == "NC_000001.11:c20-17"
    assert "NCBI:3" not in found  # no placement
    assert proteins["NCBI:1"].accession == "NP_000109.1"  # proteins keep the RefSeq protein rule
    assert world.requests["elink.fcgi"] == 1  # only the protein lookup used elink


def test_transcript_and_interval_answers_are_cached_apart(tmp_path: Path) -> None:
    world = _interval_world()
    cache = ResolverCache(tmp_path / "c.sqlite")
    with FakeServer(world) as url:
        transcript = NCBIResolver(cache, url, api_key="", email="", client=_client([]))
        interval = NCBIResolver(cache, url, api_key="", email="", client=_client([]), gene_mode="interval")
        assert transcript.resolve(["NCBI:1"], "rna")["NCBI:1"].accession == "XR_000102.1"
        assert interval.resolve(["NCBI:1"], "rna")["NCBI:1"].accession == "NC_000001.11:5-12"
    assert transcript.namespace("protein") == interval.namespace("protein")


def test_gene_mode_comes_from_the_source_config(tmp_path: Path) -> None:
    from rnainteract_builder.contract.errors import InputError
    from rnainteract_builder.resolve import build_resolvers

    resolvers, cache = build_resolvers([{"kind": "ncbi", "gene_mode": "interval", "api_key": ""}],
                                       tmp_path / "c.sqlite", 1024)
    assert isinstance(resolvers[0], NCBIResolver) and resolvers[0].gene_mode == "interval"
    with pytest.raises(InputError, match="gene_mode must be one of transcript, interval"):
        build_resolvers([{"kind": "ncbi", "gene_mode": "exons"}], tmp_path / "c.sqlite", 1024)
    assert cache is not None
    cache.close()
