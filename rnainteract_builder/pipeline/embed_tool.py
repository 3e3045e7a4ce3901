"""``rnainteract embed``: the embed stage's engine on any sequence tables, e.g. under ``accelerate launch``.

The options are the fields of :class:`~rnainteract_builder.embed.stage.EmbedConfig` (generated, never
declared twice); the inputs are arguments and ``--output`` / ``-o`` names the folder of shards.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.embed.stage import EmbedConfig, run_embed
from rnainteract_builder.pipeline.options import config_parameters, config_values
from rnainteract_builder.pipeline.sections import parse_section

#: Fields that are the command's arguments rather than options.
IO_FIELDS = ("inputs", "output")

InputsArgument = Annotated[
    list[Path],
    typer.Argument(
        help="Sequence tables (Parquet with id, sequence) or pairs/split folders "
        "(their <molecule>_sequences.parquet is used).",
        show_default=False,
    ),
]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="Folder for the shards and manifest.")]


def _embed(inputs: list[Path], output: Path, **given: Any) -> None:
    values = config_values(EmbedConfig, given)
    config = parse_section("embed", EmbedConfig, {"inputs": list(inputs), "output": output, **values})
    if config.tokens_per_batch <= 0 or config.residues_per_shard <= 0:
        raise InputError("--tokens-per-batch and --residues-per-shard must be positive")
    result = run_embed(config)
    if result.manifest:
        print(
            f"{result.output}\t{result.sequences} sequences\t{len(result.shards)} shards\t"
            f"{result.report.dropped()} dropped"
        )


def embed_command(**given: Any) -> None:
    """Embed each unique sequence once with RNA-FM / ESM-2 (or one-hot / random) into Parquet shards.

    Resumable: rerun the same command after an interruption and finished shards are kept. Spread over
    GPUs (or CPU processes) with `accelerate launch -m rnainteract_builder.cli embed ...`. Prints the
    output folder, sequence count and shard count on stdout.
    """
    _embed(**given)


embed_command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("inputs", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=InputsArgument),
        inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, annotation=OutputOption),
        *config_parameters(EmbedConfig, skip=IO_FIELDS),
    ]
)
