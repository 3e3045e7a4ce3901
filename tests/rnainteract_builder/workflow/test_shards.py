"""Shard support of the stages: annotate shards + merge and embed parts + merge give the bytes of one run."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.annotate.annotate import AnnotateConfig, annotate_dir
from rnainteract_builder.annotate.shards import annotate_shard, read_shards, shard_of
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.embed.stage import EmbedConfig, run_embed
from rnainteract_builder.pipeline.context import BuildContext
from rnainteract_builder.pipeline.stages import embed as embed_stage
from tests.rnainteract_builder.test_annotate import _folder, _random_rna
from tests.rnainteract_builder.toy_databases import build_toy_pfam, build_toy_rfam


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_shard_of_is_a_stable_partition() -> None:
    ids = [sequence_id("ACGU" * (i + 1), "rna") for i in range(200)]
    buckets = [shard_of(i, 5) for i in ids]
    assert buckets == [shard_of(i, 5) for i in ids] and set(buckets) == set(range(5))
    assert all(shard_of(i, 1) == 0 for i in ids)


def test_annotate_shards_then_merge_equal_one_run(tmp_path: Path) -> None:
    (tmp_path / "rfam").mkdir()
    (tmp_path / "pfam").mkdir()
    cm, clanin, rna_roots = build_toy_rfam(tmp_path / "rfam")
    hmm, clans, prot_roots = build_toy_pfam(tmp_path / "pfam", press=True)
    rng = random.Random(7)
    orphan = _random_rna(rng, 90)
    rnas = {"tA": rna_roots["RF90001"], "tB": "GG" + rna_roots["RF90002"], "orphan": orphan,
            "orphan2": orphan[:40] + ("A" if orphan[40] != "A" else "C") + orphan[41:],
            "other": _random_rna(rng, 80), "given": _random_rna(rng, 50)}  # fmt: skip
    proteins = {"kin": prot_roots["PF90001"], "lon": prot_roots["PF90003"], "free": "MKWVTFISLLFLFSSAYS" * 4}
    table = tmp_path / "families.tsv"
    table.write_text("id\tfamily\tname\ngiven\tRF00005\ttRNA\n")
    _folder(rnas, proteins, [(r, p) for r in rnas for p in proteins]).write(tmp_path / "in")

    def config(work: str) -> AnnotateConfig:
        return AnnotateConfig(rfam_cm=cm, rfam_clanin=clanin, pfam_hmm=hmm, pfam_clans=clans, family_table=table,
                              cluster_tool="cd-hit", rna_cluster_identity=0.9, protein_cluster_identity=0.9,
                              work_dir=tmp_path / work)  # fmt: skip

    annotate_dir(tmp_path / "in", tmp_path / "one", config("work"))
    shards = [annotate_shard(tmp_path / "in", tmp_path / f"s{i}.parquet", config("work"), i, 3) for i in range(3)]
    annotate_dir(tmp_path / "in", tmp_path / "merged", config("work"), read_shards(tmp_path / "in", shards))
    one, merged = _files(tmp_path / "one"), _files(tmp_path / "merged")
    assert one.keys() == merged.keys() and "rna_families.parquet" in one
    for name in one:
        assert one[name] == merged[name], name
    sources = pq.read_table(tmp_path / "one" / "rna_families.parquet").column("source").to_pylist()
    assert {"rfam", "table", "cluster"} <= set(sources)  # every kind of label went through the shards

    with pytest.raises(InputError, match="shard made for other sequences or another shard count"):
        read_shards(tmp_path / "in", [shards[1], shards[0], shards[2]])
    with pytest.raises(InputError, match="shard made for other sequences or another shard count"):
        read_shards(tmp_path / "in", shards[:2])
    with pytest.raises(InputError, match="need parts >= 1"):
        annotate_shard(tmp_path / "in", tmp_path / "bad.parquet", config("work"), 3, 3)


def _rna_table(path: Path, count: int) -> Path:
    rng = np.random.default_rng(1)
    seqs = sorted({"".join(rng.choice(list("ACGU"), size=int(rng.integers(5, 40)))) for _ in range(count)})
    pq.write_table(pa.table({"id": [sequence_id(s, "rna") for s in seqs], "sequence": seqs}), path)
    return path


def test_embed_parts_then_a_plain_run_equal_one_run(tmp_path: Path) -> None:
    inputs = _rna_table(tmp_path / "rna.parquet", 40)

    def config(out: str, part: int = 0, parts: int = 1) -> EmbedConfig:
        return EmbedConfig([inputs], tmp_path / out, model="onehot", molecule="rna", residues_per_shard=100,
                           progress=False, part=part, parts=parts)  # fmt: skip

    one = run_embed(config("one"))
    assert len(one.shards) >= 4
    results = [run_embed(config("parts", i, 3)) for i in range(3)]
    assert sum(r.embedded for r in results) == len(one.shards) and not any(r.manifest for r in results)
    assert not (tmp_path / "parts" / "embed_manifest.json").exists()
    final = run_embed(config("parts"))
    assert final.embedded == 0 and final.reused == len(one.shards)
    assert _files(tmp_path / "one") == _files(tmp_path / "parts")
    assert results[0].fingerprint == final.fingerprint and results[0].dtype == "fp32"
    with pytest.raises(InputError, match="need parts >= 1"):
        run_embed(config("bad", 2, 2))


def test_embed_merge_refuses_parts_made_with_another_dtype(tmp_path: Path) -> None:
    models = ({"name": "onehot", "molecule": "rna"},)
    ctx = BuildContext(tmp_path, {}, progress=False)
    config = embed_stage.Config(models=models, device="cpu")
    with pytest.raises(InputError, match="missing or unreadable embed part record"):
        embed_stage.check_parts(ctx, config, 1)
    record = tmp_path / embed_stage.PART_FILE.format(model="rna_onehot", part=0, parts=1)
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"dtype": "bf16"}))
    with pytest.raises(InputError, match="part embedded in bf16 but this node resolves fp32"):
        embed_stage.check_parts(ctx, config, 1)
    record.write_text(json.dumps({"dtype": "fp32"}))
    embed_stage.check_parts(ctx, config, 1)
    with pytest.raises(InputError, match="listed twice"):
        embed_stage.embed_configs(ctx, embed_stage.Config(models=models * 2))
