"""``predict_pairs``: score RNA-protein pairs from sequences with a trained RPIembeddor model.

The steps: load the model (a local folder or a Hub id) -> read and normalise the sequences and pairs
(:mod:`.inputs`) -> embed every unique sequence once with the embedders the model was trained on, through
the content-addressed cache (:mod:`.embedding_cache`) -> score with the screening fast path
(:mod:`.scoring`) -> one output row per input pair, in input order, with the probability, the label at
the threshold, and per-row warnings. Pairs that cannot be scored stay in the output as ``skipped`` with
the reason, are counted by reason in the report, and do not stop the others.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import torch
from tqdm.auto import tqdm

from rnainteract_builder.contract.embedders import BaseEmbedder, LengthPolicy, default_dtype, get_embedder
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import LetterPolicy, Molecule
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.predict.embedding_cache import (
    CachedEmbedder,
    EmbeddingCache,
    LazyEmbeddings,
    PlannedEmbedding,
)
from rpiembeddor_hf.predict.inputs import MoleculeRecord, PairsSource, SequenceSource, collect_inputs
from rpiembeddor_hf.predict.scoring import score_pairs_fast, score_pairs_plain
from rpiembeddor_hf.thresholds import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD  # re-exported
from rpiembeddor_hf.thresholds import model_threshold

log = logging.getLogger(__name__)

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
DEFAULT_EMBEDDERS: dict[Molecule, str] = {"rna": "rnafm", "protein": "esm2_t30_150M"}

OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("pair_id", pa.string(), nullable=False),
        pa.field("rna_source_id", pa.string()),
        pa.field("protein_source_id", pa.string()),
        pa.field("rna_id", pa.string()),  # content-hash ids, as in the dataset: joins with its embeddings
        pa.field("protein_id", pa.string()),
        pa.field("probability", pa.float32()),
        pa.field("label", pa.int8()),
        pa.field("status", pa.string(), nullable=False),  # scored | skipped
        pa.field("warnings", pa.string()),
    ]
)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` / ``auto``: the first GPU when there is one, else the CPU."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as err:
        raise InputError(f"unknown device {device!r} ({err})") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} asked for, but no CUDA GPU is available here")
    return resolved


def load_model(
    model: str | os.PathLike[str] | RPIembeddorModel, device: torch.device | str = "cpu"
) -> RPIembeddorModel:
    """A trained RPIembeddor in eval mode: from a ``save_pretrained`` folder, a Hub id, or as given.

    A folder without weights, a folder that is no model, or a Hub id that cannot be fetched raise one
    :class:`InputError` line saying what is missing.
    """
    if isinstance(model, RPIembeddorModel):
        return model.eval().to(device)
    from transformers import AutoModel

    path = Path(model).expanduser()
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{path}: a model is a folder written by save_pretrained, not a file")
        if not (path / "config.json").exists():
            raise InputError(f"{path}: no config.json here - not a saved RPIembeddor model folder")
        if not any((path / name).exists() for name in WEIGHT_FILES):
            raise InputError(
                f"{path}: model folder has config.json but no weights (model.safetensors); save the trained "
                "model there with save_pretrained(), or copy the whole folder"
            )
        source = str(path.absolute())  # transformers 5 reads a relative path that is not found as a Hub id
    elif str(model).startswith((".", "/", "~")) or str(model).count("/") > 1:
        raise InputError(f"{model}: no such model folder")
    else:
        source = str(model)
    try:
        loaded = AutoModel.from_pretrained(source)
    except (OSError, ValueError, KeyError) as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise InputError(f"could not load model {str(model)!r} (local folder or Hub id): {first}") from err
    if not isinstance(loaded, RPIembeddorModel):
        raise InputError(f"{model}: is a {type(loaded).__name__}, not an RPIembeddor model")
    return loaded.eval().to(device)


def build_embedder(
    spec: str | BaseEmbedder | None, molecule: Molecule, config: RPIembeddorConfig, device: torch.device
) -> BaseEmbedder:
    """The embedder the model was trained on (named in its config), or the one given; widths must match."""
    expected = int(getattr(config, f"{molecule}_embedding_dim"))
    if spec is None or isinstance(spec, str):
        name = spec or getattr(config, f"{molecule}_embedding_model", None) or DEFAULT_EMBEDDERS[molecule]
        embedder = get_embedder(
            name, molecule=molecule, device=device, dtype=default_dtype(device), dim=expected
        )
    else:
        embedder = spec
    if getattr(embedder, "molecule", molecule) != molecule:
        raise InputError(f"embedder {embedder.name!r} embeds {embedder.molecule}, not {molecule}")
    if embedder.dim != expected:
        raise InputError(
            f"the model takes {expected}-d {molecule} embeddings but embedder {embedder.name!r} gives "
            f"{embedder.dim}-d ones; use the embedder the model was trained on"
        )
    return embedder


@dataclass
class PredictionResult:
    """Rows of :data:`OUTPUT_SCHEMA` (input order), the report, and the lines a user must read."""

    table: pa.Table
    threshold: float
    report: Report
    problems: list[str] = field(default_factory=list)
    embedded: dict[str, int] = field(default_factory=dict)  # sequences sent to each embedder this run
    explained: list[Path] = field(default_factory=list)

    def top(self, k: int = 10) -> pa.Table:
        """The ``k`` scored pairs with the highest probability."""
        scored = self.table.filter(pc.equal(self.table.column("status"), "scored"))
        order = pc.sort_indices(scored, sort_keys=[("probability", "descending"), ("pair_id", "ascending")])
        return scored.take(order[:k])

    def write(self, path: str | os.PathLike[str] | None) -> None:
        write_predictions(self.table, path)


def _csv_options(delimiter: str) -> pacsv.WriteOptions:
    # TSV unquoted (ids come from FASTA headers / TSV cells, which cannot hold tabs); CSV quoted as needed.
    style = "none" if delimiter == "\t" else "needed"
    return pacsv.WriteOptions(delimiter=delimiter, quoting_style=style, quoting_header=style)


def write_predictions(table: pa.Table, path: str | os.PathLike[str] | None) -> None:
    """Parquet (``.parquet``), CSV (``.csv``) or TSV (anything else; ``None`` / ``-``: stdout), atomically."""
    if path is None or str(path) == "-":
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, _csv_options("\t"))
        sys.stdout.buffer.write(sink.getvalue().to_pybytes())
        sys.stdout.flush()
        return
    path = Path(path)
    if path.suffix == ".parquet":
        write_parquet_atomic(table, path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pacsv.write_csv(table, tmp, _csv_options("," if path.suffix == ".csv" else "\t"))
    os.replace(tmp, path)


def _progress(total: int, desc: str, unit: str, enabled: bool) -> tqdm:
    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=None if enabled else True, leave=False
    )


def _plan_molecules(
    records: dict[str, MoleculeRecord], source: CachedEmbedder
) -> dict[str, PlannedEmbedding]:
    plans: dict[str, PlannedEmbedding] = {}
    for record in records.values():
        if record.error is None and record.seq_id not in plans:
            plans[record.seq_id] = source.plan(record.seq_id, record.sequence)  # type: ignore[arg-type,index]
    return plans


def _embed(source: CachedEmbedder, plans: dict[str, PlannedEmbedding], molecule: str, progress: bool) -> int:
    todo = [
        p
        for p in plans.values()
        if p.error is None and (source.embedder, p.seq_id, p.variant) not in source.cache
    ]
    with _progress(len(todo), f"embedding {molecule}s ({source.name})", "seq", progress) as bar:
        before = source.calls
        source.ensure(todo, bar.update)
    return source.calls - before


def predict_pairs(
    model: str | os.PathLike[str] | RPIembeddorModel,
    pairs: PairsSource | None = "all",
    rna: SequenceSource | None = None,
    protein: SequenceSource | None = None,
    *,
    output: str | os.PathLike[str] | None = None,
    threshold: float | None = None,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    cache_dir: str | os.PathLike[str] | EmbeddingCache | None = None,
    length_policy: LengthPolicy = "reject",
    max_length: int | None = None,
    letter_policy: LetterPolicy = "replace",
    rna_embedder: str | BaseEmbedder | None = None,
    protein_embedder: str | BaseEmbedder | None = None,
    fast: bool = True,
    progress: bool = True,
    explain: Sequence[str] = (),
    explain_top: int = 0,
    explain_dir: str | os.PathLike[str] | None = None,
) -> PredictionResult:
    """Score RNA-protein pairs from sequences.

    Args:
        model: a folder written by ``save_pretrained``, a Hub id, or a loaded :class:`RPIembeddorModel`.
        pairs: ``"all"`` (every RNA against every protein), a list of ``(rna_id, protein_id)``, or a pairs
            file / Arrow table with ``rna_id``, ``protein_id`` (optional ``pair_id``, ``rna_sequence``,
            ``protein_sequence``). TSV by default, CSV for ``.csv``, or Parquet.
        rna, protein: FASTA files or ``{id: sequence}`` mappings (not needed when the pairs carry sequences).
        output: where to write the table (``.parquet``, ``.csv``, else TSV); None writes nothing.
        threshold: label = probability >= threshold; defaults to the model config's ``threshold``, else 0.5.
        batch_size: molecules per encoding batch and pairs per scoring call.
        device: ``cpu``, ``cuda``, ``cuda:1`` ...; None picks a GPU when there is one.
        cache_dir: the embedding cache folder shared across runs (None: in memory, this run only).
        length_policy: ``reject`` (skip over-long sequences, reported), ``truncate`` or ``chunk``.
        max_length: lower the embedders' residue limit (e.g. 1024, the training data limit).
        letter_policy: ``replace`` non-standard letters by N / X (warned per row) or ``reject`` them.
        rna_embedder, protein_embedder: override the config's embedders (a name or an embedder object).
        fast: the screening fast path (False: the plain batched forward, for checking).
        explain / explain_top / explain_dir: write attention maps for these pair ids / the top k pairs.
    """
    if batch_size < 1:
        raise InputError(f"batch size must be positive, not {batch_size}")
    torch_device = resolve_device(device)
    net = load_model(model, torch_device)
    cutoff = model_threshold(net.config) if threshold is None else float(threshold)
    if not 0.0 <= cutoff <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, not {cutoff}")
    inputs = collect_inputs(pairs, rna, protein, letter_policy)
    cache = cache_dir if isinstance(cache_dir, EmbeddingCache) else EmbeddingCache(cache_dir)
    sources = {
        "rna": CachedEmbedder(
            build_embedder(rna_embedder, "rna", net.config, torch_device), cache, length_policy, max_length
        ),
        "protein": CachedEmbedder(
            build_embedder(protein_embedder, "protein", net.config, torch_device),
            cache,
            length_policy,
            max_length,
        ),
    }
    records = {"rna": inputs.rnas, "protein": inputs.proteins}
    plans = {mol: _plan_molecules(records[mol], sources[mol]) for mol in ("rna", "protein")}
    embedded = {mol: _embed(sources[mol], plans[mol], mol, progress) for mol in ("rna", "protein")}
    for mol in ("rna", "protein"):  # length policy and embedding failures make a molecule unusable
        for record in records[mol].values():
            plan = plans[mol].get(record.seq_id) if record.seq_id else None
            if plan is not None and plan.error is not None:
                record.fail(plan.error_kind or "unusable", f"{mol} {record.source_id}: {plan.error}")
            elif plan is not None:
                record.warnings.extend(f"{mol} {warning}" for warning in plan.warnings)

    usable = {mol: [s for s, p in plans[mol].items() if p.error is None] for mol in ("rna", "protein")}
    index = {mol: {s: i for i, s in enumerate(usable[mol])} for mol in ("rna", "protein")}
    report = Report("prediction")
    report.step("pairs in input", len(inputs.pairs))
    scorable: list[int] = []
    reasons: list[str | None] = []
    for row, (pair_id, r, p) in enumerate(inputs.pairs):
        reason = None
        for mol, source_id in (("rna", r), ("protein", p)):
            record = records[mol].get(source_id)
            if record is None:
                reason = reason or f"unknown_{mol}_id"
            elif record.error is not None:
                reason = reason or record.error_kind
        reasons.append(reason)
        if reason is None:
            scorable.append(row)
        else:
            report.drop("score", reason, 1, example=pair_id)

    problems = _problem_lines(inputs, records, reasons)
    if not scorable:
        raise InputError("no pair could be scored: " + (problems[0] if problems else "no pairs"))

    pair_index = np.array(
        [
            (
                index["rna"][records["rna"][inputs.pairs[row][1]].seq_id],
                index["protein"][records["protein"][inputs.pairs[row][2]].seq_id],
            )  # type: ignore[index]
            for row in scorable
        ],
        dtype=np.int64,
    ).reshape(-1, 2)
    embeddings = {
        mol: LazyEmbeddings(sources[mol], [plans[mol][s] for s in usable[mol]]) for mol in ("rna", "protein")
    }
    score = score_pairs_fast if fast else score_pairs_plain
    with _progress(len(scorable), "scoring pairs", "pair", progress) as bar:
        probabilities = score(
            net, embeddings["rna"], embeddings["protein"], pair_index, batch_size, bar.update
        )
    report.step("scored", len(scorable))
    report.facts.update(
        {
            "model": str(model) if not isinstance(model, RPIembeddorModel) else type(model).__name__,
            "threshold": cutoff,
            "rna embedder": f"{sources['rna'].name} ({sources['rna'].embedder.revision})",
            "protein embedder": f"{sources['protein'].name} ({sources['protein'].embedder.revision})",
            "sequences embedded (rest from cache)": f"{embedded['rna']} RNA, {embedded['protein']} protein",
            "length policy": length_policy,
            "letter policy": letter_policy,
        }
    )
    table = _output_table(inputs, records, reasons, scorable, probabilities, cutoff)
    result = PredictionResult(table, cutoff, report, problems, embedded)
    if explain or explain_top:
        from rpiembeddor_hf.predict.explain import explain_pairs

        wanted = list(dict.fromkeys([*explain, *result.top(explain_top).column("pair_id").to_pylist()]))
        result.explained = explain_pairs(
            net, table, wanted, embeddings, index, Path(explain_dir or "explain"), cutoff
        )
    if output is not None:
        write_predictions(table, output)
    return result


def _problem_lines(
    inputs: Any, records: dict[str, dict[str, MoleculeRecord]], reasons: list[str | None]
) -> list[str]:
    """One line per unusable or unknown molecule, with the number of pairs it costs."""
    lost: Counter[tuple[str, str]] = Counter()
    for (_, r, p), reason in zip(inputs.pairs, reasons, strict=True):
        if reason is None:
            continue
        for mol, source_id in (("rna", r), ("protein", p)):
            record = records[mol].get(source_id)
            if record is None or record.error is not None:
                lost[(mol, source_id)] += 1
    lines = []
    for mol in ("rna", "protein"):
        for record in records[mol].values():
            if record.error is not None:
                lines.append(f"{record.error}; {lost[(mol, record.source_id)]} pair(s) skipped")
    for (mol, source_id), n in lost.items():
        if source_id not in records[mol]:
            lines.append(
                f"{mol} {source_id or '<empty id>'}: no such {mol} id in the sequences; {n} pair(s) skipped"
            )
    return lines


def _output_table(
    inputs: Any,
    records: dict[str, dict[str, MoleculeRecord]],
    reasons: list[str | None],
    scorable: list[int],
    probabilities: np.ndarray,
    threshold: float,
) -> pa.Table:
    n = len(inputs.pairs)
    probability = np.full(n, np.nan, dtype=np.float32)
    probability[scorable] = probabilities
    scored = np.zeros(n, dtype=bool)
    scored[scorable] = True
    columns: dict[str, list[Any]] = {name: [] for name in OUTPUT_SCHEMA.names}
    for row, (pair_id, r, p) in enumerate(inputs.pairs):
        rna_record, protein_record = records["rna"].get(r), records["protein"].get(p)
        notes: list[str] = []
        for record in (rna_record, protein_record):
            if record is not None:
                notes.extend(record.warnings)
        if reasons[row] is not None:
            notes.insert(0, f"skipped: {reasons[row]}")
        columns["pair_id"].append(pair_id)
        columns["rna_source_id"].append(r)
        columns["protein_source_id"].append(p)
        columns["rna_id"].append(None if rna_record is None else rna_record.seq_id)
        columns["protein_id"].append(None if protein_record is None else protein_record.seq_id)
        columns["probability"].append(float(probability[row]) if scored[row] else None)
        columns["label"].append(int(probability[row] >= threshold) if scored[row] else None)
        columns["status"].append("scored" if scored[row] else "skipped")
        columns["warnings"].append("; ".join(notes) or None)
    return pa.Table.from_pydict(columns, schema=OUTPUT_SCHEMA)
