"""Benchmark: screening fast path vs the plain batched forward, pairs/s, same run, same model, same pairs.

A screen of ``--rnas`` RNAs x ``--proteins`` proteins (default 20 x 2,000 = 40,000 pairs) with RPIembeddor
at the paper's size (640 + 640 inputs, d_model 256, 1,447,209 parameters, randomly initialised: the
compute is that of a trained model). Embeddings are random float16 ``L x 640`` arrays of realistic
lengths (log-uniform, RNA 20-1,024 nt, protein 50-1,024 aa, the dataset's length limit), held in
memory as they are after reading the embedding cache, so the figures are model compute only.

* baseline "plain": ``model(...)`` on padded batches of ``--batch-size`` pairs, in screen order (every pair
  recomputes both molecules' projection and self-attention);
* ours "fast": :func:`rpiembeddor_hf.predict.score_pairs_fast` (each molecule's part once, the pair part
  per pair).

On a CPU the plain forward over 40,000 pairs takes long, so by default it runs on a random sample of
``--plain-sample`` pairs of the same screen (pairs/s is a rate; the sample's probabilities are also
checked against the fast path's). ``--plain-sample 0`` runs the plain forward on every pair.

    .venv/bin/python scripts/bench_screen.py                      # 20 x 2,000
    .venv/bin/python scripts/bench_screen.py --proteins 200       # a quicker look
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch

from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel
from rpiembeddor_hf.predict import score_pairs_fast, score_pairs_plain


def log_uniform_lengths(rng: np.random.Generator, count: int, low: int, high: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), count)).astype(int)


def random_embeddings(rng: np.random.Generator, lengths: np.ndarray, dim: int) -> list[torch.Tensor]:
    return [
        torch.from_numpy(rng.standard_normal((int(n), dim), dtype=np.float32).astype(np.float16))
        for n in lengths
    ]


def device_line(device: torch.device) -> str:
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    gpu = "none available" if not torch.cuda.is_available() else "available but not used (--device cpu)"
    return f"GPU: {gpu}; CPU run with {torch.get_num_threads()} threads on {platform.processor() or platform.machine()}"


def timed(fn, device: torch.device) -> tuple[np.ndarray, float]:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rnas", type=int, default=20)
    parser.add_argument("--proteins", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--plain-sample", type=int, default=1000, help="pairs for the plain forward (0: all)")
    parser.add_argument("--pooling", choices=("first", "mean"), default="first")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    device = torch.device(
        ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    )
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    model = RPIembeddorModel(RPIembeddorConfig(pooling=args.pooling)).eval().to(device)
    rna_lengths = log_uniform_lengths(rng, args.rnas, 20, 1024)
    protein_lengths = log_uniform_lengths(rng, args.proteins, 50, 1024)
    rnas = random_embeddings(rng, rna_lengths, 640)
    proteins = random_embeddings(rng, protein_lengths, 640)
    pairs = np.array([(i, j) for i in range(args.rnas) for j in range(args.proteins)], dtype=np.int64)
    sample = pairs
    if args.plain_sample and args.plain_sample < len(pairs):
        sample = pairs[np.sort(rng.choice(len(pairs), args.plain_sample, replace=False))]

    print(device_line(device))
    print(
        f"screen: {args.rnas} RNAs (median {int(np.median(rna_lengths))} nt) x {args.proteins} proteins "
        f"(median {int(np.median(protein_lengths))} aa) = {len(pairs):,} pairs; model {args.pooling} pooling, "
        f"{sum(p.numel() for p in model.parameters()):,} parameters; batch size {args.batch_size}"
    )
    # Warm-up (allocator, kernels) on a few pairs, not timed.
    score_pairs_fast(model, rnas, proteins, pairs[:8], args.batch_size)
    score_pairs_plain(model, rnas, proteins, pairs[:8], args.batch_size)

    fast, fast_s = timed(lambda: score_pairs_fast(model, rnas, proteins, pairs, args.batch_size), device)
    plain, plain_s = timed(lambda: score_pairs_plain(model, rnas, proteins, sample, args.batch_size), device)
    index = {tuple(p): k for k, p in enumerate(pairs.tolist())}
    fast_on_sample = fast[[index[tuple(p)] for p in sample.tolist()]]
    fast_rate, plain_rate = len(pairs) / fast_s, len(sample) / plain_s
    print(
        f"plain batched forward (baseline): {plain_rate:10.1f} pairs/s  ({len(sample):,} pairs in {plain_s:.1f} s)"
    )
    print(
        f"screening fast path (ours):       {fast_rate:10.1f} pairs/s  ({len(pairs):,} pairs in {fast_s:.1f} s)"
    )
    print(f"ratio fast / plain: {fast_rate / plain_rate:.1f}x (goal >= 5x)")
    print(
        f"max |fast - plain| on the {len(sample):,} compared pairs: {np.abs(fast_on_sample - plain).max():.2e}"
    )


if __name__ == "__main__":
    main()
