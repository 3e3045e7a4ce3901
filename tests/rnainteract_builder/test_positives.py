"""Cleaning and positives on hand-checked examples."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import normalise, sequence_id
from rnainteract_builder.positives import PositivesConfig, _resolved_rows, build_positives
from rnainteract_builder.resolve.stage import RESOLVED, RESOLVED_SCHEMA

RNA = {"NCBI:1": "ACGT", "NCBI:2": "GGGG", "NCBI:3": "ccuu", "NCBI:4": "ACGU", "NCBI:5": "A" * 30, "NCBI:6": "AIA"}
PROT = {"NCBI:101": "MKV", "NCBI:102": "MAAA", "NCBI:103": "MWWW"}


def _ingested(pairs: list[tuple[str, str, str, float]]) -> pa.Table:
    n = len(pairs)
    return pa.table({
        "row_index": pa.array(range(n), pa.int64()),
        "rnainter_id": [p[0] for p in pairs],
        "rna_symbol": [f"sym{p[1]}" for p in pairs],
        "rna_category": ["lncRNA"] * n,
        "rna_species": ["Homo sapiens"] * n,
        "protein_symbol": [f"sym{p[2]}" for p in pairs],
        "protein_category": ["RBP"] * n,
        "protein_species": ["Homo sapiens"] * n,
        "rna_source_id": [p[1] for p in pairs],
        "protein_source_id": [p[2] for p in pairs],
        "score": [p[3] for p in pairs],
        "evidence_strong": [None] * n,
        "evidence_weak": ["RIP"] * n,
        "evidence_predict": [None] * n,
    })


def _resolved(seqs: dict[str, str | None]) -> pa.Table:
    rows = [(k, v, k if v else None, "table" if v else None, RESOLVED if v else "not found (table)",
             len(v) if v else None) for k, v in sorted(seqs.items())]
    return pa.Table.from_pylist([dict(zip(RESOLVED_SCHEMA.names, r, strict=True)) for r in rows], schema=RESOLVED_SCHEMA)


def _run(tmp_path: Path, pairs, config: PositivesConfig, rna=RNA, prot=PROT):
    write_parquet_atomic(_ingested(pairs), tmp_path / "i.parquet")
    write_parquet_atomic(_resolved(rna), tmp_path / "r.parquet")
    write_parquet_atomic(_resolved(prot), tmp_path / "p.parquet")
    report = Report("t")
    out = build_positives(tmp_path / "i.parquet", tmp_path / "r.parquet", tmp_path / "p.parquet", config, report)
    return out, report


def rid(seq: str) -> str:
    return sequence_id(normalise(seq, "rna").sequence, "rna")


def test_cleaning_dedupe_and_drops(tmp_path: Path) -> None:
    pairs = [
        ("RP1", "NCBI:1", "NCBI:101", 0.2),
        ("RP1", "NCBI:2", "NCBI:101", 0.9),  # duplicate RNAInterID: the first row wins
        ("RP2", "NCBI:4", "NCBI:101", 0.7),  # ACGU == normalised ACGT: a duplicate pair with a higher score
        ("RP3", "NCBI:3", "NCBI:102", 0.1),
        ("RP4", "NCBI:5", "NCBI:102", 0.1),  # 30 nt > max_length 20
        ("RP5", "NCBI:6", "NCBI:102", 0.1),  # inosine I is rejected
        ("RP6", "NCBI:9", "NCBI:102", 0.1),  # unresolved
    ]
    out, report = _run(tmp_path, pairs, PositivesConfig(max_length=20), rna={**RNA, "NCBI:9": None})
    table = out.interactions
    assert table.schema.equals(schema.INTERACTIONS)
    assert table.column("pair_id").to_pylist() == ["RP2", "RP3"]
    first = table.to_pylist()[0]
    assert first["rna_id"] == rid("ACGU") and first["score"] == 0.7 and first["label"] == 1
    assert first["source"] == "RNAInter v4" and first["rna_source_id"] == "NCBI:4" and first["evidence_weak"] == "RIP"
    drops = report.drops
    assert drops["dedupe RNAInterID"]["duplicate RNAInterID"] == 1
    assert drops["dedupe pairs"]["duplicate (RNA, protein) pair"] == 1
    assert drops["sequences"]["rna sequence too_long (> 20)"] == 1
    assert drops["sequences"]["rna sequence nonstandard_letter"] == 1
    assert drops["sequences"]["rna unresolved: not found (table)"] == 1
    assert report.dropped() + table.num_rows == len(pairs)
    rna_seqs = {r["id"]: r for r in out.rna_sequences.to_pylist()}
    assert out.rna_sequences.schema.field("id").type == pa.string()
    assert rna_seqs[rid("ccuu")]["sequence"] == "CCUU"
    assert set(rna_seqs) == {rid("ACGU"), rid("CCUU")}
    assert report.facts["rna category shares"] == {"lncRNA": {"pairs": 2, "share": 1.0}}


def test_letter_policy_replace_keeps_the_sequence(tmp_path: Path) -> None:
    out, report = _run(tmp_path, [("RP5", "NCBI:6", "NCBI:102", 0.1)], PositivesConfig(letter_policy="replace"))
    assert out.interactions.num_rows == 1
    assert report.facts["rna letters replaced (policy replace)"] == {"I": 1}
    assert out.rna_sequences.column("sequence").to_pylist() == ["ANA"]


# Hand-checked interactor-limit example with limit 3: RNA a has 3 partners (x, y, z); RNA b has 2 (x, y);
# RNA c has 1 (x). Protein x has 3 partners (a, b, c), y has 2 (a, b), z has 1 (a).
LIMIT_RNA = {"R:a": "AAAA", "R:b": "CCCC", "R:c": "GGGG"}
LIMIT_PROT = {"P:x": "MXA".replace("X", "K"), "P:y": "MYY".replace("Y", "W"), "P:z": "MZZ".replace("Z", "V")}
LIMIT_PAIRS = [
    ("RP1", "R:a", "P:x", 1.0), ("RP2", "R:a", "P:y", 1.0), ("RP3", "R:a", "P:z", 1.0),
    ("RP4", "R:b", "P:x", 1.0), ("RP5", "R:b", "P:y", 1.0), ("RP6", "R:c", "P:x", 1.0),
]


def test_interactor_limit_drop_removes_every_hub(tmp_path: Path) -> None:
    out, report = _run(tmp_path, LIMIT_PAIRS, PositivesConfig(interactor_limit=3), LIMIT_RNA, LIMIT_PROT)
    # a (3 pairs) and x (3 pairs) are hubs: every pair touching either goes; only b-y survives
    assert out.interactions.column("pair_id").to_pylist() == ["RP5"]
    drops = report.drops["interactor limit (drop 3)"]
    assert drops == {"RNA has >= 3 interactions": 3, "protein has >= 3 interactions": 2}


def test_interactor_limit_cap_keeps_a_seeded_sample(tmp_path: Path) -> None:
    import hashlib

    config = PositivesConfig(interactor_limit=2, interactor_limit_mode="cap", seed=7)
    out, report = _run(tmp_path, LIMIT_PAIRS, config, LIMIT_RNA, LIMIT_PROT)
    key = {p[0]: hashlib.md5(f"7:{p[0]}".encode()).hexdigest() for p in LIMIT_PAIRS}
    # by hand: within RNA a keep the 2 smallest keys of RP1-3; within protein x the 2 smallest of RP1, RP4, RP6
    keep_a = sorted(["RP1", "RP2", "RP3"], key=key.get)[:2]
    keep_x = sorted(["RP1", "RP4", "RP6"], key=key.get)[:2]
    expected = [p for p in ["RP1", "RP2", "RP3", "RP4", "RP5", "RP6"]
                if (p not in {"RP1", "RP2", "RP3"} or p in keep_a) and (p not in {"RP1", "RP4", "RP6"} or p in keep_x)]
    kept = out.interactions.column("pair_id").to_pylist()
    assert kept == expected
    rna_degree = {}
    for r in out.interactions.column("rna_source_id").to_pylist():
        rna_degree[r] = rna_degree.get(r, 0) + 1
    assert max(rna_degree.values()) <= 2
    assert report.dropped() == len(LIMIT_PAIRS) - len(kept)
    again, _ = _run(tmp_path, list(reversed(LIMIT_PAIRS)), config, LIMIT_RNA, LIMIT_PROT)
    assert sorted(again.interactions.column("pair_id").to_pylist()) == sorted(kept)  # order-independent
    other, _ = _run(tmp_path, LIMIT_PAIRS, PositivesConfig(interactor_limit=2, interactor_limit_mode="cap", seed=8),
                    LIMIT_RNA, LIMIT_PROT)
    assert other.interactions.num_rows <= 4


def test_config_validation() -> None:
    with pytest.raises(InputError, match="interactor_limit_mode"):
        PositivesConfig(interactor_limit_mode="trim")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="letter_policy"):
        PositivesConfig(letter_policy="ignore")  # type: ignore[arg-type]


def test_resolved_rows_are_read_batch_by_batch_in_order() -> None:
    """Normalisation reads the resolved table in batches (memory at paper scale); rows and order stay."""
    table = pa.table(
        {"raw_id": [f"NCBI:{i}" for i in range(7)], "sequence": ["ACGU" * i or None for i in range(7)],
         "accession": [None] * 7, "resolver": ["t"] * 7, "status": [RESOLVED] * 6 + ["not found (t)"],
         "length": [4 * i for i in range(6)] + [None]},
        schema=RESOLVED_SCHEMA,
    )
    expected = list(zip(*(table.column(c).to_pylist()
                          for c in ("raw_id", "sequence", "accession", "status", "length")), strict=True))
    assert list(_resolved_rows(table, batch_rows=3)) == expected
