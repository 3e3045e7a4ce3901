"""EmbeddingStore (zero-copy float16 views) and the EmbeddedPairs join."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from rnainteract_builder.contract.embedding_store import EmbeddedPairs, EmbeddingStore, embeddings_table
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.schema import INTERACTIONS, conform


def _arrays(lengths, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, dim)).astype(np.float32) for n in lengths]


def _write(path, ids, arrays, dim=8):
    pq.write_table(embeddings_table(ids, arrays, "test", "r1", dim), path)
    return path


def test_get_returns_float16_views_equal_to_written_values(tmp_path):
    arrays = _arrays([3, 5, 1])
    _write(tmp_path / "a.parquet", ["x", "y", "z"], arrays)
    store = EmbeddingStore.from_parquet(tmp_path)
    assert store.dim == 8 and len(store) == 3 and "y" in store and "w" not in store
    for seq_id, expected in zip(["x", "y", "z"], arrays, strict=True):
        got = store.get(seq_id)
        assert got.dtype == torch.float16 and tuple(got.shape) == expected.shape
        np.testing.assert_array_equal(got.numpy(), expected.astype(np.float16))
    assert store.models == {"test"} and store.revisions == {"r1"}


def test_views_share_one_buffer_per_record_batch(tmp_path):
    _write(tmp_path / "a.parquet", ["x", "y"], _arrays([3, 5]))
    store = EmbeddingStore.from_parquet(tmp_path / "a.parquet")
    x, y = store.get("x"), store.get("y")
    # y starts right after x's 3 residues in the same storage: nothing was copied per row.
    assert x.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()
    assert y.data_ptr() - x.data_ptr() == 3 * 8 * 2


def test_sliced_and_multi_chunk_tables_resolve_the_right_rows():
    arrays = _arrays([2, 4, 3, 1])
    table = embeddings_table(["a", "b", "c", "d"], arrays, "m", None)
    chunked = pa.concat_tables([table.slice(0, 1), table.slice(1, 2), table.slice(3)])
    store = EmbeddingStore.from_table(chunked)
    for seq_id, expected in zip("abcd", arrays, strict=True):
        np.testing.assert_array_equal(store.get(seq_id).numpy(), expected.astype(np.float16))


def test_missing_id_wrong_width_nan_and_duplicates_are_clear_errors(tmp_path):
    _write(tmp_path / "a.parquet", ["x"], _arrays([3]))
    store = EmbeddingStore.from_parquet(tmp_path / "a.parquet")
    with pytest.raises(InputError, match="no embedding for id nope"):
        store.get("nope")
    with pytest.raises(InputError, match="8-dimensional, expected 640"):
        EmbeddingStore.from_parquet(tmp_path / "a.parquet", dim=640)
    bad = _arrays([2, 2])
    bad[1][1, 3] = np.nan
    table = embeddings_table(["p"], bad[:1], "m", None)
    nan_table = pa.concat_tables([table, _nan_row("q", bad[1])])
    pq.write_table(nan_table, tmp_path / "nan.parquet")
    with pytest.raises(InputError, match=r"nan\.parquet: embedding of id q contains NaN"):
        EmbeddingStore.from_parquet(tmp_path / "nan.parquet")
    _write(tmp_path / "b.parquet", ["x"], _arrays([2]))
    with pytest.raises(InputError, match="duplicate embedding id x"):
        EmbeddingStore.from_parquet([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    with pytest.raises(InputError, match="no such embedding file"):
        EmbeddingStore.from_parquet(tmp_path / "missing.parquet")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="junk.parquet: not a readable Parquet file"):
        EmbeddingStore.from_parquet(tmp_path / "junk.parquet")


def _nan_row(seq_id, array):
    # embeddings_table refuses NaN itself, so build the bad row by hand.
    good = embeddings_table([seq_id], [np.zeros_like(array)], "m", None)
    flat = pa.array(array.astype(np.float16).reshape(-1), pa.float16())
    column = pa.ListArray.from_arrays(
        pa.array([0, len(array)], pa.int32()), pa.FixedSizeListArray.from_arrays(flat, 8)
    )
    return good.set_column(
        2, good.schema.field("embedding"), column.cast(good.schema.field("embedding").type)
    )


def test_length_mismatch_and_variable_width_lists():
    table = embeddings_table(["x"], _arrays([3]), "m", None)
    wrong = table.set_column(1, "length", pa.array([4], pa.int32()))
    with pytest.raises(InputError, match="id x has length 4 but 3 embedding vectors"):
        EmbeddingStore.from_table(wrong)
    ragged = pa.table({"id": ["x"], "length": pa.array([2], pa.int32()), "embedding": [[[1.0, 2.0], [3.0]]]})
    with pytest.raises(InputError, match="different widths"):
        EmbeddingStore.from_table(ragged)
    plain = pa.table(
        {"id": ["x"], "length": pa.array([2], pa.int32()), "embedding": [[[1.0, 2.0], [3.0, 4.0]]]}
    )
    store = EmbeddingStore.from_table(plain)  # list<list<double>> from another tool: cast to float16
    assert store.dim == 2 and store.get("x").dtype == torch.float16
    assert store.get("x").tolist() == [[1.0, 2.0], [3.0, 4.0]]


def _interactions(rows):
    table = pa.table(
        {
            "pair_id": [r[0] for r in rows],
            "rna_id": [r[1] for r in rows],
            "protein_id": [r[2] for r in rows],
            "label": pa.array([r[3] for r in rows], pa.int8()),
        }
    )
    return conform(table, INTERACTIONS)


def test_join_gives_padded_batches_with_masks_and_labels():
    rna = EmbeddingStore.from_table(embeddings_table(["r1", "r2"], _arrays([2, 4], seed=1), "m", None))
    protein = EmbeddingStore.from_table(embeddings_table(["p1", "p2"], _arrays([3, 1], seed=2), "m", None))
    pairs = EmbeddedPairs(
        _interactions([("a", "r1", "p1", 1), ("b", "r2", "p2", 0), ("c", "r1", "p2", 0)]), rna, protein
    )
    batches = list(pairs.batches(2))
    assert [b.pair_ids for b in batches] == [["a", "b"], ["c"]]
    first = batches[0]
    assert first.rna_embeddings.shape == (2, 4, 8) and first.rna_embeddings.dtype == torch.float32
    assert first.rna_attention_mask.tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    assert first.protein_attention_mask.tolist() == [[1, 1, 1], [1, 0, 0]]
    assert first.labels.tolist() == [1.0, 0.0]
    torch.testing.assert_close(first.rna_embeddings[0, :2], rna.get("r1").float())
    assert float(first.rna_embeddings[0, 2:].abs().sum()) == 0.0
    assert set(first.model_inputs()) == {
        "rna_embeddings",
        "rna_attention_mask",
        "protein_embeddings",
        "protein_attention_mask",
        "labels",
    }
    shuffled = [pid for b in pairs.batches(2, shuffle=True, seed=3) for pid in b.pair_ids]
    assert sorted(shuffled) == ["a", "b", "c"]
    assert shuffled == [pid for b in pairs.batches(2, shuffle=True, seed=3) for pid in b.pair_ids]
    loader = torch.utils.data.DataLoader(pairs, batch_size=3, collate_fn=pairs.collate)
    assert next(iter(loader)).pair_ids == ["a", "b", "c"]


def test_join_names_the_missing_id_and_pair():
    rna = EmbeddingStore.from_table(embeddings_table(["r1"], _arrays([2]), "m", None))
    protein = EmbeddingStore.from_table(embeddings_table(["p1"], _arrays([3]), "m", None))
    with pytest.raises(InputError, match=r"1 protein id\(s\) have no embedding, e.g. p9 \(pair b, row 1\)"):
        EmbeddedPairs(_interactions([("a", "r1", "p1", 1), ("b", "r1", "p9", 0)]), rna, protein)
