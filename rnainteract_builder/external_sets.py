"""External test sets in the interactions schema (DESIGN §3 step 7).

* RPI2825 (the published CSV: columns ``type`` (ribo / nonribo), ``protein_seq``, ``rna_seq``; every row
  is an interacting pair) -> a pairs folder of positives; pairs with a partner longer than ``max_length``
  (1024 by default, as in the paper: 871 pairs kept) are dropped and counted, like every other drop.
* The classic benchmarks come through :mod:`rnainteract_builder.contract.benchmark_sets`.
* :func:`exclude_train_overlap` removes the pairs of an external set whose RNA or protein (by content-hash
  id, i.e. identical sequence) also occurs in a train split, so "held-out" means held out.
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import typer

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.benchmark_sets import ImportedSet, sequence_table
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import LetterPolicy, SequenceError, normalise, sequence_id
from rnainteract_builder.negatives import used_sequences

log = logging.getLogger(__name__)

RPI2825_COLUMNS = ("type", "protein_seq", "rna_seq")
OVERLAP_MODES = ("either", "rna", "protein", "pair")


def import_rpi2825(
    csv_path: str | Path,
    max_length: int | None = 1024,
    letter_policy: LetterPolicy = "replace",
    name: str = "RPI2825",
) -> ImportedSet:
    """Read the RPI2825 CSV into positives; every row not kept is counted by reason in the report."""
    path = Path(csv_path)
    if not path.exists():
        raise InputError(f"{path}: no such RPI2825 CSV")
    report = Report(f"Import of {name}")
    rows: list[tuple[str, str, str, str]] = []  # (rna_id, protein_id, type, row label)
    rna_seqs: dict[str, str] = {}
    prot_seqs: dict[str, str] = {}
    types: Counter[str] = Counter()
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in RPI2825_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(RPI2825_COLUMNS)})"
            )
        n_read = 0
        for number, record in enumerate(reader, start=2):
            n_read += 1
            label = f"row{number}"
            try:
                rna = normalise(
                    record["rna_seq"] or "", "rna", f"{label} rna", letter_policy, max_length
                ).sequence
                prot = normalise(
                    record["protein_seq"] or "", "protein", f"{label} protein", letter_policy, max_length
                ).sequence
            except SequenceError as err:
                step = "length cut-off" if err.kind.value == "too_long" else "sequences"
                report.drop(step, err.kind.value, example=label)
                continue
            rna_id, prot_id = sequence_id(rna, "rna"), sequence_id(prot, "protein")
            rna_seqs[label], prot_seqs[label] = rna, prot
            kind = (record["type"] or "").strip()
            types[kind] += 1
            rows.append((rna_id, prot_id, kind, label))
    report.step("rows read", n_read)
    seen: dict[tuple[str, str], str] = {}
    kept = []
    for rna_id, prot_id, kind, label in rows:
        if (rna_id, prot_id) in seen:
            report.drop(
                "duplicates",
                "same RNA and protein sequence as an earlier row",
                example=f"{label}={seen[(rna_id, prot_id)]}",
            )
            continue
        seen[(rna_id, prot_id)] = label
        kept.append((rna_id, prot_id, kind, label))
    report.step("pairs kept", len(kept))
    report.facts["type counts of kept rows"] = dict(sorted(Counter(k for _, _, k, _ in kept).items()))
    interactions = pa.table(
        {
            "pair_id": [f"{name}:{r}|{p}" for r, p, _, _ in kept],
            "rna_id": [r for r, _, _, _ in kept],
            "protein_id": [p for _, p, _, _ in kept],
            "label": pa.array([1] * len(kept), pa.int8()),
            "source": [name] * len(kept),
            "rna_source_id": [f"{name}:{lab}" for _, _, _, lab in kept],
            "protein_source_id": [f"{name}:{lab}" for _, _, _, lab in kept],
            "rpi2825_type": [k for _, _, k, _ in kept],
        }
    )
    labels = {lab for _, _, _, lab in kept}
    return ImportedSet(
        name,
        schema.conform(interactions, schema.INTERACTIONS),
        sequence_table(labels, rna_seqs, {lab: sequence_id(s, "rna") for lab, s in rna_seqs.items()}),
        sequence_table(labels, prot_seqs, {lab: sequence_id(s, "protein") for lab, s in prot_seqs.items()}),
        report,
    )


def exclude_train_overlap(
    interactions: pa.Table, train: pa.Table, mode: str = "either", report: Report | None = None
) -> pa.Table:
    """Drop external pairs whose RNA / protein / pair (``mode``) also occurs in ``train`` (counted)."""
    if mode not in OVERLAP_MODES:
        raise InputError(f"unknown overlap mode {mode!r}; choose one of {', '.join(OVERLAP_MODES)}")
    rna_in = pc.is_in(interactions.column("rna_id"), train.column("rna_id").combine_chunks().unique())
    prot_in = pc.is_in(
        interactions.column("protein_id"), train.column("protein_id").combine_chunks().unique()
    )
    if mode == "pair":
        keys = pc.binary_join_element_wise(train.column("rna_id"), train.column("protein_id"), "|")
        mine = pc.binary_join_element_wise(
            interactions.column("rna_id"), interactions.column("protein_id"), "|"
        )
        overlap = pc.is_in(mine, keys.combine_chunks().unique())
    else:
        overlap = {"either": pc.or_(rna_in, prot_in), "rna": rna_in, "protein": prot_in}[mode]
    if report is not None:
        report.drop("train overlap", f"RNA in train ({mode})", pc.sum(pc.and_(overlap, rna_in)).as_py() or 0)
        report.drop(
            "train overlap",
            f"protein (not RNA) in train ({mode})",
            pc.sum(pc.and_(overlap, pc.invert(rna_in))).as_py() or 0,
        )
    kept = interactions.filter(pc.invert(overlap))
    if report is not None:
        report.step(f"after removing train overlap ({mode})", kept.num_rows)
    return kept


def _exclude(folder: PairsFolder, train_path: Path, mode: str, report: Report) -> PairsFolder:
    train = read_parquet(train_path / "train.parquet" if train_path.is_dir() else train_path)
    kept = exclude_train_overlap(folder.interactions, train, mode, report)
    return PairsFolder(kept, *used_sequences(kept, folder.rna_sequences, folder.protein_sequences))


def import_rpi2825_command(
    csv_file: Annotated[Path, typer.Argument(help="RPI2825 CSV with columns type, protein_seq, rna_seq.")],
    out: Annotated[Path, typer.Argument(help="Output pairs folder (positives only).")],
    max_length: Annotated[int, typer.Option(help="Drop pairs with a longer partner (0: no limit).")] = 1024,
    letter_policy: Annotated[
        str, typer.Option(help="'replace' or 'reject' non-standard letters.")
    ] = "replace",
    exclude_train: Annotated[
        Path | None,
        typer.Option(help="Split folder or train.parquet: drop pairs sharing a sequence with train."),
    ] = None,  # fmt: skip
    overlap: Annotated[
        str, typer.Option(help="What counts as overlap: either, rna, protein, pair.")
    ] = "either",
) -> None:
    """Import the RPI2825 external test set (positives, <= 1024 by default) into a pairs folder."""
    if letter_policy not in ("replace", "reject"):
        raise InputError(f"--letter-policy must be 'replace' or 'reject', not {letter_policy!r}")
    imported = import_rpi2825(csv_file, max_length or None, letter_policy)  # type: ignore[arg-type]
    folder = PairsFolder(imported.interactions, imported.rna_sequences, imported.protein_sequences)
    if exclude_train is not None:
        folder = _exclude(folder, exclude_train, overlap, imported.report)
    folder.write(out)
    imported.report.write(out / "import_report")
    log.info("%s pairs -> %s", folder.interactions.num_rows, out)


def exclude_train_command(
    pairs: Annotated[
        Path, typer.Argument(help="Pairs folder of an external set (e.g. an imported benchmark).")
    ],
    train: Annotated[Path, typer.Argument(help="Split folder or its train.parquet.")],
    out: Annotated[Path, typer.Argument(help="Output pairs folder without the overlapping pairs.")],
    overlap: Annotated[
        str, typer.Option(help="What counts as overlap: either, rna, protein, pair.")
    ] = "either",
) -> None:
    """Remove pairs of an external set whose RNA or protein also occurs in the train split."""
    report = Report(f"Train overlap removed from {pairs.name}")
    folder = PairsFolder.read(pairs)
    report.step("pairs in", folder.interactions.num_rows)
    _exclude(folder, train, overlap, report).write(out)
    report.write(out / "exclude_train_report")
