"""The embed stage: shards, manifest, drops, resume after a kill, corrupt shards, 2-process equality."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.cli import main as cli_main
from rnainteract_builder.contract.embedders import get_embedder
from rnainteract_builder.contract.embedding_store import EmbeddingStore
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.embed.stage import MANIFEST, EmbedConfig, plan_shards, run_embed
from tests.accelerate_launch import two_cpu_processes

from .test_embedders import _save_esm2_checkpoint

REPO = Path(__file__).resolve().parents[3]


def _sequence_table(path: Path, molecule: str, count: int, seed: int = 0, longest: int = 40) -> Path:
    rng = np.random.default_rng(seed)
    letters = list("ACGU") if molecule == "rna" else list("ACDEFGHIKLMNPQRSTVWY")
    seqs = sorted({"".join(rng.choice(letters, size=int(rng.integers(3, longest)))) for _ in range(count)})
    table = pa.table({"id": [sequence_id(s, molecule) for s in seqs], "sequence": seqs})
    pq.write_table(table, path)
    return path


def test_stage_writes_sorted_shards_manifest_and_counts_drops(tmp_path):
    inputs = _sequence_table(tmp_path / "rna.parquet", "rna", 30, longest=30)
    extra = pa.table({"id": ["rna-long"], "sequence": ["ACGU" * 20]})
    pq.write_table(extra, tmp_path / "long.parquet")
    embedder = get_embedder("onehot", molecule="rna")
    embedder.max_length = 50  # as if the model took 50 residues
    config = EmbedConfig(
        [inputs, tmp_path / "long.parquet"],
        tmp_path / "out",
        model="onehot",
        molecule="rna",
        residues_per_shard=120,
        progress=False,
    )
    result = run_embed(config, embedder)
    assert result.report.dropped() == 1 and "rna-long" in json.dumps(result.report.to_dict())
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    assert manifest["sequences"] == 30 and manifest["dropped"] == 1 and manifest["model"] == "onehot"
    assert len(manifest["shards"]) == len(result.shards) > 1
    store = EmbeddingStore.from_parquet(tmp_path / "out")
    source = pq.read_table(inputs).to_pylist()
    assert len(store) == 30 and store.dim == 5
    for row in source:
        np.testing.assert_array_equal(
            store.get(row["id"]).float().numpy(), embedder.embed([row["sequence"]])[0]
        )
    lengths = [len(r) for p in result.shards for r in pq.read_table(p).column("embedding").to_pylist()]
    assert lengths == sorted(lengths)
    rerun = run_embed(config, embedder)
    assert rerun.reused == len(result.shards) and rerun.embedded == 0


def test_plan_is_deterministic_and_respects_the_budget():
    ids = [f"s{i}" for i in range(20)]
    seqs = ["A" * (1 + (i * 7) % 13) for i in range(20)]
    plan = plan_shards(ids, seqs, 30)
    assert plan == plan_shards(ids, seqs, 30)
    assert sorted(i for s in plan for i in s.ids) == sorted(ids)
    assert all(sum(map(len, s.sequences)) <= 30 for s in plan)


def test_same_id_two_sequences_is_an_input_error(tmp_path):
    pq.write_table(pa.table({"id": ["x"], "sequence": ["ACG"]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"id": ["x"], "sequence": ["ACGU"]}), tmp_path / "b.parquet")
    config = EmbedConfig(
        [tmp_path / "a.parquet", tmp_path / "b.parquet"],
        tmp_path / "out",
        model="onehot",
        molecule="rna",
        progress=False,
    )
    with pytest.raises(InputError, match="id x stands for two different sequences"):
        run_embed(config)


_KILLED_RUN = """
import sys, time
from rnainteract_builder.contract.random_embedders import RandomLetterEmbedder
from rnainteract_builder.embed.stage import EmbedConfig, run_embed

class Slow(RandomLetterEmbedder):
    def _embed_pieces(self, pieces):
        time.sleep(0.4)
        return super()._embed_pieces(pieces)

config = EmbedConfig([sys.argv[1]], sys.argv[2], model="random-letter", molecule="protein", dim=16,
                     residues_per_shard=60, progress=False)
run_embed(config, Slow("protein", dim=16))
"""


def test_resume_after_kill_and_corrupt_shard_gives_identical_output(tmp_path):
    inputs = _sequence_table(tmp_path / "prot.parquet", "protein", 40, seed=3)
    script = tmp_path / "killed_run.py"
    script.write_text(textwrap.dedent(_KILLED_RUN))
    out = tmp_path / "resumed"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(inputs), str(out)], env=env)
    deadline = time.monotonic() + 60
    while len(list(out.glob("shard-*.parquet"))) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(out.glob("shard-*.parquet"))
    assert len(done) >= 2 and not (out / MANIFEST).exists(), "the run should have been killed midway"
    # A half-written shard under its final name and a leftover temp file must both be redone / removed.
    data = done[0].read_bytes()
    done[0].write_bytes(data[: len(data) // 2])
    (out / f".{done[1].name}.tmp").write_bytes(b"partial")

    config = EmbedConfig(
        [inputs], out, model="random-letter", molecule="protein", dim=16, residues_per_shard=60, progress=False
    )
    resumed = run_embed(config)
    assert resumed.reused >= 1 and resumed.embedded >= 1
    fresh = run_embed(
        EmbedConfig(
            [inputs],
            tmp_path / "fresh",
            model="random-letter",
            molecule="protein",
            dim=16,
            residues_per_shard=60,
            progress=False,
        )
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "fresh").iterdir())
    for name in names:
        if name != MANIFEST:
            assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    assert resumed.manifest["shards"] == fresh.manifest["shards"]


@pytest.mark.slow
def test_two_processes_under_accelerate_equal_one_process(tmp_path):
    inputs = _sequence_table(tmp_path / "prot.parquet", "protein", 24, seed=5)
    checkpoint = tmp_path / "esm2_t30_150M_UR50D.pt"
    _save_esm2_checkpoint(checkpoint)
    args = [
        "embed",
        str(inputs),
        "--model",
        "esm2_t30_150M",
        "--checkpoint",
        str(checkpoint),
        "--residues-per-shard",
        "80",
        "--tokens-per-batch",
        "256",
        "--no-progress",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ACCELERATE_USE_CPU": "1",
        "OMP_NUM_THREADS": "1",
        "TORCH_HOME": str(tmp_path / "torch"),
    }
    one = subprocess.run(
        [sys.executable, "-m", "rnainteract_builder.cli", *args, "-o", str(tmp_path / "one")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one.returncode == 0, one.stderr
    two = subprocess.run(
        two_cpu_processes("-m", "rnainteract_builder.cli", *args, "-o", str(tmp_path / "two")),
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert two.returncode == 0, two.stderr[-3000:]
    assert two.stdout.count("sequences") == 1  # only the main process prints the result line
    shards_one = sorted((tmp_path / "one").glob("shard-*.parquet"))
    assert len(shards_one) >= 3
    for shard in shards_one:
        assert pq.read_table(shard).equals(pq.read_table(tmp_path / "two" / shard.name)), shard.name
    m1 = json.loads((tmp_path / "one" / MANIFEST).read_text())
    m2 = json.loads((tmp_path / "two" / MANIFEST).read_text())
    assert (m1.pop("processes"), m2.pop("processes")) == (1, 2)
    assert m1 == m2


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    code = cli_main(
        [
            "embed",
            str(tmp_path / "nope.parquet"),
            "-o",
            str(tmp_path / "o"),
            "--model",
            "onehot",
            "--molecule",
            "rna",
            "--no-progress",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope.parquet: no such Parquet file" in err[0]
    code = cli_main(["embed", str(tmp_path / "nope.parquet"), "-o", str(tmp_path / "o"), "--dtype", "fp8"])
    assert code == 2


def test_a_shard_is_written_row_group_by_row_group_with_the_same_rows(tmp_path, monkeypatch):
    """Memory is bounded by the row group, not the shard: small row groups give the same rows and ids."""
    import rnainteract_builder.embed.stage as stage

    inputs = _sequence_table(tmp_path / "rna.parquet", "rna", 40, longest=30)
    config = EmbedConfig([inputs], tmp_path / "whole", model="random", molecule="rna", dim=8, progress=False)
    whole = run_embed(config)
    monkeypatch.setattr(stage, "ROW_GROUP_RESIDUES", 50)
    grouped = run_embed(EmbedConfig([inputs], tmp_path / "grouped", model="random", molecule="rna", dim=8,
                                    progress=False))
    assert len(whole.shards) == len(grouped.shards) == 1
    assert pq.ParquetFile(whole.shards[0]).num_row_groups == 1
    groups = pq.ParquetFile(grouped.shards[0])
    assert groups.num_row_groups > 3
    sizes = [sum(groups.read_row_group(i).column("length").to_pylist()) for i in range(groups.num_row_groups)]
    assert all(size <= 50 + 30 for size in sizes)  # about 50 residues each (one sequence may overshoot)
    a, b = pq.read_table(whole.shards[0]), pq.read_table(grouped.shards[0])
    assert a.column("id").equals(b.column("id")) and a.column("embedding").equals(b.column("embedding"))
    assert pq.read_schema(grouped.shards[0]).metadata == pq.read_schema(whole.shards[0]).metadata
    assert run_embed(EmbedConfig([inputs], tmp_path / "grouped", model="random", molecule="rna", dim=8,
                                 progress=False)).reused == 1  # the checks read it back row group by row group
