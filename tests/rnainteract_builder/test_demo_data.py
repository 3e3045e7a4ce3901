from __future__ import annotations

import pyarrow.csv as pacsv

from rnainteract_builder.contract.sequences import normalise
from rnainteract_builder.demo_data import RNAINTER_COLUMNS, DemoConfig, generate, write_demo_files

SMALL = DemoConfig(n_rna_families=4, rnas_per_family=3, n_protein_clans=4, proteins_per_clan=2, mrna_rows=3)


def test_generated_sample_has_rnainter_columns_and_resolvable_ids(tmp_path):
    files = write_demo_files(tmp_path, SMALL)
    header = files.rnainter.read_text().splitlines()[0].split("\t")
    assert tuple(header) == RNAINTER_COLUMNS
    sample = (files.folder / "SYNTHETIC_DATA.txt").read_text()
    assert "SYNTHETIC" in sample
    rows = pacsv.read_csv(files.rnainter, parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False))
    sequences = pacsv.read_csv(files.sequences, parse_options=pacsv.ParseOptions(delimiter="\t"))
    known = set(sequences.column("raw_id").to_pylist())
    for raw_id, category in zip(rows.column("Raw_ID1").to_pylist(), rows.column("Category1").to_pylist(), strict=True):
        assert (raw_id in known) == (category != "mRNA")
    assert set(rows.column("Raw_ID2").to_pylist()) <= known
    for seq in sequences.column("sequence").to_pylist():
        normalise(seq, "rna" if set(seq) <= set("ACGU") else "protein")


def test_planted_signal_pairs_only_matching_modes():
    rows, _, annotations = generate(SMALL)
    mode = {a["raw_id"]: a["mode"] for a in annotations}
    pairs = [(r["Raw_ID1"], r["Raw_ID2"]) for r in rows if r["Category1"] != "mRNA"]
    assert pairs and all(mode[rna] == mode[protein] for rna, protein in pairs)


def test_generation_is_deterministic():
    assert generate(SMALL) == generate(SMALL)
    assert generate(SMALL)[0] != generate(DemoConfig(**{**SMALL.__dict__, "seed": 8}))[0]
