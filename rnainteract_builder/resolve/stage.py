"""The ``resolve`` build stage: unique raw ids of the ingested table -> sequence tables per molecule.

Writes ``rna_resolved.parquet`` and ``protein_resolved.parquet`` (:data:`RESOLVED_SCHEMA`: one row per
unique raw id, ``sequence`` null and ``status`` naming the reason when unresolved) and records, per
source database, how many ids were resolved (the extraction rate of the paper's Table 4).

A resolved sequence longer than ``max_length`` (normalised, canonical letters only: the positives stage
drops it as ``too_long`` under any letter policy) is written with its ``length`` and a null ``sequence``:
at paper scale most of them are such transcripts, and holding them cost gigabytes in both stages.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import Molecule
from rnainteract_builder.ingest import source_database
from rnainteract_builder.resolve.base import Resolved, Resolver, resolve_all

RESOLVED_SCHEMA = pa.schema(
    [
        pa.field("raw_id", pa.string(), nullable=False),
        pa.field("sequence", pa.string()),
        pa.field("accession", pa.string()),
        pa.field("resolver", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        #: normalised length; with status "resolved" and a null sequence: left out as longer than max_length
        pa.field("length", pa.int32()),
    ]
)
RESOLVED = "resolved"
RESOLVED_FILES: dict[Molecule, str] = {"rna": "rna_resolved.parquet", "protein": "protein_resolved.parquet"}
_ID_COLUMN: dict[Molecule, str] = {"rna": "rna_source_id", "protein": "protein_source_id"}


def unique_raw_ids(ingested: Path, molecule: Molecule) -> list[str]:
    column = _ID_COLUMN[molecule]
    with duckdb.connect() as con:
        rows = con.sql(
            f"SELECT DISTINCT {column} FROM read_parquet('{str(ingested).replace(chr(39), chr(39) * 2)}') "
            f"ORDER BY {column}"
        ).fetchall()
    return [row[0] for row in rows]


def _length(hit: Resolved) -> int:
    return hit.length if hit.sequence is None else len(hit.sequence)


def resolve_molecule(
    raw_ids: Sequence[str], resolvers: Sequence[Resolver], molecule: Molecule, max_length: int | None = None
) -> pa.Table:
    found, missing = resolve_all(resolvers, raw_ids, molecule, max_length)
    rows = []
    for raw_id in sorted(set(raw_ids)):
        if raw_id in found:
            hit = found[raw_id]
            rows.append((raw_id, hit.sequence, hit.accession, hit.resolver, RESOLVED, _length(hit)))
        else:
            rows.append((raw_id, None, None, None, missing[raw_id].reason, None))
    del found
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in RESOLVED_SCHEMA]
    del rows
    return pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(columns, RESOLVED_SCHEMA, strict=True)],
                                schema=RESOLVED_SCHEMA)


def extraction_rates(table: pa.Table) -> dict[str, dict[str, float | int]]:
    """Per source database: unique ids, resolved ids and their ratio (paper Table 4)."""
    total: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    for raw_id, status in zip(table.column("raw_id").to_pylist(), table.column("status").to_pylist(), strict=True):
        database = source_database(raw_id)
        total[database] += 1
        resolved[database] += status == RESOLVED
    return {
        db: {"ids": total[db], "resolved": resolved[db], "rate": round(resolved[db] / total[db], 4)}
        for db in sorted(total)
    }


def resolve_stage(
    ingested: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    resolvers: Sequence[Resolver],
    report: Report,
    max_length: int | None = None,
) -> dict[Molecule, Path]:
    """Resolve every unique RNA and protein raw id of ``ingested``; returns the written files. Sequences
    longer than ``max_length`` are written as their length only (see the module docstring)."""
    ingested, out_dir = Path(ingested), Path(out_dir)
    written: dict[Molecule, Path] = {}
    for molecule in ("rna", "protein"):
        raw_ids = unique_raw_ids(ingested, molecule)
        table = resolve_molecule(raw_ids, resolvers, molecule, max_length)
        written[molecule] = write_parquet_atomic(table, out_dir / RESOLVED_FILES[molecule])
        statuses = Counter(table.column("status").to_pylist())
        report.step(f"unique {molecule} raw ids", len(raw_ids))
        for reason, count in sorted(statuses.items()):
            if reason != RESOLVED:
                examples = [r for r, s in zip(raw_ids, table.column("status").to_pylist(), strict=True) if s == reason]
                report.drop(f"resolve {molecule} (unique ids)", reason, count, ", ".join(examples[:3]))
        report.step(f"{molecule} raw ids resolved", statuses[RESOLVED])
        left_out = table.filter(pc.and_(pc.equal(table.column("status"), RESOLVED),
                                        pc.is_null(table.column("sequence")))).num_rows
        if left_out:
            report.facts[f"{molecule} sequences longer than {max_length} (length kept, letters left out)"] = left_out
        report.facts[f"{molecule} extraction rate by source database"] = extraction_rates(table)
    return written
