"""A *pairs folder*: ``interactions.parquet`` + ``rna_sequences.parquet`` + ``protein_sequences.parquet``.

Every builder stage from annotation on reads one and writes one, so a stage can run on RNAInter positives
or on an imported benchmark set alike. Extra tables a stage adds (e.g. ``rna_families.parquet``) live in
``extras`` and are written beside the three.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic

INTERACTIONS_FILE = "interactions.parquet"
RNA_FILE = "rna_sequences.parquet"
PROTEIN_FILE = "protein_sequences.parquet"
#: The three tables of every pairs folder, in the order they are written.
PAIRS_FILES = (INTERACTIONS_FILE, RNA_FILE, PROTEIN_FILE)
#: File of each molecule's sequence table.
SEQUENCE_FILES = {"rna": RNA_FILE, "protein": PROTEIN_FILE}


@dataclass
class PairsFolder:
    interactions: pa.Table
    rna_sequences: pa.Table
    protein_sequences: pa.Table
    extras: dict[str, pa.Table] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: str | os.PathLike[str]) -> PairsFolder:
        """Read a pairs folder; a missing folder or table raises InputError naming it."""
        directory = Path(directory)
        if not directory.is_dir():
            raise InputError(f"{directory}: no such pairs folder")
        folder = cls(
            read_parquet(directory / INTERACTIONS_FILE),
            read_parquet(directory / RNA_FILE),
            read_parquet(directory / PROTEIN_FILE),
        )
        folder.check(str(directory))
        return folder

    def check(self, where: str = "pairs folder") -> None:
        """Every pair's sequences must be present (a join by id must never lose rows silently)."""
        for column, table, name in (
            ("rna_id", self.rna_sequences, RNA_FILE),
            ("protein_id", self.protein_sequences, PROTEIN_FILE),
        ):
            if column not in self.interactions.column_names:
                raise InputError(f"{where}: {INTERACTIONS_FILE} lacks the column {column!r}")
            known = table.column("id")
            missing = pc.filter(
                self.interactions.column(column), pc.invert(pc.is_in(self.interactions.column(column), known))
            )
            if len(missing):
                raise InputError(f"{where}: {column} {missing[0].as_py()!r} has no row in {name}")

    def write(self, directory: str | os.PathLike[str]) -> Path:
        directory = Path(directory)
        write_parquet_atomic(
            schema.conform(self.interactions, schema.INTERACTIONS), directory / INTERACTIONS_FILE
        )
        write_parquet_atomic(self.rna_sequences, directory / RNA_FILE)
        write_parquet_atomic(self.protein_sequences, directory / PROTEIN_FILE)
        for name, table in self.extras.items():
            write_parquet_atomic(table, directory / f"{name}.parquet")
        return directory

    def sequences(self, molecule: str) -> dict[str, str]:
        table = self.rna_sequences if molecule == "rna" else self.protein_sequences
        return dict(zip(table.column("id").to_pylist(), table.column("sequence").to_pylist(), strict=True))
