"""Length-grouped training batches: every pair once per epoch, seeded, varied, little padding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.data import LengthGroupedBatchSampler


def paper_mix(n: int, seed: int = 0) -> np.ndarray:
    """``(n, 2)`` RNA / protein lengths like RNAInter pairs (as ``scripts/bench_train.py`` draws them)."""
    rng = np.random.default_rng(seed)
    kind = rng.random(n)
    rna = np.where(
        kind < 0.70,
        np.clip(rng.lognormal(np.log(110), 0.4, n), 50, 250),
        np.where(kind < 0.85, rng.integers(18, 26, n), rng.integers(251, 1025, n)),
    ).astype(int)
    kind = rng.random(n)
    protein = np.where(
        kind < 0.75,
        rng.integers(300, 601, n),
        np.where(kind < 0.90, rng.integers(50, 300, n), rng.integers(601, 1025, n)),
    ).astype(int)
    return np.stack([rna, protein], axis=1)


def real_share(lengths: np.ndarray, batches: list[list[int]]) -> float:
    """Real tokens / padded tokens when each molecule is padded to its own longest in the batch."""
    lengths = lengths.reshape(len(lengths), -1)
    padded = sum(len(b) * lengths[b].max(axis=0).sum() for b in batches)
    return float(lengths.sum() / padded)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(1, 40),
    st.integers(1, 8),
    st.integers(0, 2**16),
    st.booleans(),
    st.booleans(),
)
def test_every_pair_once_full_batches_first_and_seeded(count, batch_size, pool, seed, two, grouped):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 1024, (count, 2) if two else count)
    sampler = LengthGroupedBatchSampler(
        lengths, batch_size, seed=seed, group_by_length=grouped, mega_batches=pool
    )
    for epoch in (0, 1):
        sampler.set_epoch(epoch)
        batches = sampler.batches()
        assert sorted(i for b in batches for i in b) == list(range(count))
        assert len(batches) == len(sampler)
        assert all(len(b) == batch_size for b in batches[:-1]) and 0 < len(batches[-1]) <= batch_size
        assert sampler.batches() == batches  # deterministic per seed and epoch
        assert list(sampler) == batches


def test_batches_change_between_epochs_and_seeds():
    lengths = paper_mix(4096)
    first = LengthGroupedBatchSampler(lengths, 64, seed=0)
    epoch0 = first.batches()
    first.set_epoch(1)
    epoch1 = first.batches()
    other = LengthGroupedBatchSampler(lengths, 64, seed=1).batches()
    as_sets = {frozenset(b) for b in epoch0}
    # the whole set is one pool here: the composition still changes through the random cuts
    assert len(as_sets & {frozenset(b) for b in epoch1}) < 0.5 * len(epoch0)
    assert len(as_sets & {frozenset(b) for b in other}) < 0.5 * len(epoch0)


def test_paper_mix_at_paper_size_is_at_least_95_percent_real_tokens():
    lengths = paper_mix(109_214)
    grouped = LengthGroupedBatchSampler(lengths, 64, seed=0).batches()
    plain = LengthGroupedBatchSampler(lengths, 64, seed=0, group_by_length=False).batches()
    assert real_share(lengths, grouped) >= 0.95
    assert real_share(lengths, plain) < 0.5
    # small pools (transformers' 50 batches) pad more: the pool size is the knob
    small = LengthGroupedBatchSampler(lengths, 64, seed=0, mega_batches=50).batches()
    assert real_share(lengths, small) < real_share(lengths, grouped) - 0.05


def test_one_length_per_pair_is_grouped_too():
    lengths = np.random.default_rng(2).integers(10, 1000, 3000)
    grouped = LengthGroupedBatchSampler(lengths, 32, seed=3).batches()
    assert real_share(lengths, grouped) > 0.95


def test_bad_pool_size_is_one_clear_error():
    with pytest.raises(InputError, match="batches per pool"):
        LengthGroupedBatchSampler([1, 2, 3], 2, mega_batches=0)
