"""RPIembeddor model: size, padding invariance, pooling, the split forward, save/load by both routes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from rpiembeddor_hf import (
    RPIembeddorConfig,
    RPIembeddorForSequenceClassification,
    RPIembeddorModel,
    RPIembeddorMoleculeEncoding,
)


def tiny_config(**overrides) -> RPIembeddorConfig:
    values = dict(
        rna_embedding_dim=6,
        protein_embedding_dim=10,
        d_model=16,
        num_attention_heads=2,
        num_layers=1,
        dim_feedforward=8,
        dropout=0.3,
    )
    values.update(overrides)
    return RPIembeddorConfig(**values)


def tiny_model(seed: int = 0, **overrides) -> RPIembeddorModel:
    torch.manual_seed(seed)
    return RPIembeddorModel(tiny_config(**overrides)).eval()


def test_paper_defaults_have_1447209_parameters():
    model = RPIembeddorModel(RPIembeddorConfig())
    assert sum(p.numel() for p in model.parameters()) == 1_447_209


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="pooling"):
        RPIembeddorConfig(pooling="max")
    with pytest.raises(ValueError, match="divisible"):
        RPIembeddorConfig(d_model=10, num_attention_heads=3)
    with pytest.raises(ValueError, match="threshold"):
        RPIembeddorConfig(threshold=1.2)
    assert RPIembeddorConfig().threshold == 0.5


def _pad(x: torch.Tensor, extra: int) -> torch.Tensor:
    return torch.cat([x, torch.randn(x.shape[0], extra, x.shape[2]) * 100], dim=1)


@settings(max_examples=25, deadline=None)
@given(
    rna_len=st.integers(1, 9),
    protein_len=st.integers(1, 9),
    rna_pad=st.integers(0, 6),
    protein_pad=st.integers(0, 6),
    pooling=st.sampled_from(["first", "mean"]),
    layers=st.integers(1, 2),
)
def test_padding_never_changes_the_output(rna_len, protein_len, rna_pad, protein_pad, pooling, layers):
    model = tiny_model(pooling=pooling, num_layers=layers)
    rna, protein = torch.randn(1, rna_len, 6), torch.randn(1, protein_len, 10)
    with torch.no_grad():
        plain = model(rna, None, protein, None).probabilities
        # Padding filled with large garbage: it must be masked out everywhere, not merely small.
        padded = model(
            _pad(rna, rna_pad),
            torch.tensor([[1] * rna_len + [0] * rna_pad]),
            _pad(protein, protein_pad),
            torch.tensor([[1] * protein_len + [0] * protein_pad]),
        ).probabilities
    torch.testing.assert_close(padded, plain, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("pooling", ["first", "mean"])
def test_batched_equals_one_by_one_and_attention_maps(pooling):
    model = tiny_model(pooling=pooling, num_layers=2)
    lengths = [(3, 7), (5, 2), (1, 4)]
    singles, rnas, proteins = [], [], []
    for rl, pl in lengths:
        r, p = torch.randn(1, rl, 6), torch.randn(1, pl, 10)
        rnas.append(r)
        proteins.append(p)
        with torch.no_grad():
            singles.append(model(r, None, p, None).probabilities)
    rna = torch.zeros(3, 5, 6)
    protein = torch.zeros(3, 7, 10)
    rna_mask = torch.zeros(3, 5, dtype=torch.long)
    protein_mask = torch.zeros(3, 7, dtype=torch.long)
    for i, (rl, pl) in enumerate(lengths):
        rna[i, :rl], protein[i, :pl] = rnas[i][0], proteins[i][0]
        rna_mask[i, :rl], protein_mask[i, :pl] = 1, 1
    with torch.no_grad():
        batched = model(rna, rna_mask, protein, protein_mask, output_attentions=True)
    torch.testing.assert_close(batched.probabilities, torch.cat(singles), atol=1e-5, rtol=1e-5)
    assert torch.allclose(batched.probabilities, torch.sigmoid(batched.logits))
    assert len(batched.rna_cross_attentions) == 2
    assert batched.rna_cross_attentions[0].shape == (3, 2, 5, 7)
    assert batched.protein_self_attentions[1].shape == (3, 2, 7, 7)
    # Padded keys get exactly zero attention; each real query's weights sum to one.
    assert torch.all(batched.rna_cross_attentions[0][1, :, :, 2:] == 0)
    torch.testing.assert_close(batched.rna_cross_attentions[0][1, :, :5].sum(-1), torch.ones(2, 5))


def test_pooling_modes_differ_and_mean_uses_the_protein_stack():
    first, mean = tiny_model(pooling="first"), tiny_model(pooling="mean")
    mean.load_state_dict(first.state_dict())
    rna, protein = torch.randn(2, 4, 6), torch.randn(2, 5, 10)
    with torch.no_grad():
        assert not torch.allclose(first(rna, None, protein).logits, mean(rna, None, protein).logits)
        # Under mean pooling the protein stack's final norm matters; under first pooling it cannot.
        before_first, before_mean = first(rna, None, protein).logits, mean(rna, None, protein).logits
        first.protein_norm.bias.add_(1.0)
        mean.protein_norm.bias.add_(1.0)
        torch.testing.assert_close(first(rna, None, protein).logits, before_first)
        assert not torch.allclose(mean(rna, None, protein).logits, before_mean)


def test_loss_is_bce_and_gradients_flow():
    model = tiny_model()
    model.train()
    labels = torch.tensor([1, 0, 1])
    out = model(torch.randn(3, 4, 6), None, torch.randn(3, 5, 10), None, labels=labels)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(out.logits, labels.float())
    torch.testing.assert_close(out.loss, expected)
    out.loss.backward()
    assert model.rna_projection[0].weight.grad.abs().sum() > 0
    assert model.protein_projection[0].weight.grad.abs().sum() > 0


def test_split_forward_caches_each_molecule_once():
    model = tiny_model(pooling="mean", num_layers=2)
    rnas = [torch.randn(1, n, 6) for n in (3, 6)]
    proteins = [torch.randn(1, n, 10) for n in (2, 5, 4)]
    with torch.no_grad():
        rna_codes = [model.encode_molecule("rna", r) for r in rnas]
        protein_codes = [model.encode_molecule("protein", p) for p in proteins]
        for r, rc in zip(rnas, rna_codes, strict=True):
            # One RNA against a padded batch of all proteins (batch-1 encodings broadcast).
            screen = model.forward_pair(rc, RPIembeddorMoleculeEncoding.batch(protein_codes)).probabilities
            direct = torch.cat([model(r, None, p).probabilities for p in proteins])
            torch.testing.assert_close(screen, direct, atol=1e-5, rtol=1e-5)
        unbatched = RPIembeddorMoleculeEncoding.batch(protein_codes).unbatch()
        assert [u.layer_input.shape[1] for u in unbatched] == [2, 5, 4]


def test_bad_shapes_raise_clear_errors():
    model = tiny_model()
    with pytest.raises(ValueError, match=r"rna embeddings must be \(batch, length, 6\)"):
        model(torch.randn(1, 3, 7), None, torch.randn(1, 3, 10))
    with pytest.raises(ValueError, match="at least one real"):
        model(torch.randn(1, 3, 6), torch.zeros(1, 3), torch.randn(1, 3, 10))


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_save_and_reload_through_auto_classes(tmp_path):
    model = tiny_model(seed=3, pooling="mean")
    model.config.threshold, model.config.threshold_source = 0.3125, "chosen on validation: maximises MCC"
    folder = (tmp_path / "model").resolve()
    model.save_pretrained(folder)
    assert (folder / "model.safetensors").exists()
    assert not list(folder.glob("*.bin"))
    auto_map = json.loads((folder / "config.json").read_text())["auto_map"]
    assert set(auto_map) == {"AutoConfig", "AutoModel", "AutoModelForSequenceClassification"}
    assert isinstance(AutoConfig.from_pretrained(folder), RPIembeddorConfig)
    reloaded = AutoModel.from_pretrained(folder).eval()
    assert reloaded.config.threshold == 0.3125  # the decision threshold travels with the weights
    assert reloaded.config.threshold_source == "chosen on validation: maximises MCC"
    assert type(reloaded) is RPIembeddorModel
    assert _same_weights(model, reloaded)
    classifier = AutoModelForSequenceClassification.from_pretrained(folder)
    assert isinstance(classifier, RPIembeddorForSequenceClassification)
    rna, protein = torch.randn(2, 4, 6), torch.randn(2, 3, 10)
    with torch.no_grad():
        torch.testing.assert_close(reloaded(rna, None, protein).logits, model(rna, None, protein).logits)


_REMOTE_CODE_CHECK = r"""
import sys, torch
from transformers import AutoModel, AutoModelForSequenceClassification
folder, inputs = sys.argv[1], sys.argv[2]
model = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
clf = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True)
assert "rpiembeddor_hf" not in sys.modules, "the package was imported"
assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
assert type(clf).__name__ == "RPIembeddorForSequenceClassification"
x = torch.load(inputs, weights_only=True)
with torch.no_grad():
    print(repr(model(x["rna"], None, x["protein"]).logits.tolist()))
"""


def test_remote_code_works_without_the_package(tmp_path):
    model = tiny_model(seed=5)
    folder = (tmp_path / "remote model").resolve()
    model.save_pretrained(folder)
    inputs = {"rna": torch.randn(2, 4, 6), "protein": torch.randn(2, 3, 10)}
    torch.save(inputs, tmp_path / "inputs.pt")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_MODULES_CACHE": str(tmp_path / "modules"),
        "TRANSFORMERS_VERBOSITY": "error",
    }
    done = subprocess.run(
        [sys.executable, "-c", _REMOTE_CODE_CHECK, str(folder), str(tmp_path / "inputs.pt")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with torch.no_grad():
        expected = model(inputs["rna"], None, inputs["protein"]).logits.tolist()
    got = eval(done.stdout.strip().splitlines()[-1])
    assert got == pytest.approx(expected, abs=1e-6)
    assert Path(folder / "modeling_rpiembeddor.py").read_text().count("import rpiembeddor_hf") == 0


def test_lean_forward_of_the_paper_configuration_equals_the_full_computation():
    # first pooling + 1 layer: forward skips the protein self-attention and RNA positions > 0.
    model = tiny_model(seed=7, pooling="first", num_layers=1)
    rna, protein = torch.randn(3, 6, 6), torch.randn(3, 9, 10)
    rna_mask = torch.tensor([[1] * 6, [1] * 2 + [0] * 4, [1] * 4 + [0] * 2])
    protein_mask = torch.tensor([[1] * 9, [1] * 3 + [0] * 6, [1] * 7 + [0] * 2])
    with torch.no_grad():
        full = model.forward_pair(
            model.encode_molecule("rna", rna, rna_mask),
            model.encode_molecule("protein", protein, protein_mask),
        )
        lean_rna = model.encode_molecule("rna", rna, rna_mask, self_attend="first")
        lean_protein = model.encode_molecule("protein", protein, protein_mask, self_attend="none")
        lean = model(rna, rna_mask, protein, protein_mask)
    assert lean_rna.self_attended.shape == (3, 1, 16) and lean_protein.self_attended is None
    torch.testing.assert_close(lean.logits, full.logits, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(model.forward_pair(lean_rna, lean_protein).logits, full.logits)
    with pytest.raises(ValueError, match="self_attend"):
        model.encode_molecule("rna", rna, rna_mask, self_attend="some")
