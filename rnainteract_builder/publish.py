"""``rnainteract publish``: the Hugging Face dataset folder of DESIGN §4 from a build directory.

Reads (layout of the build directory):

* ``split/<kind>/{train,validation,test}.parquet`` + ``rna_sequences.parquet`` / ``protein_sequences.parquet``
  - kind ``family`` becomes the default config ``interactions``, any other kind ``interactions_<kind>``;
* ``external/<name>/`` pairs folders (optional) - published as ``rpi2825`` or ``benchmarks_<name>``
  with one ``test`` split;
* ``embeddings/<model>/`` embed-stage folders (optional) - ``<molecule>_embeddings_<model>``.

Writes one folder: per config ``<config>/<split>-0000k-of-0000n.parquet`` shards of about
``shard_bytes``, ``rna_sequences`` / ``protein_sequences`` (one row per unique sequence used anywhere),
``manifest.json`` (version, checksums of every input and output file, versions, parameters, seeds,
counts) and ``README.md`` rendered by :mod:`dataset_card`. Every Parquet file also carries its
``datasets`` features in its schema metadata, so ``label`` is a ClassLabel for any reader.

Nothing depends on the clock or on file order on disk, so the same build gives the same bytes.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from tqdm import tqdm

from rnainteract_builder import __version__
from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import PARQUET_OPTIONS, read_parquet, sha256_file, write_text_atomic
from rnainteract_builder.contract.report import Report

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
DEFAULT_CONFIG = "interactions"
DEFAULT_SHARD_BYTES = 500 * 1000 * 1000
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


@dataclass
class PublishConfig:
    """Options of the publish stage (``rnainteract publish``)."""

    build_dir: Path
    output: Path | None = None  # default <build>/dataset
    version: str = "0.1.0"
    shard_bytes: int = DEFAULT_SHARD_BYTES
    external: dict[str, Path] = field(default_factory=dict)  # extra external sets: name -> pairs folder
    embeddings: bool = True
    figures: bool = True
    repo_id: str = "rnainteract/rnainteract"  # named in the card's usage examples
    progress: bool = True

    @property
    def out_dir(self) -> Path:
        return self.output if self.output is not None else Path(self.build_dir) / "dataset"


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


# --- features -------------------------------------------------------------------------------------


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


# --- inputs ---------------------------------------------------------------------------------------


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
    split_root = build / "split"
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
    if (build / "external").is_dir():
        externals = {p.name: p for p in sorted((build / "external").iterdir()) if p.is_dir()}
    externals.update(config.external)
    for name, folder in sorted(externals.items()):
        path = Path(folder) / "interactions.parquet"
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
        path = Path(folder) / f"{molecule}_sequences.parquet"
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


# --- writing --------------------------------------------------------------------------------------


def shard_batches(batches: Iterable[pa.RecordBatch], shard_bytes: int) -> Iterator[list[pa.RecordBatch]]:
    """Group record batches into shards of about ``shard_bytes`` (Arrow size, a stable proxy for file size)."""
    current: list[pa.RecordBatch] = []
    size = 0
    for batch in batches:
        if current and size + batch.nbytes > shard_bytes:
            yield current
            current, size = [], 0
        current.append(batch)
        size += batch.nbytes
    if current:
        yield current


def write_split_shards(
    batches: Iterable[pa.RecordBatch], target_schema: pa.Schema, directory: Path, split: str, shard_bytes: int
) -> tuple[list[Path], int]:
    """``<split>-0000k-of-0000n.parquet`` files (written under temporary names, renamed once ``n`` is known).

    Returns the files and the Arrow size of what was written (``num_bytes`` of the card's split info).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob(f"{split}-*.parquet"):
        old.unlink()
    temporary = []
    written = 0
    for index, group in enumerate(shard_batches(batches, shard_bytes)):
        tmp = directory / f".{split}-{index:05d}.parquet.tmp"
        with pq.ParquetWriter(tmp, target_schema, **PARQUET_OPTIONS) as writer:
            for batch in group:
                writer.write_batch(batch, row_group_size=max(1, batch.num_rows))
                written += batch.nbytes
        temporary.append(tmp)
    if not temporary:  # an empty split still gets one (empty) file so the config loads
        tmp = directory / f".{split}-00000.parquet.tmp"
        pq.write_table(target_schema.empty_table(), tmp, **PARQUET_OPTIONS)
        temporary.append(tmp)
    total = len(temporary)
    final = []
    for index, tmp in enumerate(temporary):
        path = directory / f"{split}-{index:05d}-of-{total:05d}.parquet"
        os.replace(tmp, path)
        final.append(path)
    return final, written


def _table_batches(table: pa.Table, shard_bytes: int) -> Iterator[pa.RecordBatch]:
    """Batches small enough (about 1/8 shard, at most 65,536 rows) for shards to come out near their size."""
    row_bytes = max(1.0, table.nbytes / max(1, table.num_rows))
    rows = int(min(65536, max(1, shard_bytes / row_bytes / 8)))
    yield from table.combine_chunks().to_batches(max_chunksize=rows)


def embedding_batches(
    folder: Path, keep_ids: pa.Array, dim: int, inputs: list[Path], report: Report, config_name: str
) -> Iterator[pa.RecordBatch]:
    """Stream an embed-stage folder's shards (in order), keeping rows whose id is published."""
    features = embeddings_features(dim)
    seen = 0
    for path in sorted(folder.glob("shard-*.parquet")):
        inputs.append(path)
        try:
            parquet = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as err:
            raise InputError(f"{path}: not a readable Parquet file ({err})") from err
        for batch in parquet.iter_batches(batch_size=256):
            table = pa.Table.from_batches([batch])
            mask = pc.is_in(table.column("id"), keep_ids)
            kept = table.filter(mask)
            report.drop(
                f"publish {config_name}",
                "embedding of a sequence not in the dataset",
                table.num_rows - kept.num_rows,
            )
            seen += kept.num_rows
            if kept.num_rows:
                yield from with_features(kept, features).to_batches()
    report.step(f"{config_name} rows", seen)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def build_provenance(build: Path) -> dict[str, Any]:
    """Parameters, seeds and tool versions recorded by earlier stages (stamps, stage reports, build config)."""
    provenance: dict[str, Any] = {"stages": {}, "seeds": {}}
    for stamp in sorted(build.glob("*/stage.json")):
        data = _read_json(stamp)
        if data is not None:
            provenance["stages"][stamp.parent.name] = data
    for path in sorted(build.glob("**/*_report.json")):
        data = _read_json(path)
        if data and data.get("facts"):
            provenance.setdefault("report_facts", {})[_relative(path, build)] = data["facts"]
    for candidate in ("build_config.json", "config.json"):
        data = _read_json(build / candidate)
        if data is not None:
            provenance["config"] = data
    seeds = provenance["seeds"]

    def collect(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                collect(f"{prefix}.{key}" if prefix else key, inner)
        elif prefix.split(".")[-1] == "seed" and isinstance(value, int):
            seeds[prefix] = value

    collect("", {"stages": provenance["stages"], "config": provenance.get("config", {})})
    return provenance


# --- the stage ------------------------------------------------------------------------------------


def run_publish(config: PublishConfig) -> PublishResult:
    """Write the published dataset folder; returns its manifest."""
    if not SEMVER.match(config.version):
        raise InputError(f"version {config.version!r} is not semantic (MAJOR.MINOR.PATCH)")
    build, out = Path(config.build_dir), config.out_dir
    report = Report(f"Publish RNAInterAct {config.version}")
    configs, sequence_dirs, inputs = discover_configs(config)
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
            "publish sequences",
            f"{molecule} sequence used by no published pair",
            table.num_rows - kept.num_rows,
        )
        sequences[molecule] = kept
        report.step(f"{molecule}_sequences rows", kept.num_rows)

    files: dict[str, list[Path]] = {}
    feature_sets: dict[str, Any] = {}
    split_rows: dict[str, dict[str, int]] = {}
    split_bytes: dict[str, dict[str, int]] = {}
    label_counts: dict[str, dict[str, dict[str, int]]] = {}
    out.mkdir(parents=True, exist_ok=True)
    features = interactions_features()
    for item in configs:
        feature_sets[item.name] = features
        split_rows[item.name] = {}
        label_counts[item.name] = {}
        for split, table in item.splits.items():
            published = with_features(table, features)
            paths, size = write_split_shards(
                _table_batches(published, config.shard_bytes),
                published.schema,
                out / item.name,
                split,
                config.shard_bytes,
            )
            files.setdefault(item.name, []).extend(paths)
            split_bytes.setdefault(item.name, {})[split] = size
            split_rows[item.name][split] = table.num_rows
            counts = pc.value_counts(table.column("label")).to_pylist()
            label_counts[item.name][split] = {
                schema.LABEL_NAMES[c["values"]]: c["counts"]
                for c in sorted(counts, key=lambda c: c["values"])
            }
            report.step(f"{item.name}/{split} rows", table.num_rows)
    for molecule, table in sequences.items():
        name = f"{molecule}_sequences"
        published = with_features(table, sequences_features())
        feature_sets[name] = sequences_features()
        files[name], size = write_split_shards(
            _table_batches(published, config.shard_bytes),
            published.schema,
            out / name,
            "train",
            config.shard_bytes,
        )
        split_bytes[name] = {"train": size}
        split_rows[name] = {"train": table.num_rows}

    models: dict[str, Any] = {}
    embed_root = build / "embeddings"
    if config.embeddings and embed_root.is_dir():
        for folder in sorted(p for p in embed_root.iterdir() if p.is_dir()):
            manifest = _read_json(folder / "embed_manifest.json")
            if manifest is None:
                raise InputError(
                    f"{folder}: no embed_manifest.json (the embed stage did not finish); rerun it"
                )
            inputs.append(folder / "embed_manifest.json")
            molecule, dim = manifest["molecule"], int(manifest["dim"])
            name = f"{molecule}_embeddings_{manifest['model']}"
            keep = sequences[molecule].column("id").combine_chunks()
            target = embeddings_features(dim).arrow_schema
            target = pa.schema([f.with_nullable(True) for f in target], metadata=target.metadata)
            batches = embedding_batches(folder, keep, dim, inputs, report, name)
            if config.progress:
                batches = tqdm(batches, desc=f"publish {name}", unit="batch")
            files[name], size = write_split_shards(batches, target, out / name, "train", config.shard_bytes)
            split_bytes[name] = {"train": size}
            feature_sets[name] = embeddings_features(dim)
            rows = sum(pq.ParquetFile(p).metadata.num_rows for p in files[name])
            split_rows[name] = {"train": rows}
            not_embedded = sequences[molecule].num_rows - rows
            report.drop(
                f"publish {name}", "sequence without an embedding (see the embed report)", not_embedded
            )
            models[name] = {
                k: manifest.get(k)
                for k in ("model", "model_revision", "molecule", "dim", "dtype", "max_length")
            } | {"versions": manifest.get("versions", {}), "sequences": rows, "missing": not_embedded}

    stats_md, figures = _statistics(configs, out, config.figures)
    inputs_checksums = {_relative(p, build): sha256_file(p) for p in sorted(set(inputs))}
    output_files = {
        _relative(p, out): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for paths in files.values()
        for p in paths
    }
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    options["external"] = {k: str(v) for k, v in config.external.items()}
    for volatile in ("build_dir", "output", "progress"):
        options.pop(volatile, None)
    from rnainteract_builder.embed.stage import package_versions

    provenance = build_provenance(build)
    manifest = {
        "name": "RNAInterAct",
        "version": config.version,
        "builder_version": __version__,
        "configs": {
            name: {
                "splits": split_rows[name],
                "bytes": split_bytes[name],
                "labels": label_counts.get(name),
                "files": sorted(_relative(p, out) for p in files[name]),
            }
            for name in files
        },
        "embedding_models": models,
        "inputs": inputs_checksums,
        "files": output_files,
        "parameters": {"publish": options, "build": provenance.get("config"), "stages": provenance["stages"]},
        "seeds": provenance["seeds"],
        "versions": package_versions(
            ["rnainteract", "torch", "pyarrow", "datasets", "duckdb", "fair-esm", "rna-fm", "pyhmmer"]
        )
        | _tool_versions(provenance),
        "report_facts": provenance.get("report_facts", {}),
        "drops": report.to_dict()["drops"],
    }
    manifest["versions"].pop("rnainteract", None)
    write_text_atomic(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    from dataset_card.render import CardContext, render_card

    card = render_card(
        CardContext(
            manifest=manifest,
            features=feature_sets,
            default_config=DEFAULT_CONFIG,
            repo_id=config.repo_id,
            statistics_markdown=stats_md,
            figures=figures,
            split_reports=_split_reports(configs),
        )
    )
    write_text_atomic(out / "README.md", card)
    report.facts["version"] = config.version
    return PublishResult(out, manifest, report)


def _tool_versions(provenance: dict[str, Any]) -> dict[str, str]:
    """Tool / database versions earlier stages recorded under a ``versions`` or ``tools`` key."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in ("versions", "tools", "databases") and isinstance(inner, dict):
                    found.update({str(k): str(v) for k, v in inner.items() if not isinstance(v, dict | list)})
                else:
                    walk(inner)

    walk(provenance)
    return found


def _split_reports(configs: list[ConfigTables]) -> dict[str, str]:
    """Markdown of each split folder's report and leakage audits (``rnainteract audit``), by config name."""
    reports = {}
    for item in configs:
        names = ["split_report.md", "leakage_audit_rna.md", "leakage_audit_protein.md"]
        parts = [
            (Path(item.source) / n).read_text(encoding="utf-8")
            for n in names
            if (Path(item.source) / n).exists()
        ]
        if parts:
            reports[item.name] = "\n\n".join(p.strip() for p in parts) + "\n"
    return reports


def _statistics(configs: list[ConfigTables], out: Path, figures: bool) -> tuple[str, list[str]]:
    """Table 1 of the default config (and figures under ``figures/``) via :mod:`rnainteract_builder.stats`."""
    from rnainteract_builder import stats

    default = next(c for c in configs if c.name == DEFAULT_CONFIG)
    ordered = {s: default.splits[s] for s in SPLITS if s in default.splits}
    try:
        computed = stats.compute_stats(ordered)
    except Exception as err:  # statistics are a courtesy; the data must still publish
        log.warning("statistics skipped: %s", err)
        return "", []
    drawn: list[str] = []
    if figures:
        positives = pa.concat_tables(list(ordered.values()))
        positives = positives.filter(pc.equal(positives.column("label"), 1))
        try:
            drawn.append(
                _relative(
                    stats.plot_category_heatmap(positives, out / "figures" / "category_heatmap.png"), out
                )
            )
        except Exception as err:
            log.warning("figure skipped: %s", err)
    return stats.stats_markdown(computed), drawn


def publish_command(
    build_dir: Annotated[Path, typer.Argument(help="Build directory (split/, external/, embeddings/).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Dataset folder (default BUILD/dataset).")
    ] = None,
    version: Annotated[str, typer.Option(help="Semantic version of this release, e.g. 1.0.0.")] = "0.1.0",
    shard_size_mb: Annotated[int, typer.Option(help="Approximate Parquet shard size in MB.")] = 500,
    external: Annotated[
        list[str] | None, typer.Option(help="Extra external set NAME=PAIRS_FOLDER (repeatable).")
    ] = None,
    embeddings: Annotated[
        bool, typer.Option(help="Publish the embed-stage folders under BUILD/embeddings.")
    ] = True,
    figures: Annotated[bool, typer.Option(help="Draw the card's figures.")] = True,
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", help="Upload to this Hub dataset repo (ORG/NAME).")
    ] = None,
    tag: Annotated[str | None, typer.Option(help="Hub tag for this release (default v<version>).")] = None,
    dry_run: Annotated[
        bool, typer.Option(help="With --push-to-hub: list repo, files, sizes and tag; no network.")
    ] = False,
    private: Annotated[bool, typer.Option(help="Create the Hub repo as private.")] = False,
    progress: Annotated[bool, typer.Option(help="Progress bars on stderr.")] = True,
) -> None:
    """Write the Hugging Face dataset folder (Parquet shards, manifest.json, README.md card); optionally push it.

    The token for --push-to-hub comes from `huggingface-cli login` or HF_TOKEN and is never printed.
    Prints the dataset folder (and, when pushing, the repo and tag) on stdout.
    """
    from rnainteract_builder import hub

    extra: dict[str, Path] = {}
    for item in external or []:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise InputError(f"--external wants NAME=PAIRS_FOLDER, got {item!r}")
        extra[name] = Path(path)
    if shard_size_mb <= 0:
        raise InputError("--shard-size-mb must be positive")
    if dry_run and not push_to_hub:
        raise InputError("--dry-run goes with --push-to-hub")
    tag = tag or f"v{version}"
    if push_to_hub:
        hub.check_push_arguments(push_to_hub, tag, version)
    config = PublishConfig(
        build_dir=build_dir,
        output=output,
        version=version,
        shard_bytes=shard_size_mb * 1000 * 1000,
        external=extra,
        embeddings=embeddings,
        figures=figures,
        repo_id=push_to_hub or PublishConfig.repo_id,
        progress=progress,
    )
    result = run_publish(config)
    print(result.output)
    if push_to_hub:
        plan = hub.plan_push(result.output, push_to_hub, tag)
        if dry_run:
            print(plan.describe())
        else:
            url = hub.push_to_hub(plan, private=private)
            print(f"pushed {push_to_hub} tag {tag}: {url}")
