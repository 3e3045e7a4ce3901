"""Reading what to score: sequences (FASTA, mappings, sequence columns) and pairs (all-vs-all or a file).

Every sequence goes through :func:`rnainteract_builder.contract.sequences.normalise` and gets its content-hash id.
A sequence that cannot be used (empty, invalid characters, a non-standard letter under the ``reject``
letter policy, an id given twice with different sequences) does not stop the run: it becomes a
:class:`MoleculeRecord` with an ``error``, the pairs that need it are reported as skipped with that
reason, and every other pair is still scored. Problems that leave nothing to score (an empty FASTA file,
a pairs file without the needed columns) raise :class:`InputError`. Listed pairs are never held whole:
:mod:`.pairs_file` reads them in chunks, here once to count them and to collect the molecules of
sequence columns, and again for each later pass.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.fasta import iter_fasta
from rnainteract_builder.contract.sequences import (
    LetterPolicy,
    Molecule,
    SequenceError,
    normalise,
    sequence_id,
)
from rpiembeddor_hf.predict.pairs_file import (
    PAIR_COLUMNS as PAIR_COLUMNS,  # re-exported
)
from rpiembeddor_hf.predict.pairs_file import (
    SEQUENCE_COLUMNS,
    ListedPairs,
    file_pairs,
    list_pairs,
    table_pairs,
)

PathLike = str | os.PathLike[str]
SequenceSource = PathLike | Mapping[str, str]
PairsSource = str | PathLike | pa.Table | Sequence[tuple[str, str]]



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
        return self.listed.count


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


def _listed(pairs: PairsSource) -> ListedPairs:
    if isinstance(pairs, pa.Table):
        return table_pairs(pairs)
    if isinstance(pairs, str | os.PathLike):
        return file_pairs(pairs)
    if not len(pairs):
        raise InputError("no pairs given")
    return list_pairs(pairs)


def _scan(listed: ListedPairs, letters: LetterPolicy) -> dict[str, dict[str, MoleculeRecord]]:
    """One pass over the pairs: count and hash the rows, and read the molecules of sequence columns."""
    records: dict[str, dict[str, MoleculeRecord]] = {
        mol: {} for mol, column in SEQUENCE_COLUMNS.items() if column in listed.columns
    }
    digest, where = hashlib.sha256(), "the pairs file"
    for chunk in listed.chunks():
        listed.count += len(chunk)
        chunk.hash_into(digest)
        for mol, found in records.items():
            for source_id, raw in zip(chunk.raw_ids[mol], chunk.sequences[mol] or (), strict=True):
                if source_id is not None:
                    _add(found, str(source_id), raw or "", mol, letters, where)  # type: ignore[arg-type]
    listed.digest = digest.hexdigest()
    if not listed.count:
        raise InputError(f"{listed.where}: the pairs file has no rows")
    return records


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

    listed = _listed(pairs)
    molecules = _scan(listed, letters)
    for mol, given in (("rna", rna), ("protein", protein)):
        if mol in molecules:
            continue
        if given is None:
            raise InputError(
                f"the pairs name {mol} ids but no {mol} sequences were given: pass a {mol} FASTA file "
                f"or add a {SEQUENCE_COLUMNS[mol]} column"
            )
        molecules[mol] = read_sequences(given, mol, letters)  # type: ignore[arg-type]
    return PairInputs(molecules["rna"], molecules["protein"], listed)
