"""The publish engine (run_publish) and `rnainteract push`: shards, bad inputs, the Hub push (dry run, recorded)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from rnainteract_builder import hub
from rnainteract_builder.cli import main as cli_main
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic
from rnainteract_builder.publish import PublishConfig, run_publish
from tests.dataset_card.tiny_build import make_build


@pytest.fixture
def build(tmp_path):
    return make_build(tmp_path / "build", with_embeddings=False)


def test_small_shard_size_splits_files_with_hf_names(build):
    result = run_publish(
        PublishConfig(build, shard_bytes=1500, progress=False, figures=False, embeddings=False)
    )
    files = sorted(p.name for p in (result.output / "interactions").iterdir())
    trains = [f for f in files if f.startswith("train-")]
    assert len(trains) > 1 and all(f.endswith(f"-of-{len(trains):05d}.parquet") for f in trains)
    rows = sum(pq.ParquetFile(result.output / "interactions" / f).metadata.num_rows for f in trains)
    assert rows == 30


def test_dry_run_lists_repo_files_sizes_and_tag_without_network(build, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_never_printed")
    run_publish(PublishConfig(build, version="2.0.0", progress=False, figures=False))
    code = cli_main(["push", str(build / "dataset"), "--repo", "someorg/rnainteract", "--tag", "v2.0.0", "--dry-run"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "repo: someorg/rnainteract (dataset)" in out.out and "tag: v2.0.0" in out.out
    assert "interactions/train-00000-of-00001.parquet" in out.out and "README.md" in out.out
    assert "manifest.json" in out.out
    assert "hf_secret" not in out.out + out.err


def test_push_creates_repo_uploads_then_tags(build):
    result = run_publish(PublishConfig(build, version="0.3.0", progress=False, figures=False))
    calls = []

    class RecordingApi:
        def create_repo(self, repo_id, **kwargs):
            calls.append(("create_repo", repo_id, kwargs["repo_type"]))
            return f"https://huggingface.co/datasets/{repo_id}"

        def upload_folder(self, **kwargs):
            calls.append(("upload_folder", kwargs["repo_id"], kwargs["folder_path"]))
            return type("Info", (), {"oid": "abc123"})()

        def create_tag(self, repo_id, **kwargs):
            calls.append(("create_tag", repo_id, kwargs["tag"], kwargs["revision"]))

    plan = hub.plan_push(result.output, "org/rnainteract", "v0.3.0")
    url = hub.push_to_hub(plan, api=RecordingApi())
    assert url.endswith("org/rnainteract")
    assert calls == [
        ("create_repo", "org/rnainteract", "dataset"),
        ("upload_folder", "org/rnainteract", str(result.output)),
        ("create_tag", "org/rnainteract", "v0.3.0", "abc123"),
    ]


def test_bad_push_arguments(build):
    result = run_publish(PublishConfig(build, version="0.3.0", progress=False, figures=False))
    with pytest.raises(InputError, match="does not match the dataset version"):
        hub.plan_push(result.output, "org/rnainteract", "v0.4.0")
    with pytest.raises(InputError, match="ORG/NAME"):
        hub.check_push_arguments("rnainteract", "v0.3.0", "0.3.0")
    with pytest.raises(InputError, match="not semantic"):
        run_publish(PublishConfig(build, version="one", progress=False))


def test_missing_sequence_and_bad_label_are_clear_errors(build):
    path = build / "split" / "family" / "test.parquet"
    table = read_parquet(path)
    rows = table.to_pylist()
    rows[0]["protein_id"] = "prot-000000000000000000000000"
    write_parquet_atomic(type(table).from_pylist(rows, schema=table.schema), path)
    with pytest.raises(InputError, match="protein_id prot-000000000000000000000000 has no row"):
        run_publish(PublishConfig(build, progress=False, figures=False))
    rows[0] = {**table.to_pylist()[0], "label": 2}
    write_parquet_atomic(type(table).from_pylist(rows, schema=table.schema), path)
    with pytest.raises(InputError, match="label other than 0 or 1"):
        run_publish(PublishConfig(build, progress=False, figures=False))


def test_no_family_split_is_an_input_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no family split"):
        run_publish(PublishConfig(tmp_path / "empty", progress=False))
    assert cli_main(["push", str(tmp_path / "empty"), "--repo", "org/name"]) == 2
