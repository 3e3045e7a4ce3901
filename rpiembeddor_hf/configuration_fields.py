"""The fields of :class:`~rpiembeddor_hf.configuration_rpiembeddor.RPIembeddorConfig`, declared once.

Name, type, default (the paper's) and help of every configuration field live here, in a module that imports
neither torch nor transformers: the configuration class takes its defaults and its docstring from
:data:`FIELDS`, and ``rpiembeddor train`` generates its architecture options from them without importing
transformers, so ``rpiembeddor train --help`` starts in a fraction of a second. The configuration imports
this file relatively, so it travels with the weights as Hub remote code too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

POOLING_MODES = ("first", "mean")
POSITIONAL_ENCODINGS = ("none", "sinusoidal")


@dataclass(frozen=True)
class ConfigField:
    """One configuration field: ``kind`` is its type (``int``, ``float | None`` ...), ``text`` its help."""

    name: str
    kind: Any
    default: Any
    text: str
    #: Whether ``rpiembeddor train`` has an option for it (the data decides the input widths and the
    #: embedders, training the threshold).
    option: bool = True

    @property
    def help(self) -> str:
        """The help of the command-line option: the text without reStructuredText literals."""
        return self.text.replace("``", "")


FIELDS: tuple[ConfigField, ...] = (
    ConfigField(
        "rna_embedding_dim", int, 640,
        "width of the per-residue RNA embeddings fed to the model (RNA-FM: 640).",
        option=False,
    ),
    ConfigField(
        "protein_embedding_dim", int, 640, "width of the per-residue protein embeddings (ESM-2 150M: 640).",
        option=False,
    ),
    ConfigField("d_model", int, 256, "width of the shared hidden space both molecules are projected into."),
    ConfigField("num_attention_heads", int, 2, "heads of every self- and cross-attention."),
    ConfigField("num_layers", int, 1, "layers in each molecule's stack (the two stacks are symmetric)."),
    ConfigField("dim_feedforward", int, 20, "inner width of each layer's feed-forward block."),
    ConfigField(
        "dropout", float, 0.3, "dropout on attention weights, residual branches and the classifier head."
    ),
    ConfigField(
        "pooling", str, "first",
        "``first`` (the first RNA position, as in the paper) or ``mean`` (masked mean over both molecules' "
        "positions).",
    ),
    ConfigField(
        "rna_embedding_model", str | None, "rnafm",
        "name of the RNA embedder the model was trained on, so users feed it matching embeddings (recorded, "
        "not used by the forward pass; ``rpiembeddor predict`` embeds with it).",
        option=False,
    ),
    ConfigField(
        "protein_embedding_model", str | None, "esm2_t30_150M",
        "name of the protein embedder the model was trained on (as ``rna_embedding_model``).",
        option=False,
    ),
    ConfigField(
        "initializer_range", float | None, None,
        "``None`` (default): PyTorch's own initialisation of every layer, as in the paper's plain-PyTorch "
        "model. A float: transformers-style N(0, initializer_range) linear weights. With N(0, 0.02) the "
        "pre-norm stack starts almost insensitive to its inputs and training stalls at the class prior, so "
        "the default is PyTorch's.",
    ),
    ConfigField(
        "threshold", float, 0.5,
        "decision threshold: a pair is called interacting when its probability is at or above it. Training "
        "stores the one chosen on the validation split (``--threshold-metric``, default: the threshold that "
        "maximises MCC there); prediction and evaluation use it unless told otherwise. 0.5 for an untrained "
        "model. Probabilities are not calibrated, so a threshold chosen on data like yours (held out from "
        "training) is better than 0.5.",
        option=False,
    ),
    ConfigField(
        "threshold_source", str | None, None,
        "how ``threshold`` was chosen, in words (shown by evaluation and the model card).",
        option=False,
    ),
    ConfigField(
        "normalize_cross_attention_memory", bool, False,
        "fidelity switch, default ``False`` (the paper's description). When ``True`` every cross-attention "
        "normalises the *other* molecule's sequence with its own LayerNorm before using it as keys and "
        "values, as code built on ``torch.nn.TransformerDecoder`` does with its memory (the encoder's final "
        "norm); the authors' code lineage does this. Adds 2 x d_model parameters per layer and stack: "
        "1,448,233 with the other defaults.",
    ),
    ConfigField(
        "classifier_dropout", bool, True,
        "fidelity switch, default ``True``: dropout (``dropout``) between the layers of the MLP head, as in "
        "the paper's head. ``False`` drops it there (attention and residual dropout stay). No parameters.",
    ),
    ConfigField(
        "positional_encoding", str, "none",
        "fidelity switch, default ``none`` (the paper adds no positions: RNA-FM and ESM-2 embeddings already "
        "carry them). ``sinusoidal`` adds the fixed sine/cosine encoding of Vaswani et al. 2017 to each "
        "molecule's projected input, for inputs without positions (one-hot, kmer-context). No parameters.",
    ),
    ConfigField(
        "rna_embedding_options", dict | None, None,
        "keyword arguments the weight-free RNA embedder was built with (e.g. ``{\"window\": 5}`` for "
        "``kmer-context``); ``None``: its defaults. ``rpiembeddor predict`` and ``evaluate`` rebuild the "
        "embedder with them.",
        option=False,
    ),
    ConfigField(
        "protein_embedding_options", dict | None, None,
        "the same for the weight-free protein embedder.",
        option=False,
    ),
)

#: field name -> default
DEFAULTS: dict[str, Any] = {f.name: f.default for f in FIELDS}


def args_section(width: int = 110) -> str:
    """The fields as the ``Args:`` section of a Google-style docstring (the configuration's own)."""
    import textwrap

    lines = ["Args:"]
    for f in FIELDS:
        lines += textwrap.wrap(
            f"{f.name}: {f.text}", width, initial_indent="    ", subsequent_indent="        "
        )
    return "\n".join(lines)
