"""Training throughput: dynamic padding + length grouping vs padding every batch to 1,024 (baseline).

Both modes train the same model (paper configuration by default: 640+640 inputs, d_model 256, 1 layer,
``first`` pooling), with the same optimizer, on the *same batches of the same pairs*: one plan of batches
is drawn with the training sampler (:class:`~rpiembeddor_hf.data.LengthGroupedBatchSampler`) from a
realistic length mix (RNAs mostly 50-250 nt with some miRNAs and a tail to 1,024; proteins mostly 300-600
aa with shorter ones and a tail to 1,024). ``pad-to-1024`` pads every batch to 1,024 residues per
molecule, which is what a fixed-shape implementation does; ``dynamic+grouped`` pads each batch to its own
longest RNA and protein, as ``rpiembeddor train`` does.

Measurement: every (mode, repeat) runs in its own fresh process (so peak memory is its own: GPU
``torch.cuda.max_memory_allocated``, CPU the process's peak resident set size), modes alternate so a
change of machine load hits both, ``--warmup`` optimizer steps run before the clock starts, then one timed
pass over every batch of the plan. Samples/s is the median over ``--repeats``; the speed-up is the median
of the per-repeat ratios (each repeat's two modes ran back to back). On a GPU it also times the paper
configuration in bf16 and projects 90 epochs x 109,214 pairs; without one it says so.

Padding: each mode's table row gives the real-token share of its timed batches (residues / padded positions,
both molecules); before the runs it prints the share per molecule over a whole epoch of the sampler, of
plain shuffled batches (dynamic padding, no grouping) and of ``pad-to-1024``. These depend only on the
lengths, the batch size and ``--pairs`` (default: the paper's 109,214 training pairs; a grouped batch can
only be as uniform as the pairs the sampler can choose from), not on the machine; the timings do, so the
load average is printed before and after.

    .venv/bin/python scripts/bench_train.py --batch-size 16 --steps 12 --warmup 2 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

PAPER_PAIRS, PAPER_EPOCHS = 109_214, 90
MAX_LENGTH = 1024
BASELINE = "pad-to-1024"


def length_mix(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """RNA and protein lengths of ``n`` pairs, shaped like RNAInter ncRNA-protein pairs.

    RNA: 70 % 50-250 nt (log-normal around 110), 15 % miRNA-like 18-25 nt, 15 % a tail of 250-1,024.
    Protein: 75 % 300-600 aa, 15 % 50-300 aa, 10 % a tail of 600-1,024.
    """
    rng = np.random.default_rng(seed)
    kind = rng.random(n)
    rna = np.where(
        kind < 0.70,
        np.clip(rng.lognormal(np.log(110), 0.4, n), 50, 250),
        np.where(kind < 0.85, rng.integers(18, 26, n), rng.integers(251, MAX_LENGTH + 1, n)),
    ).astype(int)
    kind = rng.random(n)
    protein = np.where(
        kind < 0.75,
        rng.integers(300, 601, n),
        np.where(kind < 0.90, rng.integers(50, 300, n), rng.integers(601, MAX_LENGTH + 1, n)),
    ).astype(int)
    return rna, protein


def batch_plan(
    rna: np.ndarray, protein: np.ndarray, batch_size: int, steps: int, seed: int = 0
) -> list[list[int]]:
    """``steps`` batches of one epoch of the training sampler over all pairs, chosen to cost what the epoch
    costs.

    The sampler groups lengths with its defaults, as in training. Grouped batches differ a lot in padded
    size (miRNAs with short proteins, long RNAs with long proteins), so a few batches drawn at random can
    be much cheaper or dearer than the epoch's average; the batches at evenly spaced quantiles of padded
    size (``rows x (longest RNA + longest protein)``) are not. They are timed in the sampler's order.
    """
    full = [b for b in epoch_batches(rna, protein, batch_size, seed) if len(b) == batch_size]
    size = np.array([len(b) * (int(rna[b].max()) + int(protein[b].max())) for b in full])
    by_size = np.argsort(size, kind="stable")
    count = min(steps, len(full))
    pick = by_size[((np.arange(count) + 0.5) * len(full) / count).astype(int)]
    return [full[i] for i in sorted(pick.tolist())]


def epoch_batches(
    rna: np.ndarray, protein: np.ndarray, batch_size: int, seed: int = 0, grouped: bool = True
) -> list[list[int]]:
    """One epoch of the training sampler (``grouped=False``: plain shuffled batches)."""
    from rpiembeddor_hf.data import LengthGroupedBatchSampler

    lengths = np.stack([rna, protein], axis=1)  # what training passes: EmbeddedPairDataset.pair_lengths()
    return LengthGroupedBatchSampler(lengths, batch_size, seed=seed, group_by_length=grouped).batches()


def real_shares(
    rna: np.ndarray, protein: np.ndarray, plan: list[list[int]], width: int | None = None
) -> tuple[float, float, float]:
    """Real-token share of RNA, protein and both: residues / padded positions, each molecule padded to its
    longest in the batch (or to ``width``)."""
    from rnainteract_builder.contract.batching import plan_stats

    shares = []
    real = padded = 0
    for lengths in (rna, protein):
        stats = plan_stats(lengths, plan)
        fill = stats.padded if width is None else width * sum(len(b) for b in plan)
        shares.append(stats.real / fill)
        real, padded = real + stats.real, padded + fill
    return shares[0], shares[1], real / padded


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def padding_summary(rna: np.ndarray, protein: np.ndarray, batch_size: int, seed: int) -> str:
    """Real-token shares over one epoch: the grouped sampler, plain shuffled batches, pad-to-1024."""
    grouped = epoch_batches(rna, protein, batch_size, seed)
    plain = epoch_batches(rna, protein, batch_size, seed, grouped=False)
    lines = [
        f"real-token share over one epoch ({len(rna):,} pairs, batch {batch_size}), RNA / protein / both:"
    ]
    for name, plan, width in (
        ("dynamic + grouped (training)", grouped, None),
        ("dynamic, shuffled, no grouping", plain, None),
        (BASELINE, plain, MAX_LENGTH),
    ):
        r, p, both = real_shares(rna, protein, plan, width)
        lines.append(f"  {name:<31} {r:6.1%} / {p:6.1%} / {both:6.1%}  (padding {1 - both:5.1%})")
    return "\n".join(lines)


def _inputs(
    batch: list[int], rna: np.ndarray, protein: np.ndarray, padded: bool, device: torch.device
) -> dict[str, torch.Tensor]:
    """A batch as the collate function builds it: float16 embeddings (the model casts), 0/1 masks."""
    out = {}
    for name, lengths in (("rna", rna[batch]), ("protein", protein[batch])):
        width = MAX_LENGTH if padded else int(lengths.max())
        mask = (torch.arange(width)[None] < torch.as_tensor(lengths)[:, None]).long()
        out[f"{name}_embeddings"] = (torch.randn(len(batch), width, 640) * mask[..., None]).half().to(device)
        out[f"{name}_attention_mask"] = mask.to(device)
    out["labels"] = torch.randint(0, 2, (len(batch),)).to(device)
    return out


def run_mode(mode: str, args: dict, queue: mp.Queue) -> None:
    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel

    if args["threads"]:
        torch.set_num_threads(args["threads"])
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = RPIembeddorModel(RPIembeddorConfig(d_model=args["d_model"])).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    rna, protein = np.asarray(args["rna"]), np.asarray(args["protein"])
    padded = mode == BASELINE
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=args["bf16"])

    def step(inputs: dict[str, torch.Tensor]) -> None:
        with autocast:
            if args["full_attention"]:  # every position of both molecules, as before the lean forward
                rna_code = model.encode_molecule(
                    "rna", inputs["rna_embeddings"], inputs["rna_attention_mask"]
                )
                protein_code = model.encode_molecule(
                    "protein", inputs["protein_embeddings"], inputs["protein_attention_mask"]
                )
                loss = model.forward_pair(rna_code, protein_code, labels=inputs["labels"]).loss
            else:
                loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    plan = args["plan"]
    for batch in plan[: args["warmup"]]:  # kernels, allocator and caches warm up; not timed
        step(_inputs(batch, rna, protein, padded, device))
    samples, elapsed = 0, 0.0
    for batch in plan:
        inputs = _inputs(batch, rna, protein, padded, device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        step(inputs)
        if device.type == "cuda":
            torch.cuda.synchronize()
        elapsed += time.perf_counter() - start
        samples += len(batch)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"samples_per_s": samples / elapsed, "peak_mib": peak, "device": str(device)})


def measure(mode: str, args: dict) -> dict:
    """One timed run of ``mode`` in a fresh process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=run_mode, args=(mode, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        raise RuntimeError(f"{mode} run failed (exit code {proc.exitcode})")
    return result


def describe_mix(
    rna: np.ndarray, protein: np.ndarray, plan: list[list[int]], options: argparse.Namespace
) -> str:
    """One line on the lengths, the timed batches and the run settings."""
    pairs = sum(len(b) for b in plan)
    padded_rna = sum(int(rna[b].max()) * len(b) for b in plan) / pairs
    padded_protein = sum(int(protein[b].max()) * len(b) for b in plan) / pairs

    def spread(x: np.ndarray) -> str:
        return f"median {int(np.median(x))} (10-90 %: {int(np.percentile(x, 10))}-{int(np.percentile(x, 90))}, max {x.max()})"

    return (
        f"length mix: {len(rna):,} pairs, {pairs} of them in the timed batches; RNA {spread(rna)}, protein "
        f"{spread(protein)}; timed dynamic batches pad to {padded_rna:.0f} RNA + {padded_protein:.0f} residues "
        f"per pair on average (baseline: {MAX_LENGTH} + {MAX_LENGTH}); batch {options.batch_size}, "
        f"{options.warmup} warm-up + {len(plan)} timed steps per run, {options.repeats} repeats per mode, "
        f"d_model {options.d_model}, torch threads {options.threads or torch.get_num_threads()}"
        f"{', full attention (no lean forward)' if options.full_attention else ''}"
    )


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=12, help="timed steps (batches) per run")
    parser.add_argument(
        "--warmup", type=int, default=2, help="untimed optimizer steps before the clock starts"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode (median reported)")
    parser.add_argument("--batch-size", type=int, default=64, help="pairs per batch (paper: 64)")
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0, help="torch threads per run (0: torch's default)")
    parser.add_argument(
        "--pairs", type=int, default=PAPER_PAIRS, help="pairs in the length mix (one sampler epoch)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--full-attention",
        action="store_true",
        help="both modes compute self-attention over every position of both molecules (what the model did "
        "before its forward skipped the parts that cannot reach the output under first pooling + 1 layer)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    options = parser.parse_args()
    if min(options.steps, options.repeats, options.batch_size) < 1 or options.warmup < 0:
        parser.error("steps, repeats and batch size must be positive, warm-up >= 0")
    return options


def main() -> int:
    options = parse_options()
    gpu = torch.cuda.is_available()
    rna, protein = length_mix(options.pairs, options.seed)
    plan = batch_plan(rna, protein, options.batch_size, options.steps, options.seed)
    args = {
        "rna": rna.tolist(),
        "protein": protein.tolist(),
        "plan": plan,
        "warmup": options.warmup,
        "d_model": options.d_model,
        "threads": options.threads,
        "full_attention": options.full_attention,
        "bf16": False,
    }
    print(describe_mix(rna, protein, plan, options), file=sys.stderr)
    print(padding_summary(rna, protein, options.batch_size, options.seed), file=sys.stderr)
    print(f"before the runs: {load()}", file=sys.stderr)
    if not gpu:
        print(
            "no GPU available: CPU figures only (fp32); the bf16 paper-configuration timing and the 90-epoch "
            "projection need a GPU",
            file=sys.stderr,
        )
    modes = [(BASELINE, False), ("dynamic+grouped", False)] + ([("dynamic+grouped", True)] if gpu else [])
    runs: dict[tuple[str, bool], list[dict]] = {m: [] for m in modes}
    for repeat in range(options.repeats):
        for mode, bf16 in modes:  # alternate, so drifting load hits every mode alike
            result = measure(mode, {**args, "bf16": bf16})
            runs[(mode, bf16)].append(result)
            print(
                f"repeat {repeat + 1}: {mode}{' bf16' if bf16 else ''}: {result['samples_per_s']:.2f} samples/s",
                file=sys.stderr,
            )
    base = runs[(BASELINE, False)]
    rows = []
    for (mode, bf16), results in runs.items():
        speeds = [r["samples_per_s"] for r in results]
        ratios = [r["samples_per_s"] / b["samples_per_s"] for r, b in zip(results, base, strict=True)]
        row = {
            "mode": mode,
            "device": results[0]["device"],
            "bf16": bf16,
            "samples_per_s": statistics.median(speeds),
            "samples_per_s_runs": speeds,
            "peak_mib": statistics.median(r["peak_mib"] for r in results),
            "speedup_vs_pad_to_1024": statistics.median(ratios),
            "speedup_runs": ratios,
        }
        row["memory_ratio_vs_pad_to_1024"] = row["peak_mib"] / statistics.median(r["peak_mib"] for r in base)
        rna_share, protein_share, both = real_shares(
            rna, protein, plan, MAX_LENGTH if mode == BASELINE else None
        )
        row.update(
            real_token_share=both, real_token_share_rna=rna_share, real_token_share_protein=protein_share
        )
        rows.append(row)
    print(f"after the runs: {load()}", file=sys.stderr)
    if gpu:
        rows[-1]["projected_hours_90_epochs"] = PAPER_EPOCHS * PAPER_PAIRS / rows[-1]["samples_per_s"] / 3600
    if options.json:
        print(json.dumps(rows, indent=2))
        return 0
    memory = "peak GPU MiB" if gpu else "peak RSS MiB"
    print(
        f"| mode | device | bf16 | real tokens (RNA / protein / both) | padding | samples/s (median; runs) | "
        f"{memory} | speed-up vs {BASELINE} (median; runs) | memory vs {BASELINE} |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        speeds = ", ".join(f"{s:.1f}" for s in r["samples_per_s_runs"])
        ratios = ", ".join(f"{s:.2f}" for s in r["speedup_runs"])
        print(
            f"| {r['mode']} | {r['device']} | {r['bf16']} | {r['real_token_share_rna']:.1%} / "
            f"{r['real_token_share_protein']:.1%} / {r['real_token_share']:.1%} | "
            f"{1 - r['real_token_share']:.1%} | {r['samples_per_s']:.2f} ({speeds}) | "
            f"{r['peak_mib']:.0f} | {r['speedup_vs_pad_to_1024']:.2f}x ({ratios}) | "
            f"{r['memory_ratio_vs_pad_to_1024']:.2f}x |"
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
