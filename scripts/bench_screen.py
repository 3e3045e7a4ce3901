"""Benchmark: screening through ``predict_pairs`` vs the plain batched forward; pairs/s and peak RSS per mode.

Each mode runs in a fresh Python process (so its peak resident memory is its own), on the same model,
the same sequences and a warm embedding cache (the figures are scoring, not embedding):

* baseline "plain": ``predict_pairs(fast=False)`` - ``model(...)`` on padded batches of ``--batch-size``
  pairs; every pair recomputes both molecules. On a CPU it runs on a random sample of ``--plain-sample``
  pairs of the screen (pairs/s is a rate);
* ours "screen": ``predict_pairs`` all-vs-all, in blocks sized by ``--memory-budget``, written to Parquet.

The model is RPIembeddor at the paper's size (640 + 640 inputs, d_model 256, first pooling, randomly
initialised: the compute of a trained model) on the weight-free ``random`` 640-d embedder (the width of
RNA-FM / ESM-2 150M). Screens: ``rpi369`` (the RPI369 FASTA files, every RNA x every protein) and
``synthetic`` (``--rnas`` x ``--proteins`` random sequences, log-uniform lengths, RNA 20-1,024 nt,
protein 50-1,024 aa). The load average is printed: a ratio measured under load is not the ratio.

    .venv/bin/python scripts/bench_screen.py --screen rpi369 --data /path/to/RPI369
    .venv/bin/python scripts/bench_screen.py --screen synthetic --rnas 200 --proteins 2000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _sequences(
    count: int, letters: str, low: int, high: int, prefix: str, rng: random.Random
) -> dict[str, str]:
    lengths = np.exp(
        np.random.default_rng(rng.randint(0, 2**31)).uniform(np.log(low), np.log(high), count)
    ).astype(int)
    return {f"{prefix}{i}": "".join(rng.choices(letters, k=int(n))) for i, n in enumerate(lengths)}


def prepare(args: argparse.Namespace, work: Path) -> tuple[Path, Path, Path]:
    """Model folder, RNA and protein FASTA files; the embedding cache warmed for every sequence."""
    import torch

    from rnainteract_builder.contract.fasta import write_fasta
    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel, predict_pairs

    torch.manual_seed(args.seed)
    model = work / "model"
    RPIembeddorModel(
        RPIembeddorConfig(rna_embedding_model="random", protein_embedding_model="random")
    ).eval().save_pretrained(model)
    if args.screen == "rpi369":
        rna, protein = Path(args.data) / "rna.fasta", Path(args.data) / "protein.fasta"
    else:
        rng = random.Random(args.seed)
        rna, protein = work / "rna.fasta", work / "protein.fasta"
        write_fasta(_sequences(args.rnas, "ACGU", 20, 1024, "r", rng).items(), rna)
        write_fasta(_sequences(args.proteins, "ACDEFGHIKLMNPQRSTVWY", 50, 1024, "p", rng).items(), protein)
    r, p = _ids(rna), _ids(protein)
    warm = [(r[0], x) for x in p] + [(x, p[0]) for x in r]  # every sequence once: a warm cache
    predict_pairs(model, warm, rna, protein, cache_dir=work / "cache", progress=False, device=args.device)
    return model, rna, protein


def _ids(path: Path) -> list[str]:
    from rnainteract_builder.contract.fasta import iter_fasta

    return [record.id for record in iter_fasta(path)]


def worker(args: argparse.Namespace) -> None:
    """One mode in this process; prints a JSON line with pairs, seconds and the peak RSS."""
    import torch

    from rpiembeddor_hf import predict_pairs

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    pairs = str(work / "sample.tsv") if args.mode == "plain" else "all"
    start = time.perf_counter()
    result = predict_pairs(
        work / "model", pairs, args.rna, args.protein, cache_dir=work / "cache", progress=False,
        keep_table=False, output=work / f"{args.mode}.parquet", fast=args.mode != "plain",
        memory_budget=args.memory_budget, batch_size=args.batch_size, device=args.device,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"mode": args.mode, "pairs": result.rows, "seconds": seconds, "peak_rss": peak}))


def _sample(rna: Path, protein: Path, count: int, seed: int, path: Path) -> int:
    r, p = _ids(rna), _ids(protein)
    rng = np.random.default_rng(seed)
    total = len(r) * len(p)
    rows = np.sort(rng.choice(total, min(count, total), replace=False)) if count else np.arange(total)
    path.write_text(
        "rna_id\tprotein_id\n" + "".join(f"{r[i // len(p)]}\t{p[i % len(p)]}\n" for i in rows.tolist())
    )
    return total


def run_mode(args: argparse.Namespace, mode: str, work: Path, rna: Path, protein: Path) -> dict:
    command = [
        sys.executable, __file__, "--worker", mode, "--work", str(work), "--rna-file", str(rna),
        "--protein-file", str(protein), "--memory-budget", args.memory_budget,
        "--batch-size", str(args.batch_size), "--device", args.device, "--threads", str(args.threads),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--screen", choices=("rpi369", "synthetic"), default="synthetic")
    parser.add_argument(
        "--data", default="/work/shared/data/RPI369", help="folder with rna.fasta, protein.fasta"
    )
    parser.add_argument("--rnas", type=int, default=200)
    parser.add_argument("--proteins", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--plain-sample", type=int, default=2000, help="pairs for the plain forward (0: all)")
    parser.add_argument("--memory-budget", default="2GB")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--rna-file", dest="rna", help=argparse.SUPPRESS)
    parser.add_argument("--protein-file", dest="protein", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.mode = args.worker
        worker(args)
        return

    print(f"load average before: {os.getloadavg()}  (CPUs: {os.cpu_count()}, torch threads: {args.threads})")
    with tempfile.TemporaryDirectory(prefix="bench-screen-") as folder:
        work = Path(folder)
        model, rna, protein = prepare(args, work)
        total = _sample(rna, protein, args.plain_sample, args.seed, work / "sample.tsv")
        print(
            f"screen {args.screen}: {total:,} pairs; model {model.name} at the paper's size; budget {args.memory_budget}"
        )
        results = {mode: run_mode(args, mode, work, rna, protein) for mode in ("plain", "screen")}
    plain, screen = results["plain"], results["screen"]
    plain_rate, screen_rate = plain["pairs"] / plain["seconds"], screen["pairs"] / screen["seconds"]
    for name, row, rate in (
        ("plain batched forward (baseline)", plain, plain_rate),
        ("screen (ours)", screen, screen_rate),
    ):
        print(
            f"{name:34s} {rate:10.1f} pairs/s  ({row['pairs']:,} pairs in {row['seconds']:.1f} s)  "
            f"peak RSS {row['peak_rss'] / 2**30:.2f} GB"
        )
    print(f"ratio screen / plain: {screen_rate / plain_rate:.1f}x (goal >= 5x); peak RSS goal <= 2 GB")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
