"""The ``rna-protein-interaction`` pipeline as remote code, saved beside the model by ``save_pretrained``.

``config.json`` names it under ``custom_pipelines``, so on a machine without the rpiembeddor_hf package

>>> from transformers import pipeline
>>> classify = pipeline("rna-protein-interaction", model="path/or/hub-id", trust_remote_code=True)  # doctest: +SKIP
>>> classify({"rna": "GGCUAGCUAG", "protein": "MKTAYIAKQR"})                                       # doctest: +SKIP

works. Where the package is installed this file hands over to its full pipeline (every embedder, the
embedding cache, the screening fast path, budgeted memory). Without it, this file scores sequences for
models trained on the weight-free ``onehot`` or ``random`` embedders, and any model from per-residue
embeddings given as ``{"rna_embedding": L x dim array, "protein_embedding": L x dim array}``; a model on
RNA-FM / ESM-2 embeddings needs the package (or the embeddings) and says so.

Like ``modeling_rpiembeddor.py`` it imports only numpy, torch and transformers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from transformers import Pipeline

TASK = "rna-protein-interaction"
CANONICAL = {"rna": "ACGU", "protein": "ACDEFGHIKLMNPQRSTVWY"}
UNKNOWN = {"rna": "N", "protein": "X"}
ID_PREFIX = {"rna": "rna", "protein": "prot"}
WEIGHT_FREE = ("onehot", "random")
#: The longest sequence scored here: attention grows with the square of the length.
MAX_RESIDUES = 8192


def normalise(sequence: str, molecule: str) -> tuple[str, list[str]]:
    """Upper case, no whitespace, T -> U for RNA, a protein's final ``*`` dropped, other letters -> N / X."""
    seq = re.sub(r"\s+", "", str(sequence)).upper()
    seq = seq.replace("T", "U") if molecule == "rna" else seq.removesuffix("*")
    if not seq:
        raise ValueError(f"{molecule}: empty sequence")
    if not re.fullmatch("[A-Z]+", seq):
        raise ValueError(f"{molecule}: invalid character in {seq[:40]!r}")
    letters = set(CANONICAL[molecule] + UNKNOWN[molecule])
    odd = sorted({c for c in seq if c not in letters})
    if not odd:
        return seq, []
    return "".join(c if c in letters else UNKNOWN[molecule] for c in seq), [
        f"{molecule} letters {''.join(odd)} replaced by {UNKNOWN[molecule]}"
    ]


def sequence_id(sequence: str, molecule: str) -> str:
    return f"{ID_PREFIX[molecule]}-{hashlib.sha256(sequence.encode('ascii')).hexdigest()[:24]}"


def embed(sequence: str, molecule: str, name: str, dim: int, seed: int = 0) -> np.ndarray:
    """Per-residue ``onehot`` / ``random`` embeddings, as the rpiembeddor_hf embedders make them."""
    letters = "".join(sorted(CANONICAL[molecule])) + UNKNOWN[molecule]
    codes = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
    lookup = np.full(256, 0, dtype=np.int64)
    lookup[np.frombuffer(letters.encode("ascii"), dtype=np.uint8)] = np.arange(len(letters))
    if name == "onehot":
        table = np.eye(len(letters), dtype=np.float32)
    else:
        generator = np.random.default_rng([seed, 0 if molecule == "rna" else 1])
        table = generator.standard_normal((len(letters), dim)).astype(np.float32)
    return table[lookup[codes]]


class StandaloneRNAProteinInteractionPipeline(Pipeline):
    """Probability that an RNA and a protein interact (see module docs), without rpiembeddor_hf."""

    _load_tokenizer = False
    _load_feature_extractor = False
    _load_image_processor = False
    _load_video_processor = False
    _load_processor = False

    def _sanitize_parameters(self, threshold: float | None = None, **kwargs: Any):
        if kwargs:
            raise TypeError(f"unknown argument(s) for {TASK} (remote code): {', '.join(sorted(kwargs))}")
        return {}, ({} if threshold is None else {"threshold": float(threshold)}), {}

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        single = isinstance(inputs, Mapping)
        items = [inputs] if single else list(inputs)
        results = [super(StandaloneRNAProteinInteractionPipeline, self).__call__(i, **kwargs) for i in items]
        return results[0] if single else results

    def _molecule(self, item: Mapping[str, Any], molecule: str, number: int) -> dict[str, Any]:
        given = item.get(f"{molecule}_embedding")
        name = getattr(self.model.config, f"{molecule}_embedding_model", None) or "?"
        dim = int(getattr(self.model.config, f"{molecule}_embedding_dim"))
        out: dict[str, Any] = {
            "source_id": str(item.get(f"{molecule}_id") or f"{molecule}_{number}"),
            "warnings": [],
        }
        if given is not None:
            out["values"], out["seq_id"] = np.asarray(given, dtype=np.float32), None
        elif molecule not in item:
            raise ValueError(
                f"input {number}: expected {molecule!r} (a sequence) or {molecule + '_embedding'!r}"
            )
        elif name not in WEIGHT_FREE:
            raise ValueError(
                f"this model embeds {molecule}s with {name}; install rpiembeddor_hf to embed sequences with it, "
                f"or pass per-residue embeddings as {molecule}_embedding"
            )
        else:
            seq, out["warnings"] = normalise(item[molecule], molecule)
            if len(seq) > MAX_RESIDUES:
                raise ValueError(
                    f"{molecule} {out['source_id']}: {len(seq)} residues, more than {MAX_RESIDUES}"
                )
            out["values"], out["seq_id"] = embed(seq, molecule, name, dim), sequence_id(seq, molecule)
        if out["values"].ndim != 2 or out["values"].shape[1] != dim or not len(out["values"]):
            raise ValueError(f"{molecule} {out['source_id']}: embedding must be (length, {dim})")
        return out

    def preprocess(self, item: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(item, Mapping):
            raise ValueError(f"expected a dict with 'rna' and 'protein', got {item!r:.80}")
        return {
            "pair_id": item.get("pair_id"),
            "rna": self._molecule(item, "rna", 1),
            "protein": self._molecule(item, "protein", 1),
        }

    def _forward(self, model_inputs: dict[str, Any], threshold: float | None = None) -> dict[str, Any]:
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            # float16, as the package's embedding cache stores them: the same probabilities either way.
            rna = torch.from_numpy(model_inputs["rna"]["values"].astype(np.float16)).unsqueeze(0).to(device)
            protein = (
                torch.from_numpy(model_inputs["protein"]["values"].astype(np.float16)).unsqueeze(0).to(device)
            )
            probability = float(self.model(rna, None, protein, None).probabilities[0])
        default = getattr(self.model.config, "threshold", None)
        cutoff = threshold if threshold is not None else (0.5 if default is None else float(default))
        return {**model_inputs, "probability": probability, "threshold": cutoff}

    def postprocess(self, outputs: dict[str, Any]) -> dict[str, Any]:
        rna, protein = outputs["rna"], outputs["protein"]
        return {
            "pair_id": outputs["pair_id"] or f"{rna['source_id']}__{protein['source_id']}",
            "rna_source_id": rna["source_id"],
            "protein_source_id": protein["source_id"],
            "rna_id": rna["seq_id"],
            "protein_id": protein["seq_id"],
            "probability": outputs["probability"],
            "label": int(outputs["probability"] >= outputs["threshold"]),
            "status": "scored",
            "warnings": rna["warnings"] + protein["warnings"],
        }


try:  # the package's pipeline when it is installed (an import in a try block is optional to transformers)
    from rpiembeddor_hf.predict.pipeline import RNAProteinInteractionPipeline
except ImportError:
    RNAProteinInteractionPipeline = StandaloneRNAProteinInteractionPipeline  # type: ignore[misc,assignment]
