"""Find the files of a benchmark set, tell their format, and load them into a :class:`RawSet`.

The format comes from ``--format`` when given, else from the file name, the header, and finally the content
compared with the FASTA ids (see :mod:`.benchmark_formats`). A file whose format cannot be told is an error
naming it, never an import of zero pairs.
"""

from __future__ import annotations

from pathlib import Path

from rnainteract_builder.contract.benchmark_formats import (
    FORMATS,
    Format,
    RawPair,
    RawSet,
    is_sequence_header,
    label_from_name,
    read_ipminer_488,
    read_pair_ids,
    read_pairs,
    read_sequence_csv,
    read_text_lines,
)
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.fasta import iter_fasta
from rnainteract_builder.contract.report import Report

#: Formats that carry their sequences (no --rna / --protein FASTA files).
SELF_CONTAINED = ("ipminer-488", "sequence-csv")
_SNIFF_ROWS = 200
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".faa", ".fas")
_NOT_PAIRS = (".md", ".pdf", ".html", ".png", ".json", ".parquet", ".py", ".sh", ".zip", ".gz")


def detect_by_name(path: Path) -> Format | None:
    """The published file names (RPITER, IPMiner)."""
    name = path.name
    if name.endswith("_PositivePairs.csv") or name.endswith("_NegativePairs.csv"):
        return "ipminer-split"
    if name.startswith("lncRNA-protein-488"):
        return "ipminer-488"
    if name.endswith("_all.txt"):
        return "ipminer"
    if name.endswith("_pairs.txt") or name.endswith("_pos_pairs.txt"):
        return "rpiter"
    return None


def detect_by_header(path: Path) -> Format | None:
    """A header naming sequence columns (sequence-csv) or rna_id / protein_id (table)."""
    first = read_text_lines(path)[0]
    if is_sequence_header(first):
        return "sequence-csv"
    if "rna_id" in first and "protein_id" in first:
        return "table"
    return None


def detect_by_content(path: Path, rna: dict[str, str], protein: dict[str, str]) -> Format:
    """Tell an id list's format from its rows and the FASTA ids (which column holds RNA ids)."""
    lines = [line for line in read_text_lines(path) if line.strip()][:_SNIFF_ROWS]
    rows = [line.split() for line in lines]
    widths = {len(cells) for cells in rows[1:] or rows}
    labelled_or_bare = all(len(c) == 1 or c[1] in ("0", "1") for c in rows[1:] or rows)
    if widths <= {1, 2} and labelled_or_bare and any("_" in cells[0] for cells in rows):
        return "pair-ids"
    if widths == {3}:
        first = [cells[0] for cells in rows]
        as_rna, as_protein = sum(i in rna for i in first), sum(i in protein for i in first)
        if as_rna and as_rna >= as_protein:
            return "rna-protein-label"
        if as_protein and all("\t" in line for line in lines):
            return "rpiter"
        if as_protein:
            raise InputError(f"{path}: rows read as 'protein RNA label' separated by spaces; no format has that "
                             "order: put the RNA column first (--format rna-protein-label)")
    if widths == {2}:
        raise InputError(f"{path}: no label column (two ids per row); give a 0/1 label column, or use "
                         "IPMiner-style *_PositivePairs / *_NegativePairs files")
    raise InputError(f"{path}: cannot tell the format from the file (rows of {sorted(widths)} columns whose ids "
                     f"do not match the FASTA files); pass --format ({', '.join(FORMATS)})")


def read_set_fasta(path: Path, report: Report, titles: set[str] | None = None) -> dict[str, str]:
    """Published FASTA files repeat some records (IPMiner's RPI2241 lists ``2ZKR-X`` twice): a repeat with
    the same sequence is counted and ignored; the same id with two different sequences is an error.
    ``titles`` collects the full headers, to explain ids that hold a space."""
    records: dict[str, str] = {}
    for record in iter_fasta(path):
        if titles is not None:
            titles.add(f"{record.id} {record.description}".strip())
        if record.id in records:
            if records[record.id] != record.sequence:
                raise InputError(f"{path}: id {record.id!r} appears twice with different sequences")
            report.drop("FASTA", "repeated_record_same_sequence", example=f"{path.name}:{record.id}")
            continue
        records[record.id] = record.sequence
    if not records:
        raise InputError(f"{path}: no FASTA records")
    return records


def space_hints(pairs: list[RawPair], rna: dict[str, str], protein: dict[str, str], titles: set[str]) -> list[str]:
    """Ids with a space that FASTA parsing cut at the space: say why they are 'missing'."""
    hints: list[str] = []
    for molecule, ids, known in (("rna", {p.rna for p in pairs}, rna), ("protein", {p.protein for p in pairs},
                                                                         protein)):
        for source_id in sorted(i for i in ids if i not in known and len(i.split()) > 1):
            first = source_id.split()[0]
            if " ".join(source_id.split()) in titles or first in known:
                hints.append(f"{molecule} id {source_id!r} holds a space: a FASTA id is the header's first word, "
                             f"so '>{source_id}' is read as id {first!r}; remove the space in both files")
    return hints


def find_set_files(directory: Path) -> tuple[list[Path], Path | None, Path | None, Format | None]:
    """Locate the files of a set in a folder: the normalised copy, RPITER's or IPMiner's layout, else one
    pair list (or a positive / negative pair) beside an RNA and a protein FASTA, or one sequence CSV."""
    if (directory / "pairs.tsv").exists():
        return [directory / "pairs.tsv"], directory / "rna.fasta", directory / "protein.fasta", "table"
    for pattern in ("*_pairs.txt", "sequence/*_pairs.txt"):
        found = sorted(p for p in directory.glob(pattern) if not p.name.endswith("_pos_pairs.txt"))
        if found:
            seq_dir = directory / "sequence" if (directory / "sequence").is_dir() else directory
            rna = sorted(seq_dir.glob("*_rna_seq.fa"))
            prot = sorted(seq_dir.glob("*_protein_seq.fa"))
            return found[:1], rna[0] if rna else None, prot[0] if prot else None, "rpiter"
    split = sorted(directory.glob("*_PositivePairs.csv")) + sorted(directory.glob("*_NegativePairs.csv"))
    if split:
        rna = sorted(directory.glob("*_RNA_seq.fa")) or sorted(directory.glob("*_rna_seq.fa"))
        prot = sorted(directory.glob("*_protein_seq.fa"))
        return split, rna[0] if rna else None, prot[0] if prot else None, "ipminer-split"
    if list(directory.glob("lncRNA-protein-488*.txt")):
        return sorted(directory.glob("lncRNA-protein-488*.txt"))[:1], None, None, "ipminer-488"
    found = sorted(directory.glob("*_all.txt"))
    if found:
        rna = sorted(directory.glob("*_rna.fa"))
        prot = sorted(directory.glob("*_protein.fa"))
        return found[:1], rna[0] if rna else None, prot[0] if prot else None, "ipminer"
    return _find_generic(directory)


def _find_generic(directory: Path) -> tuple[list[Path], Path | None, Path | None, Format | None]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))
    fasta = [p for p in files if p.name.lower().endswith(_FASTA_SUFFIXES)]
    rna = [p for p in fasta if "rna" in p.name.lower()]
    protein = [p for p in fasta if "prot" in p.name.lower() and p not in rna]
    others = [p for p in files if p not in fasta and not p.name.lower().endswith(_NOT_PAIRS)
              and not p.name.lower().startswith(("readme", "license"))]
    if len(others) == 2 and {label_from_name(p) for p in others} == {0, 1}:
        return others, rna[0] if len(rna) == 1 else None, protein[0] if len(protein) == 1 else None, None
    if len(others) == 1 and len(rna) <= 1 and len(protein) <= 1:
        return others, rna[0] if rna else None, protein[0] if protein else None, None
    raise InputError(f"{directory}: no benchmark set found (expected pairs.tsv + rna.fasta + protein.fasta, "
                     "RPITER / IPMiner files, or one pair list beside an RNA and a protein FASTA, or one "
                     f"sequence CSV; found {len(others)} candidate pair files)")


def load_raw_set(
    name: str,
    pairs: list[Path],
    rna_fasta: Path | None,
    protein_fasta: Path | None,
    fmt: Format | None,
    report: Report,
) -> RawSet:
    """Read pair files (+ FASTA files) of one set; labels come from the files (or their names, for split lists)."""
    if not pairs:
        raise InputError("no pair file given")
    told_by = "option or folder layout" if fmt else "file name"
    fmt = fmt or detect_by_name(pairs[0])
    if fmt is None:
        told_by, fmt = "header", detect_by_header(pairs[0])
    if fmt is not None:
        report.facts["format"] = f"{fmt} (told by the {told_by})"
    if fmt in SELF_CONTAINED:
        return _load_self_contained(name, pairs, rna_fasta, protein_fasta, fmt, report)
    if rna_fasta is None or protein_fasta is None:
        what = f"format {fmt}" if fmt else "an id list"
        raise InputError(f"{pairs[0]}: {what} needs --rna and --protein FASTA files (only ipminer-488 and "
                         "sequence-csv carry their sequences)")
    titles: set[str] = set()
    if fmt is None or fmt == "pair-ids":  # the format, or the reading of the ids, depends on the FASTA ids
        rna = read_set_fasta(rna_fasta, report, titles)
        protein = read_set_fasta(protein_fasta, report, titles)
        if fmt is None:
            fmt = detect_by_content(pairs[0], rna, protein)
            report.facts["format"] = f"{fmt} (told by the content and the FASTA ids)"
        rows = _read_lists(pairs, fmt, report, rna, protein)
    else:  # the published order: pair lists first, then the FASTA files
        rows = _read_lists(pairs, fmt, report, {}, {})
        rna = read_set_fasta(rna_fasta, report, titles)
        protein = read_set_fasta(protein_fasta, report, titles)
    hints = space_hints(rows, rna, protein, titles)
    if hints:
        report.facts["hints"] = hints
    return RawSet(name, rows, rna, protein, [*pairs, rna_fasta, protein_fasta])


def _load_self_contained(name: str, pairs: list[Path], rna_fasta: Path | None, protein_fasta: Path | None,
                         fmt: Format, report: Report) -> RawSet:
    if len(pairs) != 1:
        raise InputError(f"format {fmt} takes exactly one file")
    if rna_fasta is not None or protein_fasta is not None:
        raise InputError(f"{pairs[0]}: format {fmt} carries its sequences: drop --rna / --protein")
    reader = read_ipminer_488 if fmt == "ipminer-488" else read_sequence_csv
    rows, rna, protein = reader(pairs[0], report)
    return RawSet(name, rows, rna, protein, [pairs[0]])


def _read_lists(pairs: list[Path], fmt: Format, report: Report, rna: dict[str, str],
                protein: dict[str, str]) -> list[RawPair]:
    rows: list[RawPair] = []
    for path in pairs:
        if fmt == "pair-ids":
            rows += read_pair_ids(path, report, rna, protein)
            continue
        label = None
        if fmt == "ipminer-split":
            if "Positive" in path.name:
                label = 1
            elif "Negative" in path.name:
                label = 0
            else:
                raise InputError(f"{path}: format ipminer-split needs 'Positive' or 'Negative' in the file name")
        rows += read_pairs(path, fmt, report, label=label)
    return rows
