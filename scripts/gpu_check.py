"""One prepared check for a GPU machine: embedding, training and screening throughput, one table out.

    python scripts/gpu_check.py --out gpu_check            # on the GPU machine (a few minutes)
    python scripts/gpu_check.py --smoke --out /tmp/smoke   # tiny models, CPU, seconds: checks the script

Rows of the table (``gpu_check.md``, also ``gpu_check.json``):

* **embedding** with ESM-2 150M and RNA-FM in bf16 (fp32 on a CPU), token-budget batches over a realistic
  length mix (``scripts/bench_embed.py``): residues/s, tokens/s, model TFLOP/s and model FLOP utilisation
  (MFU) against the card's dense bf16 peak. The real weights are used when they are on disk
  (``$TORCH_HOME/hub/checkpoints``); otherwise randomly initialised models of the real classes at full
  size (same compute). FLOPs = 2 x non-embedding parameters x padded tokens + 4 x layers x L^2 x width per
  sequence (attention scores and weighted sum).
* **training** of the paper configuration (1,447,209 parameters, batch 64, AdamW, bf16 autocast on a GPU)
  on the paper's length mix with the training sampler's length grouping (``scripts/bench_train.py``):
  samples/s, and the projected time of 90 epochs x 109,214 pairs (the paper's schedule).
* **screening**: pairs/s of the screening fast path (each molecule's part once, the pair part per pair).

``--smoke`` runs everything tiny on the CPU (2-layer models, a handful of sequences and steps), so the
script is tested where there is no GPU; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

SCRIPTS = Path(__file__).resolve().parent
sys.path[:0] = [str(SCRIPTS.parent), str(SCRIPTS)]

from bench_embed import PEAK_BF16  # noqa: E402
from bench_embed import length_mix as sequence_mix  # noqa: E402
from bench_train import PAPER_EPOCHS, PAPER_PAIRS, _inputs, batch_plan  # noqa: E402
from bench_train import length_mix as pair_length_mix  # noqa: E402

from rnainteract_builder.contract.batching import token_budget_batches  # noqa: E402
from rnainteract_builder.contract.embedders import (  # noqa: E402
    PRETRAINED,
    FoundationEmbedder,
    checkpoint_dir,
    get_embedder,
    random_model,
)

EMBEDDERS = ("esm2_t30_150M", "rnafm")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_flops(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAK_BF16.items() if k in name), None)


def load_embedder(name: str, device: torch.device, dtype: str, smoke: bool, tokens: int
                  ) -> tuple[FoundationEmbedder, str]:
    """The real model when its checkpoint is on disk, else a random-init model of the real class."""
    if not smoke and (checkpoint_dir() / PRETRAINED[name].checkpoint).is_file():
        embedder = get_embedder(name, device=device, dtype=dtype, tokens_per_batch=tokens)  # type: ignore[arg-type]
        return embedder, "real weights"  # type: ignore[return-value]
    model, alphabet = random_model(name, size="tiny" if smoke else "full")
    molecule = PRETRAINED[name].molecule
    embedder = FoundationEmbedder(model, alphabet, name=name, molecule=molecule, revision="random-init",
                                  device=device, dtype=dtype, tokens_per_batch=tokens)  # type: ignore[arg-type]
    return embedder, "random init (tiny)" if smoke else "random init, full size"


def model_flops(embedder: FoundationEmbedder, padded_lengths: list[int]) -> float:
    """Forward FLOPs of the embedder over sequences of these padded lengths (tokens incl. BOS/EOS)."""
    embed = embedder.model.embed_tokens.weight.numel()
    params = sum(p.numel() for p in embedder.model.parameters()) - embed
    tokens = sum(padded_lengths)
    attention = sum(4 * embedder.layer * n * n * embedder.dim for n in padded_lengths)
    return 2.0 * params * tokens + attention


def embedding_row(name: str, device: torch.device, dtype: str, count: int, tokens: int, smoke: bool
                  ) -> dict[str, Any]:
    embedder, source = load_embedder(name, device, dtype, smoke, tokens)
    longest = 48 if smoke else embedder.max_length
    seqs = [s[:longest] for s in sequence_mix(embedder.molecule, count, np.random.default_rng(0))]
    embedder.embed(seqs[: min(4, len(seqs))])  # warm-up: kernels, allocator
    plan = token_budget_batches([len(s) for s in seqs], tokens, embedder.specials)
    padded = [max(len(seqs[i]) for i in batch) + embedder.specials for batch in plan for _ in batch]
    _sync(device)
    start = time.perf_counter()
    embedder.embed(seqs)
    _sync(device)
    seconds = time.perf_counter() - start
    flops = model_flops(embedder, padded) / seconds
    peak = peak_flops(device)
    residues = sum(len(s) for s in seqs)
    return {"check": f"embed {name}", "source": source, "dtype": dtype, "sequences": len(seqs),
            "residues_per_s": residues / seconds, "tokens_per_s": sum(padded) / seconds,
            "tflops": flops / 1e12, "mfu": flops / peak if peak and dtype == "bf16" else None,
            "seconds": seconds}


def training_row(device: torch.device, bf16: bool, batch_size: int, steps: int, warmup: int, pairs: int,
                 d_model: int, longest: int = 1024) -> dict[str, Any]:
    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel

    torch.manual_seed(0)
    model = RPIembeddorModel(RPIembeddorConfig(d_model=d_model)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    rna, protein = (np.minimum(x, longest) for x in pair_length_mix(pairs, 0))
    plan = batch_plan(rna, protein, batch_size, steps + warmup, 0)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    samples, elapsed = 0, 0.0
    for number, batch in enumerate(plan):
        inputs = _inputs(batch, rna, protein, False, device)
        _sync(device)
        start = time.perf_counter()
        with autocast:
            loss = model(**inputs).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        _sync(device)
        if number >= warmup:
            elapsed += time.perf_counter() - start
            samples += len(batch)
    rate = samples / elapsed
    hours = PAPER_EPOCHS * PAPER_PAIRS / rate / 3600
    return {"check": "train paper config", "source": f"{sum(p.numel() for p in model.parameters()):,} params",
            "dtype": "bf16" if bf16 else "fp32", "samples_per_s": rate, "batches": len(plan) - warmup,
            "projected_hours_90_epochs": hours, "seconds": elapsed}


def screening_row(device: torch.device, rnas: int, proteins: int, d_model: int, longest: int = 1024
                  ) -> dict[str, Any]:
    from rpiembeddor_hf import RPIembeddorConfig, RPIembeddorModel
    from rpiembeddor_hf.predict import score_pairs_fast

    rng = np.random.default_rng(0)
    model = RPIembeddorModel(RPIembeddorConfig(d_model=d_model)).to(device).eval()
    rna_len, protein_len = (np.minimum(x, longest) for x in pair_length_mix(max(rnas, proteins), 1))

    def arrays(lengths: np.ndarray) -> list[torch.Tensor]:
        return [torch.from_numpy(rng.standard_normal((int(n), 640), dtype=np.float32)).half() for n in lengths]

    rna_emb, protein_emb = arrays(rna_len[:rnas]), arrays(protein_len[:proteins])
    pairs = np.array([(i, j) for i in range(rnas) for j in range(proteins)])
    score_pairs_fast(model, rna_emb, protein_emb, pairs[: min(len(pairs), 64)])  # warm-up
    _sync(device)
    start = time.perf_counter()
    score_pairs_fast(model, rna_emb, protein_emb, pairs)
    _sync(device)
    seconds = time.perf_counter() - start
    return {"check": "screen (fast path)", "source": f"{rnas} RNAs x {proteins} proteins", "dtype": "fp32",
            "pairs_per_s": len(pairs) / seconds, "seconds": seconds}


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def table(rows: list[dict[str, Any]], header: str) -> str:
    lines = [header, "", "| check | model / inputs | dtype | throughput | TFLOP/s | MFU | projection |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "residues_per_s" in r:
            speed = f"{_fmt(r['residues_per_s'])} residues/s ({_fmt(r['tokens_per_s'])} tokens/s)"
            flops, mfu, proj = _fmt(r["tflops"], 2), "n/a" if r["mfu"] is None else f"{r['mfu']:.1%}", ""
        elif "samples_per_s" in r:
            speed, flops, mfu = f"{_fmt(r['samples_per_s'], 1)} samples/s", "", ""
            proj = f"{PAPER_EPOCHS} epochs x {PAPER_PAIRS:,} pairs: {r['projected_hours_90_epochs']:.2f} h"
        else:
            speed, flops, mfu, proj = f"{_fmt(r['pairs_per_s'])} pairs/s", "", "", ""
        lines.append(f"| {r['check']} | {r['source']} | {r['dtype']} | {speed} | {flops} | {mfu} | {proj} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("gpu_check"))
    parser.add_argument("--smoke", action="store_true", help="tiny models on the CPU, seconds (tests)")
    parser.add_argument("--sequences", type=int, default=400, help="sequences per embedder")
    parser.add_argument("--tokens-per-batch", type=int, default=16384)
    parser.add_argument("--steps", type=int, default=60, help="timed training steps")
    parser.add_argument("--screen", default="50x2000", help="RNAs x proteins screened")
    args = parser.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() and not args.smoke else "cpu")
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    dtype = "bf16" if bf16 else "fp32"
    if args.smoke:
        args.sequences, args.tokens_per_batch, args.steps, args.screen = 6, 512, 2, "2x5"
    rnas, proteins = (int(x) for x in args.screen.lower().split("x"))
    rows = [embedding_row(name, device, dtype, args.sequences, args.tokens_per_batch, args.smoke)
            for name in EMBEDDERS]
    batch = 8 if args.smoke else 64
    longest = 48 if args.smoke else 1024
    rows.append(training_row(device, bf16, batch, args.steps, 1 if args.smoke else 5,
                             256 if args.smoke else 8192, 16 if args.smoke else 256, longest))
    rows.append(screening_row(device, rnas, proteins, 16 if args.smoke else 256, longest))
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({platform.machine()})"
    header = (f"# GPU check on {where}{' (smoke run: tiny models, figures mean nothing)' if args.smoke else ''}"
              f"\n\ntorch {torch.__version__}, load average {os.getloadavg()[0]:.2f}")
    text = table(rows, header)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_check.md").write_text(text, encoding="utf-8")
    (args.out / "gpu_check.json").write_text(json.dumps({"device": where, "rows": rows}, indent=1) + "\n",
                                             encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
