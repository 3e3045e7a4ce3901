"""annotate -> negatives -> split -> embed -> publish as `rnainteract stage` commands on one build directory,
then the audit and stats tools; what reruns when an output changes."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from rnainteract_builder.cli import main
from rnainteract_builder.contract import schema
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.pipeline.context import BuildContext
from rnainteract_builder.pipeline.freshness import outputs_fingerprint, write_stamp
from rnainteract_builder.pipeline.stages import positives


def _synthetic_folder(directory: Path) -> tuple[Path, Path]:
    """24 RNAs in 8 families x 12 proteins in 4 clans, with a family / clan table as the demo ships one."""
    rng = random.Random(2)
    rnas = {
        f"r{f}_{i}": "".join(rng.choice("ACGU") for _ in range(30 + f)) for f in range(8) for i in range(3)
    }
    prots = {
        f"p{c}_{i}": "M" + "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(40))
        for c in range(4)
        for i in range(3)
    }
    pairs = [(r, f"p{int(r[1]) % 4}_{i}") for r in rnas for i in range(2)]

    def seq_table(seqs: dict[str, str], molecule: str) -> pa.Table:
        rows = sorted((sequence_id(s, molecule), s, name) for name, s in seqs.items())
        return schema.conform(pa.table({"id": [r[0] for r in rows], "sequence": [r[1] for r in rows],
                                        "length": pa.array([len(r[1]) for r in rows], pa.int32()),
                                        "source_ids": [[r[2]] for r in rows]}), schema.SEQUENCES)  # fmt: skip

    interactions = pa.table({
        "pair_id": [f"RI{i:04d}" for i in range(len(pairs))],
        "rna_id": [sequence_id(rnas[r], "rna") for r, _ in pairs],
        "protein_id": [sequence_id(prots[p], "protein") for _, p in pairs],
        "label": pa.array([1] * len(pairs), pa.int8()), "score": [0.5] * len(pairs),
        "rna_category": ["miRNA"] * len(pairs), "protein_category": ["RBP"] * len(pairs),
        "rna_source_id": [r for r, _ in pairs], "protein_source_id": [p for _, p in pairs],
    })  # fmt: skip
    PairsFolder(
        schema.conform(interactions, schema.INTERACTIONS), seq_table(rnas, "rna"), seq_table(prots, "protein")
    ).write(directory / "positives")
    table = directory / "labels.tsv"
    table.write_text("id\tfamily\n" + "".join(f"{r}\tRF{int(r[1]):05d}\n" for r in rnas))
    clans = directory / "clans.tsv"
    clans.write_text("id\tclan\n" + "".join(f"{p}\tCL{int(p[1]):04d}\n" for p in prots))
    return table, clans


def _positives_build(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A build directory whose positives stage is done (its folder written and stamped)."""
    build = tmp_path / "build"
    families, clans = _synthetic_folder(build)
    ctx = BuildContext(build)
    write_stamp(ctx, positives.NAME, "prepared", outputs_fingerprint(ctx, positives.OUTPUTS))
    return build, families, clans


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_chain_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build, families, clans = _positives_build(tmp_path)
    b = ["-b", str(build), "-q"]
    assert main(["stage", "annotate", *b, "--family-table", str(families), "--clan-table", str(clans)]) == 0
    assert main(["stage", "negatives", *b, "--seed", "7"]) == 0
    first = _digest(build / "negatives" / "interactions.parquet")
    assert main(["stage", "negatives", *b, "--seed", "7", "--force"]) == 0
    assert _digest(build / "negatives" / "interactions.parquet") == first  # same seed, same bytes
    split = ["--test-fraction", "0.25", "--configs", "family", "--audit-method", "align"]
    assert main(["stage", "split", *b, *split]) == 0
    capsys.readouterr()
    assert main(["audit", str(build / "split" / "family"), "--method", "align"]) == 0
    assert "Leakage audit" in capsys.readouterr().out
    stats = ["stats", str(build / "split" / "family"), str(tmp_path / "stats"), "--annotations", str(build / "annotate")]
    assert main(stats) == 0
    out = capsys.readouterr().out
    assert out.startswith("| split | rna_families | protein_clans | positives | negatives |")
    assert "| total | 8 | 4 | 48 | 96 |" in out  # 48 positives, two negatives each
    assert (tmp_path / "stats" / "lengths.png").exists() and (tmp_path / "stats" / "category_heatmap.png").exists()
    train, test = (pq.read_table(build / "split" / "family" / f"{n}.parquet") for n in ("train", "test"))
    assert not set(train.column("rna_family").to_pylist()) & set(test.column("rna_family").to_pylist())


def test_new_embeddings_rerun_publish_and_nothing_upstream(tmp_path: Path) -> None:
    build, families, clans = _positives_build(tmp_path)
    config = {
        "build_dir": "build",
        "annotate": {"family_table": str(families), "clan_table": str(clans)},
        "negatives": {"seed": 1},
        "split": {"test_fraction": 0.25, "configs": ["family"], "audit_method": "align"},
        "embed": {"models": [{"name": "onehot", "molecule": "rna"}], "device": "cpu"},
        "publish": {"version": "1.0.0", "figures": False},
    }
    path = tmp_path / "rnainteract.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["build", "-c", str(path), "-q"]) == 0
    watched = {
        "split": build / "split" / "family" / "train.parquet",
        "embed": build / "embed" / "embed_report.json",
        "publish": build / "dataset" / "manifest.json",
    }
    before = {name: _mtime(p) for name, p in watched.items()}
    assert main(["build", "-c", str(path), "-q"]) == 0
    assert {name: _mtime(p) for name, p in watched.items()} == before  # all fresh

    shutil.rmtree(build / "embeddings" / "rna_onehot")  # the known bug: embed counted as done without them
    assert main(["build", "-c", str(path), "-q"]) == 0
    after = {name: _mtime(p) for name, p in watched.items()}
    assert (build / "embeddings" / "rna_onehot" / "embed_manifest.json").exists()
    assert [name for name in watched if after[name] != before[name]] == ["embed", "publish"]

    shard = next((build / "embeddings" / "rna_onehot").glob("shard-*.parquet"))
    os.utime(shard, ns=(shard.stat().st_atime_ns, shard.stat().st_mtime_ns + 10**9))  # rewritten embeddings
    assert main(["build", "-c", str(path), "-q", "--stage", "publish"]) == 2  # embed must catch up first
    assert main(["build", "-c", str(path), "-q"]) == 0
    last = {name: _mtime(p) for name, p in watched.items()}
    assert [name for name in watched if last[name] != after[name]] == ["embed", "publish"]


def test_every_config_field_is_an_option_of_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    from dataclasses import fields

    from rnainteract_builder.dataset_stages import STAGES
    from rnainteract_builder.embed.stage import EmbedConfig

    for stage in STAGES:
        assert main(["stage", stage.name, "--help"]) == 0
        text = capsys.readouterr().out
        for f in fields(stage.config):
            assert f"--{f.name.replace('_', '-')}" in text, (stage.name, f.name)
    assert main(["embed", "--help"]) == 0
    text = capsys.readouterr().out
    assert all(f"--{f.name.replace('_', '-')}" in text for f in fields(EmbedConfig) if f.name != "inputs")


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stage", "negatives", "-b", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnainteract: error:") and "needs stage 'annotate' first" in err and "\n" not in err
    build, _, _ = _positives_build(tmp_path)
    assert main(["stage", "annotate", "-b", str(build), "--cluster-tool", "blast"]) == 2
    assert "annotate.cluster_tool must be mmseqs | cd-hit, not 'blast'" in capsys.readouterr().err
    assert main(["stage", "split", "-b", str(build), "--configs", "bogus"]) == 2
    assert "split.configs[0] must be family | random | cold_protein" in capsys.readouterr().err
    assert not (build / "split").exists() and not (build / "annotate").exists()
