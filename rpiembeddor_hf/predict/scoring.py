"""Scoring pairs with RPIembeddor: the screening fast path, and the plain batched forward it must equal.

In RPIembeddor the projection and first-layer self-attention of a molecule depend on that molecule only
(:meth:`RPIembeddorModel.encode_molecule`); only the cross-attention and what follows needs both
(:meth:`RPIembeddorModel.forward_pair`). The plain forward recomputes the molecule part for every pair;
for M RNAs x N proteins the fast path computes it M + N times instead of 2 x M x N:

* for the paper's configuration (``first`` pooling, one layer) :mod:`.lean_scoring` goes further: a pair
  costs one query-key product;
* otherwise the side with fewer distinct molecules stays *resident*: encoded once, kept in memory;
* the other side is *streamed* in length-sorted chunks (little padding): each chunk is encoded once and
  scored against every resident molecule it pairs with, one ``forward_pair`` call per resident molecule
  (an encoding of batch 1 is broadcast over the chunk by the model itself).

Both functions take per-molecule embeddings as anything indexable (a list of ``L x dim`` tensors, or
:class:`~rpiembeddor_hf.predict.embedding_cache.LazyEmbeddings` reading from the cache) and pairs as
``(rna index, protein index)``; they return one probability per pair, in pair order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from rnainteract_builder.contract.batching import length_sorted_chunks, pad_sequences
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel, RPIembeddorMoleculeEncoding
from rpiembeddor_hf.predict import lean_scoring

Progress = Callable[[int], None] | None


def _lengths(embeddings: Sequence[torch.Tensor]) -> list[int]:
    known = getattr(embeddings, "lengths", None)
    return list(known) if known is not None else [int(t.shape[0]) for t in embeddings]


def pad_batch(tensors: Sequence[torch.Tensor], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``(batch, longest, dim)`` zero-padded embeddings (dtype kept) and the 1/0 attention mask."""
    return pad_sequences(tensors, device)


def _as_pairs(pairs: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
    array = np.asarray(pairs, dtype=np.int64)
    return array.reshape(-1, 2)


def _device(model: RPIembeddorModel) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def score_pairs_plain(
    model: RPIembeddorModel,
    rna_embeddings: Sequence[torch.Tensor],
    protein_embeddings: Sequence[torch.Tensor],
    pairs: Sequence[tuple[int, int]] | np.ndarray,
    batch_size: int = 256,
    progress: Progress = None,
) -> np.ndarray:
    """The reference: ``model(...)`` on padded batches of ``batch_size`` pairs, in pair order."""
    pairs = _as_pairs(pairs)
    device = _device(model)
    out = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), batch_size):
        batch = pairs[start : start + batch_size]
        rna, rna_mask = pad_batch([rna_embeddings[int(i)] for i in batch[:, 0]], device)
        protein, protein_mask = pad_batch([protein_embeddings[int(j)] for j in batch[:, 1]], device)
        probabilities = model(rna, rna_mask, protein, protein_mask).probabilities
        out[start : start + len(batch)] = probabilities.float().cpu().numpy()
        if progress is not None:
            progress(len(batch))
    return out


def _select(encoding: RPIembeddorMoleculeEncoding, rows: torch.Tensor | None) -> RPIembeddorMoleculeEncoding:
    if rows is None:
        return encoding
    return RPIembeddorMoleculeEncoding(
        layer_input=encoding.layer_input.index_select(0, rows),
        self_attended=encoding.self_attended.index_select(0, rows),
        attention_mask=encoding.attention_mask.index_select(0, rows),
    )


def _chunks(
    indices: np.ndarray, lengths: list[int], size: int, max_tokens: int | None = None
) -> list[np.ndarray]:
    return length_sorted_chunks(indices, lengths, size, max_tokens)


@torch.inference_mode()
def score_pairs_fast(
    model: RPIembeddorModel,
    rna_embeddings: Sequence[torch.Tensor],
    protein_embeddings: Sequence[torch.Tensor],
    pairs: Sequence[tuple[int, int]] | np.ndarray,
    batch_size: int = 256,
    progress: Progress = None,
    max_tokens: int | None = None,
    resident: str | None = None,
) -> np.ndarray:
    """Screening fast path: each molecule's part once, only the pair part per pair (see module docs).

    ``max_tokens`` bounds the padded positions (``molecules x longest``) encoded and scored in one call,
    so the working memory follows the budget, not the lengths of the input. ``resident`` (``rna`` /
    ``protein``) fixes the side kept encoded (default: the one with fewer distinct molecules).
    """
    pairs = _as_pairs(pairs)
    if lean_scoring.applies(model):  # the paper's configuration: a dot product per pair
        return lean_scoring.score_pairs_lean(
            model, rna_embeddings, protein_embeddings, pairs, batch_size, progress, max_tokens
        )
    out = np.empty(len(pairs), dtype=np.float32)
    if len(pairs) == 0:
        return out
    device = _device(model)
    rna_used, protein_used = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
    resident_col = 0 if len(rna_used) <= len(protein_used) else 1
    if resident is not None:
        resident_col = ("rna", "protein").index(resident)
    streamed_col = 1 - resident_col
    molecules = ("rna", "protein")
    embeddings = (rna_embeddings, protein_embeddings)
    resident_name, streamed_name = molecules[resident_col], molecules[streamed_col]
    resident_emb, streamed_emb = embeddings[resident_col], embeddings[streamed_col]

    resident: dict[int, RPIembeddorMoleculeEncoding] = {}
    resident_lengths = _lengths(resident_emb)
    for chunk in _chunks((rna_used, protein_used)[resident_col], resident_lengths, batch_size, max_tokens):
        x, mask = pad_batch([resident_emb[int(i)] for i in chunk], device)
        encoded = model.encode_molecule(resident_name, x, mask)
        resident.update(zip(chunk.tolist(), encoded.unbatch(), strict=True))

    # Pairs grouped by streamed molecule: (resident index, pair index) for each.
    order = np.argsort(pairs[:, streamed_col], kind="stable")
    sorted_streamed = pairs[order, streamed_col]
    starts = np.searchsorted(sorted_streamed, (rna_used, protein_used)[streamed_col], side="left")
    stops = np.searchsorted(sorted_streamed, (rna_used, protein_used)[streamed_col], side="right")
    span = {
        int(m): (int(a), int(b))
        for m, a, b in zip((rna_used, protein_used)[streamed_col], starts, stops, strict=True)
    }

    streamed_lengths = _lengths(streamed_emb)
    for chunk in _chunks((rna_used, protein_used)[streamed_col], streamed_lengths, batch_size, max_tokens):
        x, mask = pad_batch([streamed_emb[int(i)] for i in chunk], device)
        encoded = model.encode_molecule(streamed_name, x, mask)
        pair_index = np.concatenate([order[span[int(m)][0] : span[int(m)][1]] for m in chunk])
        row_of = {int(m): row for row, m in enumerate(chunk)}
        rows = np.fromiter(
            (row_of[int(s)] for s in pairs[pair_index, streamed_col]), np.int64, len(pair_index)
        )
        partners = pairs[pair_index, resident_col]
        by_partner = np.argsort(partners, kind="stable")
        partners, rows, pair_index = partners[by_partner], rows[by_partner], pair_index[by_partner]
        bounds = np.flatnonzero(np.diff(partners)) + 1
        for group in np.split(np.arange(len(partners)), bounds):
            partner = int(partners[group[0]])
            group_rows = rows[group]
            full = len(group_rows) == len(chunk) and bool((group_rows == np.arange(len(chunk))).all())
            selected = _select(encoded, None if full else torch.as_tensor(group_rows, device=device))
            if resident_col == 0:
                result = model.forward_pair(resident[partner], selected)
            else:
                result = model.forward_pair(selected, resident[partner])
            out[pair_index[group]] = result.probabilities.float().cpu().numpy()
        if progress is not None:
            progress(len(pair_index))
    return out
