"""The publish engine (run_publish) and `rnainteract push`: shards, bad inputs, the Hub push (dry run, recorded)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rnainteract_builder import hub
from rnainteract_builder.cli import main as cli_main
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic
from rnainteract_builder.publish import PublishConfig, run_publish
from tests.toy_data import make_build


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


class StandInHub:
    """An in-memory dataset repo behind the calls ``push_to_hub`` makes; deletions follow the client's own
    pattern matching (``huggingface_hub.utils.filter_repo_objects``) and keep ``.gitattributes``."""

    def __init__(self):
        self.files: dict[str, bytes] = {".gitattributes": b"*.parquet filter=lfs\n"}
        self.tags: dict[str, dict[str, bytes]] = {}

    def create_repo(self, repo_id, **kwargs):
        return f"https://huggingface.co/datasets/{repo_id}"

    def upload_folder(self, *, folder_path, delete_patterns=None, ignore_patterns=None, **kwargs):
        from huggingface_hub.utils import filter_repo_objects

        local = {
            p.relative_to(folder_path).as_posix(): p.read_bytes()
            for p in sorted(Path(folder_path).rglob("*"))
            if p.is_file()
        }
        local = {k: local[k] for k in filter_repo_objects(local, ignore_patterns=ignore_patterns)}
        if delete_patterns:
            for path in list(filter_repo_objects(list(self.files), allow_patterns=delete_patterns)):
                if path not in local and path != ".gitattributes":
                    del self.files[path]
        self.files.update(local)
        return type("Info", (), {"oid": f"commit{len(self.tags)}"})()

    def create_tag(self, repo_id, *, tag, **kwargs):
        self.tags[tag] = dict(self.files)


def test_republishing_replaces_the_shards_of_the_previous_release(build, tmp_path):
    import datasets

    hub_repo = StandInHub()
    first = run_publish(PublishConfig(build, output=tmp_path / "v1", version="0.3.0", shard_bytes=1500,
                                      progress=False, figures=False, embeddings=False))
    hub.push_to_hub(hub.plan_push(first.output, "org/rnainteract", "v0.3.0"), api=hub_repo)
    old_trains = sorted(f for f in hub_repo.files if f.startswith("interactions/train-"))
    assert len(old_trains) > 1
    second = run_publish(PublishConfig(build, output=tmp_path / "v2", version="0.4.0", progress=False,
                                       figures=False, embeddings=False))
    hub.push_to_hub(hub.plan_push(second.output, "org/rnainteract", "v0.4.0"), api=hub_repo)
    trains = sorted(f for f in hub_repo.files if f.startswith("interactions/train-"))
    assert trains == ["interactions/train-00000-of-00001.parquet"]
    assert ".gitattributes" in hub_repo.files
    assert hub_repo.tags["v0.3.0"].keys() >= set(old_trains)  # the old release stays under its tag
    # What the card's glob would load from the repo now: only this release's rows.
    snapshot = tmp_path / "snapshot"
    for path, data in hub_repo.files.items():
        (snapshot / path).parent.mkdir(parents=True, exist_ok=True)
        (snapshot / path).write_bytes(data)
    loaded = datasets.load_dataset("parquet", data_files=str(snapshot / "interactions" / "train-*.parquet"))
    assert loaded["train"].num_rows == 30


def test_upload_asks_the_hub_to_delete_replaced_files(build):
    result = run_publish(PublishConfig(build, version="0.3.0", progress=False, figures=False))
    seen = {}

    class RecordingApi:
        def create_repo(self, repo_id, **kwargs):
            return repo_id

        def upload_folder(self, **kwargs):
            seen.update(kwargs)

        def create_tag(self, repo_id, **kwargs):
            pass

    hub.push_to_hub(hub.plan_push(result.output, "org/rnainteract", "v0.3.0"), api=RecordingApi())
    assert seen["delete_patterns"] == ["*.parquet", "figures/*"]
    assert "replaces: remote files matching *.parquet, figures/*" in hub.plan_push(
        result.output, "org/rnainteract", "v0.3.0").describe()


class LargeFolderHub(StandInHub):
    """Clients with ``upload_large_folder`` (no ``delete_patterns``): stale files go in a second commit."""

    def __init__(self):
        super().__init__()
        self.deleted: list[list[str]] = []

    def upload_large_folder(self, *, folder_path, ignore_patterns=None, **kwargs):
        super().upload_folder(folder_path=folder_path, ignore_patterns=ignore_patterns)

    def list_repo_files(self, repo_id, **kwargs):
        return sorted(self.files)

    def delete_files(self, repo_id, delete_patterns, **kwargs):
        self.deleted.append(list(delete_patterns))
        for path in delete_patterns:
            del self.files[path]


def test_large_folder_uploads_also_remove_stale_shards(build, tmp_path):
    hub_repo = LargeFolderHub()
    for version, shard_bytes in (("0.3.0", 1500), ("0.4.0", 10**9)):
        result = run_publish(PublishConfig(build, output=tmp_path / version, version=version,
                                           shard_bytes=shard_bytes, progress=False, figures=False,
                                           embeddings=False))
        hub.push_to_hub(hub.plan_push(result.output, "org/rnainteract", f"v{version}"), api=hub_repo)
    assert sorted(f for f in hub_repo.files if f.startswith("interactions/train-")) == [
        "interactions/train-00000-of-00001.parquet"
    ]
    assert len(hub_repo.deleted) == 1 and all(p.endswith(".parquet") for p in hub_repo.deleted[0])
