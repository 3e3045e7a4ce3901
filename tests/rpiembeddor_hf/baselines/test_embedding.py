"""Pooled-embedding baselines: mean pooling, stored embeddings, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rpiembeddor_hf.baselines import MeanEmbeddingFeatures, PairData, make_method
from rpiembeddor_hf.baselines.data import as_pair_data
from rpiembeddor_hf.data import ablation_store


def _pairs() -> PairData:
    import pandas as pd

    frame = pd.DataFrame({"rna_id": ["r1", "r2"], "protein_id": ["p1", "p1"],
                          "rna_sequence": ["AACG", "UUUU"], "protein_sequence": ["MKKW", "MKKW"]})
    return as_pair_data(frame, [1, 0])


def test_onehot_mean_is_letter_composition() -> None:
    features = MeanEmbeddingFeatures("onehot").fit(_pairs()).transform(_pairs())
    store = ablation_store(pa.table({"id": ["x"], "sequence": ["AACG"]}), "rna", "onehot")
    rna_dim = store.dim
    # AACG: half A, a quarter C, a quarter G, whatever the column order of the letters.
    assert sorted(features[0, :rna_dim].tolist()) == sorted([0.5, 0.25, 0.25] + [0.0] * (rna_dim - 3))
    assert features[1, :rna_dim].max() == 1.0  # UUUU: all one letter
    np.testing.assert_array_equal(features[0, rna_dim:], features[1, rna_dim:])  # the same protein


def test_max_length_truncates_before_pooling() -> None:
    short = MeanEmbeddingFeatures("onehot", max_length=2).fit(_pairs()).transform(_pairs())
    assert short[0, :5].max() == 1.0  # "AA"


def _write_store(path: Path, embeddings: dict[str, np.ndarray]) -> None:
    from rnainteract_builder.contract.schema import embeddings_schema

    dim = next(iter(embeddings.values())).shape[1]
    ids = list(embeddings)
    lengths = np.array([len(embeddings[i]) for i in ids], dtype=np.int32)
    flat = np.concatenate([embeddings[i] for i in ids]).astype(np.float16).ravel()
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float16()), dim)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    table = pa.Table.from_arrays(
        [pa.array(ids, pa.string()), pa.array(lengths, pa.int32()), pa.ListArray.from_arrays(offsets, vectors),
         pa.array(["test"] * len(ids), pa.string()), pa.array(["1"] * len(ids), pa.string())],
        schema=embeddings_schema(dim))
    write_parquet_atomic(table, path)


def test_stored_embeddings_are_mean_pooled(tmp_path: Path) -> None:
    _write_store(tmp_path / "rna.parquet", {"r1": np.array([[1.0, 0.0], [3.0, 2.0]]), "r2": np.array([[0.5, 0.5]])})
    _write_store(tmp_path / "protein.parquet", {"p1": np.array([[2.0, 4.0, 6.0]])})
    features = MeanEmbeddingFeatures("stored", str(tmp_path / "rna.parquet"), str(tmp_path / "protein.parquet"))
    out = features.fit(_pairs()).transform(_pairs())
    np.testing.assert_array_equal(out, [[2.0, 1.0, 2.0, 4.0, 6.0], [0.5, 0.5, 2.0, 4.0, 6.0]])
    model = make_method("embedding-logreg", embedding="stored", rna_embeddings=str(tmp_path / "rna.parquet"),
                        protein_embeddings=str(tmp_path / "protein.parquet")).fit(_pairs())
    assert model.predict_proba(_pairs()).shape == (2, 2)


def test_missing_stored_embedding_is_named(tmp_path: Path) -> None:
    _write_store(tmp_path / "rna.parquet", {"r1": np.ones((2, 2))})
    _write_store(tmp_path / "protein.parquet", {"p1": np.ones((1, 3))})
    features = MeanEmbeddingFeatures("stored", str(tmp_path / "rna.parquet"), str(tmp_path / "protein.parquet"))
    with pytest.raises(InputError, match="'r2'"):
        features.fit(_pairs()).transform(_pairs())


@pytest.mark.parametrize("name", ["embedding-logreg", "embedding-mlp"])
def test_bad_embedding_choice(name: str) -> None:
    with pytest.raises(InputError, match="must be one of onehot, .* or stored"):
        make_method(name, embedding="esm")
    with pytest.raises(InputError, match="needs rna_embeddings"):
        make_method(name, embedding="stored")
