"""RPIembeddor as a benchmark method: the project's model trained through :mod:`rpiembeddor_hf.training`.

``embedding`` picks the per-residue inputs: a weight-free embedder computed from the sequences (``onehot``,
``kmer-context``, ``random`` = i.i.d. noise, ``random-letter``; runs anywhere) or ``stored`` (precomputed
RNA-FM / ESM-2 or other Parquet embeddings given as ``rna_embeddings`` / ``protein_embeddings`` files or
folders). ``rna_embedding`` / ``protein_embedding`` override it for one molecule (the paper's random-RNA
and random-protein ablations); ``embedding_options`` are keyword arguments of the weight-free embedders,
shared, with per-molecule ones under ``"rna"`` / ``"protein"`` (e.g. ``{"window": 10, "rna": {"k": 3}}``);
they apply where a molecule uses ``embedding``, not an override. A stratified
``validation_fraction`` of the training pairs picks the best epoch, as in the paper's training, and with
``early_stopping_patience`` ends training once it has not improved for that many epochs. The fitted
model is saved with ``save_pretrained`` (config.json + model.safetensors).

Defaults are small enough for a CPU benchmark (``epochs`` 10, ``warmup_steps`` 100); pass the paper's
settings (90 epochs, 1,000 warm-up steps) with ``--param rpiembeddor.epochs=90`` etc.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, register
from rpiembeddor_hf.baselines.data import PairData
from rpiembeddor_hf.baselines.embedding import check_embedding, embedding_kinds, embedding_stores

MODEL_DIR = "model"


def _interactions(data: PairData, with_labels: bool) -> pa.Table:
    pair_ids = (data.pair_ids.tolist() if data.pair_ids is not None
                else [f"{r}|{p}|{i}" for i, (r, p) in enumerate(zip(data.rna_ids, data.protein_ids, strict=True))])
    columns: dict[str, Any] = {"pair_id": pa.array([str(p) for p in pair_ids], pa.string()),
                               "rna_id": pa.array(data.rna_ids.tolist(), pa.string()),
                               "protein_id": pa.array(data.protein_ids.tolist(), pa.string())}
    if with_labels:
        columns["label"] = pa.array(data.y.astype(np.int8), pa.int8())
    return pa.table(columns)


@register
class RPIembeddorMethod(PairClassifier):
    name = "rpiembeddor"

    def __init__(self, random_state: int = 0, embedding: str = "onehot", rna_embeddings: str | None = None,
                 protein_embeddings: str | None = None, epochs: int = 10, batch_size: int = 64,
                 learning_rate: float = 1e-3, warmup_steps: int = 100, max_length: int | None = 1024,
                 validation_fraction: float = 0.1, model: dict[str, Any] | None = None,
                 rna_embedding: str | None = None, protein_embedding: str | None = None,
                 embedding_options: dict[str, Any] | None = None,
                 early_stopping_patience: int | None = None) -> None:
        check_embedding(self.name, embedding, rna_embeddings, protein_embeddings, rna_embedding, protein_embedding)
        self.random_state = random_state
        self.embedding = embedding
        self.rna_embedding, self.protein_embedding = rna_embedding, protein_embedding
        self.embedding_options = embedding_options
        self.rna_embeddings, self.protein_embeddings = rna_embeddings, protein_embeddings
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.warmup_steps, self.max_length = warmup_steps, max_length
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.model = model

    def _pairs(self, data: PairData, name: str, with_labels: bool) -> Any:
        from rpiembeddor_hf.data import EmbeddedPairDataset

        rna_store, protein_store = embedding_stores(data, self.embedding, self.rna_embeddings,
                                                    self.protein_embeddings, self.random_state,
                                                    self.rna_embedding, self.protein_embedding,
                                                    self.embedding_options)
        return EmbeddedPairDataset(_interactions(data, with_labels), rna_store, protein_store, name=name,
                                max_length=self.max_length, require_labels=with_labels)

    def _fit(self, data: PairData) -> None:
        from sklearn.model_selection import train_test_split

        from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
        from rpiembeddor_hf.training import TrainingConfig, train_model

        index = np.arange(len(data))
        validation = None
        if self.validation_fraction > 0:
            index, held = train_test_split(index, test_size=self.validation_fraction, stratify=data.y,
                                           random_state=self.random_state)
            validation = self._pairs(data.subset(np.sort(held)), "validation", True)
        train = self._pairs(data.subset(np.sort(index)), "train", True)
        kinds = embedding_kinds(self.embedding, self.rna_embedding, self.protein_embedding)
        model_config = RPIembeddorConfig(rna_embedding_dim=train.rna_store.dim,
                                         protein_embedding_dim=train.protein_store.dim,
                                         rna_embedding_model=kinds["rna"],
                                         protein_embedding_model=kinds["protein"],
                                         rna_embedding_options=train.embedder_options("rna"),
                                         protein_embedding_options=train.embedder_options("protein"),
                                         **dict(self.model or {}))
        validated = validation is not None  # early stopping watches the validation AUROC, so it needs one
        with tempfile.TemporaryDirectory(prefix="rpiembeddor-bench-") as tmp:
            config = TrainingConfig(output_dir=Path(tmp), epochs=self.epochs, batch_size=self.batch_size,
                                    learning_rate=self.learning_rate, warmup_steps=self.warmup_steps,
                                    seed=self.random_state, max_length=self.max_length, show_progress=False,
                                    best_metric="auroc" if validated else "loss",
                                    early_stopping_patience=self.early_stopping_patience if validated else None)
            result = train_model(train, validation, model_config, config)
        self.model_, self.history_ = result.model, result.history  # per-epoch records of the last fit

    def _positive(self, data: PairData) -> np.ndarray:
        from rpiembeddor_hf.evaluation import predict

        pairs = self._pairs(data, "test", False)
        return predict(self.model_, pairs, batch_size=self.batch_size, show_progress=False).probabilities

    def _save_state(self, directory: Path) -> None:
        self._check_fitted()
        self.model_.save_pretrained(str((directory / MODEL_DIR).resolve()))

    def _load_state(self, directory: Path) -> None:
        from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel

        folder = (directory / MODEL_DIR).resolve()
        if not (folder / "config.json").is_file():
            raise InputError(f"{folder}: saved RPIembeddor model not found")
        self.model_ = RPIembeddorModel.from_pretrained(str(folder)).eval()
