"""What a build directory offers to publish: split configs, external sets and the sequences they use."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.pairs_folder import INTERACTIONS_FILE, SEQUENCE_FILES
from rnainteract_builder.contract.report import Report
from rnainteract_builder.publish.config import (
    DEFAULT_CONFIG,
    EXTERNAL_DIR,
    SPLIT_DIR,
    SPLITS,
    ConfigTables,
    PublishConfig,
)


def config_name_for_split_kind(kind: str) -> str:
    return DEFAULT_CONFIG if kind in ("family", DEFAULT_CONFIG) else f"interactions_{kind}"


def config_name_for_external(name: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    return "rpi2825" if slug == "rpi2825" else f"benchmarks_{slug}"


def _checked_interactions(table: pa.Table, where: str) -> pa.Table:
    table = schema.conform(table, schema.INTERACTIONS)
    labels = table.column("label")
    bad = pc.sum(pc.invert(pc.is_in(labels, pa.array([0, 1], labels.type)))).as_py() or 0
    if bad:
        raise InputError(f"{where}: {bad} rows have a label other than 0 or 1")
    counts = pc.value_counts(table.column("pair_id"))
    duplicated = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(duplicated):
        raise InputError(f"{where}: pair_id {duplicated[0]['values'].as_py()} occurs more than once")
    return table.sort_by("pair_id")


def discover_configs(config: PublishConfig) -> tuple[list[ConfigTables], list[Path], list[Path]]:
    """Interaction configs, the sequence tables they use, and the input files read (for checksums)."""
    build = Path(config.build_dir)
    split_root = build / SPLIT_DIR
    configs: list[ConfigTables] = []
    sequence_dirs: list[Path] = []
    inputs: list[Path] = []
    kinds = sorted(p for p in split_root.iterdir() if p.is_dir()) if split_root.is_dir() else []
    for folder in kinds:
        present = [s for s in SPLITS if (folder / f"{s}.parquet").exists()]
        if not present:
            continue
        splits = {}
        for split in present:
            path = folder / f"{split}.parquet"
            splits[split] = _checked_interactions(read_parquet(path), str(path))
            inputs.append(path)
        configs.append(
            ConfigTables(config_name_for_split_kind(folder.name), splits, "interactions", str(folder))
        )
        sequence_dirs.append(folder)
    externals = {}
    if (build / EXTERNAL_DIR).is_dir():
        externals = {p.name: p for p in sorted((build / EXTERNAL_DIR).iterdir()) if p.is_dir()}
    externals.update(config.external)
    for name, folder in sorted(externals.items()):
        path = Path(folder) / INTERACTIONS_FILE
        configs.append(
            ConfigTables(
                config_name_for_external(name),
                {"test": _checked_interactions(read_parquet(path), str(path))},
                "external",
                str(folder),
            )
        )
        inputs.append(path)
        sequence_dirs.append(Path(folder))
    if not any(c.name == DEFAULT_CONFIG for c in configs):
        raise InputError(
            f"{split_root / 'family'}: no family split (train/validation/test.parquet) to publish as the "
            f"default config {DEFAULT_CONFIG!r}"
        )
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise InputError(f"two inputs map to the same config name: {sorted(names)}")
    return configs, sequence_dirs, inputs


def merge_sequences(folders: Iterable[Path], molecule: str, inputs: list[Path]) -> pa.Table:
    """One row per id over all folders (sorted by id); the same id must carry the same sequence."""
    tables = []
    for folder in folders:
        path = Path(folder) / SEQUENCE_FILES[molecule]
        table = schema.conform(read_parquet(path), schema.SEQUENCES).select(schema.SEQUENCES.names)
        tables.append(table)
        inputs.append(path)
    merged = pa.concat_tables(tables).sort_by("id")
    ids = merged.column("id").to_pylist()
    seqs = merged.column("sequence").to_pylist()
    keep = []
    for i, seq_id in enumerate(ids):
        if i and ids[i - 1] == seq_id:
            if seqs[i - 1] != seqs[i]:
                raise InputError(f"{molecule} id {seq_id} stands for two different sequences in the build")
            continue
        keep.append(i)
    return merged.take(pa.array(keep, pa.int64()))


def _used_ids(configs: list[ConfigTables], column: str) -> pa.Array:
    arrays = [t.column(column) for c in configs for t in c.splits.values()]
    return pc.unique(pa.chunked_array(arrays).combine_chunks())




def published_sequences(
    build: Path, configs: list[ConfigTables], sequence_dirs: list[Path], inputs: list[Path], report: Report
) -> dict[str, pa.Table]:
    """Per molecule, one row per sequence some published pair uses (every used id must have one)."""
    sequences = {m: merge_sequences(sequence_dirs, m, inputs) for m in ("rna", "protein")}
    for molecule, column in (("rna", "rna_id"), ("protein", "protein_id")):
        used = _used_ids(configs, column)
        table = sequences[molecule]
        missing = pc.filter(used, pc.invert(pc.is_in(used, table.column("id"))))
        if len(missing):
            raise InputError(
                f"{build}: {column} {missing[0].as_py()} has no row in any {molecule}_sequences.parquet"
            )
        kept = table.filter(pc.is_in(table.column("id"), used))
        report.drop(
            "publish sequences", f"{molecule} sequence used by no published pair", table.num_rows - kept.num_rows
        )
        sequences[molecule] = kept
        report.step(f"{molecule}_sequences rows", kept.num_rows)
    return sequences
