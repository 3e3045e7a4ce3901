"""Token-budget batching, padding, long-sequence windows and the length policy that uses them.

Transformers cost grows with the padded batch size ``rows x longest``. Sorting sequences by length and
packing them until ``rows x longest`` would pass a token budget keeps padding near zero and the batch
size large for short sequences, instead of fixed-size batches in input order that pad every short
sequence to the longest one next to it (``scripts/bench_embed.py`` measures the difference).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from rnainteract_builder.contract.errors import InputError

LengthPolicy = Literal["reject", "truncate", "chunk"]
#: What happens to a sequence longer than a model takes (the one list every caller validates against).
LENGTH_POLICIES: tuple[LengthPolicy, ...] = ("reject", "truncate", "chunk")


def check_length_policy(policy: str) -> LengthPolicy:
    """The policy itself, or one :class:`InputError` line listing the choices (the only place that checks)."""
    if policy not in LENGTH_POLICIES:
        raise InputError(f"length policy must be {', '.join(LENGTH_POLICIES)}, not {policy!r}")
    return policy  # type: ignore[return-value]


def pad_sequences(
    tensors: Sequence[torch.Tensor | np.ndarray], device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(batch, longest, dim)`` zero-padded values (dtype kept) and the 1/0 ``long`` attention mask.

    The one padding function of the project: per-residue embeddings of different lengths become one batch.
    """
    values = [torch.as_tensor(t) for t in tensors]
    longest = max(int(t.shape[0]) for t in values)
    out = torch.zeros((len(values), longest, int(values[0].shape[1])), dtype=values[0].dtype, device=device)
    mask = torch.zeros((len(values), longest), dtype=torch.long, device=device)
    for row, tensor in enumerate(values):
        out[row, : tensor.shape[0]] = tensor.to(device)
        mask[row, : tensor.shape[0]] = 1
    return out, mask


def token_budget_batches(
    lengths: Sequence[int], tokens_per_batch: int, extra_tokens: int = 0
) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches whose padded size stays within ``tokens_per_batch``.

    Sequences are taken in increasing length (ties by index, so the plan is deterministic); a batch is
    closed when adding the next sequence would make ``rows x (longest + extra_tokens)`` exceed the
    budget. A single sequence longer than the budget gets a batch of its own.
    """
    if tokens_per_batch <= 0:
        raise ValueError("tokens_per_batch must be positive")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order.tolist():
        size = int(lengths[index]) + extra_tokens
        if current and (len(current) + 1) * max(longest, size) > tokens_per_batch:
            batches.append(current)
            current, longest = [], 0
        current.append(index)
        longest = max(longest, size)
    if current:
        batches.append(current)
    return batches


def length_sorted_chunks(
    indices: np.ndarray, lengths: Sequence[int], size: int, max_tokens: int | None = None
) -> list[np.ndarray]:
    """``indices`` sorted by length (ties by index) in chunks of at most ``size`` items and, when given,
    ``max_tokens`` padded positions (``items x longest``); an item longer than that is a chunk alone."""
    order = sorted(np.asarray(indices).tolist(), key=lambda i: (lengths[i], i))
    chunks: list[np.ndarray] = []
    current: list[int] = []
    longest = 0
    for index in order:
        grown = (len(current) + 1) * max(longest, lengths[index])
        if current and (len(current) >= size or (max_tokens is not None and grown > max_tokens)):
            chunks.append(np.asarray(current, dtype=np.int64))
            current, longest = [], 0
        current.append(index)
        longest = max(longest, lengths[index])
    if current:
        chunks.append(np.asarray(current, dtype=np.int64))
    return chunks


def fixed_size_batches(count: int, batch_size: int) -> list[list[int]]:
    """Batches of ``batch_size`` in input order (the naive baseline)."""
    return [list(range(start, min(start + batch_size, count))) for start in range(0, count, batch_size)]


@dataclass(frozen=True)
class Window:
    """Residues ``start:stop`` of input sequence ``sequence``."""

    sequence: int
    start: int
    stop: int


def windows(length: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """Overlapping windows covering ``0:length``: stride ``window - overlap``, the last one ends at ``length``."""
    if window <= 0 or not 0 <= overlap < window:
        raise ValueError(f"need window > 0 and 0 <= overlap < window (got {window}, {overlap})")
    if length <= window:
        return [(0, length)]
    stride = window - overlap
    starts = list(range(0, length - window, stride)) + [length - window]
    return [(s, s + window) for s in starts]


def merge_windows(length: int, pieces: Sequence[tuple[int, int, np.ndarray]]) -> np.ndarray:
    """Average per-residue outputs of overlapping windows ``(start, stop, values)`` into ``length x dim``."""
    dim = pieces[0][2].shape[1]
    total = np.zeros((length, dim), dtype=np.float64)
    counts = np.zeros((length, 1), dtype=np.float64)
    for start, stop, values in pieces:
        total[start:stop] += values
        counts[start:stop] += 1
    if (counts == 0).any():
        raise ValueError("windows do not cover the whole sequence")
    return (total / counts).astype(np.float32)


def apply_length_policy(
    sequences: Sequence[str],
    limit: int | None,
    policy: LengthPolicy,
    overlap: int,
    embed: Callable[[list[str]], list[np.ndarray]],
    too_long: Callable[[int], Exception],
) -> list[np.ndarray]:
    """Embed ``sequences`` with ``embed`` (which takes pieces of at most ``limit``) under ``policy``.

    ``reject`` raises ``too_long(index)`` for the first over-long sequence; ``truncate`` embeds the first
    ``limit`` residues; ``chunk`` embeds overlapping windows and averages the overlaps (full length).
    """
    check_length_policy(policy)
    if limit is None or all(len(s) <= limit for s in sequences):
        return embed(list(sequences))
    if policy == "reject":
        raise too_long(next(i for i, s in enumerate(sequences) if len(s) > limit))
    if policy == "truncate":
        return embed([s[:limit] for s in sequences])
    step_overlap = min(overlap, limit // 2)
    plan = [(i, a, b) for i, s in enumerate(sequences) for a, b in windows(len(s), limit, step_overlap)]
    outputs = embed([sequences[i][a:b] for i, a, b in plan])
    grouped: dict[int, list[tuple[int, int, np.ndarray]]] = {}
    for (i, a, b), values in zip(plan, outputs, strict=True):
        grouped.setdefault(i, []).append((a, b, values))
    return [merge_windows(len(s), grouped[i]) for i, s in enumerate(sequences)]
