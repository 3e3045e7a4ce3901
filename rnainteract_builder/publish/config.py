"""The publish stage's options, result and the ``datasets`` features of every published table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.report import Report

#: The build-directory layout publish reads and writes.
SPLIT_DIR = "split"
EXTERNAL_DIR = "external"
EMBEDDINGS_DIR = "embeddings"
DATASET_DIR = "dataset"
SPLITS = ("train", "validation", "test")
DEFAULT_CONFIG = "interactions"
DEFAULT_SHARD_BYTES = 500 * 1000 * 1000
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


@dataclass
class PublishConfig:
    """Options of the publish stage (``rnainteract stage publish``)."""

    build_dir: Path
    output: Path | None = None  # default <build>/dataset
    version: str = "0.1.0"
    shard_bytes: int = DEFAULT_SHARD_BYTES
    external: dict[str, Path] = field(default_factory=dict)  # extra external sets: name -> pairs folder
    embeddings: bool = True
    figures: bool = True
    repo_id: str = "rnainteract/rnainteract"  # named in the card's usage examples
    provenance: str = "rnainter"  # "synthetic" for generated data: the card then says so everywhere
    progress: bool = True

    @property
    def out_dir(self) -> Path:
        return self.output if self.output is not None else Path(self.build_dir) / DATASET_DIR


@dataclass
class ConfigTables:
    """One published config: its name, split -> table (or a streaming source), and the features."""

    name: str
    splits: dict[str, pa.Table]
    kind: str  # interactions | external | sequences
    source: str


@dataclass
class PublishResult:
    output: Path
    manifest: dict[str, Any]
    report: Report


def interactions_features() -> Any:
    from datasets import ClassLabel, Features

    features = Features.from_arrow_schema(schema.INTERACTIONS)
    features["label"] = ClassLabel(names=list(schema.LABEL_NAMES))
    return features


def sequences_features() -> Any:
    from datasets import Features

    return Features.from_arrow_schema(schema.SEQUENCES)


def embeddings_features(dim: int) -> Any:
    """``embedding`` as ``List(List(float16, length=dim))``: the Arrow type itself, so any Parquet reader
    sees ``length x dim`` rows and ``datasets`` formatters return ``(length, dim)`` arrays."""
    from datasets import Features

    return Features.from_arrow_schema(schema.embeddings_schema(dim))


def with_features(table: pa.Table, features: Any) -> pa.Table:
    """Cast to the features' Arrow schema and record the features in the schema metadata (as datasets does)."""
    target = features.arrow_schema
    table = table.select(target.names).cast(pa.schema([f.with_nullable(True) for f in target]))
    return table.replace_schema_metadata(target.metadata)


