"""``rpiembeddor train``: the command line of training, generated from the configuration classes.

The training options come from ``dataclasses.fields(TrainingConfig)`` (help in each field's metadata) and
the architecture options from :data:`rpiembeddor_hf.configuration_fields.FIELDS` (the fields of
``RPIembeddorConfig``), so every default is declared once, where the configuration is, and a new field is a
new option. Only the options that say where the data is, the list of seeds and ``--config-file``
(:mod:`.settings`) are declared here. Neither torch nor transformers is imported before the command runs, so
``rpiembeddor train --help`` is quick.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.configuration_fields import FIELDS
from rpiembeddor_hf.training.config import TrainingConfig
from rpiembeddor_hf.training.settings import read_settings

if typing.TYPE_CHECKING:
    from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
    from rpiembeddor_hf.data import EmbeddedPairDataset

#: ``--seeds 1 2 3``: Click options take one value, so the further seeds arrive as extra arguments.
TRAIN_CONTEXT = {"allow_extra_args": True}
#: Model-config fields that are not options: the data decides the widths and embedders, training the
#: threshold.
NOT_MODEL_OPTIONS = frozenset(f.name for f in FIELDS if not f.option)
#: Short option names of earlier releases, kept beside the generated ``--num-attention-heads`` etc.
MODEL_OPTION_ALIASES = {"num_attention_heads": "--heads", "num_layers": "--layers"}


def _command_options(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Split folder ({train,validation,test}.parquet + sequence tables) or published dataset "
            "folder."
        ),
    ] = None,
    config_name: Annotated[
        str, typer.Option("--config", help="Config (sub-folder) of a published dataset.")
    ] = ("interactions"),
    train: Annotated[
        Path | None, typer.Option("--train", help="Training interactions Parquet (overrides --data's).")
    ] = None,
    validation: Annotated[
        Path | None, typer.Option(help="Validation interactions Parquet (best checkpoint is chosen on it).")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="Test interactions Parquet (scored once with the best checkpoint).")
    ] = None,
    rna_embeddings: Annotated[
        list[Path] | None,
        typer.Option(help="RNA embedding Parquet file(s) or folder(s) (embeddings schema)."),
    ] = None,
    protein_embeddings: Annotated[
        list[Path] | None, typer.Option(help="Protein embedding Parquet file(s) or folder(s).")
    ] = None,
    rna_embedding: Annotated[
        str,
        typer.Option(
            help="stored (from --rna-embeddings) | kmer-context (weight-free, contextual) | onehot | random "
            "(i.i.d. noise) | random-letter; the weight-free ones are computed from the RNA sequence table."
        ),
    ] = "stored",
    protein_embedding: Annotated[
        str, typer.Option(help="The same choices, for proteins.")
    ] = "stored",
    rna_embedding_options: Annotated[
        str | None,
        typer.Option(
            help="Options of the weight-free RNA embedder as JSON, e.g. '{\"window\": 5}' for kmer-context; "
            "stored in the model config, so predict and evaluate rebuild the same embedder."
        ),
    ] = None,
    protein_embedding_options: Annotated[
        str | None, typer.Option(help="The same, for the weight-free protein embedder.")
    ] = None,
    rna_sequences: Annotated[
        Path | None,
        typer.Option(
            help="RNA sequence table for onehot/random (default: rna_sequences.parquet beside the splits)."
        ),
    ] = None,
    protein_sequences: Annotated[
        Path | None, typer.Option(help="Protein sequence table for onehot/random.")
    ] = None,
    embedding_seed: Annotated[int, typer.Option(help="Seed of the random ablation embeddings.")] = 0,
    seeds: Annotated[
        list[int] | None,
        typer.Option(
            "--seeds",
            help="Training seed(s); several give mean ± std (paper: 1 2 3). Repeat the option or list them "
            "after it.",
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            help="YAML file of training and model settings (keys: the option names, e.g. learning_rate: "
            "5.0e-4); options given on the command line win."
        ),
    ] = None,
) -> None:
    """Where the data comes from, the seeds and the settings file: the options that are not configuration
    fields (signature only)."""


# -- options generated from the configuration classes --------------------------------------------------------
def _dashed(name: str) -> str:
    return "--" + name.replace("_", "-")


def _option_names(name: str, annotation: Any, default: Any, explicit: str | None = None) -> tuple[str, ...]:
    """``--name`` (``--name/--no-name`` for a switch that is on by default), or the explicit name."""
    if explicit:
        return (explicit,)
    if annotation is bool and default is True:
        return (f"{_dashed(name)}/--no-{name.replace('_', '-')}",)
    return (_dashed(name),)


def _parameter(
    name: str, annotation: Any, default: Any, names: tuple[str, ...], text: str
) -> inspect.Parameter:
    """A keyword parameter ``name: Annotated[annotation, typer.Option(*names, help=text)] = default``."""
    empty = default is dataclasses.MISSING or default is inspect.Parameter.empty
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=inspect.Parameter.empty if empty else default,
        annotation=Annotated[annotation, typer.Option(*names, help=text)],
    )


def training_parameters() -> list[inspect.Parameter]:
    """One option per :class:`TrainingConfig` field that has one (``metadata["cli"]`` is not ``None``)."""
    hints = typing.get_type_hints(TrainingConfig)
    out = []
    for f in dataclasses.fields(TrainingConfig):
        explicit = f.metadata.get("cli", "")
        if explicit is None:
            continue
        names = _option_names(f.name, hints[f.name], f.default, explicit or None)
        out.append(_parameter(f.name, hints[f.name], f.default, names, f.metadata.get("help", "")))
    return out


def model_parameters() -> list[inspect.Parameter]:
    """One option per architecture field of the model configuration, with its (paper) default and help."""
    out = []
    for f in FIELDS:
        if not f.option:
            continue
        names = _option_names(f.name, f.kind, f.default)
        if f.name in MODEL_OPTION_ALIASES:
            names = (MODEL_OPTION_ALIASES[f.name], *names)
        out.append(_parameter(f.name, f.kind, f.default, names, f.help))
    return out


def _command_parameters() -> list[inspect.Parameter]:
    """The parameters of :func:`_command_options` (data, seeds, settings file), keyword-only."""
    hints = typing.get_type_hints(_command_options, include_extras=True)
    return [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints[p.name])
        for p in inspect.signature(_command_options).parameters.values()
    ]


def build_command(body: Callable[[typer.Context, dict[str, Any]], None]) -> Callable[..., None]:
    """A Typer command whose options are the command's own (data, seeds, settings file), the training fields
    and the model parameters; ``body(ctx, options)`` receives them all by name."""
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    parameters = [context, *_command_parameters(), *training_parameters(), *model_parameters()]
    names = [p.name for p in parameters]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise RuntimeError(f"option(s) declared twice: {', '.join(duplicated)}")

    def command(ctx: typer.Context, **options: Any) -> None:
        body(ctx, options)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = _run.__doc__
    command.__name__ = "train_command"
    return command


# -- the command itself --------------------------------------------------------------------------------------
def _run(ctx: typer.Context, options: dict[str, Any]) -> None:
    """Train RPIembeddor (paper defaults) with Accelerate; `accelerate launch` it for several GPUs/CPUs.

    Prints the validation/test table (mean ± std over seeds, beside the trivial baselines) on stdout.
    """
    from rpiembeddor_hf.data import EmbeddingSource
    from rpiembeddor_hf.training.seeds import train_seeds

    logging.getLogger("accelerate").setLevel(logging.WARNING)  # its per-save INFO lines drown the progress
    data = {p.name: options.pop(p.name) for p in _command_parameters()}
    if data["config_file"] is not None:
        options.update(_file_settings(ctx, data["config_file"]))
    training = {f.name: options.pop(f.name) for f in dataclasses.fields(TrainingConfig) if f.name in options}
    files = resolve_splits(data["data"], data["config_name"], data["train"], data["validation"], data["test"])
    rna_source, protein_source = (
        EmbeddingSource(
            data[f"{m}_embedding"],
            data[f"{m}_embeddings"] or (),
            data[f"{m}_sequences"],
            embedder_options(m, data[f"{m}_embedding"], data[f"{m}_embedding_options"]),
        )
        for m in ("rna", "protein")
    )
    splits = load_pair_splits(
        files,
        rna_source,
        protein_source,
        data["data"] if data["data"] is not None else files["train"][0].parent,
        max_length=training["max_length"],
        embedding_seed=data["embedding_seed"],
    )
    train_data = splits["train"]
    model_config = _model_config(train_data, data["rna_embedding"], data["protein_embedding"], options)
    described = (
        str(data["data"]) if data["data"] is not None else ", ".join(str(p[0]) for p in files.values())
    )
    config = TrainingConfig(
        **{**training, "dataset_version": training["dataset_version"] or dataset_version(data["data"])},
        data_description=described,
    )
    seeds = all_seeds(data["seeds"], ctx.args)
    result = train_seeds(
        train_data, splits.get("validation"), model_config, config, seeds, test=splits.get("test")
    )
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(result.markdown(), end="")


train_command = build_command(_run)


def _file_settings(ctx: typer.Context, path: Path) -> dict[str, Any]:
    """The settings of ``--config-file`` that the command line does not set itself."""
    kinds = {p.name: typing.get_args(p.annotation)[0] for p in [*training_parameters(), *model_parameters()]}
    kinds.pop("output_dir")
    settings = read_settings(path, kinds)
    return {k: v for k, v in settings.items() if not _given(ctx, k)}


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether option ``name`` was typed on the command line (by name: Typer ships its own Click)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


# -- inputs --------------------------------------------------------------------------------------------------
def resolve_splits(
    data: Path | None, config_name: str, train: Path | None, validation: Path | None, test: Path | None
) -> dict[str, list[Path]]:
    """The interactions files of each split: ``--data``'s, replaced by ``--train`` / ``--validation`` /
    ``--test``."""
    from rpiembeddor_hf.data import split_files

    files = split_files(data, config_name) if data is not None else {}
    for split, path in (("train", train), ("validation", validation), ("test", test)):
        if path is not None:
            files[split] = [path]
    if "train" not in files:
        raise InputError("no training split: give --data (a folder with train.parquet) or --train")
    return files


def load_pair_splits(
    files: dict[str, list[Path]],
    rna_source: Any,
    protein_source: Any,
    data_dir: Path | None,
    max_length: int | None = None,
    embedding_seed: int = 0,
) -> dict[str, EmbeddedPairDataset]:
    """Read the interactions of every split, open (or compute) embeddings once, join and check them."""
    from rpiembeddor_hf.data import EmbeddedPairDataset, read_tables

    tables = {split: read_tables(paths) for split, paths in files.items()}
    for split, table in tables.items():
        for column in ("pair_id", "rna_id", "protein_id", "label"):
            if column not in table.column_names:
                raise InputError(f"{files[split][0]}: interactions table lacks column {column!r}")
    ids = {
        m: [i for t in tables.values() for i in t.column(f"{m}_id").to_pylist()] for m in ("rna", "protein")
    }
    stores = {
        "rna": rna_source.open("rna", data_dir, ids["rna"], embedding_seed),
        "protein": protein_source.open("protein", data_dir, ids["protein"], embedding_seed),
    }
    return {
        split: EmbeddedPairDataset(
            table,
            stores["rna"],
            stores["protein"],
            name=f"{split} ({files[split][0].name})",
            max_length=max_length,
        )
        for split, table in tables.items()
    }


def dataset_version(data: Path | None) -> str | None:
    """The version in ``<data>/manifest.json`` (a published dataset folder), else ``None``."""
    if data is None or not (data / "manifest.json").exists():
        return None
    try:
        return str(json.loads((data / "manifest.json").read_text()).get("version"))
    except (OSError, ValueError):
        return None


def all_seeds(seeds: list[int] | None, extra: list[str]) -> list[int]:
    """``--seeds`` plus the seeds listed after it (Click leaves those as extra arguments); default 1."""
    out = list(seeds or [])
    for arg in extra:
        try:
            out.append(int(arg))
        except ValueError:
            raise InputError(f"unexpected argument {arg!r} (only seeds may follow --seeds)") from None
    if extra and not seeds:
        raise InputError(f"unexpected argument(s) {' '.join(extra)}")
    return out or [1]


def _model_config(
    train: EmbeddedPairDataset, rna_source: str, protein_source: str, options: dict[str, Any]
) -> RPIembeddorConfig:
    """The architecture options with the input widths and embedder names of the training data."""
    from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig

    try:
        return RPIembeddorConfig(
            rna_embedding_dim=train.rna_store.dim,
            protein_embedding_dim=train.protein_store.dim,
            rna_embedding_model=_embedder_name(rna_source, train.rna_store),
            protein_embedding_model=_embedder_name(protein_source, train.protein_store),
            rna_embedding_options=train.embedder_options("rna"),
            protein_embedding_options=train.embedder_options("protein"),
            **options,
        )
    except ValueError as err:
        raise InputError(f"model settings: {err}") from None


def embedder_options(molecule: str, kind: str, text: str | None) -> dict[str, Any] | None:
    """``--<molecule>-embedding-options``: a JSON object of keyword arguments of a weight-free embedder."""
    if text is None:
        return None
    option = f"--{molecule}-embedding-options"
    if kind == "stored":
        raise InputError(
            f"{option} applies to a weight-free --{molecule}-embedding (e.g. kmer-context), not stored"
        )
    try:
        options = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{option}: not valid JSON ({err.msg}): {text!r}") from None
    if not isinstance(options, dict):
        raise InputError(f"{option}: must be a JSON object such as '{{\"window\": 5}}', not {text!r}")
    return options or None


def _embedder_name(source: str, store: Any) -> str | None:
    """The embedder a model input came from: the ablation's name, or the one model of a stored table."""
    if source != "stored":
        return source
    models = sorted(getattr(store, "models", set()))
    return models[0] if len(models) == 1 else (", ".join(models) or None)
