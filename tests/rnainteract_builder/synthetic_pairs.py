"""A small annotated pairs table with known families / clans, shared by the negatives / split tests."""

from __future__ import annotations

import random

import pyarrow as pa

from rnainteract_builder.contract import schema


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
