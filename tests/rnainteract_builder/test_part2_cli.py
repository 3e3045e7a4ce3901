"""The annotate -> negatives -> split -> audit -> stats chain through the `rnainteract` CLI."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnainteract_builder.cli import main
from rnainteract_builder.contract import schema
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.sequences import sequence_id


def _synthetic_folder(directory: Path) -> tuple[Path, Path]:
    """24 RNAs in 8 families x 12 proteins in 4 clans, with a family / clan table as the demo ships one."""
    rng = random.Random(2)
    rnas = {
        f"r{f}_{i}": "".join(rng.choice("ACGU") for _ in range(30 + f)) for f in range(8) for i in range(3)
    }
    prots = {
        f"p{c}_{i}": "M" + "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(40))
        for c in range(4)
        for i in range(3)
    }
    pairs = [(r, f"p{int(r[1]) % 4}_{i}") for r in rnas for i in range(2)]

    def seq_table(seqs: dict[str, str], molecule: str) -> pa.Table:
        rows = sorted((sequence_id(s, molecule), s, name) for name, s in seqs.items())
        return schema.conform(pa.table({"id": [r[0] for r in rows], "sequence": [r[1] for r in rows],
                                        "length": pa.array([len(r[1]) for r in rows], pa.int32()),
                                        "source_ids": [[r[2]] for r in rows]}), schema.SEQUENCES)  # fmt: skip

    interactions = pa.table({
        "pair_id": [f"RI{i:04d}" for i in range(len(pairs))],
        "rna_id": [sequence_id(rnas[r], "rna") for r, _ in pairs],
        "protein_id": [sequence_id(prots[p], "protein") for _, p in pairs],
        "label": pa.array([1] * len(pairs), pa.int8()), "score": [0.5] * len(pairs),
        "rna_category": ["miRNA"] * len(pairs), "protein_category": ["RBP"] * len(pairs),
        "rna_source_id": [r for r, _ in pairs], "protein_source_id": [p for _, p in pairs],
    })  # fmt: skip
    PairsFolder(
        schema.conform(interactions, schema.INTERACTIONS), seq_table(rnas, "rna"), seq_table(prots, "protein")
    ).write(directory / "positives")
    table = directory / "labels.tsv"
    table.write_text("id\tfamily\n" + "".join(f"{r}\tRF{int(r[1]):05d}\n" for r in rnas))
    clans = directory / "clans.tsv"
    clans.write_text("id\tclan\n" + "".join(f"{p}\tCL{int(p[1]):04d}\n" for p in prots))
    return table, clans


def test_chain_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    families, clans = _synthetic_folder(tmp_path)
    assert main(["annotate", str(tmp_path / "positives"), str(tmp_path / "annotate"),
                 "--family-table", str(families), "--clan-table", str(clans)]) == 0  # fmt: skip
    assert main(["negatives", str(tmp_path / "annotate"), str(tmp_path / "negatives"), "--seed", "7"]) == 0
    assert main(["negatives", str(tmp_path / "annotate"), str(tmp_path / "negatives2"), "--seed", "7"]) == 0
    digest = [
        hashlib.sha256((tmp_path / d / "interactions.parquet").read_bytes()).hexdigest()
        for d in ("negatives", "negatives2")
    ]
    assert digest[0] == digest[1]
    assert (
        main(["split", str(tmp_path / "negatives"), str(tmp_path / "split"), "--test-fraction", "0.25"]) == 0
    )
    capsys.readouterr()
    assert main(["audit", str(tmp_path / "split"), "--method", "align"]) == 0
    assert "Leakage audit" in capsys.readouterr().out
    assert (
        main(
            [
                "stats",
                str(tmp_path / "split"),
                str(tmp_path / "stats"),
                "--annotations",
                str(tmp_path / "annotate"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("| split | rna_families | protein_clans | positives | negatives |")
    assert "| total | 8 | 4 | 48 | 96 |" in out  # 48 positives, two negatives each
    assert (tmp_path / "stats" / "lengths.png").exists() and (
        tmp_path / "stats" / "category_heatmap.png"
    ).exists()
    train, test = (pq.read_table(tmp_path / "split" / f"{n}.parquet") for n in ("train", "test"))
    assert not set(train.column("rna_family").to_pylist()) & set(test.column("rna_family").to_pylist())


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["negatives", str(tmp_path / "absent"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnainteract: error:") and "\n" not in err
    _synthetic_folder(tmp_path)
    assert main(["negatives", str(tmp_path / "positives"), str(tmp_path / "out")]) == 2  # not annotated
    assert "annotate" in capsys.readouterr().err
    assert main(["split", str(tmp_path / "positives"), str(tmp_path / "s"), "--kind", "bogus"]) == 2
