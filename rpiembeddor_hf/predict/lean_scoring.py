"""Screening the paper's configuration (``first`` pooling, one layer) at the cost of a dot product per pair.

There only RNA position 0 reaches the classifier, and it cross-attends to the protein's projected input.
Everything in that cross-attention except the query-key products depends on one molecule:

* per RNA: ``s0`` (position 0 after self-attention) and its cross-attention query ``q = W_q norm(s0)``;
* per protein: the keys and values ``K = W_k x``, ``V = W_v x`` of its projected input ``x``.

So each RNA and each protein is encoded once per block, and a pair costs ``softmax(q K^T / sqrt(d_h)) V``
(``4 L d`` operations) plus the tiny output projection, feed-forward and classifier, batched over every
pair of the block. Each protein's keys are sliced to its own length, so no padding enters the softmax.
The arithmetic is that of :meth:`RPIembeddorModel.forward_pair` (``torch.nn.MultiheadAttention`` with
``batch_first``), reordered; the tests hold it to the plain forward within 1e-5.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch.nn import functional

from rnainteract_builder.contract.batching import length_sorted_chunks, pad_sequences
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel

Progress = Callable[[int], None] | None
#: Attention weights (float32 values) one partial step may hold: RNAs x heads x protein length.
STEP_VALUES = 1 << 24


def applies(model: RPIembeddorModel) -> bool:
    """The lean path is exact for ``first`` pooling and a single layer (the paper's configuration)."""
    return model.config.pooling == "first" and len(model.rna_layers) == 1


def _lengths(embeddings: Sequence[torch.Tensor]) -> list[int]:
    known = getattr(embeddings, "lengths", None)
    return list(known) if known is not None else [int(t.shape[0]) for t in embeddings]


def _rna_parts(
    model: RPIembeddorModel,
    embeddings: Sequence[torch.Tensor],
    used: np.ndarray,
    size: int,
    tokens: int | None,
) -> tuple[dict[int, int], torch.Tensor, torch.Tensor]:
    """Row of each used RNA, its ``s0`` ``(n, d)`` and cross-attention query ``(n, heads, d_h)``."""
    layer, device = model.rna_layers[0], next(model.parameters()).device
    attention = layer.cross_attention
    d, heads = attention.embed_dim, attention.num_heads
    rows: dict[int, int] = {}
    s0_parts = []
    for chunk in length_sorted_chunks(used, _lengths(embeddings), size, tokens):
        x, mask = pad_sequences([embeddings[int(i)] for i in chunk], device)
        encoded = model.encode_molecule("rna", x, mask, self_attend="first")
        s0_parts.append(encoded.self_attended[:, 0])
        rows.update((int(i), len(rows)) for i in chunk)
    s0 = torch.cat(s0_parts)
    q = functional.linear(
        layer.cross_attention_norm(s0), attention.in_proj_weight[:d], attention.in_proj_bias[:d]
    )
    return rows, s0, q.reshape(len(s0), heads, d // heads)


def _finish(model: RPIembeddorModel, s0: torch.Tensor, attended: torch.Tensor) -> torch.Tensor:
    """Output projection, residual, feed-forward, final norm and classifier: probabilities ``(n,)``."""
    layer = model.rna_layers[0]
    y = s0 + layer.cross_attention.out_proj(attended)
    y = layer.feed_forward_block(y)
    return torch.sigmoid(model.classifier(model.rna_norm(y)).squeeze(-1))


@torch.inference_mode()
def score_pairs_lean(
    model: RPIembeddorModel,
    rna_embeddings: Sequence[torch.Tensor],
    protein_embeddings: Sequence[torch.Tensor],
    pairs: np.ndarray,
    batch_size: int = 256,
    progress: Progress = None,
    max_tokens: int | None = None,
) -> np.ndarray:
    """Probabilities of ``pairs`` ``(rna index, protein index)`` in pair order (see module docs)."""
    out = np.empty(len(pairs), dtype=np.float32)
    if len(pairs) == 0:
        return out
    device = next(model.parameters()).device
    layer = model.rna_layers[0].cross_attention
    d, heads = layer.embed_dim, layer.num_heads
    scale = 1.0 / math.sqrt(d // heads)
    rows, s0, q = _rna_parts(model, rna_embeddings, np.unique(pairs[:, 0]), batch_size, max_tokens)
    order = np.argsort(pairs[:, 1], kind="stable")
    proteins, starts = np.unique(pairs[order, 1], return_index=True)
    span = dict(
        zip(
            proteins.tolist(),
            zip(starts.tolist(), [*starts[1:].tolist(), len(order)], strict=True),
            strict=True,
        )
    )
    pending: list[tuple[np.ndarray, torch.Tensor, torch.Tensor]] = []  # (pairs, s0, attended) to finish
    waiting = 0
    for chunk in length_sorted_chunks(proteins, _lengths(protein_embeddings), batch_size, max_tokens):
        x, mask = pad_sequences([protein_embeddings[int(j)] for j in chunk], device)
        projected = model.encode_molecule("protein", x, mask, self_attend="none").layer_input
        keys = functional.linear(projected, layer.in_proj_weight[d : 2 * d], layer.in_proj_bias[d : 2 * d])
        values = functional.linear(projected, layer.in_proj_weight[2 * d :], layer.in_proj_bias[2 * d :])
        for row, protein in enumerate(chunk.tolist()):
            length = int(mask[row].sum())
            k = keys[row, :length].reshape(length, heads, d // heads)
            v = values[row, :length].reshape(length, heads, d // heads)
            a, b = span[protein]
            members = order[a:b]
            rna_rows = torch.as_tensor([rows[int(i)] for i in pairs[members, 0]], device=device)
            step = max(1, STEP_VALUES // (heads * length))
            for s in range(0, len(members), step):
                sel = rna_rows[s : s + step]
                weights = torch.softmax(torch.einsum("nhd,lhd->nhl", q[sel] * scale, k), dim=-1)
                attended = torch.einsum("nhl,lhd->nhd", weights, v).reshape(len(sel), d)
                pending.append((members[s : s + step], s0[sel], attended))
                waiting += len(sel)
            if waiting * d >= STEP_VALUES:
                waiting = _flush(model, pending, out, progress)
    _flush(model, pending, out, progress)
    return out


def _flush(
    model: RPIembeddorModel,
    pending: list[tuple[np.ndarray, torch.Tensor, torch.Tensor]],
    out: np.ndarray,
    progress: Progress,
) -> int:
    """Finish the waiting pairs in one batch, write their probabilities, empty ``pending``."""
    if not pending:
        return 0
    members = np.concatenate([m for m, _, _ in pending])
    probabilities = _finish(
        model, torch.cat([s for _, s, _ in pending]), torch.cat([a for _, _, a in pending])
    )
    out[members] = probabilities.float().cpu().numpy()
    pending.clear()
    if progress is not None:
        progress(len(members))
    return 0
