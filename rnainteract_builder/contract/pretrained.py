"""The published RNA-FM and ESM-2 checkpoints: where they live, how they are fetched and checked, how built.

Weights are read from ``$TORCH_HOME/hub/checkpoints/`` (the file names ``fm`` / ``esm`` download to).
A missing file raises one :class:`MissingWeights` line naming the file and where to get it, unless
``download=True``: RNA-FM then comes from the maintainers' Hugging Face repository ``cuhkaih/rnafm``
first (the former CUHK URL answers HTTP 403 since 2025) and from the old URL only as a fallback; ESM-2
from Meta's URLs. Every download is checked against its SHA-256 (:mod:`rnainteract_builder.contract.digests`;
digests not known in advance are pinned in ``sha256.lock.json`` of the checkpoint folder) before it is
moved into place.

Checkpoints are read with ``torch.load(weights_only=True)``, allowing only ``argparse.Namespace`` besides
tensors, and built by the packages' own ``load_model_and_alphabet_core`` under the model's canonical name,
so a checkpoint may have any file name (the packages' file loaders guess from the name whether a
contact-regression file must sit beside it; embeddings never use the contact head).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from rnainteract_builder.contract.digests import LOCK_NAME, verify_download
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import sha256_file, temporary_path
from rnainteract_builder.contract.sequences import Molecule

log = logging.getLogger(__name__)


class MissingWeights(InputError):
    """Pre-trained weights are not on disk (and were not to be downloaded)."""


@dataclass(frozen=True)
class Pretrained:
    """Where a published checkpoint lives and which package builds it."""

    name: str
    package: Literal["fm", "esm"]
    molecule: Molecule
    checkpoint: str  # file name under $TORCH_HOME/hub/checkpoints/, as the package's downloader names it
    url: str  # direct download (for RNA-FM the former URL, tried after the Hugging Face mirror)
    dim: int
    #: Hugging Face mirror ``(repo id, file name in the repo)``, asked before ``url``.
    hf_mirror: tuple[str, str] | None = None
    hf_revision: str = "main"

    @property
    def model_name(self) -> str:
        """The name the package's loader dispatches on (``esm2_...`` picks the ESM-2 layout)."""
        return "rna-fm" if self.package == "fm" else Path(self.checkpoint).stem


_ESM_URL = "https://dl.fbaipublicfiles.com/fair-esm/models/{}.pt"
RNAFM_HF_REPO = "cuhkaih/rnafm"


def _esm(name: str, dim: int) -> Pretrained:
    stem = {"esm2_t6_8M": "esm2_t6_8M_UR50D", "esm2_t12_35M": "esm2_t12_35M_UR50D",
            "esm2_t30_150M": "esm2_t30_150M_UR50D", "esm2_t33_650M": "esm2_t33_650M_UR50D"}[name]
    return Pretrained(name, "esm", "protein", f"{stem}.pt", _ESM_URL.format(stem), dim)


PRETRAINED: dict[str, Pretrained] = {
    "rnafm": Pretrained(
        "rnafm",
        "fm",
        "rna",
        "RNA-FM_pretrained.pth",
        "https://proj.cse.cuhk.edu.hk/rnafm/api/download?filename=RNA-FM_pretrained.pth",
        640,
        hf_mirror=(RNAFM_HF_REPO, "RNA-FM_pretrained.pth"),
    ),
    "esm2_t6_8M": _esm("esm2_t6_8M", 320),
    "esm2_t12_35M": _esm("esm2_t12_35M", 480),
    "esm2_t30_150M": _esm("esm2_t30_150M", 640),
    "esm2_t33_650M": _esm("esm2_t33_650M", 1280),
}


def checkpoint_dir() -> Path:
    """``$TORCH_HOME/hub/checkpoints`` (``~/.cache/torch/hub/checkpoints`` by default), where fm/esm download to."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _how_to_get(spec: Pretrained, path: Path) -> str:
    sources = [f"https://huggingface.co/{spec.hf_mirror[0]} ({spec.hf_mirror[1]})"] if spec.hf_mirror else []
    sources.append(spec.url)
    return f"download {' or '.join(sources)} to {path}"


def _from_hf_mirror(spec: Pretrained, part: Path) -> str:
    """Download the mirror's file into ``part``; returns a description of the source."""
    from huggingface_hub import hf_hub_download

    repo_id, filename = spec.hf_mirror or ("", "")
    folder = part.parent / f".{part.name}.hf"  # hf_hub_download keeps its own metadata beside the file
    try:
        got = Path(hf_hub_download(repo_id, filename, revision=spec.hf_revision, local_dir=folder))
        os.replace(got, part)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return f"https://huggingface.co/{repo_id} ({filename}@{spec.hf_revision})"


def _from_url(spec: Pretrained, part: Path) -> str:
    torch.hub.download_url_to_file(spec.url, str(part), progress=True)
    return spec.url


def _fetch(spec: Pretrained, path: Path, download: bool) -> None:
    """Download ``spec`` to ``path``: the Hugging Face mirror first, then the URL; check the SHA-256."""
    how = _how_to_get(spec, path)
    if not download:
        raise MissingWeights(f"{spec.name} weights not found: expected {path}; {how}, or pass --download")
    path.parent.mkdir(parents=True, exist_ok=True)
    part = temporary_path(path)
    attempts = ([_from_hf_mirror] if spec.hf_mirror else []) + [_from_url]
    failures = []
    for attempt in attempts:
        try:
            source = attempt(spec, part)
        except Exception as err:  # network, HTTP 403/404, a missing huggingface_hub: try the next source
            failures.append(f"{attempt.__name__.removeprefix('_from_')}: {_first_line(err)}")
            log.warning("%s: %s failed (%s)", spec.name, attempt.__name__, _first_line(err))
            part.unlink(missing_ok=True)
            continue
        verify_download(part, spec.checkpoint, path.parent / LOCK_NAME, source)
        os.replace(part, path)
        return
    raise MissingWeights(f"{spec.name} weights could not be downloaded ({'; '.join(failures)}); {how}")


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def _build(spec: Pretrained, path: Path) -> tuple[torch.nn.Module, Any]:
    data = torch.load(str(path), map_location="cpu", weights_only=True)
    if spec.package == "fm":
        import fm

        return fm.pretrained.load_model_and_alphabet_core(spec.model_name, data, None, theme="rna")
    import esm

    return esm.pretrained.load_model_and_alphabet_core(spec.model_name, data, None)


def load_pretrained(
    name: str, checkpoint: str | os.PathLike[str] | None = None, download: bool = False
) -> tuple[torch.nn.Module, Any, str]:
    """Build a published model from its checkpoint: ``(model, alphabet, revision)``.

    ``checkpoint`` (any file name) defaults to the file the package's own downloader uses under
    ``$TORCH_HOME``. ESM-2's contact-regression head is not needed for embeddings and is not loaded. The
    revision is ``<file name>@sha256:<first 16 hex digits>``.
    """
    try:
        spec = PRETRAINED[name]
    except KeyError:
        raise InputError(f"unknown pre-trained model {name!r}; choose one of {sorted(PRETRAINED)}") from None
    path = Path(checkpoint) if checkpoint is not None else checkpoint_dir() / spec.checkpoint
    if not path.exists():
        if checkpoint is not None:
            raise MissingWeights(f"{spec.name} checkpoint {path} does not exist")
        _fetch(spec, path, download)
    try:
        with torch.serialization.safe_globals([argparse.Namespace]), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "regression weights not found": contacts are not used here
            model, alphabet = _build(spec, path)
    except Exception as err:  # a truncated or foreign file fails anywhere inside the unpickler
        raise InputError(f"{path}: not a usable {spec.name} checkpoint ({_first_line(err)})") from err
    return model, alphabet, f"{path.name}@sha256:{sha256_file(path)[:16]}"
