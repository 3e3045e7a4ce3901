"""Benchmark: batches/s of the zero-copy join (EmbeddedPairs) vs load_dataset(...).with_format("torch").

Both read the same published folder (a synthetic build: 640-d float16 embeddings) and produce the same
padded batches of RNA and protein embeddings + masks + labels. Baseline: the interactions split and the
two embedding configs through ``datasets`` with the torch formatter, row access by index for each pair
(what a naive ``Dataset.__getitem__`` does), then padding. Ours: EmbeddingStore views into the Arrow
buffers and ``EmbeddedPairs.batches``.

    .venv/bin/python scripts/bench_load.py --pairs 2000 --batches 20
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.embedding_store import EmbeddedPairs, EmbeddingStore, embeddings_table
from rnainteract_builder.contract.io import write_parquet_atomic
from rnainteract_builder.contract.sequences import sequence_id
from rnainteract_builder.publish import PublishConfig, run_publish


def synthetic_build(root: Path, pairs: int, rng: np.random.Generator) -> Path:
    def seqs(molecule: str, n: int, lo: int, hi: int) -> list[str]:
        letters = list("ACGU") if molecule == "rna" else list("ACDEFGHIKLMNPQRSTVWY")
        return sorted({"".join(rng.choice(letters, int(rng.integers(lo, hi)))) for _ in range(n)})

    rnas, proteins = seqs("rna", pairs // 4, 50, 250), seqs("protein", pairs // 8, 300, 600)
    rows = [
        {
            "pair_id": f"p{i:06d}",
            "rna_id": sequence_id(rnas[rng.integers(len(rnas))], "rna"),
            "protein_id": sequence_id(proteins[rng.integers(len(proteins))], "protein"),
            "label": int(i % 3 == 0),
        }
        for i in range(pairs)
    ]
    folder = root / "split" / "family"
    for split, part in (("train", rows), ("validation", rows[:10]), ("test", rows[:10])):
        write_parquet_atomic(
            schema.conform(pa.Table.from_pylist(part), schema.INTERACTIONS), folder / f"{split}.parquet"
        )
    for molecule, items in (("rna", rnas), ("protein", proteins)):
        ids = [sequence_id(s, molecule) for s in items]
        table = pa.table(
            {"id": ids, "sequence": items, "length": pa.array([len(s) for s in items], pa.int32())}
        )
        write_parquet_atomic(
            schema.conform(table, schema.SEQUENCES), folder / f"{molecule}_sequences.parquet"
        )
        arrays = [rng.standard_normal((len(s), 640)).astype(np.float16) for s in items]
        out = root / "embeddings" / molecule
        write_parquet_atomic(
            embeddings_table(ids, arrays, f"synthetic_{molecule}", "r0", 640),
            out / "shard-00000-of-00001.parquet",
        )
        manifest = {"molecule": molecule, "dim": 640, "model": "synthetic", "model_revision": "r0"}
        (out / "embed_manifest.json").write_text(__import__("json").dumps(manifest))
    return root


def baseline(folder: Path, cache: str, batch_size: int, batches: int) -> float:
    import datasets

    pairs = datasets.load_dataset(str(folder), split="train", cache_dir=cache).with_format("torch")
    rna = datasets.load_dataset(
        str(folder), "rna_embeddings_synthetic", split="train", cache_dir=cache
    ).with_format("torch")
    protein = datasets.load_dataset(
        str(folder), "protein_embeddings_synthetic", split="train", cache_dir=cache
    ).with_format("torch")
    rna_index = {i: n for n, i in enumerate(rna["id"])}
    protein_index = {i: n for n, i in enumerate(protein["id"])}
    start = time.perf_counter()  # the datasets are loaded and cached above: only batch building is timed
    for b in range(batches):
        rows = [pairs[i] for i in range(b * batch_size, (b + 1) * batch_size)]
        r = [rna[rna_index[row["rna_id"]]]["embedding"] for row in rows]
        p = [protein[protein_index[row["protein_id"]]]["embedding"] for row in rows]
        torch.nn.utils.rnn.pad_sequence(r, batch_first=True)
        torch.nn.utils.rnn.pad_sequence(p, batch_first=True)
        torch.stack([row["label"] for row in rows])
    return batches / (time.perf_counter() - start)


def ours(folder: Path, batch_size: int, batches: int) -> tuple[float, float]:
    """(batches/s, seconds to open the stores: read Parquet, validate widths / NaN, index ids)."""
    import pyarrow.parquet as pq

    start = time.perf_counter()
    table = pq.read_table(sorted((folder / "interactions").glob("train-*.parquet")))
    pairs = EmbeddedPairs(
        table,
        EmbeddingStore.from_parquet(folder / "rna_embeddings_synthetic"),
        EmbeddingStore.from_parquet(folder / "protein_embeddings_synthetic"),
    )
    setup = time.perf_counter() - start
    start = time.perf_counter()
    for n, _ in enumerate(pairs.batches(batch_size)):
        if n + 1 == batches:
            break
    return batches / (time.perf_counter() - start), setup


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic_build(
            Path(tmp) / "build", max(args.pairs, args.batch_size * args.batches), np.random.default_rng(0)
        )
        folder = run_publish(PublishConfig(root, progress=False, figures=False)).output
        base = baseline(folder, str(Path(tmp) / "cache"), args.batch_size, args.batches)
        fast, setup = ours(folder, args.batch_size, args.batches)
    print(f"batches of {args.batch_size} pairs, 640-d float16 embeddings, RNA 50-250 nt, protein 300-600 aa")
    print(f"  load_dataset(...).with_format('torch') row access: {base:8.2f} batches/s")
    print(f"  EmbeddedPairs (zero-copy Arrow -> torch):           {fast:8.2f} batches/s")
    print(f"  speed-up: {fast / base:.1f}x (goal >= 10x); opening the stores took {setup:.2f} s once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
