"""Tiny random models of the real classes (ESM-2 and RNA-FM's BioBertModel), seeded."""

from __future__ import annotations

import argparse

import pytest
import torch


def tiny_esm2():
    import esm

    torch.manual_seed(0)
    alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
    model = esm.model.esm2.ESM2(num_layers=2, embed_dim=32, attention_heads=2, alphabet="ESM-1b")
    return model.eval(), alphabet


def tiny_rnafm_args(max_positions: int = 64) -> argparse.Namespace:
    # The fields fm.BioBertModel reads for arch "roberta_large" (the RNA-FM architecture).
    return argparse.Namespace(
        arch="roberta_large",
        layers=2,
        embed_dim=16,
        ffn_embed_dim=32,
        attention_heads=2,
        max_positions=max_positions,
        emb_layer_norm_before=True,
        final_bias=True,
        token_dropout=False,
    )


def tiny_rnafm(max_positions: int = 64):
    import fm

    torch.manual_seed(0)
    alphabet = fm.Alphabet.from_architecture("ESM-1b", theme="rna")
    model = fm.BioBertModel(tiny_rnafm_args(max_positions), alphabet)
    return model.eval(), alphabet


@pytest.fixture
def esm2_model():
    return tiny_esm2()


@pytest.fixture
def rnafm_model():
    return tiny_rnafm()
