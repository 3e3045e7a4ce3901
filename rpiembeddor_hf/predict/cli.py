"""``rpiembeddor predict``: score RNA-protein pairs from sequences (the command-line face of predict_pairs)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from rnainteract_builder.contract.errors import InputError

log = logging.getLogger("rpiembeddor.predict")

#: Default cache folder: $RPIEMBEDDOR_CACHE, else $XDG_CACHE_HOME/rpiembeddor/embeddings (~/.cache/...).
CACHE_ENV = "RPIEMBEDDOR_CACHE"


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rpiembeddor" / "embeddings"


def predict_command(
    model: Annotated[
        str, typer.Option("--model", "-m", help="Trained model: a save_pretrained folder or a Hub id.")
    ],
    rna: Annotated[Path | None, typer.Option(help="RNA FASTA (.gz ok): sequences by id.")] = None,
    protein: Annotated[Path | None, typer.Option(help="Protein FASTA (.gz ok): sequences by id.")] = None,
    pairs: Annotated[
        str,
        typer.Option(
            help="'all' (every RNA x every protein: screening) or a pairs file (TSV; .csv; .parquet) with "
            "rna_id, protein_id and optionally pair_id, rna_sequence, protein_sequence."
        ),
    ] = "all",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output .tsv / .csv / .parquet (default: TSV on stdout)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Label = probability >= threshold (default: the model config's, else 0.5)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Molecules per encoding batch / pairs per scoring call.")
    ] = 256,
    device: Annotated[
        str, typer.Option(help="cpu, cuda, cuda:1 ... or auto (a GPU when there is one).")
    ] = "auto",
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help=f"Embedding cache shared across runs (default ${CACHE_ENV} or ~/.cache/rpiembeddor/embeddings)."
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Keep embeddings in memory only.")] = False,
    length_policy: Annotated[
        str,
        typer.Option(
            help="Sequences longer than the embedder takes: reject (skip, reported), truncate, chunk."
        ),
    ] = "reject",
    max_length: Annotated[
        int | None, typer.Option(help="Lower the residue limit (e.g. 1024, the training limit).")
    ] = None,
    letters: Annotated[
        str,
        typer.Option(
            help="Non-standard letters: replace (by N / X, warned per row) or reject (skip the sequence)."
        ),
    ] = "replace",
    rna_embedder: Annotated[
        str | None, typer.Option(help="Override the RNA embedder named in the model config.")
    ] = None,
    protein_embedder: Annotated[
        str | None, typer.Option(help="Override the protein embedder named in the model config.")
    ] = None,
    explain: Annotated[
        list[str] | None,
        typer.Option(help="Write attention maps (PNG + safetensors) for this pair id (repeatable)."),
    ] = None,
    explain_top: Annotated[int, typer.Option(help="Also explain the N highest-scoring pairs.")] = 0,
    explain_dir: Annotated[
        Path | None, typer.Option(help="Folder for --explain output (default: <out>_explain).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the run report to REPORT.json / REPORT.md.")
    ] = None,
    memory_budget: Annotated[
        str,
        typer.Option(
            help="Working memory for scoring (e.g. 2GB, 512MB): blocks are sized by it, and a sequence whose "
            "attention cannot fit is refused before anything is allocated."
        ),
    ] = "2GB",
    top_k_per_rna: Annotated[
        int, typer.Option(help="Keep only the K best proteins of each RNA (0: every pair).")
    ] = 0,
    top_k_per_protein: Annotated[
        int,
        typer.Option(
            help="Keep only the K best RNAs of each protein (0: every pair; with --top-k-per-rna: either)."
        ),
    ] = 0,
    plain: Annotated[
        bool, typer.Option("--plain", help="Use the plain batched forward instead of the fast path.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress bars on stderr.")
    ] = True,
) -> None:
    """Score RNA-protein pairs from sequences with a trained RPIembeddor.

    Screen every RNA against every protein:  rpiembeddor predict -m MODEL --rna r.fa --protein p.fa -o hits.tsv

    Score listed pairs:  rpiembeddor predict -m MODEL --pairs pairs.tsv --rna r.fa --protein p.fa

    Scoring runs in blocks sized by --memory-budget and written as they finish; a killed screen rerun with
    the same command continues where it stopped and gives the same output.

    Sequences are embedded with the embedders of the model config (RNA-FM / ESM-2 by default) through a
    content-addressed cache, so a second run over the same sequences embeds nothing. One output row per
    input pair: ids, probability, label at the threshold, status (scored / skipped) and warnings (letters
    replaced, truncated, chunked, why a pair was skipped). Pairs that cannot be scored are reported on
    stderr, one line per problem; the rest are still scored.
    """
    from rpiembeddor_hf.predict.api import predict_pairs

    if pairs == "all" and (rna is None or protein is None):
        raise InputError("screening (--pairs all) needs --rna and --protein FASTA files")
    if explain_dir is None and (explain or explain_top):
        explain_dir = out.with_name(out.name.split(".")[0] + "_explain") if out else Path("explain")
    result = predict_pairs(
        model,
        pairs,
        rna,
        protein,
        threshold=threshold,
        batch_size=batch_size,
        device=device,
        cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
        length_policy=length_policy,  # type: ignore[arg-type]
        max_length=max_length,
        letter_policy=letters,  # type: ignore[arg-type]
        rna_embedder=rna_embedder,
        protein_embedder=protein_embedder,
        fast=not plain,
        progress=progress,
        explain=explain or (),
        explain_top=explain_top,
        explain_dir=explain_dir,
        output=out if out is not None else "-",
        memory_budget=memory_budget,
        top_k_per_rna=top_k_per_rna,
        top_k_per_protein=top_k_per_protein,
        keep_table=False,
    )
    for line in result.problems:
        log.warning("%s", line)
    log.info(
        "scored %d of %d pairs (threshold %g); embedded %d RNA and %d protein sequences, the rest from cache",
        result.scored,
        result.report.steps[0][1],
        result.threshold,
        result.embedded.get("rna", 0),
        result.embedded.get("protein", 0),
    )
    if result.explained:
        log.info("attention maps: %d files in %s", len(result.explained), explain_dir)
    if report is not None:
        result.report.write(report)
    if result.output is not None:
        log.info("wrote %d rows to %s", result.rows, result.output)
