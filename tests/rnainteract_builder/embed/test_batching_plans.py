"""Batch plans for embedding: every sequence once, within the budget, padding within the bound."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.batching import (
    _cheapest_ends,
    plan_stats,
    token_budget_batches,
)

lengths_strategy = st.lists(st.integers(1, 400), min_size=0, max_size=80)
budgets = st.integers(8, 2000)
bounds = st.one_of(st.none(), st.sampled_from([0.0, 0.01, 0.05, 0.2]))


def _mix() -> list[int]:
    """A small call shaped like the paper's RNAs: miRNAs, 50-250 nt, a few long ones."""
    return [18 + i % 8 for i in range(24)] + list(range(50, 250, 2)) + [430, 520, 700, 880, 1000]


@settings(max_examples=200, deadline=None)
@given(lengths_strategy, budgets, st.integers(0, 3), bounds)
def test_every_index_once_and_no_batch_over_budget(lengths, budget, extra, bound):
    plan = token_budget_batches(lengths, budget, extra, max_padding=bound)
    assert sorted(i for batch in plan for i in batch) == list(range(len(lengths)))
    assert all(batch for batch in plan)
    for batch in plan:
        longest = max(lengths[i] for i in batch) + extra
        assert len(batch) == 1 or len(batch) * longest <= budget  # alone: a sequence over the budget
    flat = [lengths[i] for batch in plan for i in batch]
    assert flat == sorted(lengths)  # batches are runs of the length order
    assert plan == token_budget_batches(lengths, budget, extra, max_padding=bound)  # deterministic


@settings(max_examples=200, deadline=None)
@given(lengths_strategy, budgets, st.integers(0, 3), st.sampled_from([0.0, 0.01, 0.05, 0.2]))
def test_padding_stays_within_the_bound_and_greedy_has_fewest_batches(lengths, budget, extra, bound):
    greedy = token_budget_batches(lengths, budget, extra, max_padding=None)
    bounded = token_budget_batches(lengths, budget, extra, max_padding=bound)
    assert plan_stats(lengths, bounded, extra).padding <= bound + 1e-12
    assert len(greedy) <= len(bounded)
    if plan_stats(lengths, greedy, extra).padding <= bound:
        assert bounded == greedy  # nothing to fix: the cheap plan is kept


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(1, 60), min_size=1, max_size=7),
    st.integers(10, 200),
    st.sampled_from([0.0, 0.5, 3.0, 40.0]),
)
def test_dynamic_programme_finds_the_cheapest_split(lengths, budget, price):
    import numpy as np

    sizes = np.sort(np.asarray(lengths, dtype=np.int64))

    def cost(ends):
        starts = [0, *ends[:-1]]
        return sum((e - s) * int(sizes[e - 1]) + price for s, e in zip(starts, ends, strict=True))

    def allowed(ends):
        starts = [0, *ends[:-1]]
        return all(e - s == 1 or (e - s) * sizes[e - 1] <= budget for s, e in zip(starts, ends, strict=True))

    n = len(sizes)
    splits = (
        [*cut, n] for r in range(n) for cut in itertools.combinations(range(1, n), r) if allowed([*cut, n])
    )
    best = min(cost(ends) for ends in splits)
    found = _cheapest_ends(sizes, budget, price)
    assert allowed(found) and found[-1] == n
    assert cost(found) == pytest.approx(best)


def test_a_small_call_of_the_paper_mix_pads_at_most_five_percent():
    lengths = _mix()
    greedy = plan_stats(lengths, token_budget_batches(lengths, 4096, 2, max_padding=None), 2)
    bounded = plan_stats(lengths, token_budget_batches(lengths, 4096, 2), 2)
    assert greedy.padding > 0.15  # miRNAs share a batch with 50-90 nt RNAs; 250 nt with 430 nt
    assert bounded.padding <= 0.05
    assert bounded.batches <= len(lengths) // 5  # still several sequences per call on average


def test_over_long_sequence_alone_and_bad_options_rejected():
    plan = token_budget_batches([5, 500, 6], 100)
    assert [1] in plan
    with pytest.raises(ValueError, match="max_padding"):
        token_budget_batches([5], 100, max_padding=1.0)
    with pytest.raises(ValueError, match="tokens_per_batch"):
        token_budget_batches([5], 0)
    assert token_budget_batches([], 100) == []
    assert plan_stats([], []).padding == 0.0


def test_plan_stats_counts_real_and_padded_tokens():
    stats = plan_stats([3, 5, 10], [[0, 1], [2]], extra_tokens=2)
    assert (stats.real, stats.padded, stats.batches) == (5 + 7 + 12, 2 * 7 + 12, 2)
    assert stats.padding == pytest.approx(2 / 26)
    assert stats.real_share == pytest.approx(24 / 26)
    assert stats.mean_batch_tokens == 13
