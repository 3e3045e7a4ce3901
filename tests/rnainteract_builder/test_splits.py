"""Family-disjoint, clan-disjoint and random splits; Table 1 statistics and figures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.negatives import NegativesConfig, make_negatives
from rnainteract_builder.splits import SPLIT_NAMES, SplitConfig, split_interactions
from rnainteract_builder.stats import (
    compute_stats,
    plot_category_heatmap,
    plot_lengths,
    stats_markdown,
    table1,
)
from tests.toy_data import synthetic_positives


def _pairs(n_families: int = 40) -> object:
    table, _ = make_negatives(synthetic_positives(n_families=n_families, n_clans=25), NegativesConfig(seed=1))
    return table


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(["family", "cold_protein"]))
def test_group_splits_share_no_group(seed: int, kind: str) -> None:
    table = _pairs()
    splits, report = split_interactions(table, SplitConfig(kind=kind, seed=seed))
    column = "rna_family" if kind == "family" else "protein_clan"
    groups = {name: set(splits[name].column(column).to_pylist()) for name in SPLIT_NAMES}
    assert not groups["train"] & groups["test"]
    assert not groups["train"] & groups["validation"]
    assert not groups["validation"] & groups["test"]
    assert sum(t.num_rows for t in splits.values()) == table.num_rows
    assert {p for t in splits.values() for p in t.column("pair_id").to_pylist()} == set(
        table.column("pair_id").to_pylist()
    )
    if kind == "family":  # 40 families of ~24 pairs: whole families reach ~10 % closely
        assert 0.07 <= splits["test"].num_rows / table.num_rows <= 0.13
        assert splits["validation"].num_rows > 0
        rna = {name: set(splits[name].column("rna_id").to_pylist()) for name in SPLIT_NAMES}
        assert not rna["train"] & rna["test"]


def test_split_is_deterministic_bytes(tmp_path: Path) -> None:
    table = _pairs()
    digests = []
    for attempt, order in enumerate([table, table.take(list(reversed(range(table.num_rows))))]):
        splits, _ = split_interactions(order, SplitConfig(seed=5))
        path = write_parquet_atomic(splits["test"], tmp_path / f"test{attempt}.parquet")
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    other, _ = split_interactions(table, SplitConfig(seed=6))
    assert (
        other["test"].column("pair_id").to_pylist()
        != split_interactions(table, SplitConfig(seed=5))[0]["test"].column("pair_id").to_pylist()
    )


def test_random_split_fractions_and_errors() -> None:
    table = _pairs()
    splits, _ = split_interactions(
        table, SplitConfig(kind="random", test_fraction=0.2, validation_fraction=0.25)
    )
    assert splits["test"].num_rows == round(0.2 * table.num_rows)
    assert splits["validation"].num_rows == round(0.25 * (table.num_rows - splits["test"].num_rows))
    with pytest.raises(InputError, match="split kind"):
        split_interactions(table, SplitConfig(kind="temporal"))
    with pytest.raises(InputError, match="fraction"):
        split_interactions(table, SplitConfig(test_fraction=1.5))


def test_table1_and_figures(tmp_path: Path) -> None:
    table = _pairs(20)
    splits, _ = split_interactions(table, SplitConfig(seed=2))
    rows = {row["split"]: row for row in table1(splits)}
    assert rows["total"]["positives"] == pc.sum(pc.equal(table.column("label"), 1)).as_py()
    assert rows["total"]["negatives"] == 2 * rows["total"]["positives"]
    assert rows["test"]["rna_families"] == len(set(splits["test"].column("rna_family").to_pylist()))
    assert (
        rows["train"]["rna_families"] + rows["validation"]["rna_families"] + rows["test"]["rna_families"]
        == 20
    )
    stats = compute_stats(splits)
    assert stats["rna_annotation"] == {"annotated": {"sequences": 80, "unique": 20}}
    assert abs(sum(stats["rna_category_shares"]["train"].values()) - 1) < 1e-3
    markdown = stats_markdown(stats)
    assert "| test |" in markdown and "rna_families" in markdown
    lengths = plot_lengths([20, 30, 400], [100, 250], tmp_path / "lengths.png")
    heatmap = plot_category_heatmap(table.filter(pc.equal(table.column("label"), 1)), tmp_path / "heat.png")
    for png in (lengths, heatmap):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_component_split_shares_neither_family_nor_clan_and_counts_the_crossing_pairs(seed: int) -> None:
    table = _pairs()
    splits, report = split_interactions(table, SplitConfig(kind="component", seed=seed))
    for column in ("rna_family", "protein_clan"):
        groups = {name: set(splits[name].column(column).to_pylist()) for name in SPLIT_NAMES}
        assert not groups["train"] & groups["test"], column
        assert not groups["train"] & groups["validation"], column
        assert not groups["validation"] & groups["test"], column
    kept = sum(splits[name].num_rows for name in SPLIT_NAMES)
    assert kept + report.dropped() == table.num_rows  # every crossing pair is counted, none vanishes
    assert 0 < splits["test"].num_rows < table.num_rows / 4
