"""Annotation split into independent jobs (the Snakemake workflow's annotate shards).

The labels from a precomputed table, Rfam (``cmscan``) and Pfam (pyhmmer) each depend on one sequence
only, so they are computed per shard: shard ``i`` of ``n`` holds every RNA and protein whose content-hash
id falls in bucket ``i`` (:func:`shard_of`), a choice that depends on nothing but the id. The cluster
pseudo-labels compare sequences with each other, so the merge computes them over all sequences still
unlabelled, exactly as one ``annotate`` run does; the merged folder is byte-identical to that run's.

A shard file records which shard it is and a digest of the ids it covered, so the merge refuses a shard
made from other positives or with another number of shards instead of mixing them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rnainteract_builder.annotate.annotate import (
    LABEL_SCHEMA,
    AnnotateConfig,
    Label,
    known_protein_labels,
    known_rna_labels,
    label_table,
)
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.pairs_folder import PairsFolder

METADATA_KEY = b"rnainteract.annotate_shard"
MOLECULES = ("rna", "protein")
SHARD_SCHEMA = pa.schema([pa.field("molecule", pa.string(), nullable=False), *LABEL_SCHEMA])

Labels = tuple[dict[str, Label], dict[str, Label]]


def shard_of(seq_id: str, parts: int) -> int:
    """The shard (0 .. parts-1) of a sequence id: a hash bucket, so shards are balanced and stable."""
    return int.from_bytes(hashlib.sha256(seq_id.encode()).digest()[:8], "big") % parts


def _check(part: int, parts: int) -> None:
    if parts < 1 or not 0 <= part < parts:
        raise InputError(f"annotate shard {part} of {parts}: need parts >= 1 and 0 <= part < parts")


def shard_sequences(table: pa.Table, part: int, parts: int) -> pa.Table:
    """The rows of a sequence table whose id falls in shard ``part`` of ``parts``."""
    mask = pa.array([shard_of(i, parts) == part for i in table.column("id").to_pylist()], pa.bool_())
    return table.filter(mask)


def _digest(folder: PairsFolder, part: int, parts: int) -> str:
    ids = [
        f"{molecule}\t{seq_id}"
        for molecule, table in zip(MOLECULES, (folder.rna_sequences, folder.protein_sequences), strict=True)
        for seq_id in sorted(shard_sequences(table, part, parts).column("id").to_pylist())
    ]
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def annotate_shard(in_dir: str | Path, out_path: str | Path, config: AnnotateConfig, part: int, parts: int) -> Path:
    """Table / Rfam / Pfam labels of the sequences of one shard of a pairs folder, as one Parquet file."""
    _check(part, parts)
    folder = PairsFolder.read(in_dir)
    rna = known_rna_labels(shard_sequences(folder.rna_sequences, part, parts), config)
    protein = known_protein_labels(shard_sequences(folder.protein_sequences, part, parts), config)
    tables = []
    for molecule, labels in zip(MOLECULES, (rna, protein), strict=True):
        table = label_table(labels)
        tables.append(table.add_column(0, "molecule", pa.array([molecule] * table.num_rows, pa.string())))
    stamp = {"part": part, "parts": parts, "sequences": _digest(folder, part, parts)}
    out = pa.concat_tables(tables).cast(SHARD_SCHEMA)
    out = out.replace_schema_metadata({METADATA_KEY: json.dumps(stamp, sort_keys=True).encode()})
    return write_parquet_atomic(out, out_path)


def _labels(table: pa.Table, molecule: str) -> dict[str, Label]:
    rows = table.filter(pc.equal(table.column("molecule"), molecule)).to_pylist()
    return {
        row["id"]: Label(row["label"], row["name"], row["source"], row["detail"], row["evalue"], row["score"])
        for row in rows
    }


def read_shards(in_dir: str | Path, paths: Sequence[str | Path]) -> Labels:
    """The (RNA, protein) labels of all shards of ``in_dir``; ``paths[i]`` must be shard ``i`` of
    ``len(paths)`` and cover exactly that shard's sequences of the pairs folder as it is now."""
    folder = PairsFolder.read(in_dir)
    parts = len(paths)
    rna: dict[str, Label] = {}
    protein: dict[str, Label] = {}
    for part, path in enumerate(paths):
        try:
            stamp = json.loads((pq.read_schema(path).metadata or {}).get(METADATA_KEY, b"{}"))
        except (OSError, pa.ArrowException, ValueError) as err:
            raise InputError(f"{path}: missing or unreadable annotate shard ({err}); rerun it") from err
        expected = {"part": part, "parts": parts, "sequences": _digest(folder, part, parts)}
        if stamp != expected:
            raise InputError(
                f"{path}: annotate shard made for other sequences or another shard count "
                f"(has {stamp}, expected {expected}); rerun it"
            )
        table = pq.read_table(path)
        rna.update(_labels(table, "rna"))
        protein.update(_labels(table, "protein"))
    return rna, protein

