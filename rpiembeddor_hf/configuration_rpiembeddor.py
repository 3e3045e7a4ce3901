"""Configuration of RPIembeddor, the cross-attention RNA-protein interaction classifier (DESIGN §6).

The defaults reproduce the paper (Matus et al.): RNA-FM and ESM-2 150M inputs (640 + 640), ``d_model`` 256,
2 heads, 1 encoder layer, ``dim_feedforward`` 20, dropout 0.3, ``first``-position pooling, which gives
1,447,209 parameters. This file imports only transformers so it can travel with the weights as Hub remote code.
"""

from __future__ import annotations

import sys

from transformers import PretrainedConfig

POOLING_MODES = ("first", "mean")
#: Saved models carry this task's pipeline as remote code (``custom_pipelines`` in config.json).
PIPELINE_TASK = "rna-protein-interaction"
POSITIONAL_ENCODINGS = ("none", "sinusoidal")


class RPIembeddorConfig(PretrainedConfig):
    """Hyper-parameters of :class:`RPIembeddorModel`.

    Args:
        rna_embedding_dim: width of the per-residue RNA embeddings fed to the model (RNA-FM: 640).
        protein_embedding_dim: width of the per-residue protein embeddings (ESM-2 150M: 640).
        d_model: width of the shared hidden space both molecules are projected into.
        num_attention_heads: heads of every self- and cross-attention.
        num_layers: layers in each molecule's stack (the two stacks are symmetric).
        dim_feedforward: inner width of each layer's feed-forward block.
        dropout: dropout on attention weights, residual branches and the classifier head.
        pooling: ``first`` (the first RNA position, as in the paper) or ``mean`` (masked mean over both
            molecules' positions).
        normalize_cross_attention_memory: fidelity switch, default ``False`` (the paper's description). When
            ``True`` every cross-attention normalises the *other* molecule's sequence with its own LayerNorm
            before using it as keys and values, as code built on ``torch.nn.TransformerDecoder`` does with
            its memory (the encoder's final norm); the authors' code lineage does this. Adds 2 x d_model
            parameters per layer and stack: 1,448,233 with the other defaults.
        classifier_dropout: fidelity switch, default ``True``: dropout (``dropout``) between the layers of the
            MLP head, as in the paper's head. ``False`` drops it there (attention and residual dropout stay).
            No parameters.
        positional_encoding: fidelity switch, default ``none`` (the paper adds no positions: RNA-FM and
            ESM-2 embeddings already carry them). ``sinusoidal`` adds the fixed sine/cosine encoding of
            Vaswani et al. 2017 to each molecule's projected input, for inputs without positions (one-hot,
            kmer-context). No parameters.
        rna_embedding_model / protein_embedding_model: names of the embedders the model was trained on, so
            users feed it matching embeddings (recorded, not used by the forward pass).
        initializer_range: ``None`` (default): PyTorch's own initialisation of every layer, as in the paper's
            plain-PyTorch model. A float: transformers-style N(0, initializer_range) linear weights. With
            N(0, 0.02) the pre-norm stack starts almost insensitive to its inputs and training stalls at the
            class prior, so the default is PyTorch's.
        threshold: decision threshold: a pair is called interacting when its probability is at or above it.
            Training stores the one chosen on the validation split (``--threshold-metric``, default: the
            threshold that maximises MCC there); prediction and evaluation use it unless told otherwise.
            0.5 for an untrained model. Probabilities are not calibrated, so a threshold chosen on data
            like yours (held out from training) is better than 0.5.
        threshold_source: how ``threshold`` was chosen, in words (shown by evaluation and the model card).
    """

    model_type = "rpiembeddor"

    def __init__(
        self,
        rna_embedding_dim: int = 640,
        protein_embedding_dim: int = 640,
        d_model: int = 256,
        num_attention_heads: int = 2,
        num_layers: int = 1,
        dim_feedforward: int = 20,
        dropout: float = 0.3,
        pooling: str = "first",
        rna_embedding_model: str | None = "rnafm",
        protein_embedding_model: str | None = "esm2_t30_150M",
        initializer_range: float | None = None,
        threshold: float = 0.5,
        threshold_source: str | None = None,
        normalize_cross_attention_memory: bool = False,
        classifier_dropout: bool = True,
        positional_encoding: str = "none",
        **kwargs,
    ) -> None:
        if pooling not in POOLING_MODES:
            raise ValueError(f"pooling must be one of {POOLING_MODES}, got {pooling!r}")
        if positional_encoding not in POSITIONAL_ENCODINGS:
            raise ValueError(
                f"positional_encoding must be one of {POSITIONAL_ENCODINGS}, got {positional_encoding!r}"
            )
        if d_model % num_attention_heads:
            raise ValueError(
                f"d_model ({d_model}) must be divisible by num_attention_heads ({num_attention_heads})"
            )
        if d_model < 4:
            raise ValueError(
                f"d_model must be at least 4 (the head narrows it to d/2 and d/4), got {d_model}"
            )
        for name, value in (
            ("rna_embedding_dim", rna_embedding_dim),
            ("protein_embedding_dim", protein_embedding_dim),
            ("num_layers", num_layers),
            ("dim_feedforward", dim_feedforward),
        ):
            if value < 1:
                raise ValueError(f"{name} must be positive, got {value}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.rna_embedding_dim = rna_embedding_dim
        self.protein_embedding_dim = protein_embedding_dim
        self.d_model = d_model
        self.num_attention_heads = num_attention_heads
        self.num_layers = num_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.pooling = pooling
        self.rna_embedding_model = rna_embedding_model
        self.protein_embedding_model = protein_embedding_model
        self.initializer_range = initializer_range
        self.threshold = float(threshold)
        self.threshold_source = threshold_source
        self.normalize_cross_attention_memory = bool(normalize_cross_attention_memory)
        self.classifier_dropout = bool(classifier_dropout)
        self.positional_encoding = positional_encoding
        super().__init__(**kwargs)
        # transformers.pipelines is heavy to import; if it is not imported, no package registered the task.
        pipelines = sys.modules.get("transformers.pipelines")
        if pipelines is not None and PIPELINE_TASK in pipelines.PIPELINE_REGISTRY.get_supported_tasks():
            # rpiembeddor_hf is imported and serves the task itself: no remote pipeline code to trust.
            self.__dict__.pop("custom_pipelines", None)

    @property
    def hidden_size(self) -> int:
        """Alias used by generic transformers utilities."""
        return self.d_model


RPIembeddorConfig.register_for_auto_class()
