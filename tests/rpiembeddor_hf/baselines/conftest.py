"""A tiny synthetic benchmark set with a planted signal every method can find.

RNAs come from two "families" (A-rich or C-rich background with a family motif) and proteins from two
"clans" (K/R-rich or D/E-rich). Pairs (A-family RNA, K/R protein) and (C-family RNA, D/E protein)
interact; the crossed combinations do not. Sequences are random within a group, so identity, k-mer
composition and family labels all carry the signal, and chance level is 0.5.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.sequences import sequence_id
from rpiembeddor_hf.baselines import PairData


def _random_sequence(rng: np.random.Generator, letters: str, weights: list[float], length: int) -> str:
    p = np.asarray(weights) / np.sum(weights)
    return "".join(rng.choice(list(letters), size=length, p=p))


def planted_tables(
    n_rna: int = 24, n_protein: int = 24, seed: int = 0
) -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    rnas, proteins = [], []
    for i in range(n_rna):
        group = i % 2
        weights = [4, 1, 1, 1] if group == 0 else [1, 4, 1, 1]
        seq = _random_sequence(rng, "ACGU", weights, int(rng.integers(40, 90)))
        rnas.append((sequence_id(seq, "rna"), seq, group))
    for i in range(n_protein):
        group = i % 2
        letters = "ACDEFGHIKLMNPQRSTVWY"
        weights = [1.0] * 20
        for letter in "KR" if group == 0 else "DE":
            weights[letters.index(letter)] = 8.0
        seq = _random_sequence(rng, letters, weights, int(rng.integers(60, 140)))
        proteins.append((sequence_id(seq, "protein"), seq, group))
    rows = []
    for r_id, _, r_group in rnas:
        for p_id, _, p_group in proteins:
            if rng.random() < 0.35:
                rows.append(
                    (f"{r_id}|{p_id}", r_id, p_id, int(r_group == p_group), f"fam{r_group}", f"clan{p_group}")
                )
    pair_id, rna_id, protein_id, label, family, clan = map(list, zip(*rows, strict=True))
    interactions = schema.conform(
        pa.table(
            {
                "pair_id": pair_id,
                "rna_id": rna_id,
                "protein_id": protein_id,
                "label": pa.array(label, pa.int8()),
                "rna_family": family,
                "protein_clan": clan,
            }
        ),
        schema.INTERACTIONS,
    )

    def sequences(items: list[tuple[str, str, int]]) -> pa.Table:
        return schema.conform(
            pa.table(
                {
                    "id": [i for i, _, _ in items],
                    "sequence": [s for _, s, _ in items],
                    "length": pa.array([len(s) for _, s, _ in items], pa.int32()),
                }
            ),
            schema.SEQUENCES,
        )

    return interactions, sequences(rnas), sequences(proteins)


@pytest.fixture(scope="session")
def planted() -> PairData:
    return PairData.from_tables(*planted_tables())


@pytest.fixture(scope="session")
def planted_split(planted: PairData) -> tuple[PairData, PairData]:
    rng = np.random.default_rng(1)
    order = rng.permutation(len(planted))
    cut = int(0.7 * len(planted))
    return planted.subset(np.sort(order[:cut])), planted.subset(np.sort(order[cut:]))
