"""Screening in blocks: same rows as one pass, resumable, top-k, output checks, length and memory limits."""

from __future__ import annotations

import os
import random
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rnainteract_builder.contract.batching import LENGTH_POLICIES, check_length_policy, pad_sequences
from rnainteract_builder.contract.embedders import OneHotEmbedder, SequenceTooLong
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rpiembeddor_hf.predict import api, predict_pairs
from rpiembeddor_hf.predict.budget import length_limit, parse_memory
from rpiembeddor_hf.predict.screen import Screen
from tests.rpiembeddor_hf.predict_helpers import PROTEINS, RNAS, tiny_onehot_model, write_inputs


def _sequences(n: int, molecule: str, seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    letters = "ACGU" if molecule == "rna" else "ACDEFGHIKLMNPQRSTVWY"
    return {f"{molecule}{i}": "".join(rng.choices(letters, k=rng.randint(5, 40))) for i in range(n)}


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(api, "pairs_per_block", lambda budget: 7)


def _run(model, **kwargs):
    return predict_pairs(model, "all", RNAS, PROTEINS, device="cpu", progress=False, **kwargs)


def test_blocks_give_the_rows_of_one_pass_in_input_order(small_blocks, tmp_path):
    model = tiny_onehot_model(seed=3)
    rnas, proteins = _sequences(9, "rna", 1), _sequences(6, "protein", 2)
    rnas["bad"] = "AC-GU"  # unusable: skipped rows stay in place
    blocked = predict_pairs(
        model, "all", rnas, proteins, device="cpu", progress=False, output=tmp_path / "o.parquet"
    )
    whole = predict_pairs(
        model, "all", rnas, proteins, device="cpu", progress=False, memory_budget="4GB", fast=False
    )
    assert blocked.report.facts["blocks (resumed from an earlier run)"].startswith("10 ")
    assert blocked.table.column("pair_id").to_pylist() == [f"{r}__{p}" for r in rnas for p in proteins]
    assert blocked.table.column("status").to_pylist() == whole.table.column("status").to_pylist()
    np.testing.assert_allclose(
        blocked.table.column("probability").to_numpy(zero_copy_only=False),
        whole.table.column("probability").to_numpy(zero_copy_only=False),
        atol=1e-5,
    )
    assert read_parquet(tmp_path / "o.parquet").equals(blocked.table)
    assert not (tmp_path / ".o.parquet.parts").exists()


def _pairs_file(tmp_path, rnas, proteins):
    """Every pair in a shuffled order, one unknown RNA id, as a TSV pairs file."""
    rows = [(f"{r}-{p}", r, p) for r in rnas for p in proteins] + [("lost", "no-such-rna", next(iter(proteins)))]
    random.Random(0).shuffle(rows)
    path = tmp_path / "pairs.tsv"
    path.write_text("pair_id\trna_id\tprotein_id\n" + "".join("\t".join(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("listed", [False, True], ids=["all-vs-all", "pairs-file"])
def test_killed_screen_rerun_continues_and_gives_the_same_output(small_blocks, tmp_path, monkeypatch, listed):
    model_args = dict(device="cpu", progress=False, keep_table=False)
    rnas, proteins = _sequences(8, "rna", 4), _sequences(5, "protein", 5)
    pairs = _pairs_file(tmp_path, rnas, proteins) if listed else "all"
    model = tiny_onehot_model(seed=4)
    reference = predict_pairs(model, pairs, rnas, proteins, output=tmp_path / "ref.tsv", **model_args)
    blocks = int(reference.report.facts["blocks (resumed from an earlier run)"].split()[0])

    calls = []
    original = Screen.block

    def dying(self, start, stop, *args):
        if len(calls) == 3:
            raise KeyboardInterrupt  # a kill after three blocks
        calls.append((start, stop))
        return original(self, start, stop, *args)

    monkeypatch.setattr(Screen, "block", dying)
    with pytest.raises(KeyboardInterrupt):
        predict_pairs(model, pairs, rnas, proteins, output=tmp_path / "out.tsv", **model_args)
    assert not (tmp_path / "out.tsv").exists()
    assert len(list((tmp_path / ".out.tsv.parts").glob("block-*.parquet"))) == 3

    calls.clear()
    monkeypatch.setattr(
        Screen, "block", lambda self, a, b, *args: calls.append((a, b)) or original(self, a, b, *args)
    )
    result = predict_pairs(model, pairs, rnas, proteins, output=tmp_path / "out.tsv", **model_args)
    assert blocks == (8 if not listed else 6)  # one RNA (5 rows) per block of at most 7 rows / 41 rows by 7
    assert len(calls) == blocks - 3
    assert result.report.facts["blocks (resumed from an earlier run)"] == f"{blocks} (3)"
    assert (tmp_path / "out.tsv").read_bytes() == (tmp_path / "ref.tsv").read_bytes()
    assert not (tmp_path / ".out.tsv.parts").exists()


def test_a_changed_run_does_not_reuse_blocks(small_blocks, tmp_path):
    model = tiny_onehot_model(seed=4)
    parts = tmp_path / ".out.parquet.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text("{}\n")
    (parts / "block-000000.parquet").write_bytes(b"not a block of this run")
    result = _run(model, output=tmp_path / "out.parquet")
    assert result.report.facts["blocks (resumed from an earlier run)"].endswith("(0)")
    assert read_parquet(tmp_path / "out.parquet").num_rows == len(RNAS) * len(PROTEINS)


@pytest.mark.parametrize("per_rna, per_protein", [(2, 0), (0, 1), (1, 2)])
def test_top_k_per_rna_and_per_protein(small_blocks, per_rna, per_protein):
    model = tiny_onehot_model(seed=6)
    rnas, proteins = _sequences(7, "rna", 8), _sequences(6, "protein", 9)
    full = predict_pairs(model, "all", rnas, proteins, device="cpu", progress=False).table.to_pylist()
    kept = predict_pairs(
        model,
        "all",
        rnas,
        proteins,
        device="cpu",
        progress=False,
        top_k_per_rna=per_rna,
        top_k_per_protein=per_protein,
    ).table
    expected = set()
    for key, k in (("rna_source_id", per_rna), ("protein_source_id", per_protein)):
        for name in {row[key] for row in full}:
            rows = sorted((r for r in full if r[key] == name), key=lambda r: -r["probability"])
            expected |= {r["pair_id"] for r in rows[:k]}
    assert set(kept.column("pair_id").to_pylist()) == expected
    order = [row["pair_id"] for row in full if row["pair_id"] in expected]
    assert kept.column("pair_id").to_pylist() == order  # still in input order


# -- outputs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, message",
    [("out.xlsx", "unknown output format '.xlsx'"), ("out", "unknown output format '(no extension)'")],
)
def test_output_extension_is_checked_before_any_work(tmp_path, name, message):
    with pytest.raises(InputError, match=re.escape(message)):
        predict_pairs(tmp_path / "no model here", "all", RNAS, PROTEINS, output=tmp_path / name)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_output_folder_is_refused_before_any_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="not writable"):
            predict_pairs(tmp_path / "no model here", "all", RNAS, PROTEINS, output=locked / "out.tsv")
    finally:
        locked.chmod(0o700)


def test_output_where_writing_fails_is_refused_before_any_work(tmp_path, monkeypatch):
    # Also as root (who passes permission checks): the probe write itself fails, e.g. a read-only mount.
    def read_only(self, data):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(type(tmp_path), "write_bytes", read_only)
    with pytest.raises(InputError, match="cannot write there .Read-only file system., nothing was scored"):
        predict_pairs(tmp_path / "no model here", "all", RNAS, PROTEINS, output=tmp_path / "out.tsv")


def test_output_under_a_file_is_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot create the output folder"):
        predict_pairs(tmp_path / "no model here", "all", RNAS, PROTEINS, output=tmp_path / "file" / "out.tsv")


def test_failed_final_write_keeps_the_results_and_says_where(tmp_path, monkeypatch):
    def full_disk(tables, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(api, "write_tables", full_disk)
    with pytest.raises(InputError) as caught:
        _run(tiny_onehot_model(), output=tmp_path / "hits.csv")
    parts = tmp_path / ".hits.csv.parts"
    assert f"kept in {parts}/" in str(caught.value) and "No space left" in str(caught.value)
    kept = pa.concat_tables(read_parquet(p) for p in sorted(parts.glob("block-*.parquet")))
    assert kept.num_rows == len(RNAS) * len(PROTEINS)
    monkeypatch.undo()
    result = _run(tiny_onehot_model(), output=tmp_path / "hits.csv")  # the rerun writes without scoring
    assert result.report.facts["blocks (resumed from an earlier run)"].endswith("(1)")
    assert (tmp_path / "hits.csv").read_text().startswith('"pair_id","rna_source_id"')


# -- lengths and memory -------------------------------------------------------------------------------


def test_one_length_policy_check_and_one_padding_function():
    assert LENGTH_POLICIES == ("reject", "truncate", "chunk")
    with pytest.raises(InputError, match="length policy must be reject, truncate, chunk, not 'drop'"):
        check_length_policy("drop")
    with pytest.raises(InputError, match="length policy must be"):
        OneHotEmbedder("rna", length_policy="drop")
    values, mask = pad_sequences([np.ones((2, 3), np.float16), np.ones((4, 3), np.float16)])
    assert (
        values.shape == (2, 4, 3)
        and values.dtype.is_floating_point
        and mask.tolist() == [[1, 1, 0, 0], [1] * 4]
    )


@pytest.mark.parametrize("policy", ["reject", "truncate", "chunk"])
def test_one_hot_embedder_honours_the_length_policy(policy):
    embedder = OneHotEmbedder("rna", length_policy=policy, max_length=10, overlap=4)
    sequence = "ACGUACGUACGUACGUACGUACG"  # 23 residues
    if policy == "reject":
        with pytest.raises(SequenceTooLong, match="23 residues"):
            embedder.embed([sequence])
        return
    (values,) = embedder.embed([sequence])
    assert values.shape == ((10, 5) if policy == "truncate" else (23, 5))
    np.testing.assert_array_equal(values, OneHotEmbedder("rna")._embed_pieces([sequence])[0][: len(values)])


@pytest.mark.parametrize("policy", ["reject", "chunk"])
def test_an_rna_too_long_for_the_budget_is_refused_in_one_line_before_allocation(policy):
    model = tiny_onehot_model()
    limit = length_limit(model.config, parse_memory("64MB"))
    rnas = {**RNAS, "giant": "ACGU" * 25_000}  # 100,000 nt
    result = predict_pairs(
        model, "all", rnas, PROTEINS, device="cpu", progress=False, length_policy=policy, memory_budget="64MB"
    )
    (line,) = [p for p in result.problems if "giant" in p]
    assert line.startswith("rna giant: 100,000 nt is longer than the") and f"{limit:,}" in line
    assert f"length policy {policy!r}" in line and "use --length-policy truncate" in line
    skipped = result.table.filter(pc.equal(result.table.column("rna_source_id"), "giant"))
    assert set(skipped.column("status").to_pylist()) == {"skipped"}
    with pytest.raises(InputError, match="rna giant: 100,000 nt"):
        predict_pairs(
            model,
            "all",
            {"giant": rnas["giant"]},
            PROTEINS,
            device="cpu",
            progress=False,
            memory_budget="64MB",
        )


def test_the_paper_configuration_takes_long_sequences_a_square_attention_could_not():
    from rpiembeddor_hf import RPIembeddorConfig

    budget = parse_memory("2GB")
    assert length_limit(RPIembeddorConfig(), budget) > 5 * length_limit(
        RPIembeddorConfig(pooling="mean"), budget
    )


def test_truncate_makes_an_over_long_rna_fit_the_budget():
    model = tiny_onehot_model()
    limit = length_limit(model.config, parse_memory("256MB"))
    rnas = {"giant": "ACGU" * 25_000}
    result = predict_pairs(
        model,
        "all",
        rnas,
        PROTEINS,
        device="cpu",
        progress=False,
        length_policy="truncate",
        memory_budget="256MB",
    )
    assert set(result.table.column("status").to_pylist()) == {"scored"}
    assert f"truncated to the first {limit} of 100000 residues" in result.table.column("warnings")[0].as_py()


def test_memory_budget_is_parsed_or_refused():
    assert parse_memory("2GB") == 2 * 2**30 and parse_memory("512m") == 512 * 2**20
    for bad in ("lots", "1MB"):
        with pytest.raises(InputError, match="memory budget"):
            parse_memory(bad)


@pytest.fixture
def arrow_warmed_up():
    """Arrow's allocator reserves its arenas on first use; that is not the screen's memory."""
    pa.array([str(i) for i in range(100_000)]).to_pylist()


@pytest.mark.limit_memory("40 MB")
@pytest.mark.parametrize("n_rna, n_protein", [(100, 300), (200, 600)])
def test_screen_memory_does_not_grow_with_the_number_of_pairs(tmp_path, arrow_warmed_up, n_rna, n_protein):
    # 30,000 and 120,000 pairs through blocks (32,768 rows at most under 64 MB) to Parquet: the same
    # limit holds for both, as the rows of a block, not of the screen, are in memory at once.
    model = tiny_onehot_model()
    rna, protein = write_inputs(tmp_path, _sequences(n_rna, "rna", 11), _sequences(n_protein, "protein", 12))
    result = predict_pairs(
        model, "all", rna, protein, device="cpu", progress=False, output=tmp_path / "hits.parquet",
        keep_table=False, memory_budget="64MB",
    )  # fmt: skip
    assert result.rows == n_rna * n_protein and result.table is None
    assert read_parquet(tmp_path / "hits.parquet").num_rows == n_rna * n_protein


@pytest.mark.limit_memory("40 MB")
@pytest.mark.parametrize("n_pairs", [30_000, 120_000])
def test_pairs_file_memory_does_not_grow_with_the_number_of_pairs(tmp_path, arrow_warmed_up, n_pairs):
    # A pairs file is read in chunks on every pass and scored in blocks (32,768 rows at most under 64 MB):
    # the same limit holds for 30,000 and 120,000 listed pairs.
    model = tiny_onehot_model()
    rnas, proteins = _sequences(100, "rna", 11), _sequences(300, "protein", 12)
    rna, protein = write_inputs(tmp_path, rnas, proteins)
    rng = random.Random(5)
    names = (list(rnas), list(proteins))
    with open(tmp_path / "pairs.tsv", "w", encoding="utf-8") as out:
        out.write("pair_id\trna_id\tprotein_id\n")
        for row in range(n_pairs):
            out.write(f"pair-{row:07d}\t{rng.choice(names[0])}\t{rng.choice(names[1])}\n")
    result = predict_pairs(
        model, tmp_path / "pairs.tsv", rna, protein, device="cpu", progress=False,
        output=tmp_path / "hits.parquet", keep_table=False, memory_budget="64MB",
    )  # fmt: skip
    assert result.rows == result.scored == n_pairs and result.table is None
    written = read_parquet(tmp_path / "hits.parquet")
    assert written.num_rows == n_pairs
    assert written.column("pair_id")[n_pairs - 1].as_py() == f"pair-{n_pairs - 1:07d}"


def test_lean_path_of_the_paper_configuration_equals_the_plain_forward():
    # The published size (640 + 640 inputs, d_model 256, 1 layer, first pooling), realistic lengths.
    import torch

    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel
    from rpiembeddor_hf.predict import score_pairs_fast, score_pairs_plain

    torch.manual_seed(0)
    model = RPIembeddorModel(RPIembeddorConfig(initializer_range=0.05)).eval()
    generator = torch.Generator().manual_seed(1)
    rnas = [torch.randn(int(n), 640, generator=generator).half() for n in (1, 17, 230, 90)]
    proteins = [torch.randn(int(n), 640, generator=generator).half() for n in (300, 5, 64, 128, 1)]
    pairs = np.array([(i, j) for i in range(4) for j in range(5)] + [(2, 0), (0, 4)])
    plain = score_pairs_plain(model, rnas, proteins, pairs, batch_size=3)
    lean = score_pairs_fast(model, rnas, proteins, pairs, batch_size=2, max_tokens=400)
    assert np.ptp(plain) > 0.01
    np.testing.assert_allclose(lean, plain, atol=1e-5, rtol=0)
