"""``predict_pairs``: score RNA-protein pairs from sequences with a trained RPIembeddor model.

The steps: check the settings and the output path (before any work) -> load the model (:mod:`.loading`)
-> read and normalise the sequences and pairs (:mod:`.inputs`) -> refuse sequences whose attention cannot
fit the memory budget (:mod:`.budget`) -> embed every unique sequence once through the content-addressed
cache (:mod:`.embedding_cache`) -> score in blocks sized by the budget (:mod:`.screen`), each block
written as it finishes (:mod:`.output`; a killed run rerun continues) -> one output row per input pair,
in input order, with the probability, the label at the threshold, and per-row warnings. Pairs that
cannot be scored stay in the output as ``skipped`` with the reason, are counted by reason in the report,
and do not stop the others.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from tqdm.auto import tqdm

from rnainteract_builder.contract.batching import check_length_policy
from rnainteract_builder.contract.embedders import BaseEmbedder, LengthPolicy
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import LetterPolicy
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.predict.budget import (
    DEFAULT_MEMORY_BUDGET,
    attention_bytes,
    format_bytes,
    length_limit,
    molecule_bytes,
    pairs_per_block,
    parse_memory,
    too_long_message,
)
from rpiembeddor_hf.predict.embedding_cache import CachedEmbedder, EmbeddingCache, PlannedEmbedding
from rpiembeddor_hf.predict.inputs import (
    MoleculeRecord,
    PairInputs,
    PairsSource,
    SequenceSource,
    collect_inputs,
)
from rpiembeddor_hf.predict.loading import (
    DEFAULT_THRESHOLD,
    build_embedder,
    load_model,
    model_threshold,
    resolve_device,
)
from rpiembeddor_hf.predict.output import (
    OUTPUT_SCHEMA,
    ROW,
    BlockStore,
    check_output,
    kept_blocks,
    top_rows,
    write_predictions,
    write_tables,
)
from rpiembeddor_hf.predict.screen import Screen, Side

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_THRESHOLD",
    "OUTPUT_SCHEMA",
    "PredictionResult",
    "build_embedder",
    "load_model",
    "model_threshold",
    "predict_pairs",
    "resolve_device",
    "write_predictions",
]
MOLECULES = ("rna", "protein")


@dataclass
class PredictionResult:
    """Rows of :data:`OUTPUT_SCHEMA` (input order; None when not kept), the report, the lines to read."""

    table: pa.Table | None
    threshold: float
    report: Report
    problems: list[str] = field(default_factory=list)
    embedded: dict[str, int] = field(default_factory=dict)  # sequences sent to each embedder this run
    explained: list[Path] = field(default_factory=list)
    rows: int = 0  # rows written or kept
    scored: int = 0
    output: Path | None = None

    def top(self, k: int = 10) -> pa.Table:
        """The ``k`` scored pairs with the highest probability."""
        if self.table is None:
            raise ValueError("the rows were written to the output, not kept (keep_table=False)")
        return _top(self.table, k)

    def write(self, path: str | os.PathLike[str] | None) -> None:
        if self.table is None:
            raise ValueError("the rows were written to the output, not kept (keep_table=False)")
        write_predictions(self.table, path)


def _top(table: pa.Table, k: int) -> pa.Table:
    scored = table.filter(pc.equal(table.column("status"), "scored"))
    order = pc.sort_indices(scored, sort_keys=[("probability", "descending"), ("pair_id", "ascending")])
    return scored.take(order[:k])


def _progress(total: int, desc: str, unit: str, enabled: bool) -> tqdm:
    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=None if enabled else True, leave=False
    )


@dataclass
class _Settings:
    threshold: float | None
    batch_size: int
    length_policy: LengthPolicy
    max_length: int | None
    letter_policy: LetterPolicy
    budget: int
    fast: bool
    top_k_per_rna: int
    top_k_per_protein: int


def _check(settings: _Settings, output: str | os.PathLike[str] | None) -> None:
    """Every setting and the output path, before the model is loaded or anything is read."""
    if settings.batch_size < 1:
        raise InputError(f"batch size must be positive, not {settings.batch_size}")
    if settings.threshold is not None and not 0.0 <= float(settings.threshold) <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, not {settings.threshold}")
    check_length_policy(settings.length_policy)
    if settings.letter_policy not in ("reject", "replace"):
        raise InputError(f"letter policy must be 'reject' or 'replace', not {settings.letter_policy!r}")
    if settings.top_k_per_rna < 0 or settings.top_k_per_protein < 0:
        raise InputError("top-k must be 0 (all rows) or positive")
    check_output(output)


def _sources(
    net: RPIembeddorModel,
    specs: dict[str, str | BaseEmbedder | None],
    device: torch.device,
    cache: EmbeddingCache,
    settings: _Settings,
) -> dict[str, CachedEmbedder]:
    limit = length_limit(net.config, settings.budget)
    sources = {}
    for mol in MOLECULES:

        def message(length: int, mol: str = mol) -> str:
            need = molecule_bytes(net.config, length)
            return too_long_message(mol, length, limit, settings.length_policy, settings.budget, need)

        sources[mol] = CachedEmbedder(
            build_embedder(specs[mol], mol, net.config, device),  # type: ignore[arg-type]
            cache,
            settings.length_policy,
            settings.max_length,
            model_limit=limit,
            model_limit_message=message,
        )
    return sources


def _embed(
    source: CachedEmbedder, records: dict[str, MoleculeRecord], molecule: str, progress: bool
) -> tuple[dict[str, PlannedEmbedding], int]:
    """Plan every unique usable sequence, embed what the cache lacks, and mark unusable records."""
    plans: dict[str, PlannedEmbedding] = {}
    for record in records.values():
        if record.error is None and record.seq_id not in plans:
            plans[record.seq_id] = source.plan(record.seq_id, record.sequence)  # type: ignore[arg-type,index]
    todo = [
        p
        for p in plans.values()
        if p.error is None and (source.embedder, p.seq_id, p.variant) not in source.cache
    ]
    with _progress(len(todo), f"embedding {molecule}s ({source.name})", "seq", progress) as bar:
        before = source.calls
        source.ensure(todo, bar.update)
    for record in records.values():  # length policy and embedding failures make a molecule unusable
        plan = plans.get(record.seq_id) if record.seq_id else None
        if plan is not None and plan.error is not None:
            record.fail(plan.error_kind or "unusable", f"{molecule} {record.source_id}: {plan.error}")
        elif plan is not None:
            record.warnings.extend(f"{molecule} {warning}" for warning in plan.warnings)
    return plans, source.calls - before


def _fingerprint(
    net: RPIembeddorModel,
    inputs: PairInputs,
    sources: dict[str, CachedEmbedder],
    settings: _Settings,
    cutoff: float,
) -> dict[str, object]:
    """What makes two runs give the same output: model weights, inputs, embedders and settings."""
    weights = hashlib.sha256()
    for key, tensor in sorted(net.state_dict().items()):
        weights.update(key.encode())
        weights.update(tensor.detach().cpu().contiguous().float().numpy().tobytes())
    content = hashlib.sha256()
    for records in (inputs.rnas, inputs.proteins):
        for record in records.values():
            content.update(f"{record.source_id}\t{record.seq_id}\t{record.error_kind}\n".encode())
    if inputs.listed is not None:
        content.update(f"{inputs.listed.count} pairs {inputs.listed.digest}\n".encode())
    return {
        "model": weights.hexdigest(),
        "inputs": content.hexdigest(),
        "embedders": {m: f"{s.name} {s.embedder.revision}" for m, s in sources.items()},
        "settings": {**settings.__dict__, "threshold": cutoff},
    }


def _report(
    screen: Screen, blocks: list[tuple[int, int]], inputs: PairInputs
) -> tuple[Report, list[str], int]:
    """The report, one line per unusable or unknown molecule (with the pairs it costs), rows to score."""
    by_reason, example, lost = screen.skipped(blocks)
    report = Report("prediction")
    report.step("pairs in input", screen.count)
    for reason, count in by_reason.items():
        report.drop("score", reason, count, example=example[reason])
    lines = []
    for mol, records in (("rna", inputs.rnas), ("protein", inputs.proteins)):
        for record in records.values():
            if record.error is not None:
                lines.append(f"{record.error}; {lost[(mol, record.source_id)]} pair(s) skipped")
    for (mol, source_id), n in lost.items():
        if source_id not in (inputs.rnas if mol == "rna" else inputs.proteins):
            lines.append(
                f"{mol} {source_id or '<empty id>'}: no such {mol} id in the sequences; {n} pair(s) skipped"
            )
    return report, lines, screen.count - sum(by_reason.values())


def _parts_folder(output: str | os.PathLike[str] | None) -> Path | None:
    if output is None or str(output) == "-":
        return None
    target = Path(output)
    return target.with_name(f".{target.name}.parts")


def _run_blocks(screen: Screen, store: BlockStore, blocks: list[tuple[int, int]], progress: bool) -> int:
    """Score every block not already in the store; returns how many were found done (resumed)."""
    resumed = [n for n in range(len(blocks)) if store.done(n)]
    todo = [n for n in range(len(blocks)) if not store.done(n)]
    pending = set(todo)
    with _progress(
        sum(b - a for a, b in (blocks[n] for n in todo)), "scoring pairs", "pair", progress
    ) as bar:
        for number, chunk in enumerate(screen.chunks(blocks)):  # a pairs file is read once, in block order
            if number in pending:
                start, stop = blocks[number]
                store.put(number, screen.block(start, stop, bar.update, chunk))
    return len(resumed)


def _finish(
    store: BlockStore,
    blocks: int,
    keep: np.ndarray | None,
    output: str | os.PathLike[str],
    parts: Path | None,
) -> int:
    """Stream the finished blocks into the output; a failed write says where the results are kept."""
    try:
        return write_tables(kept_blocks(store, blocks, keep), output)
    except OSError as err:
        where = (
            f"the finished results are kept in {parts}/ (one Parquet file per block of rows)" if parts else ""
        )
        raise InputError(
            f"{output}: the final write failed ({err.strerror or err}); {where}; rerun the same command with "
            "a writable -o to write them without scoring again"
        ) from err


def _explain(
    net: RPIembeddorModel,
    screen: Screen,
    store: BlockStore,
    blocks: int,
    result: PredictionResult,
    wanted_ids: list[str],
    top: int,
    out_dir: Path,
) -> None:
    """Attention maps of the wanted pairs and of the ``top`` best, found in one pass over the blocks."""
    from rpiembeddor_hf.predict.explain import explain_pairs

    best = pa.Table.from_pylist([], schema=OUTPUT_SCHEMA)
    chosen = []
    for table in kept_blocks(store, blocks, None):
        public = table.drop_columns([ROW])
        if top:
            best = _top(pa.concat_tables([best, public]), top)
        if wanted_ids:
            chosen.append(public.filter(pc.is_in(public.column("pair_id"), pa.array(list(wanted_ids)))))
    rows = pa.concat_tables([*chosen, best]) if chosen else best
    lengths = {
        item.seq_id: item.length for side in (screen.rna, screen.protein) for item in side.embeddings.items
    }
    for row in rows.to_pylist():  # attention maps are L_rna x L_protein per head: refuse what cannot fit
        need = attention_bytes(net.config, lengths.get(row["rna_id"], 0), lengths.get(row["protein_id"], 0))
        if row["status"] == "scored" and need > screen.budget:
            raise InputError(
                f"--explain {row['pair_id']}: its attention maps need about {format_bytes(need)}, more than the "
                f"memory budget {format_bytes(screen.budget)}; raise --memory-budget"
            )
    wanted = list(dict.fromkeys([*wanted_ids, *best.column("pair_id").to_pylist()]))
    embeddings = {"rna": screen.rna.embeddings, "protein": screen.protein.embeddings}
    index = {
        side.molecule: {item.seq_id: i for i, item in enumerate(side.embeddings.items)}
        for side in (screen.rna, screen.protein)
    }
    result.explained = explain_pairs(net, rows, wanted, embeddings, index, out_dir, result.threshold)


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
    memory_budget: str | int = DEFAULT_MEMORY_BUDGET,
    top_k_per_rna: int = 0,
    top_k_per_protein: int = 0,
    keep_table: bool = True,
) -> PredictionResult:
    """Score RNA-protein pairs from sequences.

    Args:
        model: a folder written by ``save_pretrained``, a Hub id, or a loaded :class:`RPIembeddorModel`.
        pairs: ``"all"`` (every RNA against every protein), a list of ``(rna_id, protein_id)``, or a pairs
            file / Arrow table with ``rna_id``, ``protein_id`` (optional ``pair_id``, ``rna_sequence``,
            ``protein_sequence``). TSV by default, CSV for ``.csv``, or Parquet.
        rna, protein: FASTA files or ``{id: sequence}`` mappings (not needed when the pairs carry sequences).
        output: ``.tsv``, ``.csv`` or ``.parquet`` (checked before any work; another extension is an
            error), ``-`` for TSV on stdout, None to write nothing. Written block by block into
            ``.<name>.parts/`` beside it, so a killed run rerun continues; renamed into place at the end.
        threshold: label = probability >= threshold; defaults to the model config's ``threshold``, else 0.5.
        batch_size: at most this many molecules per encoding call (the memory budget may take fewer).
        device: ``cpu``, ``cuda``, ``cuda:1`` ...; None picks a GPU when there is one.
        cache_dir: the embedding cache folder shared across runs (None: in memory, this run only).
        length_policy: ``reject`` (skip over-long sequences, reported), ``truncate`` or ``chunk``.
        max_length: lower the embedders' residue limit (e.g. 1024, the training data limit).
        letter_policy: ``replace`` non-standard letters by N / X (warned per row) or ``reject`` them.
        rna_embedder, protein_embedder: override the config's embedders (a name or an embedder object).
        fast: the screening fast path (False: the plain batched forward, for checking).
        explain / explain_top / explain_dir: write attention maps for these pair ids / the top k pairs.
        memory_budget: working memory of scoring (``"2GB"``, ``"512MB"`` or bytes); blocks are sized
            by it and a sequence whose attention cannot fit is refused before anything is allocated.
        top_k_per_rna, top_k_per_protein: keep only pairs among the k best of their RNA or of their
            protein (0: every pair).
        keep_table: return the rows in ``result.table`` (False: only write them; memory stays bounded).
    """
    settings = _Settings(
        threshold,
        batch_size,
        length_policy,
        max_length,
        letter_policy,
        parse_memory(memory_budget),
        fast,
        top_k_per_rna,
        top_k_per_protein,
    )
    _check(settings, output)
    torch_device = resolve_device(device)
    net = load_model(model, torch_device)
    cutoff = model_threshold(net.config) if threshold is None else float(threshold)
    inputs = collect_inputs(pairs, rna, protein, letter_policy)
    cache = cache_dir if isinstance(cache_dir, EmbeddingCache) else EmbeddingCache(cache_dir)
    sources = _sources(net, {"rna": rna_embedder, "protein": protein_embedder}, torch_device, cache, settings)
    records = {"rna": inputs.rnas, "protein": inputs.proteins}
    plans, embedded = {}, {}
    for mol in MOLECULES:
        plans[mol], embedded[mol] = _embed(sources[mol], records[mol], mol, progress)
    sides = [Side.build(mol, records[mol], plans[mol], sources[mol]) for mol in MOLECULES]
    screen = Screen(net, sides[0], sides[1], inputs.listed, cutoff, batch_size, settings.budget, fast)
    blocks = screen.plan_blocks(pairs_per_block(settings.budget))
    report, problems, scorable = _report(screen, blocks, inputs)
    if not scorable:
        raise InputError("no pair could be scored: " + (problems[0] if problems else "no pairs"))

    parts = _parts_folder(output)
    if parts is None and not keep_table and output is not None:
        parts = Path(tempfile.mkdtemp(prefix="rpiembeddor-screen-"))  # stdout: blocks on disk, not in memory
    store = BlockStore(parts, _fingerprint(net, inputs, sources, settings, cutoff))
    try:
        resumed = _run_blocks(screen, store, blocks, progress)
    except BaseException:
        if parts is not None and parts != _parts_folder(output):  # a temporary folder: nothing to resume
            store.remove()
        raise
    keep = top_rows(store, len(blocks), top_k_per_rna, top_k_per_protein)
    table = (
        pa.concat_tables(kept_blocks(store, len(blocks), keep)).drop_columns([ROW]) if keep_table else None
    )
    result = PredictionResult(table, cutoff, report, problems, embedded, scored=scorable)
    result.rows = screen.count if keep is None else len(keep)
    report.step("scored", scorable)
    report.facts.update(_facts(model, cutoff, sources, embedded, settings, len(blocks), resumed))
    if explain or explain_top:
        where = Path(explain_dir or "explain")
        _explain(net, screen, store, len(blocks), result, list(explain), explain_top, where)
    if output is not None:
        _finish(store, len(blocks), keep, output, _parts_folder(output))
        result.output = None if str(output) == "-" else Path(output)
    store.remove()
    return result


def _facts(
    model: object,
    cutoff: float,
    sources: dict[str, CachedEmbedder],
    embedded: dict[str, int],
    settings: _Settings,
    blocks: int,
    resumed: int,
) -> dict[str, object]:
    return {
        "model": str(model) if not isinstance(model, RPIembeddorModel) else type(model).__name__,
        "threshold": cutoff,
        "rna embedder": f"{sources['rna'].name} ({sources['rna'].embedder.revision})",
        "protein embedder": f"{sources['protein'].name} ({sources['protein'].embedder.revision})",
        "sequences embedded (rest from cache)": f"{embedded['rna']} RNA, {embedded['protein']} protein",
        "length policy": settings.length_policy,
        "letter policy": settings.letter_policy,
        "memory budget (bytes)": settings.budget,
        "blocks (resumed from an earlier run)": f"{blocks} ({resumed})",
        "top-k per RNA / per protein": f"{settings.top_k_per_rna} / {settings.top_k_per_protein}",
    }
