"""Paper-fidelity switches of RPIembeddorConfig: defaults unchanged, parameter counts, behaviour, save/load."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel

#: Parameter count of the paper configuration with each switch (documented in the config docstring).
PAPER_COUNTS = {
    (): 1_447_209,
    (("normalize_cross_attention_memory", True),): 1_448_233,  # + 2 x 256 per layer and stack
    (("classifier_dropout", False),): 1_447_209,
    (("positional_encoding", "sinusoidal"),): 1_447_209,
    (("pooling", "mean"),): 1_447_209,
}


@pytest.mark.parametrize("switches,count", list(PAPER_COUNTS.items()))
def test_parameter_count_of_each_switch(switches, count):
    model = RPIembeddorModel(RPIembeddorConfig(**dict(switches)))
    assert sum(p.numel() for p in model.parameters()) == count


def test_defaults_are_the_paper():
    config = RPIembeddorConfig()
    assert config.normalize_cross_attention_memory is False
    assert config.classifier_dropout is True and config.positional_encoding == "none"
    model = RPIembeddorModel(config)
    assert model.rna_layers[0].memory_norm is None
    assert [m.p for m in model.classifier if isinstance(m, nn.Dropout)] == [0.3, 0.3]
    with pytest.raises(ValueError, match="positional_encoding"):
        RPIembeddorConfig(positional_encoding="rotary")


def _small(**switches) -> RPIembeddorModel:
    torch.manual_seed(0)
    config = RPIembeddorConfig(rna_embedding_dim=6, protein_embedding_dim=10, d_model=16, dim_feedforward=8,
                               **switches)
    return RPIembeddorModel(config).eval()


def test_memory_norm_normalises_the_other_molecule():
    model = _small(normalize_cross_attention_memory=True)
    rna, protein = torch.randn(2, 5, 6), torch.randn(2, 7, 10)
    with torch.no_grad():
        before = model(rna, None, protein).logits
        # Keys / values pass a LayerNorm: scaling the protein's projected input changes nothing downstream
        # of that norm, so the output moves only through the LayerNorm's epsilon.
        layer = model.rna_layers[0]
        x = torch.randn(2, 7, 16)
        torch.testing.assert_close(layer.memory_norm(x * 5), layer.memory_norm(x), atol=1e-4, rtol=1e-4)
    assert not torch.allclose(before, _small()(rna, None, protein).logits)


def test_head_dropout_switch():
    train = _small(classifier_dropout=False).train()
    assert all(m.p == 0.0 for m in train.classifier if isinstance(m, nn.Dropout))
    assert any(m.p > 0 for m in train.rna_layers[0].modules() if isinstance(m, nn.Dropout))


def test_sinusoidal_positions_make_order_matter_and_keep_padding_invariance():
    model, plain = _small(positional_encoding="sinusoidal"), _small()
    rna, protein = torch.randn(1, 6, 6), torch.randn(1, 8, 10)
    flipped = protein.flip(1)
    with torch.no_grad():
        # Without positions the RNA's cross-attention is order-blind over the protein; with them it is not.
        torch.testing.assert_close(plain(rna, None, protein).logits, plain(rna, None, flipped).logits)
        assert not torch.allclose(model(rna, None, protein).logits, model(rna, None, flipped).logits)
        padded = torch.cat([protein, torch.randn(1, 3, 10)], dim=1)
        mask = torch.tensor([[1] * 8 + [0] * 3])
        torch.testing.assert_close(model(rna, None, protein).logits, model(rna, None, padded, mask).logits)


@pytest.mark.parametrize("pooling", ["first", "mean"])
def test_switches_keep_the_split_forward_identical(pooling):
    model = _small(normalize_cross_attention_memory=True, positional_encoding="sinusoidal", pooling=pooling)
    rna, protein = torch.randn(3, 5, 6), torch.randn(3, 9, 10)
    with torch.no_grad():
        full = model.forward_pair(model.encode_molecule("rna", rna), model.encode_molecule("protein", protein))
        torch.testing.assert_close(model(rna, None, protein).logits, full.logits, atol=1e-6, rtol=1e-6)


def test_switches_survive_save_and_load(tmp_path):
    model = _small(normalize_cross_attention_memory=True, classifier_dropout=False,
                   positional_encoding="sinusoidal")
    model.save_pretrained(tmp_path)
    again = RPIembeddorModel.from_pretrained(tmp_path).eval()
    assert again.config.normalize_cross_attention_memory and again.config.positional_encoding == "sinusoidal"
    rna, protein = torch.randn(2, 4, 6), torch.randn(2, 6, 10)
    with torch.no_grad():
        torch.testing.assert_close(again(rna, None, protein).logits, model(rna, None, protein).logits)
