"""Benchmark: token-budget batching vs fixed-size batches in input order, with full-size random models.

Baseline ("fixed"): batches of ``--batch-size`` sequences in input order, each padded to its longest
member - what a plain loop over a DataFrame does. Ours ("budget"): sequences sorted by length and packed
to ``--tokens-per-batch`` padded tokens (rnainteract_builder.contract.batching). Both run the real model
classes at full size (RNA-FM: 12 layers x 640; ESM-2 150M: 30 layers x 640), randomly initialised, so the
compute equals that of the published weights. Prints residues/s, the ratio, padding share and peak
memory; on a GPU also bf16 and model FLOP utilisation (MFU) against the card's dense bf16 peak.

    .venv/bin/python scripts/bench_embed.py --sequences 200
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import torch

from rnainteract_builder.contract.batching import fixed_size_batches, token_budget_batches
from rnainteract_builder.contract.embedders import FoundationEmbedder, random_model

#: Dense bf16 peak FLOP/s of common cards (for MFU); unknown cards report MFU as n/a.
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12}


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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sequences", type=int, default=200, help="sequences per molecule")
    parser.add_argument("--batch-size", type=int, default=8, help="baseline batch size")
    parser.add_argument("--tokens-per-batch", type=int, default=4096)
    parser.add_argument("--models", default="rnafm,esm2_t30_150M")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        print("no GPU available: CPU only, fp32 (no bf16 run, no MFU)")
    else:
        print(f"GPU: {torch.cuda.get_device_name()}")
    rng = np.random.default_rng(0)
    for name in args.models.split(","):
        model, alphabet = random_model(name, size="full")
        molecule = "rna" if name == "rnafm" else "protein"
        seqs = length_mix(molecule, args.sequences, rng)
        params = sum(p.numel() for p in model.parameters())
        dtypes = ["fp32"] + (["bf16"] if cuda else [])
        for dtype in dtypes:
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
            run(embedder, seqs_ok, fixed_size_batches(4, 4))  # warm-up
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            base_s, base_pad, real = run(embedder, seqs_ok, fixed_size_batches(len(seqs_ok), args.batch_size))
            base_mem = peak_memory_mb(device)
            if cuda:
                torch.cuda.reset_peak_memory_stats()
            plan = token_budget_batches([len(s) for s in seqs_ok], args.tokens_per_batch, embedder.specials)
            ours_s, ours_pad, _ = run(embedder, seqs_ok, plan)
            ours_mem = peak_memory_mb(device)
            residues = sum(len(s) for s in seqs_ok)
            print(
                f"{name} ({params / 1e6:.0f}M params, {len(seqs_ok)} seqs, {residues:,} residues, {dtype}, {device.type}):"
            )
            print(
                f"  fixed batches of {args.batch_size} in input order: {residues / base_s:8.0f} residues/s, "
                f"padding {1 - real / base_pad:5.1%}, {len(fixed_size_batches(len(seqs_ok), args.batch_size))} calls, "
                f"peak mem {base_mem:,.0f} MB"
            )
            print(
                f"  token budget {args.tokens_per_batch}, sorted:       {residues / ours_s:8.0f} residues/s, "
                f"padding {1 - real / ours_pad:5.1%}, {len(plan)} calls, peak mem {ours_mem:,.0f} MB"
            )
            print(f"  speed-up (budget / fixed): {base_s / ours_s:.2f}x")
            if cuda:
                peak = next((v for k, v in PEAK_BF16.items() if k in torch.cuda.get_device_name()), None)
                flops = 2 * params * ours_pad / ours_s
                print(
                    f"  model FLOP/s {flops / 1e12:.1f} TFLOP/s; MFU "
                    + (f"{flops / peak:.1%}" if peak and dtype == "bf16" else "n/a")
                )
        del model
    return 0


if __name__ == "__main__":
    sys.exit(main())
