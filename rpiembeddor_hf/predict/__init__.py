"""Prediction and screening: score new RNA-protein pairs from sequences.

* :func:`predict_pairs` - the Python API (pairs file, FASTA files or mappings; all-vs-all screening in
  blocks sized by a memory budget, written as they finish and resumable);
* :class:`EmbeddingCache` - the content-addressed on-disk embedding cache shared across runs;
* :func:`score_pairs_fast` / :func:`score_pairs_plain` - the screening fast path and its reference;
* the ``rna-protein-interaction`` transformers pipeline (:mod:`.pipeline`), registered when the package is
  imported, and saved beside every model as remote code (``rpiembeddor_hf/pipeline_rpiembeddor.py``);
* ``rpiembeddor predict`` (:mod:`.cli`).
"""

from __future__ import annotations

from rpiembeddor_hf.lazy_exports import lazy_getattr

#: public name -> module that defines it, loaded on first use (PEP 562) so that ``rpiembeddor predict --help``
#: (:mod:`.cli`) imports no torch; importing :mod:`rpiembeddor_hf` registers the pipeline task.
_PUBLIC = {
    "DEFAULT_THRESHOLD": "rpiembeddor_hf.predict.api",
    "PredictionResult": "rpiembeddor_hf.predict.api",
    "load_model": "rpiembeddor_hf.predict.api",
    "model_threshold": "rpiembeddor_hf.predict.api",
    "predict_pairs": "rpiembeddor_hf.predict.api",
    "write_predictions": "rpiembeddor_hf.predict.api",
    "CachedEmbedder": "rpiembeddor_hf.predict.embedding_cache",
    "EmbeddingCache": "rpiembeddor_hf.predict.embedding_cache",
    "TASK": "rpiembeddor_hf.predict.pipeline",
    "RNAProteinInteractionPipeline": "rpiembeddor_hf.predict.pipeline",
    "score_pairs_fast": "rpiembeddor_hf.predict.scoring",
    "score_pairs_plain": "rpiembeddor_hf.predict.scoring",
}
__all__ = sorted(_PUBLIC)


__getattr__ = lazy_getattr(__name__, _PUBLIC)
