"""Prediction and screening: score new RNA-protein pairs from sequences.

* :func:`predict_pairs` - the Python API (pairs file, FASTA files or mappings; all-vs-all screening in
  blocks sized by a memory budget, written as they finish and resumable);
* :class:`EmbeddingCache` - the content-addressed on-disk embedding cache shared across runs;
* :func:`score_pairs_fast` / :func:`score_pairs_plain` - the screening fast path and its reference;
* the ``rna-protein-interaction`` transformers pipeline (:mod:`.pipeline`), registered on import, and
  saved beside every model as remote code (``rpiembeddor_hf/pipeline_rpiembeddor.py``);
* ``rpiembeddor predict`` (:mod:`.cli`).
"""

from rpiembeddor_hf.predict.api import (
    DEFAULT_THRESHOLD,
    PredictionResult,
    load_model,
    model_threshold,
    predict_pairs,
    write_predictions,
)
from rpiembeddor_hf.predict.embedding_cache import CachedEmbedder, EmbeddingCache
from rpiembeddor_hf.predict.pipeline import TASK, RNAProteinInteractionPipeline, register
from rpiembeddor_hf.predict.scoring import score_pairs_fast, score_pairs_plain

register()

__all__ = [
    "DEFAULT_THRESHOLD",
    "TASK",
    "CachedEmbedder",
    "EmbeddingCache",
    "PredictionResult",
    "RNAProteinInteractionPipeline",
    "load_model",
    "model_threshold",
    "predict_pairs",
    "score_pairs_fast",
    "score_pairs_plain",
    "write_predictions",
]
