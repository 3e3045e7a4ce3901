"""Readers of the published RPI benchmark file formats into a :class:`RawSet` (pair rows + the sequences they name).

Each format is read as published, nothing cleaned (that is :mod:`.benchmark_sets`' job); rows that cannot be
read are counted in the report (step ``parse``), while a file that cannot be read at all (binary, not UTF-8,
empty, header only, no label column, unknown format) is an :class:`InputError` naming the file.

Formats (``FORMATS``) and how they are told apart when ``--format`` is not given:

1. by file name: ``*_PositivePairs.csv`` / ``*_NegativePairs.csv`` (IPMiner split), ``lncRNA-protein-488*``
   (IPMiner RPI488), ``*_all.txt`` (IPMiner), ``*_pairs.txt`` (RPITER);
2. by header: sequence columns (``rna_seq`` / ``protein_seq`` / ``label``, ...) mean ``sequence-csv``;
   ``rna_id`` and ``protein_id`` mean ``table``;
3. by content, against the FASTA ids: one ``_``-joined id per row means ``pair-ids``; three columns whose
   first column holds RNA FASTA ids mean ``rna-protein-label`` (protein FASTA ids in a tab-separated file
   mean the RPITER order).

Pair ids (``pair-ids``, RPI-MD style) join a protein id and an RNA id with ``_``, but PDB chain ids may
themselves contain ``_`` (RPI488: ``1FFK_A``), and ids are case-sensitive (``3cw1-V`` is not ``3cw1-v``).
The rule: the id is split at the one ``_`` where the left part is an id of the protein FASTA and the right
part an id of the RNA FASTA, compared exactly (case-sensitive). No such split, or more than one, and the row
is dropped as ``pair_id_unresolved`` / ``pair_id_ambiguous`` (with examples in the report).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report

Format = Literal["table", "rpiter", "ipminer", "ipminer-split", "ipminer-488", "rna-protein-label", "pair-ids",
                 "sequence-csv"]
Layout = Format  # the earlier name of the same thing

#: Published pair-list formats. Column order matters: RPITER and IPMiner put the protein first.
FORMATS: dict[str, str] = {
    "table": "TSV with a header naming rna_id, protein_id, label (any order; the normalised copies)",
    "rpiter": "RPITER *_pairs.txt: protein<TAB>rna<TAB>label, no header",
    "ipminer": "IPMiner *_all.txt: protein<TAB>rna<TAB>label, no header (ids upper-cased by IPMiner)",
    "ipminer-split": "IPMiner RPI1807 *_PositivePairs.csv / *_NegativePairs.csv: whitespace separated, "
    "header 'Protein ID  RNA ID'",
    "ipminer-488": "IPMiner lncRNA-protein-488.txt: '>PDB_protChain_rnaChain|interactive' (or "
    "|non), then the protein sequence, then the RNA sequence; no FASTA files",
    "rna-protein-label": "LGFC-CNN / NPI-GNN lists: 'RNA protein label' separated by spaces or tabs, RNA first, "
    "no header (or a header naming the columns)",
    "pair-ids": "RPI-MD style: one pair id 'PROTEIN_RNA' per line, optionally followed by a label; without a "
    "label column the file name says pos/positive or neg/negative; split at the one '_' where both parts are "
    "FASTA ids (case-sensitive)",
    "sequence-csv": "XRPI / rpi-predict style CSV (or TSV) with a header naming an RNA sequence column "
    "(rna_seq, rna_sequence, ...), a protein sequence column (protein_seq, ...) and a label column; optional "
    "rna_id / protein_id columns; no FASTA files",
}
LAYOUTS = FORMATS

STEP_PARSE = "parse"
_LABELS = {"0": 0, "1": 1}
_SEQUENCE_COLUMNS = {
    "rna_seq": ("rna_seq", "rna_sequence", "rna_seqs", "rnaseq", "seq_rna", "ncrna_seq", "ncrna_sequence", "rna"),
    "protein_seq": ("protein_seq", "protein_sequence", "protein_seqs", "pro_seq", "prot_seq", "proteinseq",
                    "seq_protein", "aa_seq", "protein"),
    "label": ("label", "labels", "y", "interaction", "interact", "class", "target"),
    "rna_id": ("rna_id", "rna_name", "ncrna_id"),
    "protein_id": ("protein_id", "protein_name", "prot_id", "pro_id"),
}


@dataclass(frozen=True)
class RawPair:
    rna: str
    protein: str
    label: int
    line: int


@dataclass
class RawSet:
    """A benchmark set as published: pair rows and the sequences they refer to, nothing cleaned."""

    name: str
    pairs: list[RawPair]
    rna: dict[str, str]
    protein: dict[str, str]
    inputs: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class _Columns:
    """Where the RNA id, the protein id and the label sit in a row (label None: taken from the file name)."""

    rna: int
    protein: int
    label: int | None
    width: int


# --------------------------------------------------------------------------------------------- text


def read_text_lines(path: Path, what: str = "pair list") -> list[str]:
    """The lines of a text file; a missing, binary, non-UTF-8 or empty file is one clear error."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file (a {what} is expected)")
    data = path.read_bytes()
    if b"\x00" in data[: 1 << 16]:
        raise InputError(f"{path}: binary file (NUL bytes), not a text {what}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start}: {data[err.start:err.start + 1]!r}); "
                         f"a text {what} is expected") from err
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(f"{path}: empty file (a {what} is expected)")
    return lines


def _label(value: str) -> int | None:
    return _LABELS.get(value.strip())


def label_from_name(path: Path) -> int | None:
    """1 / 0 when the file name says positive / negative (``pos``, ``Positive``...), else None."""
    tokens = [t for t in re.split(r"[^a-z0-9]+", path.stem.lower()) if t]
    positive = any(t == "pos" or t.startswith("positive") for t in tokens)
    negative = any(t == "neg" or t.startswith("negative") for t in tokens)
    if positive == negative:
        return None
    return 1 if positive else 0


# --------------------------------------------------------------------------------------------- id lists


def _rows(lines: list[str], fmt: Format, path: Path) -> tuple[list[tuple[int, list[str]]], _Columns]:
    """Split the lines of an id list into cells and say which cell is what."""
    if fmt == "table":
        rows = list(enumerate(csv.reader(lines, delimiter="\t"), start=1))
        header = rows[0][1] if rows else []
        needed = ("rna_id", "protein_id", "label")
        missing = [c for c in needed if c not in header]
        if missing:
            what = "no label column" if missing == ["label"] else f"no {', '.join(missing)} column"
            raise InputError(f"{path}: {what}: the header must name {', '.join(needed)}, got {header}")
        return rows[1:], _Columns(header.index("rna_id"), header.index("protein_id"), header.index("label"),
                                  len(header))
    if fmt in ("rpiter", "ipminer"):
        return [(n, line.split("\t")) for n, line in enumerate(lines, start=1)], _Columns(1, 0, 2, 3)
    if fmt == "ipminer-split":
        rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if n > 1 or "ID" not in line]
        return rows, _Columns(1, 0, None, 2)
    if fmt == "rna-protein-label":
        rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
        if rows and _is_header(rows[0][1]):
            rows = rows[1:]
        return rows, _Columns(0, 1, 2, 3)
    raise InputError(f"{path}: format {fmt!r} is not an id list (see --help for formats)")


def _is_header(cells: list[str]) -> bool:
    words = " ".join(cells).lower()
    return _label(cells[-1]) is None and any(w in words for w in ("rna", "protein", "label", "id"))


def read_pairs(path: Path, fmt: Format, report: Report, label: int | None = None) -> list[RawPair]:
    """Read an id list; malformed rows are counted in ``report`` (step ``parse``), not fatal."""
    rows, columns = _rows(read_text_lines(path), fmt, path)
    rows = [(n, cells) for n, cells in rows if any(cell.strip() for cell in cells)]
    if not rows:
        raise InputError(f"{path}: no pair rows (header only)")
    if columns.label is None and label is None:
        raise InputError(f"{path}: no label column, and the file name does not say positive or negative")
    _refuse_unlabelled(rows, columns, path)
    pairs: list[RawPair] = []
    for number, row in rows:
        where = f"{path.name}:{number}"
        if len(row) != columns.width:
            report.drop(STEP_PARSE, "wrong_field_count", example=where)
            continue
        rna, protein = row[columns.rna].strip(), row[columns.protein].strip()
        if not rna or not protein:
            report.drop(STEP_PARSE, "empty_id", example=where)
            continue
        value = label if columns.label is None else _label(row[columns.label])
        if value is None:
            report.drop(STEP_PARSE, "bad_label", example=where)
            continue
        pairs.append(RawPair(rna, protein, value, number))
    return pairs


def _refuse_unlabelled(rows: list[tuple[int, list[str]]], columns: _Columns, path: Path) -> None:
    """Every row one column short of a labelled list: the label column is missing, say so (not 'bad rows')."""
    if columns.label is not None and all(len(cells) == columns.width - 1 for _, cells in rows):
        raise InputError(f"{path}: no label column (every row has {columns.width - 1} columns, the format "
                         f"expects {columns.width}: ids then a 0/1 label)")


# --------------------------------------------------------------------------------------------- pair ids


def split_pair_id(pair_id: str, rna_ids: Container[str], protein_ids: Container[str]) -> list[tuple[str, str]]:
    """Every (protein, rna) reading of ``PROTEIN_RNA`` whose parts are both known ids (exact, case-sensitive)."""
    return [
        (pair_id[:i], pair_id[i + 1:])
        for i, char in enumerate(pair_id)
        if char == "_" and pair_id[:i] in protein_ids and pair_id[i + 1:] in rna_ids
    ]


def read_pair_ids(path: Path, report: Report, rna: dict[str, str], protein: dict[str, str]) -> list[RawPair]:
    """RPI-MD style: ``PROTEIN_RNA`` per line, a label in a second column or in the file name."""
    rows = [(n, line.split()) for n, line in enumerate(read_text_lines(path), start=1) if line.strip()]
    name_label = label_from_name(path)
    if all(len(cells) == 1 for _, cells in rows) and name_label is None:
        raise InputError(f"{path}: no label column, and the file name does not say positive or negative")
    pairs: list[RawPair] = []
    for number, cells in rows:
        where = f"{path.name}:{number}"
        value, reason = _pair_id_label(cells, name_label)
        if value is None:
            report.drop(STEP_PARSE, reason, example=where)
            continue
        readings = split_pair_id(cells[0], rna, protein)
        if len(readings) != 1:
            reason = "pair_id_ambiguous" if readings else "pair_id_unresolved"
            report.drop(STEP_PARSE, reason, example=f"{where} {cells[0]}")
            continue
        prot_id, rna_id = readings[0]
        pairs.append(RawPair(rna_id, prot_id, value, number))
    return pairs


def _pair_id_label(cells: list[str], name_label: int | None) -> tuple[int | None, str]:
    """The label of a pair-id row and, when there is none, the drop reason."""
    if len(cells) == 1:
        return name_label, "no_label"
    if len(cells) == 2:
        return _label(cells[1]), "bad_label"
    return None, "wrong_field_count"


# --------------------------------------------------------------------------------------------- sequence CSV


def _canonical_header(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def sequence_columns(header: list[str]) -> dict[str, int]:
    """Map the roles (rna_seq, protein_seq, label, rna_id, protein_id) to header positions, where present."""
    names = [_canonical_header(h) for h in header]
    found: dict[str, int] = {}
    for role, aliases in _SEQUENCE_COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[role] = names.index(alias)
                break
    return found


def is_sequence_header(first_line: str) -> bool:
    """A header naming RNA and protein sequence columns and a label; bare 'RNA' / 'protein' names are id
    columns of a headed id list, so they need ``--format sequence-csv``."""
    cells = next(csv.reader([first_line], delimiter="\t" if "\t" in first_line else ","), [])
    roles = sequence_columns(cells)
    if not {"rna_seq", "protein_seq", "label"} <= set(roles):
        return False
    names = (_canonical_header(cells[roles["rna_seq"]]), _canonical_header(cells[roles["protein_seq"]]))
    return names != ("rna", "protein")


def _source_id(value: str | None, sequence: str, molecule: str) -> str:
    """The id a CSV row gives, or one derived from the sequence so equal sequences share it."""
    if value and value.strip():
        return value.strip()
    digest = hashlib.sha256(sequence.encode("utf-8")).hexdigest()[:16]
    return f"{molecule}-seq-{digest}"


def read_sequence_csv(path: Path, report: Report) -> tuple[list[RawPair], dict[str, str], dict[str, str]]:
    """XRPI / rpi-predict style: one row per pair with both sequences and the label; no FASTA files."""
    lines = read_text_lines(path, "sequence CSV")
    rows = list(enumerate(csv.reader(lines, delimiter="\t" if "\t" in lines[0] else ","), start=1))
    header = rows[0][1]
    roles = sequence_columns(header)
    missing = [r for r in ("rna_seq", "protein_seq", "label") if r not in roles]
    if missing:
        what = "no label column" if missing == ["label"] else f"no {' / '.join(missing)} column"
        raise InputError(f"{path}: {what} in the header {header} (see --help, format sequence-csv)")
    data = [(n, cells) for n, cells in rows[1:] if any(c.strip() for c in cells)]
    if not data:
        raise InputError(f"{path}: no pair rows (header only)")
    pairs: list[RawPair] = []
    sequences: dict[str, dict[str, str]] = {"rna": {}, "protein": {}}
    for number, cells in data:
        where = f"{path.name}:{number}"
        reason = _csv_row_problem(cells, header, roles)
        if reason:
            report.drop(STEP_PARSE, reason, example=where)
            continue
        ids = {}
        for molecule in ("rna", "protein"):
            seq = re.sub(r"\s+", "", cells[roles[f"{molecule}_seq"]])
            id_col = roles.get(f"{molecule}_id")
            ids[molecule] = _source_id(cells[id_col] if id_col is not None else None, seq, molecule)
            known = sequences[molecule].setdefault(ids[molecule], seq)
            if known != seq:
                raise InputError(f"{where}: {molecule} {ids[molecule]!r} appears with two different sequences")
        label = _label(cells[roles["label"]])
        assert label is not None  # checked by _csv_row_problem
        pairs.append(RawPair(ids["rna"], ids["protein"], label, number))
    return pairs, sequences["rna"], sequences["protein"]


def _csv_row_problem(cells: list[str], header: list[str], roles: dict[str, int]) -> str | None:
    if len(cells) != len(header):
        return "wrong_field_count"
    if not cells[roles["rna_seq"]].strip() or not cells[roles["protein_seq"]].strip():
        return "empty_sequence"
    if _label(cells[roles["label"]]) is None:
        return "bad_label"
    return None


# --------------------------------------------------------------------------------------------- RPI488


def read_ipminer_488(path: Path, report: Report) -> tuple[list[RawPair], dict[str, str], dict[str, str]]:
    """IPMiner's RPI488 file: the record header names the pair, the next two lines hold the sequences."""
    lines = [ln.strip() for ln in read_text_lines(path, "IPMiner RPI488 file")]
    pairs: list[RawPair] = []
    rna: dict[str, str] = {}
    protein: dict[str, str] = {}
    header = re.compile(r"^>(?P<pdb>[^_]+)_(?P<prot>[^_|]+)_(?P<rna>[^_|]+)\|(?P<label>interactive|non-interactive|non)$")
    number = 0
    while number < len(lines):
        line = lines[number]
        if not line:
            number += 1
            continue
        match = header.match(line)
        if not match or number + 2 >= len(lines):
            report.drop(STEP_PARSE, "malformed_record", example=f"{path.name}:{number + 1}")
            number += 1
            continue
        prot_id = f"{match['pdb']}_{match['prot']}"
        rna_id = f"{match['pdb']}_{match['rna']}"
        prot_seq, rna_seq = lines[number + 1], lines[number + 2]
        for store, key, seq, what in ((protein, prot_id, prot_seq, "protein"), (rna, rna_id, rna_seq, "rna")):
            if key in store and store[key] != seq:
                raise InputError(f"{path}:{number + 1}: {what} {key!r} appears with two different sequences")
            store[key] = seq
        pairs.append(RawPair(rna_id, prot_id, 1 if match["label"] == "interactive" else 0, number + 1))
        number += 3
    return pairs, rna, protein
