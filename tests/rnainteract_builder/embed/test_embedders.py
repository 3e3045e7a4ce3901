"""Embedders: real model classes (tiny, random), the real checkpoint loaders, length policies."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch

from rnainteract_builder.contract.batching import merge_windows, token_budget_batches, windows
from rnainteract_builder.contract.embedders import (
    MissingWeights,
    SequenceTooLong,
    get_embedder,
    load_pretrained,
)
from rnainteract_builder.contract.errors import InputError

from .conftest import tiny_esm2, tiny_rnafm, tiny_rnafm_args


@pytest.mark.parametrize("kind", ["rnafm", "esm2_t30_150M"])
def test_outputs_are_residues_only_and_match_the_model(kind):
    model, alphabet = tiny_rnafm() if kind == "rnafm" else tiny_esm2()
    embedder = get_embedder(kind, model=(model, alphabet))
    seqs = ["ACGUACG", "GGA", "UUUUACGGCA"] if kind == "rnafm" else ["MKTAYIA", "GG", "ACDEFGHIKL"]
    out = embedder.embed(seqs)
    assert [o.shape for o in out] == [(len(s), embedder.dim) for s in seqs]
    assert all(o.dtype == np.float32 for o in out)
    # The same sequence alone, straight through the model: positions 1..L are the residues.
    tokens = embedder.tokenize([seqs[0]])
    assert tokens[0, 0] == alphabet.cls_idx and tokens[0, -1] == alphabet.eos_idx
    with torch.inference_mode():
        full = model(tokens, repr_layers=[embedder.layer])["representations"][embedder.layer][0].numpy()
    assert full.shape[0] == len(seqs[0]) + 2
    np.testing.assert_allclose(out[0], full[1:-1], atol=1e-5)
    assert not np.allclose(out[0], full[:-2], atol=1e-3)  # BOS really was dropped


def test_token_budget_batches_pack_sorted_lengths_within_budget():
    lengths = [50, 3, 20, 7, 7, 100]
    batches = token_budget_batches(lengths, tokens_per_batch=60, extra_tokens=2)
    assert sorted(i for b in batches for i in b) == list(range(6))
    flat = [i for b in batches for i in b]
    assert [lengths[i] for i in flat] == sorted(lengths)
    for batch in batches:
        assert len(batch) == 1 or len(batch) * (max(lengths[i] for i in batch) + 2) <= 60
    assert batches[-1] == [5]  # longer than the budget: alone


def test_windows_cover_and_merge_averages_overlaps():
    assert windows(5, 10, 4) == [(0, 5)]
    spans = windows(25, 10, 4)
    assert spans[0] == (0, 10) and spans[-1] == (15, 25)
    assert all(b[0] - a[0] <= 6 for a, b in zip(spans, spans[1:], strict=False))
    pieces = [(0, 3, np.ones((3, 2))), (2, 5, 3 * np.ones((3, 2)))]
    merged = merge_windows(5, pieces)
    assert merged[:, 0].tolist() == [1, 1, 2, 3, 3]


def test_length_policies_on_a_sequence_longer_than_the_window():
    model, alphabet = tiny_rnafm()
    seq = "ACGUAGGCUAGCUAGCAUCGAUCGAUGCAUGCAGCUAGCUAGC" * 2  # 86 nt > 62 (64 positions - BOS - EOS)
    reject = get_embedder("rnafm", model=(model, alphabet))
    assert reject.max_length == 62
    with pytest.raises(SequenceTooLong, match="sequence 1 has 86 residues"):
        reject.embed(["ACGU", seq])
    truncated = get_embedder("rnafm", model=(model, alphabet), length_policy="truncate").embed([seq])[0]
    np.testing.assert_allclose(truncated, reject.embed([seq[:62]])[0], atol=1e-5)
    chunked = get_embedder("rnafm", model=(model, alphabet), length_policy="chunk", overlap=20).embed([seq])[
        0
    ]
    assert chunked.shape == (86, 16)
    # Expected: each window embedded on its own, overlaps averaged.
    spans = windows(86, 62, 20)
    assert len(spans) == 2
    parts = reject.embed([seq[a:b] for a, b in spans])
    expected = np.zeros((86, 16))
    counts = np.zeros((86, 1))
    for (a, b), part in zip(spans, parts, strict=True):
        expected[a:b] += part
        counts[a:b] += 1
    np.testing.assert_allclose(chunked, expected / counts, atol=1e-5)
    assert (counts[24:62] == 2).all() and not np.allclose(chunked[30], parts[0][30], atol=1e-4)


def test_onehot_and_random():
    onehot = get_embedder("onehot", molecule="rna")
    assert onehot.dim == 5 and onehot.embed(["ACGUN"])[0].tolist() == np.eye(5).tolist()
    protein = get_embedder("onehot", molecule="protein")
    assert protein.dim == 21 and protein.embed(["MKX"])[0].sum() == 3
    rand = get_embedder("random-letter", molecule="protein", dim=640, seed=1)
    a, b = rand.embed(["MKM", "KM"])
    assert a.shape == (3, 640) and np.array_equal(a[0], a[2]) and np.array_equal(a[1], b[0])
    assert np.array_equal(a, get_embedder("random-letter", molecule="protein", seed=1).embed(["MKM"])[0])
    assert not np.array_equal(a, get_embedder("random-letter", molecule="protein", seed=2).embed(["MKM"])[0])
    with pytest.raises(InputError, match="letter 'T' is not in the onehot alphabet"):
        onehot.embed(["ACGT"])
    with pytest.raises(InputError, match="needs molecule"):
        get_embedder("random")


def test_unknown_letters_and_names_are_input_errors():
    model, alphabet = tiny_rnafm()
    with pytest.raises(InputError, match="letter 'T' is not in the rnafm alphabet"):
        get_embedder("rnafm", model=(model, alphabet)).embed(["ACGT"])
    with pytest.raises(InputError, match="unknown embedder 'bert'"):
        get_embedder("bert")
    with pytest.raises(InputError, match="embeds rna, not protein"):
        get_embedder("rnafm", molecule="protein", model=(model, alphabet))


def test_missing_weights_is_one_line_naming_file_and_source(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(MissingWeights) as info:
        get_embedder("rnafm")
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "hub" / "checkpoints" / "RNA-FM_pretrained.pth") in message
    assert "https://proj.cse.cuhk.edu.hk/rnafm/api/download?filename=RNA-FM_pretrained.pth" in message
    with pytest.raises(
        MissingWeights, match=r"esm2_t30_150M_UR50D\.pt; download https://dl\.fbaipublicfiles"
    ):
        get_embedder("esm2_t30_150M")


def _save_rnafm_checkpoint(path):
    """A checkpoint laid out like the published RNA-FM file (fairseq args + encoder.* state)."""
    model, _ = tiny_rnafm()
    args = vars(tiny_rnafm_args())
    fairseq_args = {
        ("encoder_" + k if k in ("layers", "embed_dim", "ffn_embed_dim", "attention_heads") else k): v
        for k, v in args.items()
        if k != "emb_layer_norm_before"
    }
    state = {
        f"encoder.sentence_encoder.{k}": v
        for k, v in model.state_dict().items()
        if not k.startswith("contact_head.regression")
    }
    torch.save({"args": argparse.Namespace(**fairseq_args), "model": state}, path)
    return model


def _save_esm2_checkpoint(path):
    model, _ = tiny_esm2()
    cfg = argparse.Namespace(
        encoder_layers=2, encoder_embed_dim=32, encoder_attention_heads=2, token_dropout=True
    )
    state = {
        f"encoder.sentence_encoder.{k}": v
        for k, v in model.state_dict().items()
        if not k.startswith("contact_head.regression")
    }
    torch.save({"cfg": {"model": cfg}, "model": state}, path)
    return model


@pytest.mark.parametrize("kind", ["rnafm", "esm2_t30_150M"])
def test_real_loader_reads_a_local_checkpoint_with_weights_only(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    if kind == "rnafm":
        reference = _save_rnafm_checkpoint(folder / "RNA-FM_pretrained.pth")
        seqs = ["ACGUAGC", "GGU"]
    else:
        reference = _save_esm2_checkpoint(folder / "esm2_t30_150M_UR50D.pt")
        seqs = ["MKTAYIAK", "GW"]
    with pytest.raises(Exception, match="Weights only load failed|Unsupported global"):
        torch.load(next(folder.iterdir()), weights_only=True)  # what the packages hit with torch >= 2.6
    model, alphabet, revision = load_pretrained(kind)
    assert type(model) is type(reference)
    assert revision.startswith(next(folder.iterdir()).name + "@sha256:")
    loaded = get_embedder(kind).embed(seqs)
    expected = get_embedder(kind, model=(reference, alphabet)).embed(seqs)
    for got, want in zip(loaded, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_corrupt_checkpoint_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    (folder / "esm2_t6_8M_UR50D.pt").write_bytes(b"truncated")
    with pytest.raises(InputError, match="not a usable esm2_t6_8M checkpoint"):
        get_embedder("esm2_t6_8M")


@pytest.mark.parametrize("name", ["rnafm", "esm2_t30_150M"])
def test_random_stand_in_models_are_the_real_classes(name):
    import esm
    import fm

    from rnainteract_builder.contract.embedders import random_model

    model, alphabet = random_model(name, size="tiny")
    assert isinstance(model, fm.BioBertModel if name == "rnafm" else esm.model.esm2.ESM2)
    embedder = get_embedder(name, model=(model, alphabet))
    assert embedder.embed(["ACGU" if name == "rnafm" else "MKTW"])[0].shape == (4, 32)
    with pytest.raises(InputError, match="no random stand-in"):
        random_model("onehot")
