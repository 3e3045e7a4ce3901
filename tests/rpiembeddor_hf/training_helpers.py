"""Tiny learnable split folders with embeddings in the DESIGN §4 schema, for the RPIembeddor training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.schema import INTERACTIONS, SEQUENCES, conform, embeddings_schema

RNA_DIM, PROTEIN_DIM = 6, 10


def embedding_table(ids: list[str], arrays: list[np.ndarray], model: str) -> pa.Table:
    dim = arrays[0].shape[1]
    lengths = np.array([len(a) for a in arrays], dtype=np.int32)
    flat = np.concatenate(arrays).astype(np.float16).ravel()
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float16()), dim)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    return pa.Table.from_arrays(
        [
            pa.array(ids),
            pa.array(lengths),
            pa.ListArray.from_arrays(offsets, vectors),
            pa.array([model] * len(ids)),
            pa.array(["test"] * len(ids)),
        ],
        schema=embeddings_schema(dim),
    )


def make_split_folder(
    root: Path, n_rna: int = 12, n_protein: int = 10, pairs_per_split=(48, 16, 16), seed: int = 0
) -> Path:
    """RNAs and proteins of two hidden types; a pair interacts when the types match (learnable)."""
    rng = np.random.default_rng(seed)
    rna_type = rng.integers(0, 2, n_rna)
    protein_type = rng.integers(0, 2, n_protein)
    rna_ids = [f"rna-{i:03d}" for i in range(n_rna)]
    protein_ids = [f"prot-{i:03d}" for i in range(n_protein)]
    rna_emb = [rng.normal(size=(rng.integers(3, 12), RNA_DIM)) + rna_type[i] for i in range(n_rna)]
    protein_emb = [
        rng.normal(size=(rng.integers(4, 15), PROTEIN_DIM)) + protein_type[i] for i in range(n_protein)
    ]
    folder = root / "split"
    write_parquet_atomic(embedding_table(rna_ids, rna_emb, "toy-rna"), root / "rna_embeddings.parquet")
    write_parquet_atomic(
        embedding_table(protein_ids, protein_emb, "toy-protein"), root / "protein_embeddings.parquet"
    )
    letters = {"rna": "ACGU", "protein": "ACDEFGHIKLMNPQRSTVWY"}
    for molecule, ids, embs in (("rna", rna_ids, rna_emb), ("protein", protein_ids, protein_emb)):
        seqs = ["".join(rng.choice(list(letters[molecule]), len(e))) for e in embs]
        table = pa.table(
            {"id": ids, "sequence": seqs, "length": pa.array([len(s) for s in seqs], pa.int32())}
        )
        write_parquet_atomic(conform(table, SEQUENCES), folder / f"{molecule}_sequences.parquet")
    counter = 0
    for split, n in zip(("train", "validation", "test"), pairs_per_split, strict=True):
        r = rng.integers(0, n_rna, n)
        p = rng.integers(0, n_protein, n)
        labels = (rna_type[r] == protein_type[p]).astype(np.int8)
        table = pa.table(
            {
                "pair_id": [f"pair-{counter + i}" for i in range(n)],
                "rna_id": [rna_ids[i] for i in r],
                "protein_id": [protein_ids[i] for i in p],
                "label": pa.array(labels, pa.int8()),
            }
        )
        counter += n
        write_parquet_atomic(conform(table, INTERACTIONS), folder / f"{split}.parquet")
    return folder
