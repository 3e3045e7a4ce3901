"""``rnainteract embed``: one embedding per unique sequence, in resumable numbered Parquet shards.

How a run is laid out (and why):

* The unique sequences (by id) are sorted by ``(length, id)`` and cut into shards of about
  ``residues_per_shard`` residues. The plan depends only on the inputs and the options, so every process
  and every rerun computes the same one.
* Shard ``k`` is embedded by process ``k % num_processes`` (``accelerate launch`` spreads them over GPUs
  or CPU processes) and written atomically (temp file + rename) with page checksums and, in its
  metadata, a fingerprint of the plan. Sorted shards keep token-budget batches nearly free of padding.
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
import typer
from tqdm import tqdm

from rnainteract_builder.contract.batching import check_length_policy
from rnainteract_builder.contract.embedders import (
    BaseEmbedder,
    DType,
    LengthPolicy,
    default_dtype,
    get_embedder,
)
from rnainteract_builder.contract.embedding_store import embeddings_table
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet, write_parquet_atomic, write_text_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import Molecule

log = logging.getLogger(__name__)

MANIFEST = "embed_manifest.json"
REPORT_STEM = "embed_report"
METADATA_KEY = b"rnainteract.embed"
#: ~500 MB of float16 x 640 before compression.
DEFAULT_RESIDUES_PER_SHARD = 400_000


@dataclass
class EmbedConfig:
    """Options of the embed stage (``rnainteract embed``)."""

    inputs: list[Path]  # sequence tables (id, sequence) or pairs / split folders
    output: Path  # e.g. <build>/embeddings/rnafm
    model: str = "rnafm"
    molecule: Molecule | None = None  # implied by rnafm / esm2_*; needed for onehot / random
    device: str = "auto"
    dtype: DType | None = None  # None: bf16 on a GPU that has it, else fp32
    tokens_per_batch: int = 4096
    length_policy: LengthPolicy = "reject"
    overlap: int = 128
    residues_per_shard: int = DEFAULT_RESIDUES_PER_SHARD
    checkpoint: Path | None = None
    download: bool = False
    dim: int = 640  # random embedder only
    seed: int = 0  # random embedder only
    progress: bool = True


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


def read_sequence_tables(inputs: Sequence[Path], molecule: Molecule | None) -> pa.Table:
    """Union of ``id`` / ``sequence`` rows from tables or folders; the same id must mean the same sequence."""
    tables = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            if molecule is None:
                raise InputError(f"{path}: a folder input needs the molecule (rna or protein)")
            path = path / f"{molecule}_sequences.parquet"
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
        table = pq.read_table(path, page_checksum_verification=True)
        return table.column("id").to_pylist() == shard.ids
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


def run_embed(config: EmbedConfig, embedder: BaseEmbedder | None = None) -> EmbedResult:
    """Embed the unique sequences of ``config.inputs`` into ``config.output`` (resumable, multi-process)."""
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
    if state.is_main_process:
        output.mkdir(parents=True, exist_ok=True)
        for stale in output.glob("*shard-*.parquet*"):
            if stale.name not in names:
                stale.unlink()  # other plan or a killed write's temp file
    state.wait_for_everyone()

    mine = [s for s in shards if s.index % state.num_processes == state.process_index]
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
        arrays = embedder.embed(shard.sequences)
        out = embeddings_table(shard.ids, arrays, embedder.name, embedder.revision, embedder.dim)
        meta = {"fingerprint": stamp, "ids": _ids_digest(shard.ids), "shard": shard.index, "of": len(shards)}
        out = out.replace_schema_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True).encode()})
        write_parquet_atomic(out, output / names[shard.index], write_page_checksum=True)
        bar.update(sum(len(q) for q in shard.sequences))
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
    )
    if state.is_main_process:
        missing = [
            n for s, n in zip(shards, names, strict=True) if not shard_is_complete(output / n, s, stamp)
        ]
        if missing:
            raise InputError(
                f"{output}: shard(s) {', '.join(missing)} missing after the run; rerun to finish"
            )
        result.manifest = _manifest(config, embedder, dtype, stamp, result, state.num_processes)
        write_text_atomic(output / MANIFEST, json.dumps(result.manifest, indent=2, sort_keys=True) + "\n")
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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(
    config: EmbedConfig, embedder: BaseEmbedder, dtype: str, stamp: str, result: EmbedResult, processes: int
) -> dict[str, Any]:
    """Everything needed to trust or redo the embeddings; no timestamps, so reruns give the same bytes."""
    versions = package_versions(["torch", "rna-fm", "fair-esm", "pyarrow"])
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    options["inputs"] = [str(p) for p in config.inputs]
    for volatile in ("output", "device", "progress"):
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
        "shards": [{"file": p.name, "sha256": _file_sha256(p)} for p in result.shards],
        "options": options,
        "processes": processes,
        "versions": versions,
    }


def embed_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Sequence tables (Parquet with id, sequence) or pairs/split folders "
            "(their <molecule>_sequences.parquet is used).",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the shards and manifest.")],
    model: Annotated[
        str,
        typer.Option(help="rnafm, esm2_t30_150M, esm2_t6_8M, esm2_t12_35M, esm2_t33_650M, onehot, random."),
    ] = "rnafm",
    molecule: Annotated[str | None, typer.Option(help="rna or protein (implied by rnafm / esm2_*).")] = None,
    device: Annotated[
        str, typer.Option(help="auto (the accelerate process's device), cpu, cuda, cuda:1 ...")
    ] = "auto",
    dtype: Annotated[
        str | None,
        typer.Option(help="bf16, fp16 or fp32 compute (autocast); default bf16 on GPU, fp32 on CPU."),
    ] = None,
    tokens_per_batch: Annotated[
        int, typer.Option(help="Padded tokens per model call (incl. BOS/EOS).")
    ] = 4096,
    length_policy: Annotated[
        str, typer.Option(help="reject (drop and count), truncate, or chunk (overlapping windows, averaged).")
    ] = "reject",
    overlap: Annotated[int, typer.Option(help="Residues shared by neighbouring windows (chunk).")] = 128,
    residues_per_shard: Annotated[
        int, typer.Option(help="Residues per Parquet shard.")
    ] = DEFAULT_RESIDUES_PER_SHARD,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A local checkpoint file instead of $TORCH_HOME/hub/checkpoints/<name>."),
    ] = None,
    download: Annotated[bool, typer.Option(help="Download missing weights (needs internet).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the random embedder.")] = 0,
    progress: Annotated[bool, typer.Option(help="Progress bar on stderr.")] = True,
) -> None:
    """Embed each unique sequence once with RNA-FM / ESM-2 (or one-hot / random) into Parquet shards.

    Resumable: rerun the same command after an interruption and finished shards are kept. Spread over
    GPUs (or CPU processes) with `accelerate launch -m rnainteract_builder.cli embed ...`. Prints the
    output folder, sequence count and shard count on stdout.
    """
    if molecule not in (None, "rna", "protein"):
        raise InputError(f"--molecule must be rna or protein, not {molecule!r}")
    if dtype not in (None, "bf16", "fp16", "fp32"):
        raise InputError(f"--dtype must be bf16, fp16 or fp32, not {dtype!r}")
    check_length_policy(length_policy)
    if tokens_per_batch <= 0 or residues_per_shard <= 0:
        raise InputError("--tokens-per-batch and --residues-per-shard must be positive")
    config = EmbedConfig(
        inputs=list(inputs),
        output=output,
        model=model,
        molecule=molecule,  # type: ignore[arg-type]
        device=device,
        dtype=dtype,  # type: ignore[arg-type]
        tokens_per_batch=tokens_per_batch,
        length_policy=length_policy,  # type: ignore[arg-type]
        overlap=overlap,
        residues_per_shard=residues_per_shard,
        checkpoint=checkpoint,
        download=download,
        seed=seed,
        progress=progress,
    )
    result = run_embed(config)
    if result.manifest:
        print(
            f"{result.output}\t{result.sequences} sequences\t{len(result.shards)} shards\t"
            f"{result.report.dropped()} dropped"
        )
