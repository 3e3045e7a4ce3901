"""Configuration of RPIembeddor, the cross-attention RNA-protein interaction classifier (DESIGN §6).

The defaults reproduce the paper (Matus et al.): RNA-FM and ESM-2 150M inputs (640 + 640), ``d_model`` 256,
2 heads, 1 encoder layer, ``dim_feedforward`` 20, dropout 0.3, ``first``-position pooling, which gives
1,447,209 parameters. The fields (name, type, default, help) are declared once in
:mod:`.configuration_fields`, which ``rpiembeddor train`` reads without importing transformers. This file
imports only transformers and that file so both can travel with the weights as Hub remote code.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from transformers import PretrainedConfig

from .configuration_fields import DEFAULTS, FIELDS, POOLING_MODES, POSITIONAL_ENCODINGS, args_section

#: Saved models carry this task's pipeline as remote code (``custom_pipelines`` in config.json).
PIPELINE_TASK = "rna-protein-interaction"
__all__ = ["PIPELINE_TASK", "POOLING_MODES", "POSITIONAL_ENCODINGS", "RPIembeddorConfig"]


def _check(values: dict[str, Any]) -> None:
    """Refuse settings the model cannot be built with, naming the field."""
    if values["pooling"] not in POOLING_MODES:
        raise ValueError(f"pooling must be one of {POOLING_MODES}, got {values['pooling']!r}")
    if values["positional_encoding"] not in POSITIONAL_ENCODINGS:
        encoding = values["positional_encoding"]
        raise ValueError(f"positional_encoding must be one of {POSITIONAL_ENCODINGS}, got {encoding!r}")
    d_model, heads = values["d_model"], values["num_attention_heads"]
    if d_model % heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_attention_heads ({heads})")
    if d_model < 4:
        raise ValueError(f"d_model must be at least 4 (the head narrows it to d/2 and d/4), got {d_model}")
    for name in ("rna_embedding_dim", "protein_embedding_dim", "num_layers", "dim_feedforward"):
        if values[name] < 1:
            raise ValueError(f"{name} must be positive, got {values[name]}")
    if not 0.0 <= values["dropout"] < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {values['dropout']}")
    if not 0.0 <= values["threshold"] <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {values['threshold']}")
    for name in ("rna_embedding_options", "protein_embedding_options"):
        if values[name] is not None and not isinstance(values[name], dict):
            raise ValueError(f"{name} must be a mapping of embedder options or None, got {values[name]!r}")


class RPIembeddorConfig(PretrainedConfig):
    model_type = "rpiembeddor"
    __doc__ = f"Hyper-parameters of :class:`RPIembeddorModel`.\n\n{args_section()}\n"

    def __init__(self, **kwargs: Any) -> None:
        values = {name: kwargs.pop(name, default) for name, default in DEFAULTS.items()}
        _check(values)
        values["threshold"] = float(values["threshold"])
        for name in ("normalize_cross_attention_memory", "classifier_dropout"):
            values[name] = bool(values[name])
        for name in ("rna_embedding_options", "protein_embedding_options"):
            values[name] = dict(values[name]) if values[name] else None
        for name, value in values.items():
            setattr(self, name, value)
        super().__init__(**kwargs)
        # transformers.pipelines is heavy to import; if it is not imported, no package registered the task.
        pipelines = sys.modules.get("transformers.pipelines")
        if pipelines is not None and PIPELINE_TASK in pipelines.PIPELINE_REGISTRY.get_supported_tasks():
            # rpiembeddor_hf is imported and serves the task itself: no remote pipeline code to trust.
            self.__dict__.pop("custom_pipelines", None)

    #: The signature the fields give (introspection, IDEs): ``RPIembeddorConfig(d_model=128, ...)``.
    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=f.kind)
            for f in FIELDS
        ]
        + [inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    )

    @property
    def hidden_size(self) -> int:
        """Alias used by generic transformers utilities."""
        return self.d_model


RPIembeddorConfig.register_for_auto_class()
