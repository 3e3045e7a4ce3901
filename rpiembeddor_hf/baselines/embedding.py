"""Pooled-embedding baselines: does RPIembeddor's cross-attention add anything over its own inputs?

Both methods see the per-residue embeddings RPIembeddor trains on, chosen the same way (``embedding``):
a weight-free embedder (``onehot``, ``kmer-context``, ``random``, ``random-letter``; computed from the sequences) or ``stored``
(precomputed RNA-FM / ESM-2 or other Parquet embeddings, ``rna_embeddings`` / ``protein_embeddings``).
Each sequence is cut to its first ``max_length`` residues (as the model sees it) and mean-pooled; a pair is
``[mean RNA embedding | mean protein embedding]`` (:class:`MeanEmbeddingFeatures`), standardised, then

* ``embedding-logreg``: logistic regression (L2, ``c``);
* ``embedding-mlp``: a small multi-layer perceptron (scikit-learn ``MLPClassifier``, Adam, L2 ``alpha``).

A pooled vector has no residue-to-residue interaction, so if these match RPIembeddor the attention is not
what carries the signal. Saved with skops (no pickles).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, SkopsState, register
from rpiembeddor_hf.baselines.data import PairData, as_pair_data


def embedding_kinds(embedding: str, rna_embedding: str | None = None,
                    protein_embedding: str | None = None) -> dict[str, str]:
    """The input of each molecule: ``embedding`` unless overridden (the random-RNA / random-protein ablations)."""
    return {"rna": rna_embedding or embedding, "protein": protein_embedding or embedding}


def check_embedding(method: str, embedding: str, rna_embeddings: str | None, protein_embeddings: str | None,
                    rna_embedding: str | None = None, protein_embedding: str | None = None) -> None:
    from rnainteract_builder.contract.embedders import WEIGHT_FREE

    kinds = embedding_kinds(embedding, rna_embedding, protein_embedding)
    for kind in kinds.values():
        if kind not in (*WEIGHT_FREE, "stored"):
            raise InputError(f"{method}: embedding must be one of {', '.join(WEIGHT_FREE)} or stored, not {kind!r}")
    if "stored" in kinds.values() and not (rna_embeddings and protein_embeddings):
        raise InputError(f"{method}: embedding 'stored' needs rna_embeddings and protein_embeddings paths")


def embedder_options(options: dict[str, Any] | None, molecule: str) -> dict[str, Any]:
    """Keyword arguments of a weight-free embedder: shared ones plus those under ``"rna"`` / ``"protein"``."""
    options = dict(options or {})
    shared = {k: v for k, v in options.items() if k not in ("rna", "protein")}
    return {**shared, **options.get(molecule, {})}


def embedding_stores(data: PairData, embedding: str, rna_embeddings: str | None, protein_embeddings: str | None,
                     seed: int, rna_embedding: str | None = None, protein_embedding: str | None = None,
                     options: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """RNA and protein EmbeddingStores covering the pairs: opened from Parquet, or embedded on the fly.

    Only the noise ablation (``random``) follows ``seed``; deterministic inputs (kmer-context's projection,
    random-letter's table) keep seed 0, which is what ``rpiembeddor predict`` rebuilds from a model's config.
    ``options`` apply where a molecule uses ``embedding``, not an override.
    """
    from rnainteract_builder.contract.embedding_store import EmbeddingStore
    from rpiembeddor_hf.data import ablation_store

    kinds = embedding_kinds(embedding, rna_embedding, protein_embedding)
    stores = []
    for molecule, ids, sequences, stored in (("rna", data.rna_ids, data.rna_sequences, rna_embeddings),
                                             ("protein", data.protein_ids, data.protein_sequences,
                                              protein_embeddings)):
        kind = kinds[molecule]
        if kind == "stored":
            stores.append(EmbeddingStore.from_parquet(stored))  # type: ignore[arg-type]
            continue
        unique = sorted(set(ids.tolist()))
        table = pa.table({"id": unique, "sequence": [sequences[i] for i in unique]})
        molecule_options = embedder_options(options, molecule) if kind == embedding else {}
        stores.append(ablation_store(table, molecule, kind, seed=seed if kind == "random" else 0,
                                     options=molecule_options))
    return stores[0], stores[1]


def mean_pooled(store: Any, ids: list[str], max_length: int | None, what: str) -> np.ndarray:
    """Mean of each sequence's first ``max_length`` residue vectors (float32, one row per id)."""
    missing = store.missing(ids)
    if missing:
        raise InputError(f"{len(missing)} {what} id(s) have no stored embedding, e.g. {missing[0]!r}")
    out = np.empty((len(ids), store.dim), dtype=np.float32)
    for row, seq_id in enumerate(ids):
        out[row] = store.get_numpy(seq_id)[:max_length].astype(np.float32).mean(axis=0)
    return out


class MeanEmbeddingFeatures(TransformerMixin, BaseEstimator):
    """``[mean RNA embedding | mean protein embedding]`` per pair, pooled once per unique sequence."""

    def __init__(self, embedding: str = "onehot", rna_embeddings: str | None = None,
                 protein_embeddings: str | None = None, max_length: int | None = 1024, random_state: int = 0) -> None:
        self.embedding = embedding
        self.rna_embeddings = rna_embeddings
        self.protein_embeddings = protein_embeddings
        self.max_length = max_length
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> MeanEmbeddingFeatures:  # noqa: N803  (scikit-learn's name)
        check_embedding("embedding features", self.embedding, self.rna_embeddings, self.protein_embeddings)
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        data = as_pair_data(X)
        rna_store, protein_store = embedding_stores(data, self.embedding, self.rna_embeddings,
                                                    self.protein_embeddings, self.random_state)
        rna_ids, rna_rows = data.unique_rna()
        prot_ids, prot_rows = data.unique_protein()
        rna = mean_pooled(rna_store, rna_ids, self.max_length, "RNA")
        prot = mean_pooled(protein_store, prot_ids, self.max_length, "protein")
        return np.hstack([rna[rna_rows], prot[prot_rows]])


class _PooledEmbeddingClassifier(SkopsState, PairClassifier):
    """A standardised scikit-learn classifier (``model_``) on :class:`MeanEmbeddingFeatures`."""

    embedding: str
    rna_embeddings: str | None
    protein_embeddings: str | None
    max_length: int | None

    def _build(self) -> Any:
        raise NotImplementedError

    def _features(self, pairs: PairData) -> np.ndarray:
        return MeanEmbeddingFeatures(self.embedding, self.rna_embeddings, self.protein_embeddings,
                                     self.max_length, self.random_state).fit(pairs).transform(pairs)

    def _fit(self, pairs: PairData) -> None:
        self.model_ = make_pipeline(StandardScaler(), self._build()).fit(self._features(pairs), pairs.y)

    def _positive(self, pairs: PairData) -> np.ndarray:
        return self.model_.predict_proba(self._features(pairs))[:, 1]



@register
class EmbeddingLogReg(_PooledEmbeddingClassifier):
    name = "embedding-logreg"

    def __init__(self, random_state: int = 0, embedding: str = "onehot", rna_embeddings: str | None = None,
                 protein_embeddings: str | None = None, max_length: int | None = 1024, c: float = 1.0,
                 max_iter: int = 1000) -> None:
        check_embedding(self.name, embedding, rna_embeddings, protein_embeddings)
        self.random_state = random_state
        self.embedding = embedding
        self.rna_embeddings, self.protein_embeddings = rna_embeddings, protein_embeddings
        self.max_length = max_length
        self.c = c
        self.max_iter = max_iter

    def _build(self) -> LogisticRegression:
        return LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=self.random_state)


@register
class EmbeddingMLP(_PooledEmbeddingClassifier):
    name = "embedding-mlp"

    def __init__(self, random_state: int = 0, embedding: str = "onehot", rna_embeddings: str | None = None,
                 protein_embeddings: str | None = None, max_length: int | None = 1024,
                 hidden_layer_sizes: tuple[int, ...] | list[int] = (128,), alpha: float = 1e-3,
                 learning_rate_init: float = 1e-3, max_iter: int = 300) -> None:
        check_embedding(self.name, embedding, rna_embeddings, protein_embeddings)
        self.random_state = random_state
        self.embedding = embedding
        self.rna_embeddings, self.protein_embeddings = rna_embeddings, protein_embeddings
        self.max_length = max_length
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter

    def _build(self) -> MLPClassifier:
        return MLPClassifier(hidden_layer_sizes=tuple(int(h) for h in self.hidden_layer_sizes), alpha=self.alpha,
                             learning_rate_init=self.learning_rate_init, max_iter=self.max_iter,
                             random_state=self.random_state)
