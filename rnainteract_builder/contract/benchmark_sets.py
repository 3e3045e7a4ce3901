"""Import the classic RPI benchmark sets (RPI369, RPI488, RPI1807, RPI2241, ...) into the interactions schema.

A benchmark set is a pair list plus an RNA FASTA and a protein FASTA. The published copies differ in layout
(see ``LAYOUTS``) and carry quirks that must be handled on purpose, never silently:

* ids are **case-sensitive** (PDB chains ``3cw1-V`` and ``3cw1-v`` are different molecules) and are never
  upper-cased;
* the same pair can be listed several times (RPI488 lists ``1J5A_K``-``1J5A_A`` three times): exact
  duplicates are collapsed and counted;
* the same pair can carry both labels (19 pairs in RPI1807): such pairs are excluded by default and listed,
  or resolved with ``conflicts="keep-positive" | "keep-negative"``;
* sequences contain letters outside ACGU / the 20 amino acids: the letter policy (``replace`` by default
  here, so published counts are kept) is applied and what it changed is counted;
* optional length cut-off (1024 for RNA-FM / ESM-2) on both partners.

Different ids with identical sequences (RPI369's 332 RNA ids are 228 sequences) stay separate pairs by
default, so the set keeps its published size; ``dedupe="sequences"`` collapses them onto content-hash ids,
which is what an honest evaluation of a sequence-based model wants.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import pyarrow as pa
import typer

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.fasta import iter_fasta
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import (
    LetterPolicy,
    Molecule,
    SequenceError,
    normalise,
    sequence_id,
)

log = logging.getLogger(__name__)

Layout = Literal["table", "rpiter", "ipminer", "ipminer-split", "ipminer-488"]
ConflictPolicy = Literal["drop", "keep-positive", "keep-negative"]
DedupePolicy = Literal["source-ids", "sequences"]

#: Published pair-list layouts. Column order matters: RPITER and IPMiner put the protein first.
LAYOUTS: dict[str, str] = {
    "table": "TSV with a header naming rna_id, protein_id, label (any order; the normalised copies)",
    "rpiter": "RPITER *_pairs.txt: protein<TAB>rna<TAB>label, no header",
    "ipminer": "IPMiner *_all.txt: protein<TAB>rna<TAB>label, no header (ids upper-cased by IPMiner)",
    "ipminer-split": "IPMiner RPI1807 *_PositivePairs.csv / *_NegativePairs.csv: whitespace separated, "
    "header 'Protein ID  RNA ID'",
    "ipminer-488": "IPMiner lncRNA-protein-488.txt: '>PDB_protChain_rnaChain|interactive' (or "
    "|non), then the protein sequence, then the RNA sequence; no FASTA files",
}

STEP_PARSE = "parse"
STEP_DUPLICATES = "duplicates"
STEP_CONFLICTS = "conflicting labels"
STEP_SEQUENCES = "sequences"
STEP_LENGTH = "length cut-off"
STEP_SEQUENCE_DEDUPE = "sequence-level duplicates"


@dataclass(frozen=True)
class ImportConfig:
    """How quirks are handled; the defaults keep the published counts and drop only what is unusable."""

    letter_policy: LetterPolicy = "replace"
    max_length: int | None = None
    conflicts: ConflictPolicy = "drop"
    dedupe: DedupePolicy = "source-ids"


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


@dataclass
class ImportedSet:
    name: str
    interactions: pa.Table
    rna_sequences: pa.Table
    protein_sequences: pa.Table
    report: Report

    def write(self, out_dir: str | Path) -> Path:
        """Write a pairs folder: interactions / rna_sequences / protein_sequences Parquet + import report."""
        out = Path(out_dir)
        write_parquet_atomic(self.interactions, out / "interactions.parquet")
        write_parquet_atomic(self.rna_sequences, out / "rna_sequences.parquet")
        write_parquet_atomic(self.protein_sequences, out / "protein_sequences.parquet")
        self.report.write(out / "import_report")
        return out


# --------------------------------------------------------------------------------------------- reading


def _label(value: str, path: Path, line: int) -> int:
    value = value.strip()
    if value in ("0", "1"):
        return int(value)
    raise InputError(f"{path}:{line}: label must be 0 or 1, not {value!r}")


def read_pairs(path: Path, layout: Layout, report: Report, label: int | None = None) -> list[RawPair]:
    """Read a pair list; malformed rows are counted in ``report`` (step ``parse``), not fatal."""
    pairs: list[RawPair] = []
    with open(path, encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines()
    if layout == "table":
        reader = csv.reader(lines, delimiter="\t")
        header = next(reader, None)
        needed = ("rna_id", "protein_id", "label")
        if header is None or not set(needed) <= set(header):
            raise InputError(f"{path}: expected a header with columns {', '.join(needed)}, got {header}")
        idx = [header.index(c) for c in needed]
        rows = ((n, row) for n, row in enumerate(reader, start=2))
        columns = (idx[0], idx[1], idx[2])
    elif layout in ("rpiter", "ipminer"):
        rows = ((n, line.split("\t")) for n, line in enumerate(lines, start=1))
        columns = (1, 0, 2)
    elif layout == "ipminer-split":
        rows = ((n, line.split()) for n, line in enumerate(lines, start=1) if n > 1 or "ID" not in line)
        columns = (1, 0, -1)
    else:
        raise InputError(f"{path}: layout {layout!r} is not a pair list (see --help for layouts)")
    for number, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        expected = 2 if columns[2] == -1 else max(columns) + 1
        if len(row) != expected:
            report.drop(STEP_PARSE, "wrong_field_count", example=f"{path.name}:{number}")
            continue
        rna, protein = row[columns[0]].strip(), row[columns[1]].strip()
        if not rna or not protein:
            report.drop(STEP_PARSE, "empty_id", example=f"{path.name}:{number}")
            continue
        try:
            value = label if columns[2] == -1 else _label(row[columns[2]], path, number)
        except InputError:
            report.drop(STEP_PARSE, "bad_label", example=f"{path.name}:{number}")
            continue
        assert value is not None
        pairs.append(RawPair(rna, protein, value, number))
    return pairs


def read_ipminer_488(path: Path, report: Report) -> tuple[list[RawPair], dict[str, str], dict[str, str]]:
    """IPMiner's RPI488 file: the record header names the pair, the next two lines hold the sequences."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
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


def detect_layout(pairs_path: Path) -> Layout:
    name = pairs_path.name
    if name.endswith("_PositivePairs.csv") or name.endswith("_NegativePairs.csv"):
        return "ipminer-split"
    if name.startswith("lncRNA-protein-488"):
        return "ipminer-488"
    if name.endswith("_all.txt"):
        return "ipminer"
    if name.endswith("_pairs.txt") or name.endswith("_pos_pairs.txt"):
        return "rpiter"
    first = pairs_path.read_text(encoding="utf-8").split("\n", 1)[0]
    if "rna_id" in first and "protein_id" in first:
        return "table"
    raise InputError(f"{pairs_path}: cannot tell the layout from the file; pass --layout ({', '.join(LAYOUTS)})")


def load_raw_set(
    name: str,
    pairs: list[Path],
    rna_fasta: Path | None,
    protein_fasta: Path | None,
    layout: Layout | None,
    report: Report,
) -> RawSet:
    """Read pair files (+ FASTA files) of one set; labels come from the files (or their names, for split lists)."""
    if not pairs:
        raise InputError("no pair file given")
    layout = layout or detect_layout(pairs[0])
    if layout == "ipminer-488":
        if len(pairs) != 1:
            raise InputError("layout ipminer-488 takes exactly one file")
        rows, rna, protein = read_ipminer_488(pairs[0], report)
        return RawSet(name, rows, rna, protein, [pairs[0]])
    if rna_fasta is None or protein_fasta is None:
        raise InputError(f"layout {layout} needs --rna and --protein FASTA files")
    rows = []
    for path in pairs:
        label = None
        if layout == "ipminer-split":
            if "Positive" in path.name:
                label = 1
            elif "Negative" in path.name:
                label = 0
            else:
                raise InputError(f"{path}: layout ipminer-split needs 'Positive' or 'Negative' in the file name")
        rows += read_pairs(path, layout, report, label=label)
    return RawSet(name, rows, _read_set_fasta(rna_fasta, report), _read_set_fasta(protein_fasta, report),
                  [*pairs, rna_fasta, protein_fasta])


def _read_set_fasta(path: Path, report: Report) -> dict[str, str]:
    """Published FASTA files repeat some records (IPMiner's RPI2241 lists ``2ZKR-X`` twice): a repeat with
    the same sequence is counted and ignored; the same id with two different sequences is an error."""
    records: dict[str, str] = {}
    for record in iter_fasta(path):
        if record.id in records:
            if records[record.id] != record.sequence:
                raise InputError(f"{path}: id {record.id!r} appears twice with different sequences")
            report.drop("FASTA", "repeated_record_same_sequence", example=f"{path.name}:{record.id}")
            continue
        records[record.id] = record.sequence
    if not records:
        raise InputError(f"{path}: no FASTA records")
    return records


def find_set_files(directory: Path) -> tuple[list[Path], Path | None, Path | None, Layout | None]:
    """Locate the files of a set in a folder: the normalised copy, RPITER's or IPMiner's layout."""
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
    raise InputError(f"{directory}: no benchmark set found (expected pairs.tsv + rna.fasta + protein.fasta, "
                     "or RPITER / IPMiner files)")


# --------------------------------------------------------------------------------------------- import


def _published_counts(raw: RawSet, cutoff: int) -> dict[str, int]:
    """Counts on the set exactly as published (PROVENANCE.md's numbers), before any cleaning."""
    rna_ids = {p.rna for p in raw.pairs}
    prot_ids = {p.protein for p in raw.pairs}
    short = [
        p for p in raw.pairs
        if p.rna in raw.rna and p.protein in raw.protein
        and len(raw.rna[p.rna]) <= cutoff and len(raw.protein[p.protein]) <= cutoff
    ]
    return {
        "rows": len(raw.pairs),
        "positives": sum(p.label for p in raw.pairs),
        "negatives": sum(1 - p.label for p in raw.pairs),
        "unique_rna_ids": len(rna_ids),
        "unique_protein_ids": len(prot_ids),
        "unique_rna_sequences": len({raw.rna[i] for i in rna_ids if i in raw.rna}),
        "unique_protein_sequences": len({raw.protein[i] for i in prot_ids if i in raw.protein}),
        f"rows_both_le_{cutoff}": len(short),
        f"positives_both_le_{cutoff}": sum(p.label for p in short),
        f"negatives_both_le_{cutoff}": sum(1 - p.label for p in short),
    }


def _collapse(pairs: list[RawPair], key, conflicts: ConflictPolicy, report: Report, step_dup: str,
              step_conflict: str) -> list[RawPair]:
    """Collapse rows with equal ``key``; rows of one key with both labels are resolved by ``conflicts``."""
    groups: dict[tuple, list[RawPair]] = defaultdict(list)
    for pair in pairs:
        groups[key(pair)].append(pair)
    kept: list[RawPair] = []
    conflicted: list[str] = []
    for k, rows in groups.items():
        labels = {r.label for r in rows}
        if len(labels) == 1:
            report.drop(step_dup, "duplicate_pair", len(rows) - 1, example=f"{k[0]}|{k[1]}" if len(rows) > 1 else None)
            kept.append(rows[0])
            continue
        conflicted.append(f"{k[0]}|{k[1]}")
        if conflicts == "drop":
            report.drop(step_conflict, "conflicting_labels", len(rows), example=f"{k[0]}|{k[1]}")
            continue
        wanted = 1 if conflicts == "keep-positive" else 0
        winner = next(r for r in rows if r.label == wanted)
        report.drop(step_conflict, f"conflicting_labels_resolved_{conflicts}", len(rows) - 1,
                    example=f"{k[0]}|{k[1]}")
        kept.append(winner)
    if conflicted:
        report.facts[f"{step_conflict}: pairs (rna|protein)"] = sorted(conflicted)
    kept.sort(key=lambda r: r.line)
    return kept


def _normalise_all(sequences: dict[str, str], used: set[str], molecule: Molecule, config: ImportConfig,
                   report: Report) -> tuple[dict[str, str], dict[str, str]]:
    """Normalise the referenced sequences; returns (source id -> normalised, source id -> failure reason)."""
    ok: dict[str, str] = {}
    failed: dict[str, str] = {}
    replaced: Counter[str] = Counter()
    changed = 0
    for source_id in sorted(used):
        if source_id not in sequences:
            failed[source_id] = f"{molecule}_sequence_missing"
            continue
        try:
            result = normalise(sequences[source_id], molecule, source_id, config.letter_policy, config.max_length)
        except SequenceError as err:
            failed[source_id] = f"{molecule}_{err.kind.value}"
            refused = report.examples.setdefault(f"{molecule} sequences refused", [])
            if len(refused) < 20:
                refused.append(str(err))
            continue
        if result.replaced:
            changed += 1
            replaced.update(result.replaced)
        ok[source_id] = result.sequence
    if changed:
        report.facts[f"{molecule} sequences with letters replaced"] = (
            f"{changed} ({', '.join(f'{k}: {v}' for k, v in sorted(replaced.items()))})"
        )
    return ok, failed


def import_raw_set(raw: RawSet, config: ImportConfig = ImportConfig(), report: Report | None = None) -> ImportedSet:
    """Turn a raw set into interactions + sequence tables, counting every row that is not kept."""
    report = report or Report(f"Import of {raw.name}")
    cutoff = config.max_length or 1024
    report.facts.update({"published counts": _published_counts(raw, cutoff), "config": config.__dict__})
    report.step("rows read", len(raw.pairs))

    pairs = _collapse(raw.pairs, lambda p: (p.rna, p.protein), config.conflicts, report, STEP_DUPLICATES,
                      STEP_CONFLICTS)
    report.step("after duplicates and conflicting labels", len(pairs))

    rna_seqs, rna_failed = _normalise_all(raw.rna, {p.rna for p in pairs}, "rna", config, report)
    prot_seqs, prot_failed = _normalise_all(raw.protein, {p.protein for p in pairs}, "protein", config, report)
    kept: list[RawPair] = []
    for pair in pairs:
        reason = rna_failed.get(pair.rna) or prot_failed.get(pair.protein)
        if reason is None:
            kept.append(pair)
        else:
            step = STEP_LENGTH if reason.endswith("too_long") else STEP_SEQUENCES
            report.drop(step, reason, example=f"{pair.rna}|{pair.protein}")
    pairs = kept
    report.step("after sequence checks", len(pairs))

    rna_hash = {sid: sequence_id(seq, "rna") for sid, seq in rna_seqs.items()}
    prot_hash = {sid: sequence_id(seq, "protein") for sid, seq in prot_seqs.items()}
    if config.dedupe == "sequences":
        pairs = _collapse(pairs, lambda p: (rna_hash[p.rna], prot_hash[p.protein]), config.conflicts, report,
                          STEP_SEQUENCE_DEDUPE, STEP_SEQUENCE_DEDUPE)
        report.step("after sequence-level duplicates", len(pairs))
    else:
        distinct = len({(rna_hash[p.rna], prot_hash[p.protein]) for p in pairs})
        report.facts["pairs kept that repeat another pair's sequences (kept; dedupe='sequences' collapses)"] = (
            len(pairs) - distinct
        )

    interactions = pa.table(
        {
            "pair_id": [f"{raw.name}:{p.rna}|{p.protein}" for p in pairs],
            "rna_id": [rna_hash[p.rna] for p in pairs],
            "protein_id": [prot_hash[p.protein] for p in pairs],
            "label": pa.array([p.label for p in pairs], pa.int8()),
            "negative_strategy": [None if p.label else "published" for p in pairs],
            "source": [raw.name] * len(pairs),
            "rna_source_id": [p.rna for p in pairs],
            "protein_source_id": [p.protein for p in pairs],
        }
    )
    interactions = schema.conform(interactions, schema.INTERACTIONS)
    report.facts["kept"] = {
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(1 - p.label for p in pairs),
        "unique_rna_sequences": len({rna_hash[p.rna] for p in pairs}),
        "unique_protein_sequences": len({prot_hash[p.protein] for p in pairs}),
    }
    return ImportedSet(
        raw.name,
        interactions,
        sequence_table({p.rna for p in pairs}, rna_seqs, rna_hash),
        sequence_table({p.protein for p in pairs}, prot_seqs, prot_hash),
        report,
    )


def sequence_table(source_ids: set[str], sequences: dict[str, str], hashes: dict[str, str]) -> pa.Table:
    """One row per unique normalised sequence, with every source id that maps to it (sorted by id)."""
    by_hash: dict[str, list[str]] = defaultdict(list)
    for sid in source_ids:
        by_hash[hashes[sid]].append(sid)
    ids = sorted(by_hash)
    seqs = [sequences[by_hash[h][0]] for h in ids]
    table = pa.table(
        {
            "id": ids,
            "sequence": seqs,
            "length": pa.array([len(s) for s in seqs], pa.int32()),
            "source_ids": [sorted(by_hash[h]) for h in ids],
        }
    )
    return schema.conform(table, schema.SEQUENCES)


def import_benchmark_dir(directory: str | Path, name: str | None = None,
                         config: ImportConfig = ImportConfig()) -> ImportedSet:
    """Import a set from a folder (the normalised copy, or RPITER's / IPMiner's published files)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: no such folder")
    name = name or directory.name
    report = Report(f"Import of {name}")
    pairs, rna, protein, layout = find_set_files(directory)
    raw = load_raw_set(name, pairs, rna, protein, layout, report)
    return import_raw_set(raw, config, report)


# --------------------------------------------------------------------------------------------- CLI


def import_benchmark_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (a pairs folder: interactions, "
                                      "rna_sequences, protein_sequences Parquet + import_report.json/.md).")],
    directory: Annotated[Path | None, typer.Option("--dir", help="A folder holding one set: pairs.tsv + rna.fasta "
                                                   "+ protein.fasta, or RPITER's / IPMiner's files.")] = None,
    pairs: Annotated[list[Path] | None, typer.Option("--pairs", help="Pair list(s), instead of --dir; give "
                                                     "both IPMiner RPI1807 files by repeating --pairs.")] = None,
    rna: Annotated[Path | None, typer.Option("--rna", help="RNA FASTA (with --pairs).")] = None,
    protein: Annotated[Path | None, typer.Option("--protein", help="Protein FASTA (with --pairs).")] = None,
    layout: Annotated[str | None, typer.Option(help="Pair-list layout; detected from file names when omitted: "
                                               + "; ".join(f"{k} = {v}" for k, v in LAYOUTS.items()))] = None,
    name: Annotated[str | None, typer.Option(help="Set name used in pair ids (default: folder or file stem).")] = None,
    letters: Annotated[str, typer.Option(help="Non-standard letters: 'replace' (N for RNA, X for protein) or "
                                         "'reject' (drop the pairs that use such a sequence).")] = "replace",
    max_length: Annotated[int | None, typer.Option(help="Drop pairs whose RNA or protein is longer "
                                                   "(1024 for RNA-FM / ESM-2).")] = None,
    conflicts: Annotated[str, typer.Option(help="Pairs listed with both labels: 'drop' (default), "
                                           "'keep-positive' or 'keep-negative'.")] = "drop",
    dedupe: Annotated[str, typer.Option(help="'source-ids' keeps pairs of different ids with equal sequences "
                                        "(published size); 'sequences' collapses them.")] = "source-ids",
) -> None:
    """Import a classic RPI benchmark set (RPI369, RPI488, RPI1807, RPI2241, ...) into the interactions schema.

    Every quirk is handled on purpose and counted in the import report: duplicate rows collapsed,
    conflicting labels excluded (and listed), the letter policy applied, the optional length cut-off.
    Prints the Markdown report on stdout.
    """
    for value, allowed, option in ((letters, ("reject", "replace"), "--letters"),
                                   (conflicts, ("drop", "keep-positive", "keep-negative"), "--conflicts"),
                                   (dedupe, ("source-ids", "sequences"), "--dedupe")):
        if value not in allowed:
            raise InputError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")
    if layout is not None and layout not in LAYOUTS:
        raise InputError(f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    config = ImportConfig(letters, max_length, conflicts, dedupe)  # type: ignore[arg-type]
    if directory is not None:
        if pairs:
            raise InputError("give either --dir or --pairs, not both")
        imported = import_benchmark_dir(directory, name, config)
    else:
        if not pairs:
            raise InputError("give --dir, or --pairs with --rna and --protein")
        set_name = name or pairs[0].stem.split("_")[0]
        report = Report(f"Import of {set_name}")
        raw = load_raw_set(set_name, pairs, rna, protein, layout, report)  # type: ignore[arg-type]
        imported = import_raw_set(raw, config, report)
    imported.write(out)
    log.info("wrote %d pairs to %s", imported.interactions.num_rows, out)
    print(imported.report.to_markdown(), end="")
