"""The published folder loads with datasets.load_dataset for every config, offline, with the right features."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from dataset_card.render import card_summary
from rnainteract_builder.contract.embedding_store import EmbeddingStore
from rnainteract_builder.publish import PublishConfig, run_publish
from tests.toy_data import make_build


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("pub")
    make_build(root / "build")
    return run_publish(PublishConfig(root / "build", version="1.2.3", progress=False, figures=False)), root


def test_every_config_loads_offline_with_features(published, monkeypatch):
    result, root = published
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    cache = str(root / "cache")
    default = datasets.load_dataset(str(result.output), cache_dir=cache)
    assert set(default) == {"train", "validation", "test"}
    assert default["train"].features["label"].names == ["non-interacting", "interacting"]
    assert default["train"].num_rows == 30
    configs = result.manifest["configs"]
    assert set(configs) == {
        "interactions",
        "interactions_random",
        "rpi2825",
        "rna_sequences",
        "protein_sequences",
        "rna_embeddings_random",
        "protein_embeddings_onehot",
    }
    for name, entry in configs.items():
        loaded = datasets.load_dataset(str(result.output), name, cache_dir=cache)
        assert {s: loaded[s].num_rows for s in loaded} == entry["splits"], name
    emb = datasets.load_dataset(str(result.output), "rna_embeddings_random", split="train", cache_dir=cache)
    row = emb.with_format("numpy")[0]
    assert row["embedding"].shape == (row["length"], 640)
    # Same values as the zero-copy store reading the published shards directly.
    store = EmbeddingStore.from_parquet(result.output / "rna_embeddings_random", dim=640)
    np.testing.assert_array_equal(row["embedding"], store.get(row["id"]).float().numpy())


def test_card_yaml_features_round_trip(published):
    from datasets import Features

    result, _ = published
    text = (result.output / "README.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["license"] == "other" and meta["license_name"] and meta["license_link"]
    assert meta["pretty_name"] == "RNAInterAct" and meta["size_categories"] == ["n<1K"]
    assert meta["configs"][0] == {
        "config_name": "interactions",
        "default": True,
        "data_files": [
            {"split": s, "path": f"interactions/{s}-*.parquet"} for s in ("train", "validation", "test")
        ],
    }
    infos = {i["config_name"]: i for i in meta["dataset_info"]}
    emb = Features._from_yaml_list(infos["rna_embeddings_random"]["features"])
    assert emb["embedding"].feature.length == 640  # length x 640, the variable length survives
    assert emb.arrow_schema.field("embedding").type.value_type.list_size == 640
    labels = Features._from_yaml_list(infos["interactions"]["features"])["label"]
    assert labels.names == ["non-interacting", "interacting"]
    for section in (
        "## Summary",
        "## How it was built",
        "## Columns of",
        "## Splits",
        "## Leakage audit",
        "## Figures",
        "## Citation",
        "## Limitations",
    ):
        assert section in text
    assert "max RNA identity test vs train" in text
    assert "44 RNA–protein" in card_summary(text)


def test_manifest_records_version_checksums_counts_and_is_reproducible(published, tmp_path):
    result, root = published
    manifest = result.manifest
    assert manifest["version"] == "1.2.3"
    assert any(k.startswith("split/family/train.parquet") for k in manifest["inputs"])
    assert any(k.startswith("embeddings/random/shard-") for k in manifest["inputs"])
    assert manifest["embedding_models"]["rna_embeddings_random"]["dim"] == 640
    assert manifest["configs"]["interactions"]["labels"]["train"] == {
        "non-interacting": 20,
        "interacting": 10,
    }
    for relative, entry in manifest["files"].items():
        assert (result.output / relative).stat().st_size == entry["bytes"]
    again = run_publish(
        PublishConfig(
            root / "build", output=tmp_path / "again", version="1.2.3", progress=False, figures=False
        )
    )
    for relative in manifest["files"]:
        assert (again.output / relative).read_bytes() == (result.output / relative).read_bytes()
    assert (again.output / "README.md").read_text() == (result.output / "README.md").read_text()
