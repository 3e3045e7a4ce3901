"""The publish stage (``rnainteract stage publish``): the Hugging Face dataset folder of DESIGN §4 from a build directory.

Reads (layout of the build directory):

* ``split/<kind>/{train,validation,test}.parquet`` + ``rna_sequences.parquet`` / ``protein_sequences.parquet``
  - kind ``family`` becomes the default config ``interactions``, any other kind ``interactions_<kind>``;
* ``external/<name>/`` pairs folders (optional) - published as ``rpi2825`` or ``benchmarks_<name>``
  with one ``test`` split;
* ``embeddings/<model>/`` embed-stage folders (optional) - ``<molecule>_embeddings_<model>``: when every
  sequence they hold is published, the embed stage's shards themselves, hard-linked (copied where the file
  system has no hard links) instead of a second copy of tens of GB; else rewritten without the others.

Writes one folder: per config ``<config>/<split>-0000k-of-0000n.parquet`` shards of about
``shard_bytes``, ``rna_sequences`` / ``protein_sequences`` (one row per unique sequence used anywhere),
``manifest.json`` (version, checksums of every input and output file, versions, parameters, seeds,
counts) and ``README.md`` rendered by :mod:`dataset_card`. Every Parquet file also carries its
``datasets`` features in its schema metadata, so ``label`` is a ClassLabel for any reader (hard-linked
embedding shards excepted: their features are their Arrow types, and the card lists them too).

Nothing depends on the clock or on file order on disk, so the same build gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.publish.card import write_card
from rnainteract_builder.publish.config import (
    DEFAULT_CONFIG,
    EMBEDDINGS_DIR,
    SEMVER,
    ConfigTables,
    PublishConfig,
    PublishResult,
    embeddings_features,
    interactions_features,
    sequences_features,
    with_features,
)
from rnainteract_builder.publish.inputs import discover_configs, published_sequences
from rnainteract_builder.publish.manifest import _read_json, manifest_dict, write_manifest
from rnainteract_builder.publish.shards import (
    _table_batches,
    embedding_batches,
    link_shards,
    whole_shards,
    write_split_shards,
)

__all__ = ["DEFAULT_CONFIG", "PublishConfig", "PublishResult", "run_publish"]

#: Fields of an embed manifest carried into the published manifest.
MODEL_FIELDS = ("model", "model_revision", "molecule", "dim", "dtype", "max_length")


@dataclass
class Published:
    """What has been written so far, per published config (in the order the card lists them)."""

    files: dict[str, list[Path]] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, features: Any, split: str, paths: list[Path], size: int, rows: int) -> None:
        self.features[name] = features
        self.files.setdefault(name, []).extend(paths)
        self.sizes.setdefault(name, {})[split] = size
        self.rows.setdefault(name, {})[split] = rows


def _label_counts(table: pa.Table) -> dict[str, int]:
    counts = sorted(pc.value_counts(table.column("label")).to_pylist(), key=lambda c: c["values"])
    return {schema.LABEL_NAMES[c["values"]]: c["counts"] for c in counts}


def _write_table(config: PublishConfig, published: Published, name: str, split: str, table: pa.Table,
                 features: Any) -> None:  # fmt: skip
    table = with_features(table, features)
    paths, size = write_split_shards(
        _table_batches(table, config.shard_bytes), table.schema, config.out_dir / name, split, config.shard_bytes
    )
    published.add(name, features, split, paths, size, table.num_rows)


def write_interactions(config: PublishConfig, configs: list[ConfigTables], published: Published,
                       report: Report) -> None:  # fmt: skip
    features = interactions_features()
    for item in configs:
        published.rows.setdefault(item.name, {})
        published.labels[item.name] = {}
        for split, table in item.splits.items():
            _write_table(config, published, item.name, split, table, features)
            published.labels[item.name][split] = _label_counts(table)
            report.step(f"{item.name}/{split} rows", table.num_rows)


def write_sequences(config: PublishConfig, sequences: dict[str, pa.Table], published: Published) -> None:
    for molecule, table in sequences.items():
        _write_table(config, published, f"{molecule}_sequences", "train", table, sequences_features())


def write_embeddings(config: PublishConfig, folder: Path, sequences: dict[str, pa.Table], published: Published,
                     inputs: list[Path], report: Report) -> None:  # fmt: skip
    """One embed-stage folder as ``<molecule>_embeddings_<model>``, cut to the published sequences."""
    manifest = _read_json(folder / "embed_manifest.json")
    if manifest is None:
        raise InputError(f"{folder}: no embed_manifest.json (the embed stage did not finish); rerun it")
    inputs.append(folder / "embed_manifest.json")
    molecule, dim = manifest["molecule"], int(manifest["dim"])
    name = f"{molecule}_embeddings_{manifest['model']}"
    target = embeddings_features(dim).arrow_schema
    target = pa.schema([f.with_nullable(True) for f in target], metadata=target.metadata)
    keep_ids = sequences[molecule].column("id").combine_chunks()
    shards = sorted(folder.glob("shard-*.parquet"))
    if whole_shards(shards, keep_ids, target):
        inputs.extend(shards)
        paths, size, copied = link_shards(shards, config.out_dir / name, "train")
        report.step(f"{name} rows", sum(pq.ParquetFile(p).metadata.num_rows for p in paths))
        report.facts[f"{name} files"] = (
            f"the embed stage's {len(paths)} shard(s) as they are: "
            + (f"{copied} copied (no hard links on this file system)" if copied else "hard-linked, not copied")
        )
    else:
        batches = embedding_batches(folder, keep_ids, dim, inputs, report, name)
        if config.progress:
            batches = tqdm(batches, desc=f"publish {name}", unit="batch")
        paths, size = write_split_shards(batches, target, config.out_dir / name, "train", config.shard_bytes)
        report.facts[f"{name} files"] = "rewritten: the embed stage's shards hold sequences that are not published"
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    published.add(name, embeddings_features(dim), "train", paths, size, rows)
    not_embedded = sequences[molecule].num_rows - rows
    report.drop(f"publish {name}", "sequence without an embedding (see the embed report)", not_embedded)
    published.models[name] = {k: manifest.get(k) for k in MODEL_FIELDS} | {
        "versions": manifest.get("versions", {}), "sequences": rows, "missing": not_embedded,
    }  # fmt: skip


def embedding_folders(config: PublishConfig) -> list[Path]:
    root = Path(config.build_dir) / EMBEDDINGS_DIR
    if not config.embeddings or not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir())


def run_publish(config: PublishConfig) -> PublishResult:
    """Write the published dataset folder; returns its manifest."""
    if not SEMVER.match(config.version):
        raise InputError(f"version {config.version!r} is not semantic (MAJOR.MINOR.PATCH)")
    report = Report(f"Publish RNAInterAct {config.version}")
    configs, sequence_dirs, inputs = discover_configs(config)
    sequences = published_sequences(Path(config.build_dir), configs, sequence_dirs, inputs, report)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    published = Published()
    write_interactions(config, configs, published, report)
    write_sequences(config, sequences, published)
    for folder in embedding_folders(config):
        write_embeddings(config, folder, sequences, published, inputs, report)
    manifest = manifest_dict(config, published, inputs, report.to_dict()["drops"])
    write_manifest(config.out_dir, manifest)
    write_card(config.out_dir, manifest, published.features, configs, config.repo_id, config.figures)
    report.facts["version"] = config.version
    return PublishResult(config.out_dir, manifest, report)
