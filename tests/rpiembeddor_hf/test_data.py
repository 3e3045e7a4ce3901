"""Pair data: joins, the checks that run before any training step, dynamic padding, length grouping."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch

from rnainteract_builder.contract.embedding_store import EmbeddingStore
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rpiembeddor_hf.data import EmbeddedPairDataset, LengthGroupedBatchSampler, ablation_store
from rpiembeddor_hf.training import TrainingConfig, train_model
from tests.toy_data import PROTEIN_DIM, RNA_DIM, embedding_table


def _load(toy_data, split="train"):
    table = read_parquet(toy_data / "split" / f"{split}.parquet")
    rna = EmbeddingStore.from_parquet(toy_data / "rna_embeddings.parquet")
    protein = EmbeddingStore.from_parquet(toy_data / "protein_embeddings.parquet")
    return table, rna, protein


def test_collate_pads_each_batch_to_its_own_longest(toy_data):
    table, rna, protein = _load(toy_data)
    data = EmbeddedPairDataset(table, rna, protein)
    batch = data.collate([0, 1, 2])
    longest = max(rna.length(data.rna_ids[i]) for i in (0, 1, 2))
    assert batch["rna_embeddings"].shape == (3, longest, RNA_DIM)
    assert batch["rna_attention_mask"].sum(1).tolist() == [rna.length(data.rna_ids[i]) for i in (0, 1, 2)]
    assert batch["protein_embeddings"].shape[2] == PROTEIN_DIM
    assert batch["labels"].tolist() == table.column("label").to_pylist()[:3]
    assert batch["index"].tolist() == [0, 1, 2]
    capped = EmbeddedPairDataset(table, rna, protein, max_length=4).collate([0, 1, 2])
    assert capped["rna_embeddings"].shape[1] <= 4 and capped["protein_embeddings"].shape[1] <= 4


def test_length_grouped_batches_cover_every_row_once_and_pad_less():
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 1000, 1000)
    sampler = LengthGroupedBatchSampler(lengths, batch_size=32, seed=3)
    batches = sampler.batches()
    assert sorted(i for b in batches for i in b) == list(range(1000))
    assert all(len(b) == 32 for b in batches[:-1]) and len(batches) == len(sampler)
    assert sampler.batches() == batches  # seeded
    sampler.set_epoch(1)
    assert sampler.batches() != batches  # reshuffled per epoch
    plain = LengthGroupedBatchSampler(lengths, batch_size=32, seed=3, group_by_length=False).batches()

    def padded(bs):
        return sum(len(b) * lengths[b].max() for b in bs)

    assert padded(batches) < 0.75 * padded(plain)


def test_missing_embedding_id_is_named(toy_data):
    table, rna, protein = _load(toy_data)
    table = table.set_column(1, "rna_id", pa.array(["rna-999"] + table.column("rna_id").to_pylist()[1:]))
    with pytest.raises(InputError, match="rna-999"):
        EmbeddedPairDataset(table, rna, protein, name="train.parquet")


def test_labels_outside_0_1_are_refused(toy_data):
    table, rna, protein = _load(toy_data)
    labels = table.column("label").to_pylist()
    labels[5] = 2
    bad = table.set_column(table.column_names.index("label"), "label", pa.array(labels, pa.int8()))
    with pytest.raises(InputError, match=r"labels must be 0 or 1, found 2 for pair pair-5 \(row 5\)"):
        EmbeddedPairDataset(bad, rna, protein)


def test_empty_sequence_is_refused(toy_data):
    table, _, protein = _load(toy_data)
    first = table.column("rna_id")[0].as_py()
    others = sorted(set(table.column("rna_id").to_pylist()) - {first})
    arrays = [np.ones((3, RNA_DIM))] * len(others)
    empty_store = EmbeddingStore.from_table(
        pa.concat_tables([embedding_table(others, arrays, "m"), _empty_row(first)])
    )
    with pytest.raises(InputError, match=f"empty RNA sequence, e.g. {first}"):
        EmbeddedPairDataset(table, empty_store, protein)


def _empty_row(seq_id: str) -> pa.Table:
    from rnainteract_builder.contract.schema import embeddings_schema

    return pa.table(
        {
            "id": [seq_id],
            "length": pa.array([0], pa.int32()),
            "embedding": [[]],
            "model": ["m"],
            "model_revision": ["x"],
        },
        schema=embeddings_schema(RNA_DIM),
    )


def test_nan_embedding_is_refused(toy_data):
    table = embedding_table(["a", "b"], [np.ones((2, RNA_DIM)), np.full((3, RNA_DIM), np.nan)], "m")
    with pytest.raises(InputError, match="id b contains NaN"):
        EmbeddingStore.from_table(table)


def test_wrong_width_fails_before_any_training_step(toy_data, tmp_path):
    from rpiembeddor_hf import RPIembeddorConfig

    table, rna, protein = _load(toy_data)
    data = EmbeddedPairDataset(table, rna, protein)
    config = RPIembeddorConfig(rna_embedding_dim=RNA_DIM + 1, protein_embedding_dim=PROTEIN_DIM, d_model=8)
    with pytest.raises(
        InputError, match=f"RNA embeddings are {RNA_DIM}-dimensional but the model takes {RNA_DIM + 1}"
    ):
        train_model(data, None, config, TrainingConfig(output_dir=tmp_path / "never", epochs=1))
    assert not (tmp_path / "never").exists()


def test_onehot_ablation_store_from_sequences(toy_data):
    sequences = read_parquet(toy_data / "split" / "rna_sequences.parquet")
    store = ablation_store(sequences, "rna", "onehot", ids=sequences.column("id").to_pylist()[:3])
    assert store.dim == 5 and len(store) == 3
    first = sequences.column("id")[0].as_py()
    row = store.get(first)
    seq = pc.filter(sequences.column("sequence"), pc.equal(sequences.column("id"), first))[0].as_py()
    assert row.shape == (len(seq), 5)
    assert torch.all(row.float().sum(1) == 1)
    random_store = ablation_store(sequences, "rna", "random", seed=1)
    assert random_store.dim == 640


def test_two_length_grouping_pads_each_molecule_less_than_grouping_by_the_sum():
    rng = np.random.default_rng(1)
    rna = np.where(rng.random(2000) < 0.8, rng.integers(50, 250, 2000), rng.integers(250, 1024, 2000))
    protein = rng.integers(50, 1024, 2000)
    pairs = np.stack([rna, protein], axis=1)
    two = LengthGroupedBatchSampler(pairs, batch_size=16, seed=3).batches()
    summed = LengthGroupedBatchSampler(rna + protein, batch_size=16, seed=3).batches()
    assert sorted(i for b in two for i in b) == list(range(2000))
    assert all(len(b) == 16 for b in two)

    def padded(bs):  # each molecule is padded to its own longest in the batch
        return sum(len(b) * (rna[b].max() + protein[b].max()) for b in bs)

    assert padded(two) < 0.9 * padded(summed)
    with pytest.raises(ValueError, match="pairs, 2"):
        LengthGroupedBatchSampler(np.zeros((3, 3)), batch_size=2)
