"""``rpiembeddor evaluate``: the command line of :mod:`rpiembeddor_hf.evaluation`.

Its options are declared in this light module and the scoring code is imported when the command runs, so
``rpiembeddor evaluate --help`` imports neither torch nor scikit-learn.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError

log = logging.getLogger("rpiembeddor_hf.evaluation")


def model_source(
    config: Any, molecule: str, kind: str, stored: list[Path] | None, sequences: Path | None
) -> Any:
    """Where ``molecule``'s embeddings come from; a weight-free embedder the model was trained on is rebuilt
    with the options stored in its config (``<molecule>_embedding_options``), so a model trained on
    ``kmer-context`` with a non-default window is scored on the inputs it learned from."""
    from rpiembeddor_hf.data import EmbeddingSource

    options = None
    if kind == getattr(config, f"{molecule}_embedding_model", None):
        options = getattr(config, f"{molecule}_embedding_options", None)
    return EmbeddingSource(kind, stored or (), sequences, options=options)


def evaluate_command(
    model_dir: Annotated[
        Path, typer.Option("--model", help="Trained model folder (save_pretrained output).")
    ],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for metrics.json/.md, roc.png, pr.png, predictions.")
    ],
    data: Annotated[
        Path | None,
        typer.Option(help="Split folder ({train,validation,test}.parquet) or published dataset folder."),
    ] = None,
    split: Annotated[str, typer.Option(help="Split of --data to score.")] = "test",
    config: Annotated[str, typer.Option(help="Config (sub-folder) of a published dataset.")] = "interactions",
    interactions: Annotated[
        list[Path] | None,
        typer.Option(
            help="Interactions Parquet file(s) to score instead of --data/--split (e.g. an imported benchmark)."
        ),
    ] = None,
    rna_embeddings: Annotated[
        list[Path] | None, typer.Option(help="RNA embedding Parquet file(s) or folder(s).")
    ] = None,
    protein_embeddings: Annotated[
        list[Path] | None, typer.Option(help="Protein embedding Parquet file(s) or folder(s).")
    ] = None,
    rna_embedding: Annotated[
        str, typer.Option(help="stored (from --rna-embeddings) | onehot | random: must match training.")
    ] = "stored",
    protein_embedding: Annotated[
        str, typer.Option(help="stored | onehot | random: must match training.")
    ] = "stored",
    rna_sequences: Annotated[
        Path | None, typer.Option(help="RNA sequence table for onehot/random (default: beside the data).")
    ] = None,
    protein_sequences: Annotated[
        Path | None, typer.Option(help="Protein sequence table for onehot/random.")
    ] = None,
    embedding_seed: Annotated[
        int, typer.Option(help="Seed of the random ablation embeddings (must match training).")
    ] = 0,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Probability at or above which a pair is called interacting (default: the model's own, "
            "chosen on the validation split in training; 0.5 if it has none)."
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Pairs per batch.")] = 64,
    max_length: Annotated[int | None, typer.Option(help="Truncate sequences to this many residues.")] = None,
    name: Annotated[str | None, typer.Option(help="Name of the evaluated set in the report.")] = None,
) -> None:
    """Score a split or an imported benchmark: metrics with trivial baselines, ROC/PR PNGs, JSON + Markdown.

    Prints the Markdown table on stdout.
    """
    from rpiembeddor_hf.data import EmbeddedPairDataset, read_tables, split_files
    from rpiembeddor_hf.evaluation import evaluate_model
    from rpiembeddor_hf.predict.api import load_model  # one loader: a folder without weights is one line

    if not model_dir.is_dir():
        raise InputError(f"{model_dir}: no such model folder")
    model = load_model(model_dir)
    if interactions:
        table, set_name, data_dir = (
            read_tables(interactions),
            name or interactions[0].stem,
            interactions[0].parent,
        )
    elif data is not None:
        files = split_files(data, config)
        if split not in files:
            raise InputError(f"{data}: no {split!r} split (found {', '.join(files)})")
        table, set_name, data_dir = read_tables(files[split]), name or f"{data.name} {split}", data
    else:
        raise InputError("give --data (with --split) or --interactions")
    sources = {
        "rna": model_source(model.config, "rna", rna_embedding, rna_embeddings, rna_sequences),
        "protein": model_source(model.config, "protein", protein_embedding, protein_embeddings, protein_sequences),
    }
    stores = {
        m: s.open(m, data_dir, table.column(f"{m}_id").to_pylist(), embedding_seed)
        for m, s in sources.items()
    }
    pairs = EmbeddedPairDataset(table, stores["rna"], stores["protein"], name=set_name, max_length=max_length)
    report = evaluate_model(model, pairs, out_dir, threshold=threshold, batch_size=batch_size)
    log.info("wrote %s", out_dir)
    print(report.markdown(), end="")
