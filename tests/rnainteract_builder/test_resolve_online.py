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
from tests.rnainteract_builder.rnainter_rows import row, write_rnainter

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
