"""Reading what to score: sequences (FASTA, mappings, sequence columns) and pairs (all-vs-all or a file).

Every sequence goes through :func:`rnainteract_builder.contract.sequences.normalise` and gets its content-hash id.
A sequence that cannot be used (empty, invalid characters, a non-standard letter under the ``reject``
letter policy, an id given twice with different sequences) does not stop the run: it becomes a
:class:`MoleculeRecord` with an ``error``, the pairs that need it are reported as skipped with that
reason, and every other pair is still scored. Problems that leave nothing to score (an empty FASTA file,
a pairs file without the needed columns) raise :class:`InputError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.fasta import iter_fasta
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.sequences import (
    LetterPolicy,
    Molecule,
    SequenceError,
    normalise,
    sequence_id,
)

PathLike = str | os.PathLike[str]
SequenceSource = PathLike | Mapping[str, str]
PairsSource = str | PathLike | pa.Table | Sequence[tuple[str, str]]

#: Columns of a pairs file: ids are required; sequence columns make FASTA files unnecessary.
PAIR_COLUMNS = ("rna_id", "protein_id")
SEQUENCE_COLUMNS = {"rna": "rna_sequence", "protein": "protein_sequence"}


@dataclass
class MoleculeRecord:
    """One input sequence under the user's id, after normalisation (or the reason it is unusable)."""

    source_id: str
    molecule: Molecule
    sequence: str | None = None
    seq_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None

    def fail(self, kind: str, message: str) -> None:
        self.error_kind, self.error = kind, message
        self.sequence = self.seq_id = None


@dataclass
class ListedPairs:
    """Pairs of a pairs file or list, in input order (ids as the user wrote them)."""

    pair_ids: list[str]
    rna_ids: list[str]
    protein_ids: list[str]


@dataclass
class PairInputs:
    """Molecules by user id and the pairs: ``listed`` ones, or (None) every RNA x every protein.

    All-vs-all pairs are never listed: row ``r * proteins + p`` is RNA ``r`` with protein ``p`` (input
    order), so a screen of M x N pairs holds M + N records, not M x N tuples.
    """

    rnas: dict[str, MoleculeRecord]
    proteins: dict[str, MoleculeRecord]
    listed: ListedPairs | None = None

    def __len__(self) -> int:
        if self.listed is None:
            return len(self.rnas) * len(self.proteins)
        return len(self.listed.pair_ids)


def _record(source_id: str, raw: str, molecule: Molecule, letters: LetterPolicy) -> MoleculeRecord:
    record = MoleculeRecord(source_id, molecule)
    try:
        normalised = normalise(raw, molecule, source_id, policy=letters)
    except SequenceError as err:
        record.fail(err.kind.value, str(err))
        return record
    record.sequence = normalised.sequence
    record.seq_id = sequence_id(normalised.sequence, molecule)
    record.warnings.extend(f"{molecule} {w}" for w in normalised.warnings)
    return record


def _add(
    records: dict[str, MoleculeRecord],
    source_id: str,
    raw: str,
    molecule: Molecule,
    letters: LetterPolicy,
    where: str,
) -> None:
    """Add one sequence; an id seen before is fine with the same sequence and an error with another."""
    new = _record(source_id, raw, molecule, letters)
    old = records.get(source_id)
    if old is None:
        records[source_id] = new
        return
    if old.error_kind == "duplicate_id":
        return
    same = old.seq_id is not None and old.seq_id == new.seq_id
    if not same:
        old.fail(
            "duplicate_id", f"{molecule} {source_id}: id given twice with different sequences in {where}"
        )
    elif f"{molecule} id given twice in {where} (same sequence)" not in old.warnings:
        old.warnings.append(f"{molecule} id given twice in {where} (same sequence)")


def read_sequences(
    source: SequenceSource, molecule: Molecule, letters: LetterPolicy
) -> dict[str, MoleculeRecord]:
    """Sequences from a FASTA (.gz) file or a ``{id: sequence}`` mapping, by id."""
    records: dict[str, MoleculeRecord] = {}
    if isinstance(source, Mapping):
        for source_id, raw in source.items():
            _add(records, str(source_id), str(raw), molecule, letters, f"the {molecule} sequences")
        if not records:
            raise InputError(f"no {molecule} sequences given")
        return records
    path = Path(source)
    for record in iter_fasta(path):
        _add(records, record.id, record.sequence, molecule, letters, str(path))
    if not records:
        raise InputError(f"{path}: no FASTA records (an empty {molecule} FASTA file)")
    return records


def read_pairs_table(source: PathLike | pa.Table) -> pa.Table:
    """A pairs file: TSV (default), CSV (``.csv``) or Parquet, with at least ``rna_id`` and ``protein_id``."""
    if isinstance(source, pa.Table):
        table, where = source, "pairs table"
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise InputError(f"{path}: no such pairs file")
        if path.suffix == ".parquet":
            table = read_parquet(path)
        else:
            delimiter = "," if path.name.lower().endswith((".csv", ".csv.gz")) else "\t"
            try:
                table = pacsv.read_csv(
                    path,
                    parse_options=pacsv.ParseOptions(delimiter=delimiter),
                    convert_options=pacsv.ConvertOptions(
                        column_types={
                            c: pa.string() for c in (*PAIR_COLUMNS, "pair_id", *SEQUENCE_COLUMNS.values())
                        },
                        strings_can_be_null=True,
                    ),
                )
            except pa.ArrowInvalid as err:
                raise InputError(f"{path}: not a readable pairs file ({str(err).splitlines()[0]})") from err
    missing = [c for c in PAIR_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(
            f"{where}: pairs file lacks column(s) {', '.join(missing)} "
            f"(has {', '.join(table.column_names) or 'none'}); expected rna_id, protein_id "
            "and optionally pair_id, rna_sequence, protein_sequence"
        )
    if table.num_rows == 0:
        raise InputError(f"{where}: the pairs file has no rows")
    return table


def _pair_molecules(
    mol: Molecule,
    ids: list[str | None],
    column: list[str | None] | None,
    given: SequenceSource | None,
    letters: LetterPolicy,
) -> dict[str, MoleculeRecord]:
    """The molecules a pairs file names: from its sequence column, else from the FASTA file / mapping.

    Unnamed rows of a sequence column get their row number as id (``ids`` is updated in place).
    """
    if column is not None:
        records: dict[str, MoleculeRecord] = {}
        for row, (source_id, raw) in enumerate(zip(ids, column, strict=True)):
            if source_id is None and raw is not None:
                source_id = ids[row] = f"{mol}_{row + 1}"  # unnamed: its row number
            if source_id is not None:
                _add(records, source_id, raw or "", mol, letters, "the pairs file")
        return records
    if given is not None:
        return read_sequences(given, mol, letters)
    raise InputError(
        f"the pairs name {mol} ids but no {mol} sequences were given: pass a {mol} FASTA file "
        f"or add a {SEQUENCE_COLUMNS[mol]} column"
    )


def collect_inputs(
    pairs: PairsSource | None,
    rna: SequenceSource | None,
    protein: SequenceSource | None,
    letters: LetterPolicy = "replace",
) -> PairInputs:
    """Resolve the three ways of saying what to score into one :class:`PairInputs`.

    * ``pairs="all"`` (or None) with ``rna`` and ``protein``: every RNA against every protein;
    * ``pairs`` = a list of ``(rna_id, protein_id)``, or a pairs file / table whose ids are looked up in
      ``rna`` / ``protein`` - or which carries ``rna_sequence`` / ``protein_sequence`` columns itself.
    """
    if letters not in ("reject", "replace"):
        raise InputError(f"letter policy must be 'reject' or 'replace', not {letters!r}")
    if pairs is None or (isinstance(pairs, str) and pairs == "all"):
        if rna is None or protein is None:
            raise InputError(
                "all-vs-all screening needs both RNA and protein sequences (--rna and --protein)"
            )
        return PairInputs(read_sequences(rna, "rna", letters), read_sequences(protein, "protein", letters))

    if isinstance(pairs, str | os.PathLike | pa.Table):
        table = read_pairs_table(pairs)
        rna_ids = table.column("rna_id").to_pylist()
        protein_ids = table.column("protein_id").to_pylist()
        pair_ids = table.column("pair_id").to_pylist() if "pair_id" in table.column_names else None
        inline = {
            mol: table.column(col).to_pylist() if col in table.column_names else None
            for mol, col in SEQUENCE_COLUMNS.items()
        }
    else:
        rna_ids = [str(r) for r, _ in pairs]
        protein_ids = [str(p) for _, p in pairs]
        pair_ids, inline = None, {"rna": None, "protein": None}
        if not rna_ids:
            raise InputError("no pairs given")

    molecules = {
        mol: _pair_molecules(mol, ids, inline[mol], given, letters)  # type: ignore[arg-type]
        for mol, ids, given in (("rna", rna_ids, rna), ("protein", protein_ids, protein))
    }
    rna_text = ["" if r is None else str(r) for r in rna_ids]
    protein_text = ["" if p is None else str(p) for p in protein_ids]
    names = [
        str(pair_ids[row]) if pair_ids is not None and pair_ids[row] else f"{r}__{p}"
        for row, (r, p) in enumerate(zip(rna_ids, protein_ids, strict=True))
    ]
    return PairInputs(molecules["rna"], molecules["protein"], ListedPairs(names, rna_text, protein_text))
