"""Token-budget batching and long-sequence windows.

Transformers cost grows with the padded batch size ``rows x longest``. Sorting sequences by length and
packing them until ``rows x longest`` would pass a token budget keeps padding near zero and the batch
size large for short sequences, instead of fixed-size batches in input order that pad every short
sequence to the longest one next to it (``scripts/bench_embed.py`` measures the difference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


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
