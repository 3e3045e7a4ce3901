"""Bytes on disk of 640-d float16 per-residue embeddings, measured on a sample and extrapolated.

The sample's embeddings are Gaussian noise (what a model's last layer looks like to a compressor: nearly
incompressible float16), written through the builder's own :func:`embeddings_table` and
:func:`write_parquet_atomic`, so the format and compression are those of an embed shard. The ``random``
embedder would not do: it has one vector per letter and compresses ~100x.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from rnainteract_builder.contract.embedding_store import embeddings_table
from rnainteract_builder.contract.io import write_parquet_atomic


def measure(sequences_file: Path, out_dir: Path, sample: int, dim: int = 640, seed: int = 0) -> dict[str, float]:
    table = pq.read_table(sequences_file, columns=["id", "sequence"])
    ids = table.column("id").to_pylist()
    lengths = [len(s) for s in table.column("sequence").to_pylist()]
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(ids), size=min(sample, len(ids)), replace=False).tolist())
    out_dir.mkdir(parents=True, exist_ok=True)
    size = 0
    for start in range(0, len(picked), 250):  # shards of 250 sequences keep the memory near 0.5 GB
        part = picked[start : start + 250]
        arrays = [rng.standard_normal((lengths[i], dim), dtype=np.float32).astype(np.float16) for i in part]
        shard = embeddings_table([ids[i] for i in part], arrays, "gaussian", "rehearsal", dim)
        path = out_dir / f"{sequences_file.stem}_{dim}d_sample_{start:06d}.parquet"
        write_parquet_atomic(shard, path, write_page_checksum=True)
        size += path.stat().st_size
        path.unlink()
        del arrays, shard
    residues = sum(lengths[i] for i in picked)
    return {
        "sample_sequences": len(picked), "sample_residues": residues, "sample_bytes": size,
        "bytes_per_1000_sequences": size / max(len(picked), 1) * 1000,
        "bytes_per_residue": size / max(residues, 1),
        "all_sequences": len(ids), "all_residues": sum(lengths),
        "extrapolated_bytes": size / max(residues, 1) * sum(lengths),
    }
