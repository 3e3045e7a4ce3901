"""The pairs a baseline sees: ids, labels and sequences, joined once from the Arrow tables.

Features are computed per *unique* sequence and indexed by pair, so a benchmark set whose 4,482 pairs use
435 RNAs costs 435 feature rows, not 4,482.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa

from rnainteract_builder.contract.errors import InputError


@dataclass(frozen=True)
class PairData:
    """RNA-protein pairs with their sequences; ``labels`` may be ``None`` for pairs to screen."""

    rna_ids: np.ndarray
    protein_ids: np.ndarray
    rna_sequences: Mapping[str, str]
    protein_sequences: Mapping[str, str]
    labels: np.ndarray | None = None
    rna_family: np.ndarray | None = None
    protein_clan: np.ndarray | None = None
    pair_ids: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        n = len(self.rna_ids)
        for name in ("protein_ids", "labels", "rna_family", "protein_clan", "pair_ids"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise InputError(f"pairs: {name} has {len(value)} rows but rna_ids has {n}")
        for ids, table, what in ((self.rna_ids, self.rna_sequences, "RNA"),
                                 (self.protein_ids, self.protein_sequences, "protein")):
            missing = sorted(set(ids.tolist()) - set(table))
            if missing:
                raise InputError(f"pairs: {len(missing)} {what} id(s) have no sequence, e.g. {missing[0]!r}")
        if self.labels is not None and not np.isin(self.labels, (0, 1)).all():
            raise InputError("pairs: labels must be 0 or 1")

    def __len__(self) -> int:
        return len(self.rna_ids)

    @property
    def y(self) -> np.ndarray:
        if self.labels is None:
            raise InputError("these pairs have no labels; a method cannot be fitted or scored on them")
        return self.labels

    def subset(self, index: np.ndarray) -> PairData:
        """Rows ``index`` (sequence tables are shared, not copied)."""
        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[index]

        return replace(self, rna_ids=self.rna_ids[index], protein_ids=self.protein_ids[index],
                       labels=pick(self.labels), rna_family=pick(self.rna_family),
                       protein_clan=pick(self.protein_clan), pair_ids=pick(self.pair_ids))

    def with_groups(self, rna_family: np.ndarray | None, protein_clan: np.ndarray | None) -> PairData:
        return replace(self, rna_family=rna_family, protein_clan=protein_clan)

    def unique_rna(self) -> tuple[list[str], np.ndarray]:
        """Unique RNA ids (sorted) and, per pair, the row of its RNA in that list."""
        ids, inverse = np.unique(self.rna_ids, return_inverse=True)
        return ids.tolist(), inverse

    def unique_protein(self) -> tuple[list[str], np.ndarray]:
        ids, inverse = np.unique(self.protein_ids, return_inverse=True)
        return ids.tolist(), inverse

    @classmethod
    def from_tables(cls, interactions: pa.Table, rna_sequences: pa.Table, protein_sequences: pa.Table) -> PairData:
        """Join an interactions table (schema.INTERACTIONS) with its two sequence tables (schema.SEQUENCES)."""
        for table, needed, what in ((interactions, ("rna_id", "protein_id"), "interactions"),
                                    (rna_sequences, ("id", "sequence"), "rna_sequences"),
                                    (protein_sequences, ("id", "sequence"), "protein_sequences")):
            lacking = [c for c in needed if c not in table.column_names]
            if lacking:
                raise InputError(f"{what} table lacks column(s) {', '.join(lacking)}")

        def column(name: str) -> np.ndarray | None:
            if name not in interactions.column_names or interactions.column(name).null_count == len(interactions):
                return None
            return np.asarray(interactions.column(name).to_pylist(), dtype=object)

        labels = None
        if "label" in interactions.column_names:
            if interactions.column("label").null_count:
                raise InputError("interactions: the label column has missing values")
            labels = interactions.column("label").to_numpy().astype(np.int8)
        return cls(
            rna_ids=np.asarray(interactions.column("rna_id").to_pylist(), dtype=object),
            protein_ids=np.asarray(interactions.column("protein_id").to_pylist(), dtype=object),
            rna_sequences=dict(zip(rna_sequences.column("id").to_pylist(),
                                   rna_sequences.column("sequence").to_pylist(), strict=True)),
            protein_sequences=dict(zip(protein_sequences.column("id").to_pylist(),
                                       protein_sequences.column("sequence").to_pylist(), strict=True)),
            labels=labels,
            rna_family=column("rna_family"),
            protein_clan=column("protein_clan"),
            pair_ids=column("pair_id"),
        )
