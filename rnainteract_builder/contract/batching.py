"""Token-budget batching, padding, long-sequence windows and the length policy that uses them.

Transformers cost grows with the padded batch size ``rows x longest``. Sorting sequences by length and
packing them until ``rows x longest`` would pass a token budget keeps the batch size large for short
sequences, instead of fixed-size batches in input order that pad every short sequence to the longest one
next to it. Where few sequences share a length range (a small call, the long tail), greedy packing puts a
big jump in length inside a batch; the planner then splits at the jumps, so padding stays within a bound
(``scripts/bench_embed.py`` measures all three).
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

#: Share of padded tokens a plan may spend on padding before the planner trades batch size for it.
DEFAULT_MAX_PADDING = 0.05
#: Bisection steps of the per-batch penalty (plenty: the plan changes at few penalties).
_SEARCH_STEPS = 24


@dataclass(frozen=True)
class PlanStats:
    """Tokens a batch plan computes: ``real`` (residues + special tokens) and ``padded`` (rows x longest)."""

    real: int
    padded: int
    batches: int

    @property
    def padding(self) -> float:
        """Share of the computed tokens that are padding."""
        return 1 - self.real / self.padded if self.padded else 0.0

    @property
    def real_share(self) -> float:
        return 1 - self.padding

    @property
    def mean_batch_tokens(self) -> float:
        """Padded tokens per batch (how full the batches are against the budget)."""
        return self.padded / self.batches if self.batches else 0.0


def plan_stats(lengths: Sequence[int], plan: Sequence[Sequence[int]], extra_tokens: int = 0) -> PlanStats:
    """Real and padded tokens of ``plan`` (each batch padded to its longest member + ``extra_tokens``)."""
    sizes = np.asarray(lengths, dtype=np.int64) + extra_tokens
    real = padded = 0
    for batch in plan:
        members = sizes[list(batch)]
        real += int(members.sum())
        padded += len(members) * int(members.max())
    return PlanStats(real=real, padded=padded, batches=len(plan))


def token_budget_batches(
    lengths: Sequence[int],
    tokens_per_batch: int,
    extra_tokens: int = 0,
    max_padding: float | None = DEFAULT_MAX_PADDING,
) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches whose padded size stays within ``tokens_per_batch``.

    Sequences are taken in increasing length (ties by index, so the plan is deterministic), and every
    batch is a run of that order. First the greedy plan: a batch is closed when adding the next sequence
    would make ``rows x (longest + extra_tokens)`` exceed the budget; it has the fewest batches. If it pads
    more than ``max_padding`` of its tokens (few sequences per length range, so a batch of short ones
    takes in a much longer one), the plan becomes the one with the fewest batches, found by a search,
    whose padding stays within ``max_padding``: batches are cut where the length jumps, at the cost of
    some smaller batches. ``max_padding=None`` keeps the greedy plan. A single sequence longer than the
    budget gets a batch of its own.
    """
    if tokens_per_batch <= 0:
        raise ValueError("tokens_per_batch must be positive")
    if max_padding is not None and not 0 <= max_padding < 1:
        raise ValueError(f"max_padding must be in [0, 1), got {max_padding}")
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    sizes = np.asarray(lengths, dtype=np.int64)[order] + extra_tokens
    ends = _greedy_ends(sizes, tokens_per_batch)
    if max_padding is not None and _padding(sizes, ends) > max_padding:
        ends = _bounded_padding_ends(sizes, tokens_per_batch, max_padding, ends)
    return [order[start:end].tolist() for start, end in zip([0, *ends], ends, strict=False)]


def _greedy_ends(sizes: np.ndarray, tokens_per_batch: int) -> list[int]:
    """Batch ends of the sorted ``sizes``, each batch filled until the next size would pass the budget."""
    ends: list[int] = []
    rows = 0
    for position, size in enumerate(sizes.tolist()):
        if rows and (rows + 1) * size > tokens_per_batch:  # sorted: the new size is the longest
            ends.append(position)
            rows = 0
        rows += 1
    if rows:
        ends.append(len(sizes))
    return ends


def _padded_tokens(sizes: np.ndarray, ends: Sequence[int]) -> int:
    """``rows x longest`` summed over the batches ``[previous end, end)`` of the sorted ``sizes``."""
    bounds = np.asarray(ends, dtype=np.int64)
    return int((np.diff(bounds, prepend=0) * sizes[bounds - 1]).sum()) if len(bounds) else 0


def _padding(sizes: np.ndarray, ends: Sequence[int]) -> float:
    padded = _padded_tokens(sizes, ends)
    return 1 - int(sizes.sum()) / padded if padded else 0.0


def _bounded_padding_ends(
    sizes: np.ndarray, tokens_per_batch: int, max_padding: float, greedy: list[int]
) -> list[int]:
    """Fewest batches with padding <= ``max_padding``: bisect the price of a batch (in tokens).

    At price 0 the cheapest plan pads nothing (every sequence may stand alone); at a price above the
    greedy plan's padding it has the greedy plan's (fewest) batches. The highest price whose plan stays
    within the bound gives the fewest batches the bound allows (up to the plans a price cannot select).
    """
    best = _cheapest_ends(sizes, tokens_per_batch, 0.0)
    low, high = 0.0, float(_padded_tokens(sizes, greedy) - int(sizes.sum()) + 1)
    for _ in range(_SEARCH_STEPS):
        price = (low + high) / 2
        ends = _cheapest_ends(sizes, tokens_per_batch, price)
        if _padding(sizes, ends) <= max_padding:
            best, low = ends, price
        else:
            high = price
    return best


def _cheapest_ends(sizes: np.ndarray, tokens_per_batch: int, price: float) -> list[int]:
    """Batch ends minimising padded tokens + ``price`` per batch (dynamic programme over the sorted sizes).

    ``cost[end]`` is the cheapest plan of the first ``end`` sequences; the last batch ``[start, end)``
    costs ``(end - start) x sizes[end - 1] + price`` and may hold at most ``budget // sizes[end - 1]`` rows.
    """
    count = len(sizes)
    max_rows = np.maximum(1, tokens_per_batch // sizes)
    cost = np.zeros(count + 1)
    start_of = np.zeros(count + 1, dtype=np.int64)
    positions = np.arange(count + 1)
    for end in range(1, count + 1):
        first = max(0, end - int(max_rows[end - 1]))
        options = cost[first:end] + (end - positions[first:end]) * float(sizes[end - 1])
        best = int(np.argmin(options))  # ties: the earliest start, i.e. the larger batch
        cost[end] = options[best] + price
        start_of[end] = first + best
    ends: list[int] = []
    end = count
    while end > 0:
        ends.append(end)
        end = int(start_of[end])
    return ends[::-1]


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
