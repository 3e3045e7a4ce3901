"""Leakage audit flags planted near-duplicates; RPI2825 import and train-overlap removal."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pytest

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.external_sets import exclude_train_overlap, import_rpi2825
from rnainteract_builder.leakage import audit_split, nearest_train_identity, pair_identity


def _rna(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ACGU") for _ in range(n))


def test_pair_identity() -> None:
    assert pair_identity("ACGUACGUAA", "GGGACGUACGUAAGG") == 1.0  # contained fragment
    assert pair_identity("AAAAAAAAAA", "CCCCCCCCCC") == 0.0


@pytest.mark.parametrize("method", ["align", "mmseqs"])
def test_audit_flags_a_planted_near_duplicate(tmp_path: Path, method: str) -> None:
    rng = random.Random(4)
    train = {f"tr{i}": _rna(rng, 120) for i in range(8)}
    planted = list(train["tr3"])
    for pos in (10, 50, 90):
        planted[pos] = "A" if planted[pos] != "A" else "G"
    test = {"near": "".join(planted), "far1": _rna(rng, 110), "far2": _rna(rng, 100)}
    neighbours = {n.test_id: n for n in nearest_train_identity(test, train, method=method)}
    assert neighbours["near"].train_id == "tr3"
    assert neighbours["near"].identity >= 0.95
    assert neighbours["far1"].identity < 0.6 and neighbours["far2"].identity < 0.6

    # The same through a split folder, with the JSON / Markdown report.
    seqs = {**train, **test}
    ids = {k: sequence_id(v, "rna") for k, v in seqs.items()}
    rna_table = schema.conform(pa.table({"id": [ids[k] for k in seqs], "sequence": list(seqs.values()),
                                         "length": pa.array([len(v) for v in seqs.values()], pa.int32())}),
                               schema.SEQUENCES)  # fmt: skip
    write_parquet_atomic(rna_table, tmp_path / "rna_sequences.parquet")
    for name, members in (("train", train), ("test", test)):
        table = pa.table(
            {
                "pair_id": [f"{name}{k}" for k in members],
                "rna_id": [ids[k] for k in members],
                "protein_id": ["prot-x"] * len(members),
                "label": pa.array([1] * len(members), pa.int8()),
            }
        )
        write_parquet_atomic(schema.conform(table, schema.INTERACTIONS), tmp_path / f"{name}.parquet")
    summary = audit_split(tmp_path, method=method, flag_identity=0.9)
    assert summary["flagged"] == 1
    assert summary["flagged_examples"][0]["test_id"] == ids["near"]
    assert sum(row["test_sequences"] for row in summary["histogram"]) == 3
    assert "| [0.95, 1.00] | 1 |" in (tmp_path / "leakage_audit_rna.md").read_text()


def test_import_rpi2825(tmp_path: Path) -> None:
    rng = random.Random(8)
    rna, prot = _rna(rng, 40), "MKVLAAGIVALLSPEQ"
    csv_file = tmp_path / "RPI2825.csv"
    csv_file.write_text(
        "type,protein_seq,rna_seq\n"
        f"ribo,{prot},{rna.replace('U', 'T')}\n"
        f"nonribo,{prot}K,{rna}\n"
        f"ribo,{prot},{rna.lower()}\n"  # the same pair again
        f"ribo,{prot},{'A' * 1025}\n"  # too long
        f"nonribo,{prot}1,{rna}\n"  # a digit: broken row
    )
    imported = import_rpi2825(csv_file)
    table = imported.interactions
    assert table.num_rows == 2
    assert set(table.column("label").to_pylist()) == {1}
    assert table.column("rna_id").to_pylist()[0] == sequence_id(rna, "rna")
    assert table.column("rpi2825_type").to_pylist() == ["ribo", "nonribo"]
    drops = imported.report.drops
    assert drops["length cut-off"]["too_long"] == 1
    assert drops["sequences"]["invalid_character"] == 1
    assert sum(drops["duplicates"].values()) == 1
    assert imported.rna_sequences.num_rows == 1 and imported.protein_sequences.num_rows == 2

    train = schema.conform(pa.table({"pair_id": ["t"], "rna_id": ["rna-other"],
                                     "protein_id": [sequence_id(prot + "K", "protein")],
                                     "label": pa.array([1], pa.int8())}), schema.INTERACTIONS)  # fmt: skip
    report = Report("overlap")
    kept = exclude_train_overlap(table, train, "either", report)
    assert kept.num_rows == 1 and kept.column("protein_id")[0].as_py() == sequence_id(prot, "protein")
    assert exclude_train_overlap(table, train, "rna").num_rows == 2
    assert report.dropped() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("protein,rna\nMK,ACGU\n")
    with pytest.raises(InputError, match="missing column"):
        import_rpi2825(bad)
