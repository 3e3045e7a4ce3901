"""The card tells the truth about where a build came from: a synthetic build says so and claims no RNAInter /
RNA-FM provenance; model tags and citations follow the embeddings the build really holds."""

from __future__ import annotations

import yaml

from dataset_card.render import card_tags
from rnainteract_builder.publish import PublishConfig, run_publish
from tests.toy_data import make_build


def _card(folder) -> tuple[dict, str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---", 2)
    return yaml.safe_load(front), body


def test_synthetic_build_says_so_and_claims_no_real_provenance(tmp_path):
    make_build(tmp_path / "build")
    result = run_publish(PublishConfig(tmp_path / "build", version="0.1.0", progress=False, figures=False,
                                       provenance="synthetic"))
    metadata, body = _card(result.output)
    assert result.manifest["provenance"] == "synthetic"
    assert "SYNTHETIC" in metadata["pretty_name"] and "synthetic" in metadata["tags"]
    assert not {"rna-fm", "esm2", "ncrna"} & set(metadata["tags"])
    assert body.count("SYNTHETIC") >= 2  # title and summary
    assert "RNA-FM (Chen" not in body and "ESM-2 (Lin" not in body


def test_real_build_has_no_synthetic_banner(tmp_path):
    make_build(tmp_path / "build")
    result = run_publish(PublishConfig(tmp_path / "build", version="0.1.0", progress=False, figures=False))
    metadata, body = _card(result.output)
    assert "SYNTHETIC" not in body and "synthetic" not in metadata["tags"]


def test_model_tags_follow_the_embeddings_present():
    manifest = {"embedding_models": {"rna_embeddings_rnafm": {"model": "rnafm"},
                                     "protein_embeddings_onehot": {"model": "onehot"}}}
    tags = card_tags(manifest)
    assert "rna-fm" in tags and "esm2" not in tags
