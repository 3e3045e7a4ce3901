"""Embedders behind one interface: RNA-FM, ESM-2 (four sizes) and the weight-free ones (one-hot,
``kmer-context`` in :mod:`.context_embedder`, ``random`` / ``random-letter`` in :mod:`.random_embedders`).

Every embedder has ``.name``, ``.dim``, ``.revision``, ``.molecule``, ``.max_length`` (residues one
model call takes, ``None`` = unlimited) and ``.embed(sequences) -> list[np.ndarray]`` (``L x dim`` float32
arrays, residues only: the BOS/EOS positions of the transformer outputs are stripped).

Sequences must already be normalised (:func:`rnainteract_builder.contract.sequences.normalise`): the RNA-FM
alphabet has ``U`` and no ``T``. Sequences longer than ``max_length`` follow the length policy:

* ``reject``   - raise :class:`SequenceTooLong` (the dataset build default, as in the paper; the embed
  stage checks lengths first and counts such sequences as dropped instead);
* ``truncate`` - embed only the first ``max_length`` residues (the embedding is shorter than the sequence);
* ``chunk``    - embed overlapping windows of ``max_length`` residues and average the overlaps, so every
  residue gets a vector (for prediction on long sequences).

The real models are the default: :func:`get_embedder` loads the published weights from
``$TORCH_HOME/hub/checkpoints/`` through :mod:`rnainteract_builder.contract.pretrained` (where they come
from, SHA-256 checks, a Hugging Face mirror for RNA-FM); a missing file is one :class:`MissingWeights`
line naming the file and where to get it, unless ``download=True``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import torch

from rnainteract_builder.contract.batching import (
    LENGTH_POLICIES as LENGTH_POLICIES,  # re-exported
)
from rnainteract_builder.contract.batching import check_length_policy as check_length_policy  # re-exported
from rnainteract_builder.contract.batching import token_budget_batches
from rnainteract_builder.contract.embedder_base import BaseEmbedder, LengthPolicy, _letter_codes, _letters
from rnainteract_builder.contract.embedder_base import Embedder as Embedder  # re-exported (interface)
from rnainteract_builder.contract.embedder_base import SequenceTooLong as SequenceTooLong
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.pretrained import (  # noqa: F401
    PRETRAINED,
    MissingWeights,
    Pretrained,
    checkpoint_dir,
    load_pretrained,
)
from rnainteract_builder.contract.schema import EMBEDDING_DIM
from rnainteract_builder.contract.sequences import Molecule

log = logging.getLogger(__name__)

DType = Literal["fp32", "bf16", "fp16"]
TORCH_DTYPES: dict[str, torch.dtype] = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
#: Embedders that need no weights (computed from the sequence alone; ``molecule`` must be given).
WEIGHT_FREE = ("onehot", "kmer-context", "random", "random-letter")
EMBEDDER_NAMES = ("rnafm", "esm2_t6_8M", "esm2_t12_35M", "esm2_t30_150M", "esm2_t33_650M", *WEIGHT_FREE)




class OneHotEmbedder(BaseEmbedder):
    """One-hot residues over the canonical letters plus the unknown symbol (RNA 5-d, protein 21-d)."""

    name = "onehot"

    def __init__(self, molecule: Molecule, **kwargs: Any):
        super().__init__(**kwargs)
        self.molecule = molecule
        self.letters = _letters(molecule)
        self.dim = len(self.letters)
        self.revision = f"onehot:{self.letters}"

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        eye = np.eye(self.dim, dtype=np.float32)
        return [eye[codes] for codes in _letter_codes(pieces, self.letters, self.name)]


class FoundationEmbedder(BaseEmbedder):
    """Last-layer representations of an ESM-style transformer (``fm.BioBertModel`` or ``esm...ESM2``).

    Takes a model and its alphabet, so the same code runs real checkpoints and tiny test models.
    Batches are packed to ``tokens_per_batch`` (padded tokens incl. BOS/EOS), run under
    ``torch.inference_mode`` and, for ``bf16`` / ``fp16``, ``torch.autocast``.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        alphabet: Any,
        *,
        name: str,
        molecule: Molecule,
        revision: str,
        max_length: int | None = None,
        device: str | torch.device = "cpu",
        dtype: DType = "fp32",
        tokens_per_batch: int = 4096,
        length_policy: LengthPolicy = "reject",
        overlap: int = 128,
        progress: Callable[[int], None] | None = None,
    ):
        super().__init__(length_policy=length_policy, overlap=overlap)
        if dtype not in TORCH_DTYPES:
            raise InputError(f"dtype must be one of {sorted(TORCH_DTYPES)}, not {dtype!r}")
        self.name, self.molecule, self.revision = name, molecule, revision
        self.device = torch.device(device)
        self.dtype = dtype
        self.tokens_per_batch = tokens_per_batch
        self.progress = progress
        self.model = model.eval().to(self.device)
        self.alphabet = alphabet
        self.layer = _num_layers(model)
        self.dim = _embed_dim(model)
        self.max_length = max_length if max_length is not None else _max_residues(model, alphabet)
        self.specials = int(alphabet.prepend_bos) + int(alphabet.append_eos)
        letters = [t for t in alphabet.standard_toks if len(t) == 1 and t.isalpha()]
        self.letters = "".join(letters)
        self.lookup = torch.full((256,), -1, dtype=torch.long)
        for letter in letters:
            self.lookup[ord(letter)] = alphabet.get_idx(letter)

    def tokenize(self, pieces: Sequence[str]) -> torch.Tensor:
        """``(batch, longest + BOS/EOS)`` token ids, padded with the alphabet's padding index."""
        longest = max(len(p) for p in pieces)
        tokens = torch.full(
            (len(pieces), longest + self.specials), self.alphabet.padding_idx, dtype=torch.long
        )
        first = int(self.alphabet.prepend_bos)
        for row, piece in enumerate(pieces):
            codes = self.lookup[
                torch.frombuffer(bytearray(piece.encode("ascii", errors="replace")), dtype=torch.uint8).long()
            ]
            if bool((codes < 0).any()):
                bad = piece[int(torch.nonzero(codes < 0)[0])]
                raise InputError(
                    f"letter {bad!r} is not in the {self.name} alphabet ({self.letters}); normalise first"
                )
            if self.alphabet.prepend_bos:
                tokens[row, 0] = self.alphabet.cls_idx
            tokens[row, first : first + len(piece)] = codes
            if self.alphabet.append_eos:
                tokens[row, first + len(piece)] = self.alphabet.eos_idx
        return tokens

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.dtype == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=TORCH_DTYPES[self.dtype])

    def _embed_pieces(self, pieces: list[str]) -> list[np.ndarray]:
        results: list[np.ndarray | None] = [None] * len(pieces)
        first = int(self.alphabet.prepend_bos)
        plan = token_budget_batches([len(p) for p in pieces], self.tokens_per_batch, self.specials)
        with torch.inference_mode(), self._autocast():
            for batch in plan:
                tokens = self.tokenize([pieces[i] for i in batch]).to(self.device)
                hidden = self.model(tokens, repr_layers=[self.layer])["representations"][self.layer]
                hidden = hidden.float().cpu().numpy()
                for row, index in enumerate(batch):
                    results[index] = hidden[row, first : first + len(pieces[index])].copy()
                if self.progress is not None:
                    self.progress(len(batch))
        return results  # type: ignore[return-value]


def _num_layers(model: torch.nn.Module) -> int:
    layers = getattr(model, "num_layers", None)
    return int(layers if layers is not None else len(model.layers))


def _embed_dim(model: torch.nn.Module) -> int:
    return int(model.embed_tokens.embedding_dim)


def _max_residues(model: torch.nn.Module, alphabet: Any) -> int:
    """Residues per call: learned positions (RNA-FM) bound it; ESM-2 (rotary) was trained on 1024 tokens."""
    positions = getattr(getattr(model, "embed_positions", None), "max_positions", None)
    tokens = int(positions) if positions is not None else 1024
    return tokens - int(alphabet.prepend_bos) - int(alphabet.append_eos)


def get_embedder(
    name: str,
    molecule: Molecule | None = None,
    device: str | torch.device = "cpu",
    *,
    dtype: DType = "fp32",
    tokens_per_batch: int = 4096,
    length_policy: LengthPolicy = "reject",
    overlap: int = 128,
    checkpoint: str | os.PathLike[str] | None = None,
    download: bool = False,
    dim: int = EMBEDDING_DIM,
    seed: int = 0,
    model: tuple[torch.nn.Module, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> BaseEmbedder:
    """An embedder by name (``rnafm``, ``esm2_t30_150M`` and other ESM-2 sizes, or one of ``WEIGHT_FREE``).

    ``molecule`` is implied by the foundation models and required for the weight-free ones; ``options``
    are extra keyword arguments of a weight-free embedder (e.g. ``window`` of ``kmer-context``).
    ``model=(module, alphabet)`` replaces the checkpoint (tests, custom fine-tunes) on the same code path.
    """
    if name in WEIGHT_FREE:
        if molecule not in ("rna", "protein"):
            raise InputError(f"embedder {name!r} needs molecule='rna' or 'protein'")
        if name == "onehot":
            return OneHotEmbedder(molecule, length_policy=length_policy, overlap=overlap)
        from rnainteract_builder.contract.weight_free import weight_free_embedder

        return weight_free_embedder(name, molecule, dim, seed, length_policy, overlap, options or {})
    if name not in PRETRAINED:
        raise InputError(f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDER_NAMES)}")
    spec = PRETRAINED[name]
    if molecule is not None and molecule != spec.molecule:
        raise InputError(f"embedder {name!r} embeds {spec.molecule}, not {molecule}")
    if model is not None:
        module, alphabet = model
        revision = f"custom:{_parameter_digest(module)}"
    else:
        module, alphabet, revision = load_pretrained(name, checkpoint, download)
    return FoundationEmbedder(
        module,
        alphabet,
        name=name,
        molecule=spec.molecule,
        revision=revision,
        device=device,
        dtype=dtype,
        tokens_per_batch=tokens_per_batch,
        length_policy=length_policy,
        overlap=overlap,
    )


def _parameter_digest(module: torch.nn.Module) -> str:
    """Short hash of a model's weights, so embeddings of different (test) models never mix."""
    digest = hashlib.sha256()
    for key, tensor in sorted(module.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().float().numpy().tobytes())
    return digest.hexdigest()[:16]


def default_dtype(device: torch.device | str) -> DType:
    """bf16 on GPUs that support it, fp32 elsewhere (CPU autocast brings little and costs accuracy)."""
    device = torch.device(device)
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return "bf16"
    return "fp32"


#: Architectures of the published models (full) and of small stand-ins for demos and tests (tiny).
_RNAFM_ARGS = {
    "full": dict(layers=12, embed_dim=640, ffn_embed_dim=5120, attention_heads=20, max_positions=1024),
    "tiny": dict(layers=2, embed_dim=32, ffn_embed_dim=64, attention_heads=2, max_positions=1024),
}
_ESM2_SIZES = {
    "esm2_t6_8M": (6, 320),
    "esm2_t12_35M": (12, 480),
    "esm2_t30_150M": (30, 640),
    "esm2_t33_650M": (33, 1280),
}


def random_model(
    name: str, size: Literal["full", "tiny"] = "tiny", seed: int = 0
) -> tuple[torch.nn.Module, Any]:
    """A randomly initialised model of the real class (``fm.BioBertModel`` / ``esm...ESM2``) and its alphabet.

    ``full`` has the published architecture (same compute as the real weights, for benchmarks); ``tiny``
    is a 2-layer stand-in for demos on machines without the weights. Pass it as ``get_embedder(name,
    model=random_model(name))``; its embeddings mean nothing biologically.
    """
    torch.manual_seed(seed)
    if name == "rnafm":
        import fm

        args = argparse.Namespace(
            arch="roberta_large",
            emb_layer_norm_before=True,
            final_bias=True,
            token_dropout=False,
            **_RNAFM_ARGS[size],
        )
        alphabet = fm.Alphabet.from_architecture("ESM-1b", theme="rna")
        return fm.BioBertModel(args, alphabet).eval(), alphabet
    if name in _ESM2_SIZES:
        import esm

        layers, dim = _ESM2_SIZES[name] if size == "full" else (2, 32)
        alphabet = esm.data.Alphabet.from_architecture("ESM-1b")
        heads = 20 if size == "full" else 2
        return esm.model.esm2.ESM2(
            num_layers=layers, embed_dim=dim, attention_heads=heads, alphabet=alphabet
        ).eval(), alphabet
    raise InputError(f"no random stand-in for {name!r}; choose rnafm or an esm2_* name")
