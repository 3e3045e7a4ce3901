"""Tiny RPIembeddor models and sequence files for the prediction tests."""

from __future__ import annotations

from pathlib import Path

import torch

from rnainteract_builder.contract.embedders import BaseEmbedder, get_embedder
from rnainteract_builder.contract.fasta import write_fasta
from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel

RNAS = {
    "rna_a": "GGGAAACUUCGGUUUCCC",
    "rna_b": "AUGCUAGCUAGCUAGGAUCCA",
    "rna_c": "ACGUACGUUUGACA",
}
PROTEINS = {
    "prot_x": "MKTAYIAKQRQISFVKSHFSRQ",
    "prot_y": "MSEQNNTEMTFQIQRIYTKDISFEAPNAPHVFQ",
    "prot_z": "MADEEKLPPGWEKRMSRSSGRVYYFNHITNASQWERPSG",
    "prot_w": "MGSSHHHHHH",
}


def tiny_onehot_model(seed: int = 0, **overrides) -> RPIembeddorModel:
    """A random model on one-hot embeddings (RNA 5-d, protein 21-d), small enough for CPU tests."""
    values = dict(
        rna_embedding_dim=5,
        protein_embedding_dim=21,
        d_model=16,
        num_attention_heads=2,
        num_layers=1,
        dim_feedforward=8,
        rna_embedding_model="onehot",
        protein_embedding_model="onehot",
        # Wide initial weights: probabilities spread over (0, 1), so a 1e-5 comparison means something.
        initializer_range=0.5,
    )
    values.update(overrides)
    torch.manual_seed(seed)
    return RPIembeddorModel(RPIembeddorConfig(**values)).eval()


def save_tiny_model(folder: Path, **overrides) -> Path:
    tiny_onehot_model(**overrides).save_pretrained(folder)
    return folder


def write_inputs(
    folder: Path, rnas: dict[str, str] = RNAS, proteins: dict[str, str] = PROTEINS
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rna_path, protein_path = folder / "rna.fasta", folder / "protein.fasta"
    write_fasta(rnas.items(), rna_path)
    write_fasta(proteins.items(), protein_path)
    return rna_path, protein_path


class CountingEmbedder:
    """Wraps an embedder and counts the sequences it is asked to embed."""

    def __init__(self, inner: BaseEmbedder):
        self.inner = inner
        self.sequences = 0
        self.calls = 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value) -> None:
        if name in ("inner", "sequences", "calls"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.inner, name, value)

    def embed(self, sequences):
        self.calls += 1
        self.sequences += len(sequences)
        return self.inner.embed(sequences)


def counting(name: str, molecule: str, **kwargs) -> CountingEmbedder:
    return CountingEmbedder(get_embedder(name, molecule=molecule, **kwargs))
