"""Publish hard-links the embed stage's shards instead of copying them (about 69 GB each at paper scale)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.contract.io import sha256_file, write_parquet_atomic
from rnainteract_builder.publish import PublishConfig, run_publish
from tests.toy_data import make_build

PROTEIN = "protein_embeddings_onehot"  # every sequence it holds is published (the family split's proteins)
RNA = "rna_embeddings_random"  # holds external RNAs that no published config uses: rewritten


def _publish(build: Path, out: Path):
    return run_publish(PublishConfig(build, output=out, progress=False, figures=False))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_build(tmp_path_factory.mktemp("links") / "build")


def test_published_embedding_files_are_the_build_shards_hard_linked(built: Path, tmp_path: Path) -> None:
    result = _publish(built, tmp_path / "dataset")
    shards = sorted((built / "embeddings" / "onehot").glob("shard-*.parquet"))
    published = sorted((result.output / PROTEIN).glob("train-*.parquet"))
    assert len(published) == len(shards) >= 1
    for shard, file in zip(shards, published, strict=True):
        assert os.stat(shard).st_ino == os.stat(file).st_ino  # one file on disk, two names
    assert "hard-linked" in result.report.facts[f"{PROTEIN} files"]
    assert "rewritten" in result.report.facts[f"{RNA} files"]
    rna_shards = {os.stat(p).st_ino for p in (built / "embeddings" / "random").glob("shard-*.parquet")}
    assert not rna_shards & {os.stat(p).st_ino for p in (result.output / RNA).glob("*.parquet")}


def test_copy_fallback_gives_the_same_folder_and_says_so(built: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    linked = _publish(built, tmp_path / "linked")

    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    copied = _publish(built, tmp_path / "copied")
    assert _files(copied.output) == _files(linked.output)  # byte-identical, linked or copied
    assert "copied" in copied.report.facts[f"{PROTEIN} files"]
    shard = sorted((built / "embeddings" / "onehot").glob("shard-*.parquet"))[0]
    assert os.stat(shard).st_ino != os.stat(next((copied.output / PROTEIN).glob("train-*.parquet"))).st_ino


def test_a_later_write_to_either_folder_never_changes_the_other(built: Path, tmp_path: Path) -> None:
    result = _publish(built, tmp_path / "dataset")
    shard = sorted((built / "embeddings" / "onehot").glob("shard-*.parquet"))[0]
    file = sorted((result.output / PROTEIN).glob("train-*.parquet"))[0]
    before, original = sha256_file(shard), shard.read_bytes()
    table = pq.read_table(shard)
    # the embed stage rewrites a shard (atomically, by rename): the published file keeps the old bytes
    write_parquet_atomic(table.slice(0, 1), shard)
    assert sha256_file(file) == before and sha256_file(shard) != before
    (tmp_path / "restore").write_bytes(original)  # the fixture's build is shared: put the shard back
    os.replace(tmp_path / "restore", shard)
    # and a publish rerun replaces its files without touching the build's
    again = _publish(built, tmp_path / "dataset")
    assert sha256_file(shard) == before
    assert np.array_equal(pq.read_table(next((again.output / PROTEIN).glob("train-*.parquet"))).column("length"),
                          table.column("length"))
