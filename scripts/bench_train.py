"""Training throughput: dynamic padding + length grouping vs padding every batch to 1,024 (baseline).

Same model (paper configuration by default: 640+640 inputs, d_model 256, 1 layer), same optimizer, same
realistic length mix of RNAInter-like pairs (many short miRNAs, some long ncRNAs; proteins log-normal around
400 residues, all <= 1,024). Each mode runs in its own fresh process so peak memory is its own (GPU:
``torch.cuda.max_memory_allocated``; CPU: the process's peak resident set size). Prints samples/s, peak
memory and the ratio against the baseline ``pad-to-1024``. On a GPU it also times the paper configuration
in bf16 and projects 90 epochs x 109,214 pairs; without one it says so.

    .venv/bin/python scripts/bench_train.py --steps 4 --batch-size 16
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time

import numpy as np
import torch

PAPER_PAIRS, PAPER_EPOCHS = 109_214, 90


def length_mix(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    kind = rng.random(n)
    rna = np.where(
        kind < 0.4,
        rng.integers(18, 26, n),  # miRNAs
        np.where(
            kind < 0.7, rng.integers(50, 300, n), rng.integers(300, 1025, n)
        ),  # sno/tRNA-like, long ncRNA
    )
    protein = np.clip(rng.lognormal(np.log(400), 0.6, n), 50, 1024).astype(int)
    return rna, protein


def batches(
    rna: np.ndarray, protein: np.ndarray, batch_size: int, grouped: bool, seed: int
) -> list[list[int]]:
    from rpiembeddor_hf.data import LengthGroupedBatchSampler

    return LengthGroupedBatchSampler(rna + protein, batch_size, seed=seed, group_by_length=grouped).batches()


def run_mode(mode: str, args: dict, queue: mp.Queue) -> None:
    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel

    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = RPIembeddorModel(RPIembeddorConfig(d_model=args["d_model"])).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    rna, protein = length_mix(args["pairs"])
    plan = batches(rna, protein, args["batch_size"], grouped=mode != "pad-to-1024", seed=0)
    plan = plan[: args["steps"] + 1]
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args["bf16"])
    samples, elapsed = 0, 0.0
    for step, batch in enumerate(plan):
        rl = 1024 if mode == "pad-to-1024" else int(rna[batch].max())
        pl = 1024 if mode == "pad-to-1024" else int(protein[batch].max())
        r = torch.randn(len(batch), rl, 640, device=device)
        p = torch.randn(len(batch), pl, 640, device=device)
        rm = (
            torch.arange(rl, device=device)[None] < torch.as_tensor(rna[batch], device=device)[:, None]
        ).long()
        pm = (
            torch.arange(pl, device=device)[None] < torch.as_tensor(protein[batch], device=device)[:, None]
        ).long()
        labels = torch.randint(0, 2, (len(batch),), device=device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        with autocast:
            loss = model(r, rm, p, pm, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step > 0:  # the first step warms up kernels and allocators
            elapsed += time.perf_counter() - start
            samples += len(batch)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "mode": mode,
            "samples_per_s": samples / elapsed,
            "peak_mib": peak,
            "device": str(device),
            "bf16": args["bf16"],
            "steps": len(plan) - 1,
        }
    )


def measure(mode: str, args: dict) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=run_mode, args=(mode, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=4, help="timed steps per mode (after one warm-up step)")
    parser.add_argument("--batch-size", type=int, default=64, help="pairs per batch (paper: 64)")
    parser.add_argument("--pairs", type=int, default=4096, help="pairs in the length mix")
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    options = parser.parse_args()
    gpu = torch.cuda.is_available()
    args = {
        "steps": options.steps,
        "batch_size": options.batch_size,
        "pairs": options.pairs,
        "d_model": options.d_model,
        "bf16": False,
    }
    rna, protein = length_mix(options.pairs)
    print(
        f"length mix: {options.pairs} pairs, RNA median {int(np.median(rna))} (max {rna.max()}), "
        f"protein median {int(np.median(protein))} (max {protein.max()}); batch {options.batch_size}, "
        f"{options.steps} timed steps per mode, d_model {options.d_model}",
        file=sys.stderr,
    )
    if not gpu:
        print(
            "no GPU available: CPU figures only (fp32); the bf16 paper-configuration timing and the 90-epoch "
            "projection need a GPU",
            file=sys.stderr,
        )
    results = [measure("pad-to-1024", args), measure("dynamic+grouped", args)]
    if gpu:
        results.append(measure("dynamic+grouped", {**args, "bf16": True}))
    base = results[0]
    rows = []
    for r in results:
        r["speedup_vs_pad_to_1024"] = r["samples_per_s"] / base["samples_per_s"]
        r["memory_ratio_vs_pad_to_1024"] = r["peak_mib"] / base["peak_mib"]
        rows.append(r)
    if gpu:
        bf16 = rows[-1]
        bf16["projected_hours_90_epochs"] = PAPER_EPOCHS * PAPER_PAIRS / bf16["samples_per_s"] / 3600
    if options.json:
        print(json.dumps(rows, indent=2))
        return 0
    memory = "peak GPU MiB" if gpu else "peak RSS MiB"
    print(
        f"| mode | device | bf16 | samples/s | {memory} | speed-up vs pad-to-1024 | memory vs pad-to-1024 |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['mode']} | {r['device']} | {r['bf16']} | {r['samples_per_s']:.2f} | {r['peak_mib']:.0f} | "
            f"{r['speedup_vs_pad_to_1024']:.2f}x | {r['memory_ratio_vs_pad_to_1024']:.2f}x |"
        )
    if gpu:
        print(
            f"\nprojected paper run (90 epochs x {PAPER_PAIRS:,} pairs, bf16, one GPU): "
            f"{rows[-1]['projected_hours_90_epochs']:.1f} h"
        )
    else:
        print("\nno GPU available: bf16 throughput and the 90-epoch projection were not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
