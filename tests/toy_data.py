"""Toy data for the tests, in one place: RNAInter-format rows, synthetic positives with families and clans,
a tiny build directory laid out like the pipeline's, and tiny learnable split folders with embeddings.

(Tool-built toy databases live in ``tests/rnainteract_builder/toy_databases.py``, the loopback web services
in ``tests/rnainteract_builder/fake_services.py``, tiny models in ``tests/rpiembeddor_hf/predict_helpers.py``.)
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.schema import INTERACTIONS, SEQUENCES, conform
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.embed.stage import EmbedConfig, run_embed
from rnainteract_builder.ingest import RNAINTER_COLUMNS

# -- RNAInter-format rows --------------------------------------------------------------------------------------
DEFAULT_ROW = {
    "RNAInterID": "RP0",
    "Interactor1.Symbol": "RNA1",
    "Category1": "lncRNA",
    "Species1": "Homo sapiens",
    "Interactor2.Symbol": "PROT1",
    "Category2": "RBP",
    "Species2": "Homo sapiens",
    "Raw_ID1": "NCBI:1",
    "Raw_ID2": "NCBI:101",
    "score": "0.5",
    "strong": "N/A",
    "weak": "N/A",
    "predict": "catRAPID",
}


def row(**fields: str) -> str:
    values = {**DEFAULT_ROW, **{k.replace("_dot_", "."): v for k, v in fields.items()}}
    return "\t".join(values[c] for c in RNAINTER_COLUMNS)


def write_rnainter(path: Path, lines: list[str]) -> Path:
    path.write_text("\t".join(RNAINTER_COLUMNS) + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# -- synthetic positives (families x clans) ---------------------------------------------------------------
def synthetic_positives(
    n_families: int = 12,
    rnas_per_family: int = 4,
    n_clans: int = 10,
    proteins_per_clan: int = 3,
    seed: int = 1,
) -> pa.Table:
    """Each family interacts with two clans; categories and evidence columns are filled like RNAInter's."""
    rng = random.Random(seed)
    rows = []
    for f in range(n_families):
        clans = [f % n_clans, (f * 3 + 1) % n_clans]
        for r in range(rnas_per_family):
            rna = f"rna-f{f:02d}r{r}"
            for c in clans:
                for p in rng.sample(range(proteins_per_clan), 2):
                    protein = f"prot-c{c:02d}p{p}"
                    rows.append(
                        {
                            "pair_id": f"RI{len(rows):05d}",
                            "rna_id": rna,
                            "protein_id": protein,
                            "label": 1,
                            "rna_family": f"RF{f:05d}",
                            "protein_clan": f"CL{c:04d}",
                            "rna_category": "miRNA" if f % 2 else "lncRNA",
                            "protein_category": "TF" if c % 3 == 0 else "RBP",
                            "score": round(rng.random(), 4),
                            "evidence_strong": "CLIP-seq",
                            "rnainter_id": f"RI{len(rows):05d}",
                        }
                    )
    return schema.conform(pa.Table.from_pylist(rows), schema.INTERACTIONS)


# -- a tiny build directory (split/, external/, embeddings/) ------------------------------------------------
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


# -- tiny learnable split folders with embeddings ---------------------------------------------------------------
RNA_DIM, PROTEIN_DIM = 6, 10


def embedding_table(ids: list[str], arrays: list[np.ndarray], model: str) -> pa.Table:
    """Embedding rows in the published schema built by hand, without the contract converter's checks
    (``embeddings_table`` of the embedding store refuses NaN), so that tests can also make the bad input readers must refuse."""
    dim = arrays[0].shape[1]
    lengths = np.array([len(a) for a in arrays], dtype=np.int32)
    flat = np.concatenate(arrays).astype(np.float16).ravel()
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float16()), dim)
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    columns = [pa.array(ids), pa.array(lengths), pa.ListArray.from_arrays(offsets, vectors),
               pa.array([model] * len(ids)), pa.array(["test"] * len(ids))]
    return pa.Table.from_arrays(columns, schema=schema.embeddings_schema(dim))


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
