"""The pairs a baseline sees: ids, labels and sequences, joined once from the Arrow tables.

Features are computed per *unique* sequence and indexed by pair, so a benchmark set whose 4,482 pairs use
435 RNAs costs 435 feature rows, not 4,482.

The scikit-learn face of the same data is a pandas DataFrame, one row per pair (:data:`FRAME_COLUMNS`):
splitters, ``cross_validate`` and ``GridSearchCV`` index it like any ``X``, and :func:`as_pair_data`
turns it (or a slice of it) back into a :class:`PairData` inside ``fit`` / ``predict_proba``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from rnainteract_builder.contract.errors import InputError

#: Columns of a pairs DataFrame: the two sequences are required; ids default to the sequences themselves.
FRAME_COLUMNS = ("rna_id", "protein_id", "rna_sequence", "protein_sequence", "rna_family", "protein_clan",
                 "pair_id")


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

    def to_frame(self) -> pd.DataFrame:
        """One row per pair (:data:`FRAME_COLUMNS`, plus ``label``): the ``X`` of the scikit-learn estimators."""
        columns: dict[str, Any] = {
            "rna_id": self.rna_ids, "protein_id": self.protein_ids,
            "rna_sequence": np.asarray([self.rna_sequences[i] for i in self.rna_ids], dtype=object),
            "protein_sequence": np.asarray([self.protein_sequences[i] for i in self.protein_ids], dtype=object),
        }
        for name, value in (("rna_family", self.rna_family), ("protein_clan", self.protein_clan),
                            ("pair_id", self.pair_ids), ("label", self.labels)):
            if value is not None:
                columns[name] = value
        return pd.DataFrame(columns)


def _sequence_table(ids: np.ndarray, sequences: np.ndarray, what: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for seq_id, seq in zip(ids.tolist(), sequences.tolist(), strict=True):
        if table.setdefault(seq_id, seq) != seq:
            raise InputError(f"pairs: {what} id {seq_id!r} has two different sequences")
    return table


def as_pair_data(X: Any, y: Any = None) -> PairData:  # noqa: N803  (scikit-learn's name)
    """``X`` as :class:`PairData`: a PairData, or a DataFrame with ``rna_sequence`` and ``protein_sequence``
    (ids, families, clans and pair ids optional). ``y`` (0/1), when given, replaces any labels in ``X``."""
    if isinstance(X, PairData):
        data = X
    elif isinstance(X, pd.DataFrame):
        data = _from_frame(X)
    else:
        raise InputError(f"pairs must be a pandas DataFrame with rna_sequence and protein_sequence columns "
                         f"(or a PairData), not {type(X).__name__}")
    if y is not None:
        labels = np.asarray(y).ravel()
        if len(labels) != len(data):
            raise InputError(f"pairs: {len(labels)} labels for {len(data)} pairs")
        if not np.isin(labels, (0, 1)).all():
            raise InputError("pairs: labels must be 0 or 1")
        data = replace(data, labels=labels.astype(np.int8))
    return data


def _from_frame(frame: pd.DataFrame) -> PairData:
    lacking = [c for c in ("rna_sequence", "protein_sequence") if c not in frame.columns]
    if lacking:
        raise InputError(f"pairs DataFrame lacks column(s) {', '.join(lacking)}")

    def column(name: str, fallback: str | None = None) -> np.ndarray | None:
        if name not in frame.columns:
            return None if fallback is None else column(fallback)
        return np.asarray(frame[name].tolist(), dtype=object)

    rna_seqs, prot_seqs = column("rna_sequence"), column("protein_sequence")
    rna_ids, prot_ids = column("rna_id", "rna_sequence"), column("protein_id", "protein_sequence")
    assert rna_seqs is not None and prot_seqs is not None and rna_ids is not None and prot_ids is not None
    labels = None
    if "label" in frame.columns:
        labels = np.asarray(frame["label"]).astype(np.int8)
    return PairData(rna_ids=rna_ids, protein_ids=prot_ids,
                    rna_sequences=_sequence_table(rna_ids, rna_seqs, "RNA"),
                    protein_sequences=_sequence_table(prot_ids, prot_seqs, "protein"),
                    labels=labels, rna_family=column("rna_family"), protein_clan=column("protein_clan"),
                    pair_ids=column("pair_id"))
