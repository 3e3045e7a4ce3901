"""Import the classic RPI benchmark sets (RPI369, RPI488, RPI1807, RPI2241, ...) into the interactions schema.

A benchmark set is a pair list plus an RNA FASTA and a protein FASTA (or one file holding both sequences). The
published copies differ in format (see ``FORMATS``; read by :mod:`.benchmark_formats`, found and told apart by
:mod:`.benchmark_files`) and carry quirks that must be handled on purpose, never silently:

* ids are **case-sensitive** (PDB chains ``3cw1-V`` and ``3cw1-v`` are different molecules) and are never
  upper-cased;
* the same pair can be listed several times (RPI488 lists ``1J5A_K``-``1J5A_A`` three times): exact
  duplicates are collapsed and counted;
* the same pair can carry both labels (19 pairs in RPI1807): such pairs are excluded by default and listed,
  or resolved with ``conflicts="keep-positive" | "keep-negative"``;
* sequences contain letters outside ACGU / the 20 amino acids: the letter policy (``replace`` by default
  here, so published counts are kept) is applied and what it changed is counted;
* silent normalisation (T read as U, lower case raised, sequences that become equal) is counted too;
* optional length cut-off (1024 for RNA-FM / ESM-2) on both partners.

An import that keeps no pair is an error that lists why rows were dropped, never an empty result.

Different ids with identical sequences (RPI369's 332 RNA ids are 228 sequences) stay separate pairs by
default, so the set keeps its published size; ``dedupe="sequences"`` collapses them onto content-hash ids,
which is what an honest evaluation of a sequence-based model wants.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pyarrow as pa
import typer

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.benchmark_files import find_set_files, load_raw_set
from rnainteract_builder.contract.benchmark_formats import FORMATS, LAYOUTS, Format, Layout, RawPair, RawSet
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import (
    UNKNOWN_SYMBOL,
    LetterPolicy,
    Molecule,
    NormalisedSequence,
    SequenceError,
    normalise,
    sequence_id,
)

__all__ = [
    "FORMATS", "LAYOUTS", "Format", "ImportConfig", "ImportedSet", "Layout", "RawPair", "RawSet",
    "import_benchmark_command", "import_benchmark_dir", "import_raw_set", "load_raw_set", "sequence_table",
]

log = logging.getLogger(__name__)

ConflictPolicy = Literal["drop", "keep-positive", "keep-negative"]
DedupePolicy = Literal["source-ids", "sequences"]

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
    results: dict[str, NormalisedSequence] = {}
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
        results[source_id] = result
        ok[source_id] = result.sequence
    _count_normalisation(results, sequences, molecule, report)
    return ok, failed


def _count_normalisation(results: dict[str, NormalisedSequence], raw: dict[str, str], molecule: Molecule,
                         report: Report) -> None:
    """Count what normalisation changed (per sequence record) and which spellings it made equal."""
    replaced: Counter[str] = Counter()
    for result in results.values():
        replaced.update(result.replaced)
    with_replaced = sum(1 for r in results.values() if r.replaced)
    if with_replaced:
        report.facts[f"{molecule} sequences with letters replaced"] = (
            f"{with_replaced} ({', '.join(f'{k}: {v}' for k, v in sorted(replaced.items()))})"
        )
    spellings: dict[str, set[str]] = defaultdict(set)
    for sid, result in results.items():
        spellings[result.sequence].add(re.sub(r"\s+", "", raw[sid]))
    merged = [group for group in spellings.values() if len(group) > 1]
    case_only = sum(len(g) - 1 for g in merged if len({s.upper() for s in g}) == 1)
    values = list(results.values())
    report.facts[f"{molecule} normalisation"] = {
        "records": len(values),
        "t_read_as_u": _records_and_letters(r.t_to_u for r in values),
        "lowercase_raised": _records_and_letters(r.lowercase for r in values),
        "letters_replaced": _records_and_letters(sum(r.replaced.values()) for r in values),
        "unknown_letters_kept": _records_and_letters(r.unknown_kept for r in values),
        "stop_codons_removed": sum(r.stop_removed for r in values),
        "spellings_merged_differing_only_in_case": case_only,
        "spellings_merged_otherwise": sum(len(g) - 1 for g in merged) - case_only,
    }


def _records_and_letters(counts: Iterable[int]) -> dict[str, int]:
    values = [c for c in counts if c]
    return {"records": len(values), "letters": sum(values)}


def import_raw_set(raw: RawSet, config: ImportConfig = ImportConfig(), report: Report | None = None) -> ImportedSet:
    """Turn a raw set into interactions + sequence tables, counting every row that is not kept."""
    report = report or Report(f"Import of {raw.name}")
    if not raw.pairs:
        raise InputError(no_pairs_message(raw, report))
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

    if not pairs:
        raise InputError(no_pairs_message(raw, report))

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
                         config: ImportConfig = ImportConfig(), fmt: Format | None = None) -> ImportedSet:
    """Import a set from a folder (the normalised copy, RPITER's / IPMiner's files, or any format of ``FORMATS``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError(f"{directory}: no such folder")
    name = name or directory.name
    report = Report(f"Import of {name}")
    pairs, rna, protein, found = find_set_files(directory)
    raw = load_raw_set(name, pairs, rna, protein, fmt or found, report)
    return import_raw_set(raw, config, report)


# --------------------------------------------------------------------------------------------- summaries


def drop_summary(report: Report) -> str:
    """``dropped N rows: step/reason n (e.g. file:line), ...`` on one line."""
    parts = []
    for step, counter in report.drops.items():
        for reason, n in sorted(counter.items()):
            examples = report.examples.get(f"{step}: {reason}")
            parts.append(f"{step}/{reason} {n:,}" + (f" (e.g. {examples[0]})" if examples else ""))
    return f"dropped {report.dropped():,} rows" + (": " + "; ".join(parts) if parts else "")


def no_pairs_message(raw: RawSet, report: Report) -> str:
    """The one error line of an import that keeps nothing: why rows went, the first refusal, any hint."""
    refused = [report.examples.get(f"{m} sequences refused", [])[:1] for m in ("rna", "protein")]
    details = [f"first refused: {msg}" for msgs in refused for msg in msgs]
    details += [f"hint: {h}" for h in (report.facts.get("hints") or [])[:3]]
    if set(report.drops) <= {"parse", "FASTA"} and "format" in report.facts:
        details.append(f"read as format {report.facts['format']}; pass --format if that is wrong")
    return f"{raw.name}: no pair kept ({len(raw.pairs):,} rows parsed); " + "; ".join([drop_summary(report),
                                                                                         *details])


def normalisation_summary(report: Report) -> list[str]:
    """One line per molecule naming what normalisation changed without dropping anything (empty if nothing)."""
    lines = []
    for molecule in ("rna", "protein"):
        facts = report.facts.get(f"{molecule} normalisation")
        if not facts:
            continue
        parts = [f"{label} in {facts[key]['records']:,} records ({facts[key]['letters']:,} letters)"
                 for key, label in (("t_read_as_u", "T read as U"), ("lowercase_raised", "lower case raised"),
                                    ("letters_replaced", f"letters replaced by {UNKNOWN_SYMBOL[molecule]}"),
                                    ("unknown_letters_kept", f"unknown {UNKNOWN_SYMBOL[molecule]} kept"))
                 if facts[key]["records"]]
        if facts["stop_codons_removed"]:
            parts.append(f"stop codon removed from {facts['stop_codons_removed']:,} records")
        if facts["spellings_merged_differing_only_in_case"]:
            parts.append(f"{facts['spellings_merged_differing_only_in_case']:,} spellings merged into an equal "
                         "sequence that differs only in case")
        if facts["spellings_merged_otherwise"]:
            parts.append(f"{facts['spellings_merged_otherwise']:,} spellings merged by T/U or replaced letters")
        if parts:
            lines.append(f"{molecule} normalisation: " + "; ".join(parts))
    return lines


# --------------------------------------------------------------------------------------------- output


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse, before any work, an ``--out`` that cannot hold a pairs folder or would overwrite one unasked."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                raise InputError(f"--out {out}: {folder} is a file, not a folder")
            break
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"--out {out} is not empty; pass --overwrite to replace the pairs folder in it")


def write_out(imported: ImportedSet, out: Path) -> Path:
    """Write into a hidden staging folder beside ``out``, then move the files in: a failed write leaves
    ``out`` as it was (files of an earlier import are replaced one by one, each by a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.partial-{os.getpid()}"
    try:
        imported.write(stage)
        if not out.exists():
            os.replace(stage, out)
        else:
            for path in sorted(stage.iterdir()):
                os.replace(path, out / path.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out


# --------------------------------------------------------------------------------------------- CLI


def _check_choices(letters: str, conflicts: str, dedupe: str, fmt: str | None) -> None:
    for value, allowed, option in ((letters, ("reject", "replace"), "--letters"),
                                   (conflicts, ("drop", "keep-positive", "keep-negative"), "--conflicts"),
                                   (dedupe, ("source-ids", "sequences"), "--dedupe"),
                                   (fmt, (None, *FORMATS), "--format")):
        if value not in allowed:
            raise InputError(f"{option} must be one of {', '.join(a for a in allowed if a)}, not {value!r}")


def import_benchmark_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (a pairs folder: interactions, "
                                      "rna_sequences, protein_sequences Parquet + import_report.json/.md).")],
    directory: Annotated[Path | None, typer.Option("--dir", help="A folder holding one set: pairs.tsv + rna.fasta "
                                                   "+ protein.fasta, RPITER's / IPMiner's files, or one pair list "
                                                   "beside an RNA and a protein FASTA.")] = None,
    pairs: Annotated[list[Path] | None, typer.Option("--pairs", help="Pair list(s), instead of --dir; give "
                                                     "both IPMiner RPI1807 files by repeating --pairs.")] = None,
    rna: Annotated[Path | None, typer.Option("--rna", help="RNA FASTA (with --pairs).")] = None,
    protein: Annotated[Path | None, typer.Option("--protein", help="Protein FASTA (with --pairs).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "--layout", help="File format; told from the file "
                                            "names, header and content when omitted (an unrecognised file is "
                                            "an error): " + "; ".join(f"{k} = {v}" for k, v in FORMATS.items())
                                            )] = None,
    name: Annotated[str | None, typer.Option(help="Set name used in pair ids (default: folder or file stem).")] = None,
    letters: Annotated[str, typer.Option(help="Non-standard letters: 'replace' (N for RNA, X for protein) or "
                                         "'reject' (drop the pairs that use such a sequence).")] = "replace",
    max_length: Annotated[int | None, typer.Option(help="Drop pairs whose RNA or protein is longer "
                                                   "(1024 for RNA-FM / ESM-2).")] = None,
    conflicts: Annotated[str, typer.Option(help="Pairs listed with both labels: 'drop' (default), "
                                           "'keep-positive' or 'keep-negative'.")] = "drop",
    dedupe: Annotated[str, typer.Option(help="'source-ids' keeps pairs of different ids with equal sequences "
                                        "(published size); 'sequences' collapses them.")] = "source-ids",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace the pairs folder files in a non-empty "
                                            "--out.")] = False,
) -> None:
    """Import a classic RPI benchmark set (RPI369, RPI488, RPI1807, RPI2241, ...) into the interactions schema.

    Every quirk is handled on purpose and counted in the import report: duplicate rows collapsed,
    conflicting labels excluded (and listed), the letter policy applied, silent normalisation counted, the
    optional length cut-off. Prints the Markdown report on stdout; stderr ends with the drops by reason.
    An import that keeps no pair fails (exit 2) and says why.
    """
    _check_choices(letters, conflicts, dedupe, fmt)
    if directory is not None and not directory.is_dir():
        raise InputError(f"{directory}: no such folder")
    check_out(out, overwrite)
    config = ImportConfig(letters, max_length, conflicts, dedupe)  # type: ignore[arg-type]
    if directory is not None:
        if pairs or rna or protein:
            raise InputError("give either --dir, or --pairs (with --rna and --protein), not both")
        imported = import_benchmark_dir(directory, name, config, fmt)  # type: ignore[arg-type]
    else:
        if not pairs:
            raise InputError("give --dir, or --pairs with --rna and --protein")
        set_name = name or pairs[0].stem.split("_")[0]
        report = Report(f"Import of {set_name}")
        raw = load_raw_set(set_name, pairs, rna, protein, fmt, report)  # type: ignore[arg-type]
        imported = import_raw_set(raw, config, report)
    write_out(imported, out)
    print(imported.report.to_markdown(), end="")
    for line in [*normalisation_summary(imported.report), *imported.report.facts.get("hints", [])]:
        log.info("%s", line)
    log.info("wrote %d pairs to %s", imported.interactions.num_rows, out)
    log.info("%s", drop_summary(imported.report))
