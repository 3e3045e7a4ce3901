"""Loading what a prediction needs: the device, the trained model, its threshold and its embedders."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from rnainteract_builder.contract.embedders import BaseEmbedder, default_dtype, get_embedder
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import Molecule
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.thresholds import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD  # re-exported
from rpiembeddor_hf.thresholds import model_threshold as model_threshold  # re-exported

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
DEFAULT_EMBEDDERS: dict[Molecule, str] = {"rna": "rnafm", "protein": "esm2_t30_150M"}


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

    from rpiembeddor_hf import register_auto_classes

    register_auto_classes()  # the `rpiembeddor` command defers it to here (AutoModel needs it)

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
    """The embedder the model was trained on (named in its config, built with the options stored there,
    e.g. kmer-context's window), or the one given; widths must match."""
    expected = int(getattr(config, f"{molecule}_embedding_dim"))
    if spec is None or isinstance(spec, str):
        trained = getattr(config, f"{molecule}_embedding_model", None)
        name = spec or trained or DEFAULT_EMBEDDERS[molecule]
        options = getattr(config, f"{molecule}_embedding_options", None) if name == trained else None
        embedder = get_embedder(
            name, molecule=molecule, device=device, dtype=default_dtype(device), dim=expected, options=options
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
