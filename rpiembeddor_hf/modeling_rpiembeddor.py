"""RPIembeddor: a cross-attention transformer that classifies RNA-protein pairs from per-residue embeddings.

Architecture (DESIGN §6, paper defaults in :class:`RPIembeddorConfig`):

* one ``Linear(embedding_dim -> d_model) + ReLU`` projection per molecule;
* one stack of layers per molecule (the two stacks are symmetric); each layer is
  pre-norm self-attention over the molecule's own positions, pre-norm cross-attention from the molecule to
  the *other* molecule's input of that layer, and a pre-norm feed-forward block, each with a residual;
  a final LayerNorm closes each stack (as ``torch.nn.TransformerDecoder(norm=...)`` does);
* the two output sequences are concatenated and pooled (``first``: the first RNA position, as in the paper;
  ``mean``: masked mean over every real position of both molecules);
* an MLP ``d -> d/2 -> d/4 -> 1`` gives one logit; sigmoid gives the probability.

Pooling happens before the MLP; for ``first`` pooling this is identical to running the MLP on every
position and then taking the first one. Every attention gets a key-padding mask, so padding never changes
the output. With the defaults the model has 1,447,209 parameters.

Fidelity switches (config, defaults = the paper): ``normalize_cross_attention_memory`` (LayerNorm of the
other molecule before cross-attention), ``classifier_dropout`` (dropout in the MLP head),
``positional_encoding`` (``none`` / ``sinusoidal`` added to the projected inputs).

The forward pass is split in two so that a screen of many pairs computes each molecule's part once:
:meth:`RPIembeddorModel.encode_molecule` (projection and first-layer self-attention: depends on one
molecule only) and :meth:`RPIembeddorModel.forward_pair` (everything that needs both).

With ``first`` pooling and one layer (the paper's configuration) only RNA position 0 reaches the
classifier, and the RNA cross-attends to the protein's *projected input*, so :meth:`RPIembeddorModel.forward`
skips what cannot change the output: the protein's self-attention and the self-attention outputs of RNA
positions other than 0 (their keys and values are still used). The result is identical and the cost grows
linearly, not quadratically, with sequence length.

Head and loss: :class:`RPIembeddorModel` itself holds the classifier head and computes the loss
(``labels`` -> binary cross-entropy on the single logit, in float32), and
:class:`RPIembeddorForSequenceClassification` is the same model under the name
``AutoModelForSequenceClassification`` expects. It is deliberately not the usual transformers split into a
headless base model plus a ``...ForSequenceClassification`` head, because:

* the model has one task and one output; DESIGN §6 and every saved model card have ``AutoModel`` return the
  interaction probability, and the paper's parameter count (1,447,209) includes the head;
* a split would move the weights under a prefix (``rpiembeddor.*``), so no model folder saved so far would
  load unchanged, nor would the remote code already published with them;
* transformers' generic sequence-classification loss treats ``num_labels=1`` as *regression* (MSE), while
  this model is trained with BCE on one logit, so the inherited loss would silently change training;
* screening (:meth:`RPIembeddorModel.encode_molecule` / :meth:`RPIembeddorModel.forward_pair`) needs the head
  in the same module as the cached per-molecule part.

This file imports only torch, transformers and its configuration file, so a saved model folder works as
remote code (``trust_remote_code=True``) without the rpiembeddor_hf package.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_rpiembeddor import RPIembeddorConfig

MOLECULES = ("rna", "protein")
_AUTO_MAP = {
    "AutoConfig": "configuration_rpiembeddor.RPIembeddorConfig",
    "AutoModel": "modeling_rpiembeddor.RPIembeddorModel",
    "AutoModelForSequenceClassification": "modeling_rpiembeddor.RPIembeddorForSequenceClassification",
}
_PIPELINES = {
    "rna-protein-interaction": {
        "impl": "pipeline_rpiembeddor.RNAProteinInteractionPipeline",
        "pt": ["AutoModel"],
        "tf": [],
        "type": "multimodal",
    }
}


@dataclass
class RPIembeddorMoleculeEncoding(ModelOutput):
    """The part of the forward pass that depends on one molecule only (batch-first, padded).

    Attributes:
        layer_input: ``(batch, length, d_model)`` projected embeddings = input of the first layer; it is also
            what the *other* molecule's first cross-attention attends to.
        self_attended: ``(batch, length, d_model)`` the first layer's state after its self-attention block.
        attention_mask: ``(batch, length)``, 1 for real positions, 0 for padding.
        self_attention: optional ``(batch, heads, length, length)`` first-layer self-attention weights.
    """

    layer_input: torch.FloatTensor | None = None
    self_attended: torch.FloatTensor | None = None
    attention_mask: torch.LongTensor | None = None
    self_attention: torch.FloatTensor | None = None

    def unbatch(self) -> list[RPIembeddorMoleculeEncoding]:
        """One unpadded encoding (batch of 1) per molecule, e.g. to cache them for a screen."""
        out = []
        for i, length in enumerate(self.attention_mask.sum(dim=1).tolist()):
            out.append(
                RPIembeddorMoleculeEncoding(
                    layer_input=self.layer_input[i : i + 1, :length],
                    self_attended=self.self_attended[i : i + 1, :length],
                    attention_mask=self.attention_mask[i : i + 1, :length],
                )
            )
        return out

    @classmethod
    def batch(cls, encodings: list[RPIembeddorMoleculeEncoding]) -> RPIembeddorMoleculeEncoding:
        """Pad and stack encodings (each of batch size 1 or more) into one batch."""
        parts = [e for enc in encodings for e in (enc.unbatch() if enc.layer_input.shape[0] > 1 else [enc])]
        longest = max(p.layer_input.shape[1] for p in parts)

        def pad(t: torch.Tensor) -> torch.Tensor:
            return nn.functional.pad(t, (0, 0, 0, longest - t.shape[1]))

        mask = torch.zeros(len(parts), longest, dtype=torch.long, device=parts[0].layer_input.device)
        for i, p in enumerate(parts):
            mask[i, : p.layer_input.shape[1]] = p.attention_mask[0]
        return cls(
            layer_input=torch.cat([pad(p.layer_input) for p in parts]),
            self_attended=torch.cat([pad(p.self_attended) for p in parts]),
            attention_mask=mask,
        )


@dataclass
class RPIembeddorOutput(ModelOutput):
    """Output of :class:`RPIembeddorModel`.

    Attributes:
        loss: binary cross-entropy (on logits) when ``labels`` were given.
        logits: ``(batch,)`` interaction logits.
        probabilities: ``(batch,)`` ``sigmoid(logits)``: probability that the pair interacts.
        rna_self_attentions / protein_self_attentions: per layer ``(batch, heads, L, L)`` (when asked for).
        rna_cross_attentions: per layer ``(batch, heads, L_rna, L_protein)``: RNA positions attending to
            protein positions; protein_cross_attentions the other way round (when asked for).
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    probabilities: torch.FloatTensor | None = None
    rna_self_attentions: tuple[torch.FloatTensor, ...] | None = None
    protein_self_attentions: tuple[torch.FloatTensor, ...] | None = None
    rna_cross_attentions: tuple[torch.FloatTensor, ...] | None = None
    protein_cross_attentions: tuple[torch.FloatTensor, ...] | None = None


class RPIembeddorLayer(nn.Module):
    """One layer of one molecule's stack: pre-norm self-attention, cross-attention, feed-forward."""

    def __init__(self, config: RPIembeddorConfig) -> None:
        super().__init__()
        d, heads, p = config.d_model, config.num_attention_heads, config.dropout
        self.self_attention_norm = nn.LayerNorm(d)
        self.self_attention = nn.MultiheadAttention(d, heads, dropout=p, batch_first=True)
        self.cross_attention_norm = nn.LayerNorm(d)
        # Fidelity switch: LayerNorm of the other molecule (keys / values) before cross-attention.
        self.memory_norm = nn.LayerNorm(d) if config.normalize_cross_attention_memory else None
        self.cross_attention = nn.MultiheadAttention(d, heads, dropout=p, batch_first=True)
        self.feed_forward_norm = nn.LayerNorm(d)
        self.feed_forward = nn.Sequential(
            nn.Linear(d, config.dim_feedforward),
            nn.ReLU(),
            nn.Dropout(p),
            nn.Linear(config.dim_feedforward, d),
        )
        self.dropout = nn.Dropout(p)

    def self_block(
        self, x: torch.Tensor, padding: torch.Tensor, need_weights: bool, queries: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Self-attention block; ``queries`` limits the output to the first positions (all keys used)."""
        h = self.self_attention_norm(x)
        q = h if queries is None else h[:, :queries]
        out, weights = self.self_attention(
            q, h, h, key_padding_mask=padding, need_weights=need_weights, average_attn_weights=False
        )
        return x[:, : q.shape[1]] + self.dropout(out), weights

    def cross_block(
        self, x: torch.Tensor, other: torch.Tensor, other_padding: torch.Tensor, need_weights: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        if self.memory_norm is not None:
            other = self.memory_norm(other)
        out, weights = self.cross_attention(
            self.cross_attention_norm(x),
            other,
            other,
            key_padding_mask=other_padding,
            need_weights=need_weights,
            average_attn_weights=False,
        )
        return x + self.dropout(out), weights

    def feed_forward_block(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.dropout(self.feed_forward(self.feed_forward_norm(x)))


class RPIembeddorPreTrainedModel(PreTrainedModel):
    config_class = RPIembeddorConfig
    base_model_prefix = "rpiembeddor"
    main_input_name = "rna_embeddings"
    _no_split_modules = ["RPIembeddorLayer"]

    def _init_weights(self, module: nn.Module) -> None:
        """PyTorch's default initialisation (``config.initializer_range=None``, the paper's setting), else the
        transformers N(0, initializer_range) scheme.

        Why: with N(0, 0.02) everywhere the output barely depends on the input at the start (logits move by
        ~1e-3 between very different sequences) and training stays at the class prior; PyTorch's
        Kaiming-uniform / Xavier initialisation trains."""
        if self.config.initializer_range is not None:
            super()._init_weights(module)
        elif isinstance(module, nn.MultiheadAttention):
            module._reset_parameters()
        elif isinstance(module, (nn.Linear, nn.LayerNorm)):
            module.reset_parameters()

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save weights (safetensors), config and, as remote code, this file and the configuration file.

        The saved config maps both AutoModel and AutoModelForSequenceClassification to this code, so either
        works with ``trust_remote_code=True`` where the rpiembeddor_hf package is not installed; it also names
        ``pipeline_rpiembeddor.py`` (copied beside the weights) under ``custom_pipelines``, so
        ``pipeline("rna-protein-interaction", model=folder, trust_remote_code=True)`` works there too.
        """
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **_AUTO_MAP}
        pipeline_file = Path(__file__).with_name("pipeline_rpiembeddor.py")
        if pipeline_file.exists():
            self.config.custom_pipelines = {
                **(getattr(self.config, "custom_pipelines", None) or {}),
                **_PIPELINES,
            }
        saved = super().save_pretrained(save_directory, *args, **kwargs)
        if pipeline_file.exists():
            shutil.copyfile(pipeline_file, Path(save_directory) / pipeline_file.name)
        return saved


class RPIembeddorModel(RPIembeddorPreTrainedModel):
    """RNA-protein interaction classifier; see the module docstring for the architecture."""

    def __init__(self, config: RPIembeddorConfig) -> None:
        super().__init__(config)
        d = config.d_model
        self.rna_projection = nn.Sequential(nn.Linear(config.rna_embedding_dim, d), nn.ReLU())
        self.protein_projection = nn.Sequential(nn.Linear(config.protein_embedding_dim, d), nn.ReLU())
        self.rna_layers = nn.ModuleList(RPIembeddorLayer(config) for _ in range(config.num_layers))
        self.protein_layers = nn.ModuleList(RPIembeddorLayer(config) for _ in range(config.num_layers))
        self.rna_norm = nn.LayerNorm(d)
        self.protein_norm = nn.LayerNorm(d)
        head_dropout = config.dropout if getattr(config, "classifier_dropout", True) else 0.0
        self.classifier = nn.Sequential(
            nn.Linear(d, d // 2),
            nn.ReLU(),
            nn.Dropout(head_dropout),
            nn.Linear(d // 2, d // 4),
            nn.ReLU(),
            nn.Dropout(head_dropout),
            nn.Linear(d // 4, 1),
        )
        self.post_init()

    # -- molecule-only part ------------------------------------------------------------------------------
    def encode_molecule(
        self,
        molecule: str,
        embeddings: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        self_attend: str = "all",
    ) -> RPIembeddorMoleculeEncoding:
        """Projection and first-layer self-attention of one molecule (``"rna"`` or ``"protein"``).

        ``embeddings`` is ``(batch, length, embedding_dim)`` (or ``(length, embedding_dim)`` for one
        molecule); ``attention_mask`` is 1 for real positions and 0 for padding (all real when omitted).
        ``self_attend``: ``all`` (default; what a screening cache needs), ``first`` (only position 0's
        self-attention output) or ``none`` (``self_attended`` is None): :meth:`forward` asks for less when
        the rest cannot reach the output.
        """
        if molecule not in MOLECULES:
            raise ValueError(f"molecule must be one of {MOLECULES}, got {molecule!r}")
        expected = getattr(self.config, f"{molecule}_embedding_dim")
        if embeddings.dim() == 2:
            embeddings = embeddings.unsqueeze(0)
            attention_mask = None if attention_mask is None else attention_mask.reshape(1, -1)
        if embeddings.dim() != 3 or embeddings.shape[-1] != expected:
            raise ValueError(
                f"{molecule} embeddings must be (batch, length, {expected}) for this model, "
                f"got {tuple(embeddings.shape)}"
            )
        if attention_mask is None:
            attention_mask = torch.ones(embeddings.shape[:2], dtype=torch.long, device=embeddings.device)
        if attention_mask.shape != embeddings.shape[:2]:
            raise ValueError(
                f"{molecule} attention mask {tuple(attention_mask.shape)} does not match embeddings "
                f"{tuple(embeddings.shape[:2])}"
            )
        if embeddings.shape[1] == 0 or bool((attention_mask.sum(dim=1) == 0).any()):
            raise ValueError(f"every {molecule} needs at least one real (unmasked) position")
        projection = self.rna_projection if molecule == "rna" else self.protein_projection
        first_layer = (self.rna_layers if molecule == "rna" else self.protein_layers)[0]
        x = projection(embeddings.to(projection[0].weight.dtype))
        if getattr(self.config, "positional_encoding", "none") == "sinusoidal":
            x = x + _sinusoidal(x.shape[1], x.shape[2], x.device, x.dtype)
        if self_attend not in ("all", "first", "none"):
            raise ValueError(f"self_attend must be all, first or none, got {self_attend!r}")
        self_attended, weights = None, None
        if self_attend != "none":
            queries = 1 if self_attend == "first" else None
            self_attended, weights = first_layer.self_block(
                x, attention_mask == 0, output_attentions, queries
            )
        return RPIembeddorMoleculeEncoding(
            layer_input=x, self_attended=self_attended, attention_mask=attention_mask, self_attention=weights
        )

    # -- pair-dependent part -----------------------------------------------------------------------------
    def forward_pair(
        self,
        rna: RPIembeddorMoleculeEncoding,
        protein: RPIembeddorMoleculeEncoding,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> RPIembeddorOutput:
        """Everything after :meth:`encode_molecule`: cross-attention, later layers, pooling, classifier.

        An encoding of batch size 1 is paired with every item of the other (one RNA against many
        proteins, or the reverse).
        """
        rna, protein = _broadcast_batch(rna, protein)
        rna_pad, protein_pad = rna.attention_mask == 0, protein.attention_mask == 0
        x_rna, x_protein = rna.layer_input, protein.layer_input
        s_rna, s_protein = rna.self_attended, protein.self_attended
        attentions: dict[str, list[torch.Tensor]] = {
            "rna_self": [rna.self_attention],
            "protein_self": [protein.self_attention],
            "rna_cross": [],
            "protein_cross": [],
        }
        # With ``first`` pooling only RNA position 0 of the last layer reaches the classifier, so that layer
        # computes just that position (identical result, much cheaper); attention maps need everything.
        first_only = self.config.pooling == "first" and not output_attentions
        last = len(self.rna_layers) - 1
        for i, (rna_layer, protein_layer) in enumerate(
            zip(self.rna_layers, self.protein_layers, strict=True)
        ):
            if i > 0:
                s_rna, w = rna_layer.self_block(x_rna, rna_pad, output_attentions)
                attentions["rna_self"].append(w)
                s_protein, w = protein_layer.self_block(x_protein, protein_pad, output_attentions)
                attentions["protein_self"].append(w)
            if first_only and i == last:
                y_rna, _ = rna_layer.cross_block(s_rna[:, :1], x_protein, protein_pad, False)
                x_rna = rna_layer.feed_forward_block(y_rna)
                break
            y_rna, w_rna = rna_layer.cross_block(s_rna, x_protein, protein_pad, output_attentions)
            y_protein, w_protein = protein_layer.cross_block(s_protein, x_rna, rna_pad, output_attentions)
            attentions["rna_cross"].append(w_rna)
            attentions["protein_cross"].append(w_protein)
            x_rna = rna_layer.feed_forward_block(y_rna)
            x_protein = protein_layer.feed_forward_block(y_protein)

        if self.config.pooling == "first":
            pooled = self.rna_norm(x_rna[:, 0])
        else:
            hidden = torch.cat([self.rna_norm(x_rna), self.protein_norm(x_protein)], dim=1)
            mask = (
                torch.cat([rna.attention_mask, protein.attention_mask], dim=1).to(hidden.dtype).unsqueeze(-1)
            )
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
        logits = self.classifier(pooled).squeeze(-1)
        loss = None
        if labels is not None:
            loss = nn.functional.binary_cross_entropy_with_logits(
                logits.float(), labels.to(device=logits.device, dtype=torch.float32).reshape(logits.shape)
            )
        out = RPIembeddorOutput(loss=loss, logits=logits, probabilities=torch.sigmoid(logits))
        if output_attentions:
            out.rna_self_attentions = tuple(attentions["rna_self"])
            out.protein_self_attentions = tuple(attentions["protein_self"])
            out.rna_cross_attentions = tuple(attentions["rna_cross"])
            out.protein_cross_attentions = tuple(attentions["protein_cross"])
        return out

    def forward(
        self,
        rna_embeddings: torch.Tensor,
        rna_attention_mask: torch.Tensor | None = None,
        protein_embeddings: torch.Tensor | None = None,
        protein_attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool = False,
        return_dict: bool | None = None,
        **kwargs,
    ) -> RPIembeddorOutput | tuple:
        """Score pairs: ``(batch, L_rna, rna_dim)`` and ``(batch, L_protein, protein_dim)`` embeddings with
        masks (1 real, 0 padding); ``labels`` (0/1) add the BCE loss."""
        if protein_embeddings is None:
            raise ValueError("protein_embeddings are required")
        # Paper configuration: only RNA position 0 of the single layer reaches the classifier, and it
        # cross-attends to the protein's projected input, so skip what cannot change the output.
        lean = self.config.pooling == "first" and len(self.rna_layers) == 1 and not output_attentions
        rna = self.encode_molecule(
            "rna", rna_embeddings, rna_attention_mask, output_attentions, "first" if lean else "all"
        )
        protein = self.encode_molecule(
            "protein",
            protein_embeddings,
            protein_attention_mask,
            output_attentions,
            "none" if lean else "all",
        )
        out = self.forward_pair(rna, protein, labels=labels, output_attentions=output_attentions)
        if return_dict is False:
            return out.to_tuple()
        return out


class RPIembeddorForSequenceClassification(RPIembeddorModel):
    """The same model (head and BCE loss included) under the name AutoModelForSequenceClassification
    expects; why it is not a separate head over a base model: see the module docstring."""


def _sinusoidal(length: int, d: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """``(length, d)`` fixed sine/cosine positional encoding (Vaswani et al. 2017), position 0 first."""
    position = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, d, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / d))
    table = torch.zeros(length, d, device=device, dtype=torch.float32)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency[: d // 2])
    return table.to(dtype)


def _broadcast_batch(
    a: RPIembeddorMoleculeEncoding, b: RPIembeddorMoleculeEncoding
) -> tuple[RPIembeddorMoleculeEncoding, RPIembeddorMoleculeEncoding]:
    na, nb = a.layer_input.shape[0], b.layer_input.shape[0]
    if na == nb:
        return a, b
    if na == 1:
        return _expand(a, nb), b
    if nb == 1:
        return a, _expand(b, na)
    raise ValueError(f"cannot pair a batch of {na} RNAs with a batch of {nb} proteins")


def _expand(e: RPIembeddorMoleculeEncoding, n: int) -> RPIembeddorMoleculeEncoding:
    return RPIembeddorMoleculeEncoding(
        layer_input=e.layer_input.expand(n, -1, -1),
        self_attended=e.self_attended.expand(n, -1, -1),
        attention_mask=e.attention_mask.expand(n, -1),
        self_attention=None if e.self_attention is None else e.self_attention.expand(n, -1, -1, -1),
    )


RPIembeddorModel.register_for_auto_class("AutoModel")
RPIembeddorForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
