"""A tiny build directory laid out like the pipeline's (split/, external/, embeddings/), made in the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.embed.stage import EmbedConfig, run_embed


def _sequences(molecule: str, count: int, rng: np.random.Generator) -> list[str]:
    letters = list("ACGU") if molecule == "rna" else list("ACDEFGHIKLMNPQRSTVWY")
    out: set[str] = set()
    while len(out) < count:
        out.add("".join(rng.choice(letters, size=int(rng.integers(5, 30)))))
    return sorted(out)


def _sequence_table(molecule: str, seqs: list[str]) -> pa.Table:
    table = pa.table(
        {
            "id": [sequence_id(s, molecule) for s in seqs],
            "sequence": seqs,
            "length": pa.array([len(s) for s in seqs], pa.int32()),
            "category": ["miRNA" if molecule == "rna" else "RBP"] * len(seqs),
            "species": ["Homo sapiens"] * len(seqs),
        }
    )
    return schema.conform(table, schema.SEQUENCES)


def _pairs(rnas: list[str], proteins: list[str], n: int, rng: np.random.Generator, prefix: str) -> pa.Table:
    rows = []
    for i in range(n):
        r, p = int(rng.integers(len(rnas))), int(rng.integers(len(proteins)))
        label = i % 3 == 0
        rows.append(
            {
                "pair_id": f"{prefix}{i:04d}",
                "rna_id": sequence_id(rnas[r], "rna"),
                "protein_id": sequence_id(proteins[p], "protein"),
                "label": int(label),
                "rna_family": f"RF{r % 4:05d}",
                "protein_clan": f"CL{p % 3:04d}",
                "rna_category": "miRNA",
                "protein_category": "RBP",
                "negative_strategy": None if label else "keep_rna",
                "rnainter_id": f"RI{i:07d}" if label else None,
                "score": 0.5 if label else None,
            }
        )
    return schema.conform(pa.Table.from_pylist(rows), schema.INTERACTIONS)


def make_build(root: Path, with_embeddings: bool = True, seed: int = 0) -> Path:
    """``root`` becomes a build directory with two split kinds, one external set and two embedding models."""
    rng = np.random.default_rng(seed)
    rnas, proteins = _sequences("rna", 12, rng), _sequences("protein", 8, rng)
    for kind, offset in (("family", 0), ("random", 1)):
        folder = root / "split" / kind
        for split, n in (("train", 30), ("validation", 6), ("test", 8)):
            write_parquet_atomic(
                _pairs(rnas, proteins, n, rng, f"{split[:2]}{offset}"), folder / f"{split}.parquet"
            )
        write_parquet_atomic(_sequence_table("rna", rnas), folder / "rna_sequences.parquet")
        write_parquet_atomic(_sequence_table("protein", proteins), folder / "protein_sequences.parquet")
    (root / "split" / "family" / "split_report.md").write_text(
        "## Split family\n\n- **max RNA identity test vs train**: 0.42\n"
    )
    external = root / "external" / "RPI2825"
    ext_rnas, ext_proteins = rnas[:3] + _sequences("rna", 2, rng), proteins[:2]
    write_parquet_atomic(_pairs(ext_rnas, ext_proteins, 5, rng, "ext"), external / "interactions.parquet")
    write_parquet_atomic(_sequence_table("rna", ext_rnas), external / "rna_sequences.parquet")
    write_parquet_atomic(_sequence_table("protein", ext_proteins), external / "protein_sequences.parquet")
    if with_embeddings:
        run_embed(
            EmbedConfig(
                [root / "split" / "family", external],
                root / "embeddings" / "random",
                model="random",
                molecule="rna",
                dim=640,
                progress=False,
                residues_per_shard=100,
            )
        )
        run_embed(
            EmbedConfig(
                [root / "split" / "family"],
                root / "embeddings" / "onehot",
                model="onehot",
                molecule="protein",
                progress=False,
            )
        )
    return root
