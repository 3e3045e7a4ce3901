"""Trivial and similarity baselines: the floor every real method must clear (DESIGN §1, §7).

* ``all-positive`` / ``all-negative``: constant scores (AUROC 0.5 by construction).
* ``pair-rate``: the training label rate of the pair's (RNA family, protein clan), shrunk towards the
  family / clan rates and the global rate when the pair was seen rarely or never. Benchmark sets without
  annotations get sequence-cluster pseudo-families from the harness.
* ``nearest-neighbour``: the label of the most similar training pair, where the similarity of two pairs is
  the mean of their RNA identity and their protein identity, and identity is the global edit-distance
  identity ``1 - levenshtein(a, b) / max(len(a), len(b))`` (rapidfuzz, C++). Ties are averaged; the score
  is ``0.5 + (label - 0.5) * similarity`` so a close neighbour is a confident call and a distant one is not.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, register, write_json_atomic
from rpiembeddor_hf.baselines.data import PairData

STATE_FILE = "state.json"


def _read_state(directory: Path) -> dict[str, Any]:
    path = directory / STATE_FILE
    if not path.is_file():
        raise InputError(f"{path}: saved state not found")
    return json.loads(path.read_text(encoding="utf-8"))


def _write_state(directory: Path, state: dict[str, Any]) -> None:
    write_json_atomic(directory / STATE_FILE, state)


class _Constant(PairClassifier):
    value: float

    def _fit(self, pairs: PairData) -> None:
        """Nothing to learn."""

    def _positive(self, pairs: PairData) -> np.ndarray:
        return np.full(len(pairs), self.value, dtype=np.float64)

    def _save_state(self, directory: Path) -> None:
        """Nothing to store: the method name says it all."""

    def _load_state(self, directory: Path) -> None:
        """Nothing to restore."""


@register
class AllPositive(_Constant):
    name = "all-positive"
    value = 1.0


@register
class AllNegative(_Constant):
    name = "all-negative"
    value = 0.0


@register
class PairLabelRate(PairClassifier):
    name = "pair-rate"

    def __init__(self, random_state: int = 0, prior_weight: float = 1.0) -> None:
        self.random_state = random_state
        self.prior_weight = prior_weight

    @staticmethod
    def _groups(data: PairData) -> tuple[list[str], list[str]]:
        if data.rna_family is None or data.protein_clan is None:
            raise InputError("pair-rate needs rna_family and protein_clan (annotate the pairs, or let the "
                             "benchmark fill them with sequence clusters)")
        return [str(v) for v in data.rna_family], [str(v) for v in data.protein_clan]

    def _fit(self, data: PairData) -> None:
        families, clans = self._groups(data)
        counts: dict[str, dict[str, list[int]]] = {"family": defaultdict(lambda: [0, 0]),
                                                   "clan": defaultdict(lambda: [0, 0]),
                                                   "pair": defaultdict(lambda: [0, 0])}
        for fam, clan, label in zip(families, clans, data.y.tolist(), strict=True):
            for table, key in (("family", fam), ("clan", clan), ("pair", f"{fam}\t{clan}")):
                counts[table][key][0] += label
                counts[table][key][1] += 1
        self.state_ = {"prior": float(data.y.mean()), **{k: dict(v) for k, v in counts.items()}}

    def _rate(self, table: str, key: str, prior: float) -> float:
        positives, total = self.state_[table].get(key, (0, 0))
        return (positives + self.prior_weight * prior) / (total + self.prior_weight)

    def _positive(self, data: PairData) -> np.ndarray:
        families, clans = self._groups(data)
        prior = self.state_["prior"]
        out = np.empty(len(data), dtype=np.float64)
        for i, (fam, clan) in enumerate(zip(families, clans, strict=True)):
            backoff = 0.5 * (self._rate("family", fam, prior) + self._rate("clan", clan, prior))
            out[i] = self._rate("pair", f"{fam}\t{clan}", backoff)
        return out

    def _save_state(self, directory: Path) -> None:
        self._check_fitted()
        _write_state(directory, self.state_)

    def _load_state(self, directory: Path) -> None:
        self.state_ = _read_state(directory)


def identity_matrix(queries: list[str], targets: list[str], workers: int = 1) -> np.ndarray:
    """Global edit-distance identity of every query against every target (float32, queries x targets)."""
    if not queries or not targets:
        return np.zeros((len(queries), len(targets)), dtype=np.float32)
    return cdist(queries, targets, scorer=Levenshtein.normalized_similarity, dtype=np.float32, workers=workers)


@register
class NearestNeighbour(PairClassifier):
    name = "nearest-neighbour"

    def __init__(self, random_state: int = 0, workers: int = 1) -> None:
        self.random_state = random_state
        self.workers = workers

    def _fit(self, data: PairData) -> None:
        rna_ids, rna_rows = data.unique_rna()
        prot_ids, prot_rows = data.unique_protein()
        self.state_ = {
            "rna_sequences": [data.rna_sequences[i] for i in rna_ids],
            "protein_sequences": [data.protein_sequences[i] for i in prot_ids],
            "rna_rows": rna_rows.tolist(),
            "protein_rows": prot_rows.tolist(),
            "labels": data.y.astype(int).tolist(),
        }

    def _positive(self, data: PairData) -> np.ndarray:
        rna_ids, rna_rows = data.unique_rna()
        prot_ids, prot_rows = data.unique_protein()
        rna_sim = identity_matrix([data.rna_sequences[i] for i in rna_ids], self.state_["rna_sequences"],
                                  self.workers)
        prot_sim = identity_matrix([data.protein_sequences[i] for i in prot_ids],
                                   self.state_["protein_sequences"], self.workers)
        train_rna = np.asarray(self.state_["rna_rows"])
        train_prot = np.asarray(self.state_["protein_rows"])
        labels = np.asarray(self.state_["labels"], dtype=np.float64)
        out = np.empty(len(data), dtype=np.float64)
        chunk = max(1, 2_000_000 // max(1, labels.size))  # bound memory: chunk x n_train similarities
        for start in range(0, len(data), chunk):
            stop = min(start + chunk, len(data))
            sim = 0.5 * (rna_sim[rna_rows[start:stop]][:, train_rna] + prot_sim[prot_rows[start:stop]][:, train_prot])
            best = sim.max(axis=1, keepdims=True)
            tied = sim >= best - 1e-6
            vote = (tied * labels).sum(axis=1) / tied.sum(axis=1)
            out[start:stop] = 0.5 + (vote - 0.5) * best[:, 0]
        return out

    def _save_state(self, directory: Path) -> None:
        self._check_fitted()
        _write_state(directory, self.state_)

    def _load_state(self, directory: Path) -> None:
        self.state_ = _read_state(directory)
