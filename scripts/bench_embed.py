"""Benchmark: batch plans for embedding, with full-size random models.

Three plans of the same sequences: ``fixed`` batches of ``--batch-size`` sequences in input order, each
padded to its longest member (what a plain loop over a DataFrame does; the baseline); ``greedy``: sorted by
length and packed to ``--tokens-per-batch`` padded tokens; ``padding <= 5 %``: the same budget, cut at the
length jumps where greedy packing pads more than ``--max-padding`` (what the embed stage runs; see
rnainteract_builder.contract.batching). All run the real model classes at full size (RNA-FM: 12 layers x
640; ESM-2 150M: 30 layers x 640), randomly initialised, so the compute equals that of the published
weights. Prints per plan: padding and real-token share (of the tokens the model computed, BOS/EOS counted
as real), calls and padded tokens per call, residues/s and the speed-up over the fixed baseline in the same
run, peak memory, and the load average before and after; on a GPU also bf16 and model FLOP utilisation
(MFU) against the card's dense bf16 peak. The padding figures depend only on the lengths; the timings on
the machine and its load. ``--plan-only`` prints the padding figures alone, in a second.

    .venv/bin/python scripts/bench_embed.py --sequences 120 --models rnafm
    .venv/bin/python scripts/bench_embed.py --sequences 120 --plan-only
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import torch

from rnainteract_builder.contract.batching import (
    DEFAULT_MAX_PADDING,
    PlanStats,
    fixed_size_batches,
    plan_stats,
    token_budget_batches,
)
from rnainteract_builder.contract.embedders import FoundationEmbedder, random_model

#: Dense bf16 peak FLOP/s of common cards (for MFU); unknown cards report MFU as n/a.
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12}
#: Residues per call of both models (1,024 positions less BOS and EOS), for ``--plan-only``.
MAX_RESIDUES = 1022


def length_mix(molecule: str, count: int, rng: np.random.Generator) -> list[str]:
    """RNAs mostly 50-250 nt (some short miRNAs, a few long); proteins around 300-600 aa."""
    if molecule == "rna":
        lengths = np.concatenate(
            [
                rng.integers(18, 26, count // 5),
                rng.integers(50, 250, count - count // 5 - count // 20),
                rng.integers(400, 1000, count // 20),
            ]
        )
        letters = list("ACGU")
    else:
        lengths = np.clip(rng.normal(450, 120, count), 50, 1000).astype(int)
        letters = list("ACDEFGHIKLMNPQRSTVWY")
    rng.shuffle(lengths)
    return ["".join(rng.choice(letters, int(n))) for n in lengths]


def run(embedder: FoundationEmbedder, seqs: list[str], plan: list[list[int]]) -> tuple[float, int, int]:
    """Seconds, padded tokens, real tokens for one pass over ``plan``."""
    padded = real = 0
    if embedder.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for batch in plan:
        pieces = [seqs[i] for i in batch]
        tokens = embedder.tokenize(pieces).to(embedder.device)
        with torch.inference_mode(), embedder._autocast():
            embedder.model(tokens, repr_layers=[embedder.layer])["representations"][
                embedder.layer
            ].float().cpu()
        padded += tokens.numel()
        real += sum(len(p) + embedder.specials for p in pieces)
    if embedder.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, padded, real


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    """The machine's load average, so a reader can judge the timings (the padding figures need no such care)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def plans(lengths: list[int], args: argparse.Namespace, specials: int) -> dict[str, list[list[int]]]:
    """The three batchings compared: the naive baseline, greedy token-budget packing, bounded padding."""
    return {
        f"fixed batches of {args.batch_size} in input order": fixed_size_batches(
            len(lengths), args.batch_size
        ),
        f"token budget {args.tokens_per_batch}, greedy": token_budget_batches(
            lengths, args.tokens_per_batch, specials, max_padding=None
        ),
        f"token budget {args.tokens_per_batch}, padding <= {args.max_padding:.0%}": token_budget_batches(
            lengths, args.tokens_per_batch, specials, max_padding=args.max_padding
        ),
    }


def describe(name: str, stats: PlanStats) -> str:
    return (
        f"  {name:<44} padding {stats.padding:5.1%}, real tokens {stats.real_share:5.1%}, "
        f"{stats.batches:4d} calls, {stats.mean_batch_tokens:6.0f} padded tokens per call"
    )


def time_plans(embedder: FoundationEmbedder, seqs: list[str], named: dict[str, list[list[int]]]) -> None:
    """Run every plan once (after a warm-up) and print residues/s, padding and the speed-up over the first."""
    device = embedder.device
    lengths = [len(s) for s in seqs]
    residues = sum(lengths)
    run(embedder, seqs, fixed_size_batches(4, 4))  # warm-up
    base_s = None
    for name, plan in named.items():
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        seconds, padded, real = run(embedder, seqs, plan)
        stats = plan_stats(lengths, plan, embedder.specials)
        assert (stats.padded, stats.real) == (padded, real)  # the tensors the model saw
        base_s = base_s or seconds
        print(
            describe(name, stats)
            + f"; {residues / seconds:7.0f} residues/s, {base_s / seconds:.2f}x the first, "
            f"peak mem {peak_memory_mb(device):,.0f} MB"
        )
        if device.type == "cuda" and embedder.dtype == "bf16":
            params = sum(p.numel() for p in embedder.model.parameters())
            peak = next((v for k, v in PEAK_BF16.items() if k in torch.cuda.get_device_name()), None)
            flops = 2 * params * padded / seconds
            print(
                f"    model FLOP/s {flops / 1e12:.1f} TFLOP/s; MFU "
                + (f"{flops / peak:.1%}" if peak else "n/a")
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sequences", type=int, default=200, help="sequences per molecule")
    parser.add_argument("--batch-size", type=int, default=8, help="baseline batch size")
    parser.add_argument("--tokens-per-batch", type=int, default=4096)
    parser.add_argument(
        "--max-padding", type=float, default=DEFAULT_MAX_PADDING, help="padding bound of the third plan"
    )
    parser.add_argument("--models", default="rnafm,esm2_t30_150M")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    parser.add_argument(
        "--plan-only", action="store_true", help="print the plans' padding only (no model, seconds)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if args.plan_only:
        print("plans only: padding and calls (no model run)")
    elif not cuda:
        print("no GPU available: CPU only, fp32 (no bf16 run, no MFU)")
    else:
        print(f"GPU: {torch.cuda.get_device_name()}")
    print(f"before: {load()}")
    rng = np.random.default_rng(0)
    for name in args.models.split(","):
        molecule = "rna" if name == "rnafm" else "protein"
        seqs = length_mix(molecule, args.sequences, rng)
        if args.plan_only:
            seqs = [s[:MAX_RESIDUES] for s in seqs]
            lengths = [len(s) for s in seqs]
            print(f"{name} ({len(seqs)} seqs, {sum(lengths):,} residues, BOS + EOS per sequence):")
            for plan_name, plan in plans(lengths, args, 2).items():
                print(describe(plan_name, plan_stats(lengths, plan, 2)))
            continue
        model, alphabet = random_model(name, size="full")
        params = sum(p.numel() for p in model.parameters())
        for dtype in ["fp32"] + (["bf16"] if cuda else []):
            embedder = FoundationEmbedder(
                model,
                alphabet,
                name=name,
                molecule=molecule,
                revision="random-init",
                device=device,
                dtype=dtype,
                tokens_per_batch=args.tokens_per_batch,
            )
            seqs_ok = [s[: embedder.max_length] for s in seqs]
            lengths = [len(s) for s in seqs_ok]
            print(
                f"{name} ({params / 1e6:.0f}M params, {len(seqs_ok)} seqs, {sum(lengths):,} residues, {dtype}, "
                f"{device.type}):"
            )
            time_plans(embedder, seqs_ok, plans(lengths, args, embedder.specials))
        del model
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
