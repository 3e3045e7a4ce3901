"""``rnainteract embed``: one embedding per unique sequence, in resumable numbered Parquet shards.

How a run is laid out (and why):

* The unique sequences (by id) are sorted by ``(length, id)`` and cut into shards of about
  ``residues_per_shard`` residues. The plan depends only on the inputs and the options, so every process
  and every rerun computes the same one.
* Shard ``k`` is embedded by process ``k % num_processes`` (``accelerate launch`` spreads them over GPUs
  or CPU processes) and written atomically (temp file + rename) with page checksums and, in its
  metadata, a fingerprint of the plan. Sorted shards keep token-budget batches nearly free of padding.
* A shard is embedded and written one row group of about ``ROW_GROUP_RESIDUES`` residues at a time, so
  memory does not grow with the shard (a 400,000-residue shard at 640-d held whole peaked at several GB).
* A rerun keeps a shard only if it reads back completely (checksums verified), has the fingerprint and
  holds exactly the planned ids; anything else (killed write, corrupt file, other options) is redone.
  So a killed run, rerun, ends with the same bytes as an uninterrupted one.
* The main process waits for the others, then writes ``embed_manifest.json`` and ``embed_report``
  (sequences over the model's length limit under ``reject`` are dropped and counted there).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from rnainteract_builder.contract.embedders import (
    BaseEmbedder,
    DType,
    LengthPolicy,
    default_dtype,
    get_embedder,
)
from rnainteract_builder.contract.embedding_store import embeddings_table
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import (
    PARQUET_OPTIONS,
    atomic_path,
    portable,
    read_parquet,
    sha256_file,
    write_text_atomic,
)
from rnainteract_builder.contract.pairs_folder import SEQUENCE_FILES
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import Molecule

log = logging.getLogger(__name__)

MANIFEST = "embed_manifest.json"
REPORT_STEM = "embed_report"
METADATA_KEY = b"rnainteract.embed"
#: ~500 MB of float16 x 640 before compression.
DEFAULT_RESIDUES_PER_SHARD = 400_000
#: Residues embedded and written as one Parquet row group (640-d: ~84 MB of float32 model output, ~42 MB
#: stored): what bounds the embed stage's memory, whatever the shard size.
ROW_GROUP_RESIDUES = 32_768


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass
class EmbedConfig:
    """Options of the embed engine (``rnainteract embed``; the ``embed`` build stage sets them per model)."""

    inputs: list[Path]  # sequence tables (id, sequence) or pairs / split folders
    output: Path  # e.g. <build>/embeddings/rna_rnafm
    model: str = field(
        default="rnafm",
        metadata=_help("rnafm, esm2_t30_150M, esm2_t6_8M, esm2_t12_35M, esm2_t33_650M, onehot, random."),
    )
    molecule: Molecule | None = field(default=None, metadata=_help("rna or protein (implied by rnafm / esm2_*)."))
    device: str = field(default="auto", metadata=_help("auto (the accelerate process's device), cpu, cuda, cuda:1 ..."))
    dtype: DType | None = field(
        default=None, metadata=_help("Compute dtype (autocast); default bf16 on a GPU that has it, else fp32.")
    )
    tokens_per_batch: int = field(default=4096, metadata=_help("Padded tokens per model call (incl. BOS/EOS)."))
    length_policy: LengthPolicy = field(
        default="reject", metadata=_help("reject (drop and count), truncate, or chunk (overlapping windows, averaged).")
    )
    overlap: int = field(default=128, metadata=_help("Residues shared by neighbouring windows (chunk)."))
    residues_per_shard: int = field(default=DEFAULT_RESIDUES_PER_SHARD, metadata=_help("Residues per Parquet shard."))
    checkpoint: Path | None = field(
        default=None, metadata=_help("A local checkpoint file instead of $TORCH_HOME/hub/checkpoints/<name>.")
    )
    download: bool = field(default=False, metadata=_help("Download missing weights (needs internet)."))
    dim: int = field(default=640, metadata=_help("Width of the random embedder."))
    seed: int = field(default=0, metadata=_help("Seed of the random embedder."))
    progress: bool = field(default=True, metadata=_help("Progress bar on stderr."))
    parts: int = field(
        default=1,
        metadata=_help("Split the shards over this many independent jobs (shard k goes to job k mod parts); "
                       "a job with parts > 1 writes only its shards, a final run with parts 1 the manifest."),
    )  # fmt: skip
    part: int = field(default=0, metadata=_help("Which of the --parts jobs this is (0 .. parts-1)."))


@dataclass(frozen=True)
class ShardPlan:
    index: int
    ids: list[str]
    sequences: list[str]

    def name(self, total: int) -> str:
        return f"shard-{self.index:05d}-of-{total:05d}.parquet"


@dataclass
class EmbedResult:
    output: Path
    sequences: int
    residues: int
    shards: list[Path]
    reused: int
    embedded: int
    report: Report
    manifest: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""  # of the shards' contents (model, weights, numeric options)
    dtype: str = ""  # the compute dtype this run resolved


def read_sequence_tables(inputs: Sequence[Path], molecule: Molecule | None) -> pa.Table:
    """Union of ``id`` / ``sequence`` rows from tables or folders; the same id must mean the same sequence."""
    tables = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            if molecule is None:
                raise InputError(f"{path}: a folder input needs the molecule (rna or protein)")
            path = path / SEQUENCE_FILES[molecule]
        table = read_parquet(path)
        for column in ("id", "sequence"):
            if column not in table.column_names:
                raise InputError(f"{path}: sequence table lacks column {column!r}")
            if table.column(column).null_count:
                raise InputError(f"{path}: {table.column(column).null_count} rows have a null {column!r}")
        tables.append(
            table.select(["id", "sequence"]).cast(pa.schema([("id", pa.string()), ("sequence", pa.string())]))
        )
    if not tables:
        raise InputError("no sequence tables given")
    merged = pa.concat_tables(tables)
    seen: dict[str, str] = {}
    for seq_id, seq in zip(
        merged.column("id").to_pylist(), merged.column("sequence").to_pylist(), strict=True
    ):
        if seen.setdefault(seq_id, seq) != seq:
            raise InputError(
                f"id {seq_id} stands for two different sequences in {', '.join(map(str, inputs))}"
            )
    ids = sorted(seen)
    return pa.table({"id": ids, "sequence": [seen[i] for i in ids]})


def plan_shards(ids: Sequence[str], sequences: Sequence[str], residues_per_shard: int) -> list[ShardPlan]:
    """Sort by (length, id) and cut into shards of at most ``residues_per_shard`` residues (>= 1 sequence)."""
    order = sorted(range(len(ids)), key=lambda i: (len(sequences[i]), ids[i]))
    shards: list[ShardPlan] = []
    current: list[int] = []
    residues = 0
    for i in order:
        if current and residues + len(sequences[i]) > residues_per_shard:
            shards.append(ShardPlan(len(shards), [ids[j] for j in current], [sequences[j] for j in current]))
            current, residues = [], 0
        current.append(i)
        residues += len(sequences[i])
    if current:
        shards.append(ShardPlan(len(shards), [ids[j] for j in current], [sequences[j] for j in current]))
    return shards


def fingerprint(embedder: BaseEmbedder, config: EmbedConfig, dtype: str) -> str:
    """What a shard's contents depend on besides its ids: the model, its weights and the numeric options."""
    settings = {
        "model": embedder.name,
        "revision": embedder.revision,
        "dim": embedder.dim,
        "dtype": dtype,
        "tokens_per_batch": config.tokens_per_batch,
        "length_policy": config.length_policy,
        "overlap": config.overlap,
        "max_length": embedder.max_length,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def _ids_digest(ids: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def shard_is_complete(path: Path, shard: ShardPlan, fingerprint_value: str) -> bool:
    """True when ``path`` reads back completely (page checksums verified) and holds exactly this plan."""
    if not path.exists():
        return False
    try:
        metadata = pq.read_schema(path).metadata or {}
        stamp = json.loads(metadata.get(METADATA_KEY, b"{}"))
        if stamp.get("fingerprint") != fingerprint_value or stamp.get("ids") != _ids_digest(shard.ids):
            return False
        parquet = pq.ParquetFile(path, page_checksum_verification=True)
        ids: list[str] = []
        for group in range(parquet.num_row_groups):  # every page read (checksums), one row group at a time
            ids += parquet.read_row_group(group, columns=None).column("id").to_pylist()
        return ids == shard.ids
    except (pa.ArrowException, OSError, ValueError) as err:
        log.warning("%s: unreadable shard, redoing it (%s)", path, err)
        return False


def _process_state(device: str) -> Any:
    """This process's place under ``accelerate launch`` (one process otherwise).

    ``PartialState`` only joins CPU processes into a group when told ``cpu=True``; ``ACCELERATE_USE_CPU``
    is read by the full ``Accelerator`` only, so it is passed on here.
    """
    from accelerate import PartialState
    from accelerate.utils import parse_flag_from_env

    return PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU") or device == "cpu")


def resolved_dtype(config: EmbedConfig) -> str:
    """The compute dtype a run of ``config`` uses in this process (it is part of the shards' fingerprint)."""
    state = _process_state(config.device)
    return config.dtype or default_dtype(str(state.device) if config.device == "auto" else config.device)


def check_part(config: EmbedConfig) -> None:
    if config.parts < 1 or not 0 <= config.part < config.parts:
        raise InputError(f"part {config.part} of {config.parts}: need parts >= 1 and 0 <= part < parts")


def my_shards(shards: Sequence[ShardPlan], config: EmbedConfig, state: Any) -> list[ShardPlan]:
    """The shards of this job (``part`` of ``parts``) and, within it, of this accelerate process."""
    check_part(config)
    in_part = [s for s in shards if s.index % config.parts == config.part]
    return in_part[state.process_index :: state.num_processes]


def row_groups(shard: ShardPlan, residues: int | None = None) -> Iterator[tuple[list[str], list[str]]]:
    """Consecutive (ids, sequences) of the shard with about ``residues`` (default :data:`ROW_GROUP_RESIDUES`)
    residues each (>= 1 sequence)."""
    residues = residues or ROW_GROUP_RESIDUES
    start, total = 0, 0
    for end, sequence in enumerate(shard.sequences):
        if end > start and total + len(sequence) > residues:
            yield shard.ids[start:end], shard.sequences[start:end]
            start, total = end, 0
        total += len(sequence)
    if start < len(shard.ids):
        yield shard.ids[start:], shard.sequences[start:]


def write_shard(embedder: BaseEmbedder, shard: ShardPlan, path: Path, meta: dict[str, Any], bar: Any = None) -> Path:
    """Embed one shard into ``path`` row group by row group (temp file + rename, page checksums)."""
    metadata = {METADATA_KEY: json.dumps(meta, sort_keys=True).encode()}
    with atomic_path(path) as tmp:
        writer: pq.ParquetWriter | None = None
        try:
            for ids, sequences in row_groups(shard):
                table = embeddings_table(ids, embedder.embed(sequences), embedder.name, embedder.revision,
                                         embedder.dim).replace_schema_metadata(metadata)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, **PARQUET_OPTIONS, write_page_checksum=True)
                writer.write_table(table, row_group_size=table.num_rows)
                if bar is not None:
                    bar.update(sum(map(len, sequences)))
                del table
        finally:
            if writer is not None:
                writer.close()
    return path


def run_embed(config: EmbedConfig, embedder: BaseEmbedder | None = None) -> EmbedResult:
    """Embed the unique sequences of ``config.inputs`` into ``config.output`` (resumable, multi-process).

    With ``parts`` > 1 only the shards of job ``part`` are embedded (several such jobs may share the output
    folder) and nothing else is written; a later run with ``parts`` 1 finds them complete and writes the
    manifest, so the folder ends byte-identical to one run's.
    """
    check_part(config)
    state = _process_state(config.device)
    device = str(state.device) if config.device == "auto" else config.device
    dtype = config.dtype or default_dtype(device)
    if embedder is None:
        embedder = get_embedder(
            config.model,
            molecule=config.molecule,
            device=device,
            dtype=dtype,
            tokens_per_batch=config.tokens_per_batch,
            length_policy=config.length_policy,
            overlap=config.overlap,
            checkpoint=config.checkpoint,
            download=config.download,
            dim=config.dim,
            seed=config.seed,
        )
    molecule = config.molecule or embedder.molecule
    table = read_sequence_tables(config.inputs, molecule)
    report = Report(f"Embeddings: {embedder.name} ({molecule})")
    report.step("unique sequences", table.num_rows)
    ids = table.column("id").to_pylist()
    sequences = table.column("sequence").to_pylist()
    if embedder.max_length is not None and config.length_policy == "reject":
        keep = [i for i, s in enumerate(sequences) if len(s) <= embedder.max_length]
        for i in sorted(set(range(len(ids))) - set(keep)):
            report.drop(
                "embed", f"longer than {embedder.max_length} residues (length policy reject)", 1, ids[i]
            )
        ids, sequences = [ids[i] for i in keep], [sequences[i] for i in keep]
    report.step("embedded sequences", len(ids))

    shards = plan_shards(ids, sequences, config.residues_per_shard)
    stamp = fingerprint(embedder, config, dtype)
    output = Path(config.output)
    names = [s.name(len(shards)) for s in shards]
    mine = my_shards(shards, config, state)
    if state.is_main_process:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob("*shard-*.parquet*") if config.parts == 1 else ():
            if stale.name not in names:
                stale.unlink()  # other plan or a killed write's temp file
    state.wait_for_everyone()

    todo = [s for s in mine if not shard_is_complete(output / names[s.index], s, stamp)]
    total = sum(len(q) for s in todo for q in s.sequences)
    bar = tqdm(
        total=total,
        unit="res",
        desc=f"embed {embedder.name} [{state.process_index}]",
        disable=not config.progress or total == 0,
        position=state.process_index,
        leave=state.num_processes == 1,
    )
    for shard in todo:
        meta = {"fingerprint": stamp, "ids": _ids_digest(shard.ids), "shard": shard.index, "of": len(shards)}
        write_shard(embedder, shard, output / names[shard.index], meta, bar)
    bar.close()
    state.wait_for_everyone()

    result = EmbedResult(
        output=output,
        sequences=len(ids),
        residues=sum(len(s) for s in sequences),
        shards=[output / n for n in names],
        reused=len(mine) - len(todo),
        embedded=len(todo),
        report=report,
        fingerprint=stamp,
        dtype=dtype,
    )
    if state.is_main_process and config.parts == 1:
        missing = [
            n for s, n in zip(shards, names, strict=True) if not shard_is_complete(output / n, s, stamp)
        ]
        if missing:
            raise InputError(
                f"{output}: shard(s) {', '.join(missing)} missing after the run; rerun to finish"
            )
        result.manifest = _manifest(config, embedder, dtype, stamp, result, state.num_processes)
        manifest = portable(result.manifest, output)
        write_text_atomic(output / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        report.facts.update({"model": embedder.name, "revision": embedder.revision, "shards": len(shards)})
        report.write(output / REPORT_STEM)
    state.wait_for_everyone()
    return result


def package_versions(names: Sequence[str]) -> dict[str, str]:
    """Installed versions of the named distributions (missing ones are left out)."""
    from importlib import metadata

    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _manifest(
    config: EmbedConfig, embedder: BaseEmbedder, dtype: str, stamp: str, result: EmbedResult, processes: int
) -> dict[str, Any]:
    """Everything needed to trust or redo the embeddings; no timestamps, so reruns give the same bytes."""
    versions = package_versions(["torch", "rna-fm", "fair-esm", "pyarrow"])
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    options["inputs"] = [str(p) for p in config.inputs]
    for volatile in ("output", "device", "progress", "parts", "part"):
        options.pop(volatile, None)
    return {
        "model": embedder.name,
        "model_revision": embedder.revision,
        "molecule": embedder.molecule,
        "dim": embedder.dim,
        "dtype": dtype,
        "storage_dtype": "float16",
        "max_length": embedder.max_length,
        "fingerprint": stamp,
        "sequences": result.sequences,
        "residues": result.residues,
        "dropped": result.report.dropped(),
        "shards": [{"file": p.name, "sha256": sha256_file(p)} for p in result.shards],
        "options": options,
        "processes": processes,
        "versions": versions,
    }
