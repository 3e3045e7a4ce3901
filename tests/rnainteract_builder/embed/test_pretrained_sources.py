"""Where the real weights come from: the Hugging Face mirror first, the old URL as fallback, SHA-256 checked;
checkpoints of any file name."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnainteract_builder.contract import digests, pretrained
from rnainteract_builder.contract.digests import LOCK_NAME, DigestMismatch
from rnainteract_builder.contract.embedders import MissingWeights, get_embedder, load_pretrained
from rnainteract_builder.contract.io import sha256_file

from .test_embedders import _save_esm2_checkpoint, _save_rnafm_checkpoint


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A tiny RNA-FM checkpoint standing in for the published file, its digest made the known one."""
    source = tmp_path / "published" / "RNA-FM_pretrained.pth"
    source.parent.mkdir()
    reference = _save_rnafm_checkpoint(source)
    monkeypatch.setitem(digests.KNOWN_SHA256, "RNA-FM_pretrained.pth", sha256_file(source))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return source, reference


def _fake_hub(calls: list, source: Path | None):
    def hf_hub_download(repo_id, filename, *, revision=None, local_dir=None, **kwargs):
        calls.append(("hf", repo_id, filename, revision))
        if source is None:
            raise OSError("offline: cannot reach huggingface.co")
        target = Path(local_dir) / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        (Path(local_dir) / ".cache").mkdir(exist_ok=True)  # the client's own metadata
        return str(target)

    return hf_hub_download


def _fake_url(calls: list, source: Path | None):
    def download_url_to_file(url, dst, progress=True):
        calls.append(("url", url))
        if source is None:
            raise OSError("HTTP Error 403: Forbidden")
        Path(dst).write_bytes(source.read_bytes())

    return download_url_to_file


def test_rnafm_comes_from_the_hugging_face_mirror_first(published, monkeypatch):
    source, reference = published
    calls: list = []
    monkeypatch.setattr("huggingface_hub.hf_hub_download", _fake_hub(calls, source))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _fake_url(calls, source))
    model, alphabet, revision = load_pretrained("rnafm", download=True)
    assert calls == [("hf", "cuhkaih/rnafm", "RNA-FM_pretrained.pth", "main")]  # the 403 URL never asked
    folder = pretrained.checkpoint_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["RNA-FM_pretrained.pth"]  # no leftovers
    assert revision == f"RNA-FM_pretrained.pth@sha256:{sha256_file(source)[:16]}"
    got = get_embedder("rnafm", model=(model, alphabet)).embed(["ACGUAG"])[0]
    want = get_embedder("rnafm", model=(reference, alphabet)).embed(["ACGUAG"])[0]
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_the_old_url_is_the_fallback_and_both_failures_are_one_line(published, monkeypatch):
    source, _ = published
    calls: list = []
    monkeypatch.setattr("huggingface_hub.hf_hub_download", _fake_hub(calls, None))
    monkeypatch.setattr(torch.hub, "download_url_to_file", _fake_url(calls, source))
    load_pretrained("rnafm", download=True)
    assert [c[0] for c in calls] == ["hf", "url"]
    assert calls[1][1] == pretrained.PRETRAINED["rnafm"].url
    (pretrained.checkpoint_dir() / "RNA-FM_pretrained.pth").unlink()
    monkeypatch.setattr(torch.hub, "download_url_to_file", _fake_url(calls, None))
    with pytest.raises(MissingWeights) as info:
        load_pretrained("rnafm", download=True)
    message = str(info.value)
    assert "\n" not in message and "offline: cannot reach huggingface.co" in message and "403" in message
    assert "https://huggingface.co/cuhkaih/rnafm" in message


def test_a_download_with_the_wrong_digest_is_refused(published, monkeypatch, tmp_path):
    _, _ = published
    other = tmp_path / "other.pth"
    _save_rnafm_checkpoint(other)
    other.write_bytes(other.read_bytes() + b"\0")  # different bytes
    monkeypatch.setattr("huggingface_hub.hf_hub_download", _fake_hub([], other))
    with pytest.raises(DigestMismatch) as info:
        load_pretrained("rnafm", download=True)
    message = str(info.value)
    assert "\n" not in message and "RNA-FM_pretrained.pth" in message
    assert digests.KNOWN_SHA256["RNA-FM_pretrained.pth"] in message and sha256_file(other) in message
    assert not (pretrained.checkpoint_dir() / "RNA-FM_pretrained.pth").exists()


def test_esm_digest_is_pinned_on_first_download(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    source = tmp_path / "esm2_t30_150M_UR50D.pt"
    _save_esm2_checkpoint(source)
    calls: list = []
    monkeypatch.setattr(torch.hub, "download_url_to_file", _fake_url(calls, source))
    load_pretrained("esm2_t30_150M", download=True)
    lock = json.loads((pretrained.checkpoint_dir() / LOCK_NAME).read_text())
    assert lock["esm2_t30_150M_UR50D.pt"]["sha256"] == sha256_file(source)
    assert lock["esm2_t30_150M_UR50D.pt"]["source"] == calls[0][1]


@pytest.mark.parametrize("kind", ["rnafm", "esm2_t30_150M"])
def test_custom_checkpoints_of_any_file_name_load(tmp_path, kind):
    path = tmp_path / "finetuned_weights.pt"
    reference = _save_rnafm_checkpoint(path) if kind == "rnafm" else _save_esm2_checkpoint(path)
    model, alphabet, revision = load_pretrained(kind, checkpoint=path)  # no *-contact-regression.pt needed
    assert type(model) is type(reference) and revision.startswith("finetuned_weights.pt@sha256:")
    seq = ["ACGUAG"] if kind == "rnafm" else ["MKTAYW"]
    got = get_embedder(kind, model=(model, alphabet)).embed(seq)[0]
    want = get_embedder(kind, model=(reference, alphabet)).embed(seq)[0]
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_the_mirror_is_configurable_in_the_table(published, monkeypatch):
    source, _ = published
    calls: list = []
    spec = dataclasses.replace(pretrained.PRETRAINED["rnafm"], hf_mirror=("someorg/rnafm-copy", "w/RNA-FM.pth"))
    monkeypatch.setitem(pretrained.PRETRAINED, "rnafm", spec)
    monkeypatch.setattr("huggingface_hub.hf_hub_download", _fake_hub(calls, source))
    load_pretrained("rnafm", download=True)
    assert calls == [("hf", "someorg/rnafm-copy", "w/RNA-FM.pth", "main")]
    assert (pretrained.checkpoint_dir() / "RNA-FM_pretrained.pth").exists()
