"""A transformers ``Pipeline`` for the task ``rna-protein-interaction`` (registered on import of rpiembeddor_hf).

Every saved model also carries it as remote code (``pipeline_rpiembeddor.py`` beside the weights, named
in ``config.json`` under ``custom_pipelines``), so ``pipeline(TASK, model=folder, trust_remote_code=True)``
works without importing this package, and hands over to this class where the package is installed.

>>> from transformers import pipeline
>>> classify = pipeline("rna-protein-interaction", model="/abs/path/to/model")     # doctest: +SKIP
>>> classify({"rna": "GGCUAGCUAG", "protein": "MKTAYIAKQR"})                         # doctest: +SKIP
{'pair_id': ..., 'probability': 0.71, 'label': 1, 'status': 'scored', 'warnings': [], ...}

Inputs are dicts with ``rna`` and ``protein`` sequences (optional ``rna_id``, ``protein_id``, ``pair_id``),
or a list of them; a list is scored in one go through :func:`predict_pairs` (embedding each unique
sequence once, the screening fast path). The pipeline loads the embedders named in the model config once
and keeps an embedding cache (``cache_dir=`` for a folder shared across runs, in memory by default).
Keyword arguments at creation or call time: ``threshold``, ``length_policy``, ``letter_policy``,
``max_length``, ``batch_size``; at creation also ``cache_dir``, ``rna_embedder``, ``protein_embedder``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa
from transformers import AutoModel, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.predict.api import build_embedder, predict_pairs
from rpiembeddor_hf.predict.embedding_cache import EmbeddingCache

TASK = "rna-protein-interaction"


class RNAProteinInteractionPipeline(Pipeline):
    """Probability that an RNA and a protein interact, from their sequences (see module docs)."""

    _load_tokenizer = False
    _load_feature_extractor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_processor = False

    def __init__(
        self,
        *args: Any,
        cache_dir: Any = None,
        rna_embedder: Any = None,
        protein_embedder: Any = None,
        **kwargs: Any,
    ):
        self._cache = EmbeddingCache(cache_dir)
        self._embedder_specs = {"rna": rna_embedder, "protein": protein_embedder}
        self._embedders: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    def _sanitize_parameters(
        self,
        threshold: float | None = None,
        length_policy: str | None = None,
        letter_policy: str | None = None,
        max_length: int | None = None,
        batch_size: int | None = None,
        **kwargs: Any,
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        if kwargs:
            raise TypeError(f"unknown argument(s) for {TASK}: {', '.join(sorted(kwargs))}")
        forward: dict[str, Any] = {}
        for name, value in (
            ("threshold", threshold),
            ("length_policy", length_policy),
            ("letter_policy", letter_policy),
            ("max_length", max_length),
            ("batch_size", batch_size),
        ):
            if value is not None:
                forward[name] = value
        return {}, forward, {}

    def __call__(self, inputs: Mapping[str, str] | list[Mapping[str, str]], **kwargs: Any) -> Any:
        """Score one pair (a dict) or many (a list of dicts, scored together)."""
        single = isinstance(inputs, Mapping)
        items = [inputs] if single else list(inputs)
        pre, forward, post = self._sanitize_parameters(**kwargs)
        results = self.run_single(
            items,
            {**self._preprocess_params, **pre},
            {**self._forward_params, **forward},
            {**self._postprocess_params, **post},
        )
        return results[0] if single else results

    def preprocess(self, inputs: list[Mapping[str, str]]) -> dict[str, Any]:
        rows: dict[str, list[Any]] = {
            k: [] for k in ("pair_id", "rna_id", "protein_id", "rna_sequence", "protein_sequence")
        }
        for number, item in enumerate(inputs, start=1):
            if not isinstance(item, Mapping) or "rna" not in item or "protein" not in item:
                raise InputError(
                    f"input {number}: expected a dict with 'rna' and 'protein' sequences, got {item!r:.80}"
                )
            rna_id = str(item.get("rna_id") or f"rna_{number}")
            protein_id = str(item.get("protein_id") or f"protein_{number}")
            rows["pair_id"].append(str(item.get("pair_id") or f"pair_{number}"))
            rows["rna_id"].append(rna_id)
            rows["protein_id"].append(protein_id)
            rows["rna_sequence"].append(str(item["rna"]))
            rows["protein_sequence"].append(str(item["protein"]))
        if not inputs:
            raise InputError("no pairs given")
        return {"pairs": pa.table(rows)}

    def _embedder(self, molecule: str) -> Any:
        if molecule not in self._embedders:  # loaded once, on first use
            self._embedders[molecule] = build_embedder(
                self._embedder_specs[molecule],
                molecule,
                self.model.config,
                self.device,  # type: ignore[arg-type]
            )
        return self._embedders[molecule]

    def _forward(self, model_inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
        result = predict_pairs(
            self.model,
            model_inputs["pairs"],
            device=self.device,
            cache_dir=self._cache,
            rna_embedder=self._embedder("rna"),
            protein_embedder=self._embedder("protein"),
            progress=False,
            **options,
        )
        return {"result": result}

    def postprocess(self, model_outputs: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for row in model_outputs["result"].table.to_pylist():
            row["warnings"] = row["warnings"].split("; ") if row["warnings"] else []
            out.append(row)
        return out


def register() -> None:
    """Register the task with transformers (idempotent)."""
    if TASK not in PIPELINE_REGISTRY.get_supported_tasks():
        PIPELINE_REGISTRY.register_pipeline(
            TASK, pipeline_class=RNAProteinInteractionPipeline, pt_model=AutoModel, type="multimodal"
        )
