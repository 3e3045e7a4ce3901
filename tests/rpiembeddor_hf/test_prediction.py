"""Prediction: the fast path equals the plain forward, the embedding cache, outputs, thresholds, bad input."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.fasta import write_fasta
from rpiembeddor_hf import predict_pairs
from rpiembeddor_hf.predict import EmbeddingCache, score_pairs_fast, score_pairs_plain
from rpiembeddor_hf.predict.api import model_threshold
from tests.rpiembeddor_hf.predict_helpers import (
    PROTEINS,
    RNAS,
    counting,
    save_tiny_model,
    tiny_onehot_model,
    write_inputs,
)


def _random_embeddings(generator: torch.Generator, count: int, dim: int, longest: int) -> list[torch.Tensor]:
    lengths = torch.randint(1, longest + 1, (count,), generator=generator).tolist()
    return [torch.randn(n, dim, generator=generator).half() for n in lengths]


@settings(max_examples=25, deadline=None)
@given(
    pooling=st.sampled_from(["first", "mean"]),
    layers=st.integers(1, 2),
    n_rna=st.integers(1, 5),
    n_protein=st.integers(1, 7),
    batch_size=st.integers(1, 6),
    sparse=st.booleans(),
    seed=st.integers(0, 1000),
    max_tokens=st.sampled_from([None, 1, 45, 120]),
)
def test_fast_path_equals_plain_batched_forward(
    pooling, layers, n_rna, n_protein, batch_size, sparse, seed, max_tokens
):
    model = tiny_onehot_model(
        seed=seed % 7,
        pooling=pooling,
        num_layers=layers,
        rna_embedding_dim=6,
        protein_embedding_dim=10,
        dropout=0.3,
    )
    generator = torch.Generator().manual_seed(seed)
    rnas = _random_embeddings(generator, n_rna, 6, 25)
    proteins = _random_embeddings(generator, n_protein, 10, 40)
    if sparse:  # a pair list with repeats, where either side may be the resident one
        rng = np.random.default_rng(seed)
        pairs = rng.integers(0, [n_rna, n_protein], size=(int(rng.integers(1, 30)), 2))
    else:
        pairs = np.array([(i, j) for i in range(n_rna) for j in range(n_protein)])
    plain = score_pairs_plain(model, rnas, proteins, pairs, batch_size=batch_size + 2)
    # first pooling + 1 layer runs the lean path (a dot product per pair), the rest the general one;
    # max_tokens cuts the chunks by padded positions, as the memory budget does.
    fast = score_pairs_fast(model, rnas, proteins, pairs, batch_size=batch_size, max_tokens=max_tokens)
    np.testing.assert_allclose(fast, plain, atol=1e-5, rtol=0)
    # And both equal the model run on each pair alone, without any padding.
    with torch.no_grad():
        single = [
            float(model(rnas[i][None].float(), None, proteins[j][None].float(), None).probabilities)
            for i, j in pairs[:5]
        ]
    np.testing.assert_allclose(fast[:5], single, atol=1e-5, rtol=0)


def test_fast_path_is_not_trivially_constant():
    model = tiny_onehot_model(seed=3, rna_embedding_dim=6, protein_embedding_dim=10, dropout=0.0)
    generator = torch.Generator().manual_seed(0)
    rnas, proteins = _random_embeddings(generator, 3, 6, 20), _random_embeddings(generator, 4, 10, 20)
    pairs = [(i, j) for i in range(3) for j in range(4)]
    assert np.ptp(score_pairs_fast(model, rnas, proteins, pairs)) > 0.05


def test_second_run_embeds_nothing_and_gives_the_same_scores(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    rna_path, protein_path = write_inputs(tmp_path / "in")
    cache = tmp_path / "cache"
    first_rna, first_protein = counting("onehot", "rna"), counting("onehot", "protein")
    first = predict_pairs(
        model,
        "all",
        rna_path,
        protein_path,
        cache_dir=cache,
        rna_embedder=first_rna,
        protein_embedder=first_protein,
        progress=False,
    )
    assert first_rna.sequences == len(RNAS) and first_protein.sequences == len(PROTEINS)
    assert first.embedded == {"rna": len(RNAS), "protein": len(PROTEINS)}

    second_rna, second_protein = counting("onehot", "rna"), counting("onehot", "protein")
    # Different ids for the same sequences: the cache is keyed by content, not by name.
    renamed = {f"other_{k}": v.lower() for k, v in RNAS.items()}
    second = predict_pairs(
        model,
        "all",
        renamed,
        protein_path,
        cache_dir=cache,
        rna_embedder=second_rna,
        protein_embedder=second_protein,
        progress=False,
    )
    assert second_rna.calls == 0 and second_protein.calls == 0
    assert second.embedded == {"rna": 0, "protein": 0}
    np.testing.assert_array_equal(
        first.table.column("probability").to_numpy(), second.table.column("probability").to_numpy()
    )
    files = sorted(p for p in cache.rglob("*") if p.is_file())
    entries = [p for p in files if p.suffix == ".safetensors"]
    assert len(entries) == len(RNAS) + len(PROTEINS)
    assert not [p for p in files if p.suffix not in (".safetensors", ".json")]  # no pickles, no temp files
    stored = load_file(entries[0])["embedding"]
    assert stored.dtype == torch.float16 and stored.dim() == 2


def test_cache_is_keyed_by_embedder_revision(tmp_path):
    cache = EmbeddingCache(tmp_path)
    a, b = counting("random", "rna", dim=5, seed=0), counting("random", "rna", dim=5, seed=1)
    cache.put(a.inner, "rna-abc", "", np.ones((3, 5), dtype=np.float32))
    assert cache.get(a.inner, "rna-abc") is not None
    assert cache.get(b.inner, "rna-abc") is None  # another seed is another model
    # A corrupt entry is a miss (embedded again), not a crash.
    cache.path(a.inner, "rna-abc").write_bytes(b"not safetensors")
    assert cache.get(a.inner, "rna-abc") is None


def test_output_rows_ids_labels_and_file_formats(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    rna_path, protein_path = write_inputs(tmp_path / "in")
    result = predict_pairs(
        model, "all", rna_path, protein_path, threshold=0.5, output=tmp_path / "out.parquet", progress=False
    )
    table = result.table
    assert table.num_rows == len(RNAS) * len(PROTEINS)
    assert table.column("rna_source_id").to_pylist()[: len(PROTEINS)] == ["rna_a"] * len(PROTEINS)
    assert all(x.startswith("rna-") for x in table.column("rna_id").to_pylist())
    probs = table.column("probability").to_numpy()
    assert ((probs > 0) & (probs < 1)).all()
    np.testing.assert_array_equal(table.column("label").to_numpy(), (probs >= 0.5).astype(np.int8))
    assert pa.parquet.read_table(tmp_path / "out.parquet").equals(table)
    top = result.top(3).column("probability").to_numpy()
    assert len(top) == 3 and (np.diff(top) <= 0).all() and top[0] == probs.max()
    plain = predict_pairs(model, "all", rna_path, protein_path, fast=False, progress=False)
    np.testing.assert_allclose(plain.table.column("probability").to_numpy(), probs, atol=1e-5)


def test_threshold_comes_from_the_model_config(tmp_path):
    plain = tiny_onehot_model()
    assert model_threshold(plain.config) == 0.5  # documented default when the config has none
    folder = save_tiny_model(tmp_path / "model", threshold=0.999)
    result = predict_pairs(folder, [("rna_a", "prot_x")], RNAS, PROTEINS, progress=False)
    assert result.threshold == pytest.approx(0.999)
    assert result.table.column("label").to_pylist() == [0]


def test_pairs_file_with_sequence_columns_and_csv(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    path = tmp_path / "pairs.csv"
    path.write_text(
        "pair_id,rna_id,protein_id,rna_sequence,protein_sequence\n"
        f"p1,r1,x1,{RNAS['rna_a']},{PROTEINS['prot_x']}\n"
        f"p2,r2,x1,{RNAS['rna_b']},{PROTEINS['prot_x']}\n"
    )
    result = predict_pairs(model, path, progress=False)
    assert result.table.column("pair_id").to_pylist() == ["p1", "p2"]
    assert result.table.column("status").to_pylist() == ["scored", "scored"]
    reference = predict_pairs(
        model, [("rna_a", "prot_x"), ("rna_b", "prot_x")], RNAS, PROTEINS, progress=False
    )
    np.testing.assert_allclose(
        result.table.column("probability").to_numpy(),
        reference.table.column("probability").to_numpy(),
        atol=1e-6,
    )


def test_bad_sequences_are_skipped_and_reported_the_rest_scored(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    rnas = {**RNAS, "rna_bad": "ACG1UU", "rna_iupac": "ACGRYUU", "rna_long": "ACGU" * 12}
    rna_path = tmp_path / "rna.fasta"
    write_fasta(list(rnas.items()) + [("rna_a", "GGGGGG")], rna_path)  # duplicate id, other sequence
    result = predict_pairs(model, "all", rna_path, PROTEINS, max_length=45, progress=False)
    table = result.table.to_pylist()
    status = {(row["rna_source_id"], row["protein_source_id"]): row for row in table}
    assert status[("rna_bad", "prot_x")]["status"] == "skipped"
    assert "invalid_character" in status[("rna_bad", "prot_x")]["warnings"]
    assert status[("rna_a", "prot_x")]["warnings"].startswith("skipped: duplicate_id")
    assert "too_long" in status[("rna_long", "prot_x")]["warnings"]
    iupac = status[("rna_iupac", "prot_x")]
    assert iupac["status"] == "scored" and "replaced" in iupac["warnings"]
    assert (
        status[("rna_b", "prot_y")]["status"] == "scored" and status[("rna_b", "prot_y")]["probability"] > 0
    )
    drops = result.report.drops["score"]
    assert drops == {"invalid_character": 4, "duplicate_id": 4, "too_long": 4}
    assert len(result.problems) == 3  # one line per problem
    assert any("rna_long" in line and "4 pair(s) skipped" in line for line in result.problems)
    # Under the 'reject' letter policy the IUPAC RNA is skipped too.
    strict = predict_pairs(
        model, "all", {"r": "ACGRU", "ok": "ACGU"}, PROTEINS, letter_policy="reject", progress=False
    )
    assert strict.report.drops["score"] == {"nonstandard_letter": len(PROTEINS)}


@pytest.mark.parametrize("policy", ["truncate", "chunk"])
def test_long_sequences_truncated_or_chunked_with_a_warning(tmp_path, policy):
    model = save_tiny_model(tmp_path / "model")
    result = predict_pairs(
        model,
        [("long", "prot_x")],
        {"long": "ACGU" * 10},
        PROTEINS,
        max_length=16,
        length_policy=policy,
        progress=False,
    )
    row = result.table.to_pylist()[0]
    assert row["status"] == "scored"
    assert ("truncated to the first 16 of 40" if policy == "truncate" else "chunked: 40 residues") in row[
        "warnings"
    ]


def test_nothing_scorable_and_bad_files_raise_one_clear_error(tmp_path):
    model = save_tiny_model(tmp_path / "model")
    with pytest.raises(InputError, match="no pair could be scored: rna r: invalid character"):
        predict_pairs(model, "all", {"r": "AC-GU"}, PROTEINS, progress=False)
    empty = tmp_path / "empty.fasta"
    empty.write_text("")
    with pytest.raises(InputError, match="no FASTA records"):
        predict_pairs(model, "all", empty, PROTEINS, progress=False)
    no_weights = tmp_path / "no_weights"
    save_tiny_model(no_weights)
    (no_weights / "model.safetensors").unlink()
    with pytest.raises(InputError, match="no weights"):
        predict_pairs(no_weights, "all", RNAS, PROTEINS, progress=False)
    with pytest.raises(InputError, match="lacks column"):
        bad = tmp_path / "pairs.tsv"
        bad.write_text("rna\tprotein\nrna_a\tprot_x\n")
        predict_pairs(model, bad, RNAS, PROTEINS, progress=False)
    with pytest.raises(InputError, match="gives 640-d"):
        predict_pairs(
            model, "all", RNAS, PROTEINS, rna_embedder=counting("random", "rna").inner, progress=False
        )
