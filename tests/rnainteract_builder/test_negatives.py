"""Informed negatives: DESIGN §3 step 5."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.negatives import NegativesConfig, make_negatives
from tests.toy_data import synthetic_positives


def _pairs(table: pa.Table) -> set[tuple[str, str]]:
    return set(zip(table.column("rna_id").to_pylist(), table.column("protein_id").to_pylist(), strict=True))


def _split(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    is_pos = pc.equal(table.column("label"), 1)
    return table.filter(is_pos), table.filter(pc.invert(is_pos))


def test_family_negatives_obey_design() -> None:
    positives = synthetic_positives()
    out, report = make_negatives(positives, NegativesConfig(seed=3))
    pos, neg = _split(out)
    assert pos.num_rows == positives.num_rows
    # Two per positive: one of each swap, because every family has non-interacting clans here.
    assert neg.num_rows == 2 * pos.num_rows
    counts = dict(
        zip(*[c.to_pylist() for c in pc.value_counts(neg.column("negative_strategy")).flatten()], strict=True)
    )
    assert counts == {"protein_swap": pos.num_rows, "rna_swap": pos.num_rows}
    # Never a known positive, never twice the same pair, unique ids.
    assert not _pairs(neg) & _pairs(pos)
    assert len(_pairs(neg)) == neg.num_rows
    assert pc.count_distinct(out.column("pair_id")).as_py() == out.num_rows
    # No copied evidence / score.
    for column in ("score", "rnainter_id", "evidence_strong", "evidence_weak", "evidence_predict"):
        assert neg.column(column).null_count == neg.num_rows, column
    # The family / clan of a negative never interact in the positives.
    interacting = set(
        zip(pos.column("rna_family").to_pylist(), pos.column("protein_clan").to_pylist(), strict=True)
    )
    negative_labels = set(
        zip(neg.column("rna_family").to_pylist(), neg.column("protein_clan").to_pylist(), strict=True)
    )
    assert not negative_labels & interacting
    # A protein swap keeps an RNA of the positives and its attributes; labels are all 0.
    assert set(neg.column("label").to_pylist()) == {0}
    assert report.dropped() == 0


def test_category_preference() -> None:
    """Proteins of a category never seen with the RNA's category are preferred when they exist."""
    positives = synthetic_positives()
    # Add one 'snoRNA' family that only ever meets TF proteins; its protein swaps must then be RBPs.
    extra = positives.filter(pc.equal(positives.column("protein_category"), "TF")).slice(0, 2)
    extra = extra.set_column(
        extra.column_names.index("rna_category"), "rna_category", pa.array(["snoRNA"] * 2)
    )
    extra = extra.set_column(extra.column_names.index("rna_family"), "rna_family", pa.array(["RF99999"] * 2))
    extra = extra.set_column(extra.column_names.index("rna_id"), "rna_id", pa.array(["rna-sno"] * 2))
    extra = extra.set_column(extra.column_names.index("pair_id"), "pair_id", pa.array(["X1", "X2"]))
    extra = schema.conform(extra, schema.INTERACTIONS)
    out, _ = make_negatives(pa.concat_tables([positives, extra]), NegativesConfig(seed=0))
    swaps = out.filter(
        pc.and_(
            pc.equal(out.column("rna_id"), "rna-sno"),
            pc.equal(out.column("negative_strategy"), "protein_swap"),
        )
    )
    assert swaps.num_rows == 2
    assert set(swaps.column("protein_category").to_pylist()) == {"RBP"}


def test_no_partner_is_skipped_and_counted() -> None:
    """A family that interacts with every clan has no protein swap; its positives are counted, not forced."""
    positives = synthetic_positives(n_families=3, n_clans=2)
    out, report = make_negatives(positives, NegativesConfig())
    assert pc.sum(pc.equal(out.column("negative_strategy"), "protein_swap")).as_py() in (None, 0)
    assert report.dropped() == 2 * positives.num_rows  # neither swap possible: every family meets both clans
    assert any("protein_swap: no protein" in reason for reason in report.drops["negatives"])


def _bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), strategy=st.sampled_from(["family", "random"]))
def test_deterministic_and_seed_dependent(seed: int, strategy: str) -> None:
    positives = synthetic_positives()
    a, _ = make_negatives(positives, NegativesConfig(strategy=strategy, seed=seed))
    b, _ = make_negatives(
        positives.take(pa.array(list(reversed(range(positives.num_rows))))),
        NegativesConfig(strategy=strategy, seed=seed),
    )
    assert _bytes(a) == _bytes(b)  # same seed -> same bytes, whatever the input order
    neg = _split(a)[1]
    assert not _pairs(neg) & _pairs(positives)
    assert len(_pairs(neg)) == neg.num_rows


def test_random_strategy_and_input_negatives() -> None:
    positives = synthetic_positives()
    published = positives.slice(0, 3)
    published = published.set_column(
        published.column_names.index("label"), "label", pa.array([0, 0, 0], pa.int8())
    )
    published = published.set_column(0, "pair_id", pa.array(["old1", "old2", "old3"]))
    data = pa.concat_tables([positives.slice(3), schema.conform(published, schema.INTERACTIONS)])
    out, report = make_negatives(data, NegativesConfig(strategy="random", seed=1, random_per_positive=1))
    pos, neg = _split(out)
    assert neg.num_rows == pos.num_rows
    assert set(neg.column("negative_strategy").to_pylist()) == {"random"}
    assert report.drops["negatives"]["input negative replaced by generated negatives"] == 3
    kept, _ = make_negatives(data, NegativesConfig(strategy="random", keep_input_negatives=True))
    assert "old1" in kept.column("pair_id").to_pylist()
    generated = kept.filter(pc.equal(kept.column("negative_strategy"), "random"))
    assert not _pairs(generated) & _pairs(published)  # kept input negatives are not drawn again


def test_unannotated_input_is_refused() -> None:
    table = schema.conform(
        pa.table({"pair_id": ["a"], "rna_id": ["r"], "protein_id": ["p"], "label": pa.array([1], pa.int8())}),
        schema.INTERACTIONS,
    )
    with pytest.raises(InputError, match="annotate"):
        make_negatives(table)
    with pytest.raises(InputError, match="strategy"):
        make_negatives(table, NegativesConfig(strategy="shuffle"))
