"""The paper's input ablation (Table 3) on a benchmark set: RPIembeddor, one-hot, random-RNA, random-protein.

    python scripts/ablation.py --set /path/to/RPI2241 --out ablation_RPI2241            # 3 seeds
    python scripts/ablation.py --set RPI2241 --input kmer-context --epochs 13 --max-length 256 \
        --option window=10 --seed 0 --seed 1
    python scripts/ablation.py --set RPI488 --model pooling=mean      # a named deviation from the paper

One RNA-cluster-disjoint split of the set (``--folds`` cluster folds, fold ``--fold`` held out; clusters by
MMseqs2 at ``--cluster-identity``) is shared by every row and seed. Each row trains the paper's model
configuration (or the deviations named with ``--model``, e.g. ``pooling=mean``) through the benchmark method
``rpiembeddor`` (10 % of the training pairs, stratified, pick the best epoch and the decision threshold) and
scores the held-out pairs:

======================  =============================  ==============================
row                     RNA input                      protein input
======================  =============================  ==============================
RPIembeddor             ``--input`` (kmer-context)     ``--input``
one-hot                 onehot                         onehot
random-RNA              random (i.i.d. noise)          ``--input``
random-protein          ``--input``                    random (i.i.d. noise)
======================  =============================  ==============================

Output (``--out``): ``ablation.md`` (mean ± sd over seeds of every metric at threshold 0.5, the paper's,
and at the validation-chosen threshold; the class-prior loss beside the final training loss),
``runs.csv`` (one row per row x seed) and ``ablation.json`` (everything, with the settings).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rpiembeddor_hf.baselines import PairData, make_method  # noqa: E402
from rpiembeddor_hf.benchmark import load_pairs  # noqa: E402
from rpiembeddor_hf.benchmark.folds import PairClusters, cv_folds  # noqa: E402
from rpiembeddor_hf.metrics import binary_metrics, format_mean_std, mean_std  # noqa: E402

INPUT = "{input}"
ROWS: dict[str, tuple[str, str]] = {
    "RPIembeddor": (INPUT, INPUT),
    "one-hot": ("onehot", "onehot"),
    "random-RNA": ("random", INPUT),
    "random-protein": (INPUT, "random"),
}
SHOWN = ("auroc", "auprc", "mcc", "f1", "accuracy", "precision", "recall")


def cluster_split(data: PairData, folds: int, fold: int, identity: float, tool: str, seed: int = 0
                  ) -> tuple[PairData, PairData]:
    """Train / test pairs with no RNA sequence cluster on both sides (fold ``fold`` of ``folds`` is the test)."""
    chosen = cv_folds("cluster", data.y, PairClusters.of(data, identity, tool), folds, seed)[fold]
    return data.subset(np.sort(chosen.train)), data.subset(np.sort(chosen.test))


def prior_loss(labels: np.ndarray) -> float:
    """Binary cross-entropy of always predicting the label rate: what a model that learned nothing reaches."""
    rate = float(np.mean(labels))
    if rate in (0.0, 1.0):
        return 0.0
    return -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))


def run_one(train: PairData, test: PairData, rna: str, protein: str, seed: int, params: dict[str, Any]
            ) -> dict[str, Any]:
    """Fit one model on ``train`` and score ``test`` at 0.5 and at the validation-chosen threshold."""
    method = make_method("rpiembeddor", random_state=seed, rna_embedding=rna, protein_embedding=protein, **params)
    started = time.perf_counter()
    method.fit(train)
    fit_s = time.perf_counter() - started
    probs = method.predict_proba(test)[:, 1]
    chosen = float(method.model_.config.threshold)
    history = method.history_
    last = history[-1] if history else {}
    return {"seed": seed, "rna": rna, "protein": protein, "fit_s": round(fit_s, 1),
            "epochs": len(history), "train_loss": last.get("train_loss"),
            "prior_loss": prior_loss(train.y), "threshold": chosen,
            "history": [{"epoch": h["epoch"], "train_loss": h["train_loss"],
                         "validation_auroc": (h.get("validation") or {}).get("auroc")} for h in history],
            "at_0.5": binary_metrics(test.y, probs, 0.5), "at_chosen": binary_metrics(test.y, probs, chosen)}


def table(results: dict[str, list[dict[str, Any]]]) -> str:
    """Table 3's layout: one line per row, mean ± sd over seeds, metrics at 0.5 and at the chosen threshold."""
    head = ["row", "inputs (RNA / protein)", "seeds", "train loss (prior)"]
    head += [f"{m} @0.5" for m in SHOWN] + [f"{m} @val" for m in ("mcc", "f1", "accuracy")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row, runs in results.items():
        at_half = mean_std([r["at_0.5"] for r in runs])
        at_val = mean_std([r["at_chosen"] for r in runs])
        losses = [r["train_loss"] for r in runs if r["train_loss"] is not None]
        loss = (float(np.mean(losses)), float(np.std(losses, ddof=1)) if len(losses) > 1 else 0.0) if losses else None
        cells = [row, f"{runs[0]['rna']} / {runs[0]['protein']}", str(len(runs)),
                 f"{format_mean_std(loss)} ({runs[0]['prior_loss']:.3f})"]
        cells += [format_mean_std(at_half.get(m)) for m in SHOWN]
        cells += [format_mean_std(at_val.get(m)) for m in ("mcc", "f1", "accuracy")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, results: dict[str, list[dict[str, Any]]], settings: dict[str, Any]) -> str:
    out.mkdir(parents=True, exist_ok=True)
    text = (f"# Input ablation on {settings['set']} (RNA-cluster-disjoint test fold {settings['fold']} of "
            f"{settings['folds']}, {settings['test_pairs']} test pairs)\n\n" + table(results))
    (out / "ablation.md").write_text(text, encoding="utf-8")
    (out / "ablation.json").write_text(json.dumps({"settings": settings, "results": results}, indent=1,
                                                  default=float) + "\n", encoding="utf-8")
    with (out / "runs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "seed", "rna", "protein", "train_loss", "prior_loss", "threshold", "fit_s"]
                        + [f"{m}@0.5" for m in SHOWN] + [f"{m}@val" for m in SHOWN])
        for row, runs in results.items():
            for r in runs:
                writer.writerow([row, r["seed"], r["rna"], r["protein"], r["train_loss"], r["prior_loss"],
                                 r["threshold"], r["fit_s"]] + [r["at_0.5"].get(m) for m in SHOWN]
                                + [r["at_chosen"].get(m) for m in SHOWN])
    return text


def parse_options(values: list[str], flag: str = "--option") -> dict[str, Any]:
    """``NAME=VALUE`` (VALUE read as JSON when it parses) -> options; ``rna.k=3`` for one molecule."""
    options: dict[str, Any] = {}
    for value in values:
        key, sep, raw = value.partition("=")
        if not sep:
            raise SystemExit(f"{flag} must look like NAME=VALUE, not {value!r}")
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            parsed = raw
        if "." in key:
            molecule, _, key = key.partition(".")
            options.setdefault(molecule, {})[key] = parsed
        else:
            options[key] = parsed
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", required=True, type=Path, help="Benchmark folder (pairs.tsv, rna.fasta, "
                        "protein.fasta) or pairs folder.")
    parser.add_argument("--out", type=Path, default=Path("ablation_output"))
    parser.add_argument("--input", default="kmer-context", help="Weight-free input of the RPIembeddor row.")
    parser.add_argument("--row", action="append", choices=list(ROWS), help="Rows to run (default: all).")
    parser.add_argument("--seed", action="append", type=int, help="Seeds (default 0 1 2).")
    parser.add_argument("--epochs", type=int, default=13)
    parser.add_argument("--max-length", type=int, default=256, help="Residues kept per sequence.")
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--cluster-identity", type=float, default=0.5)
    parser.add_argument("--cluster-tool", default="mmseqs")
    parser.add_argument("--option", action="append", default=[], help="Embedder option NAME=VALUE "
                        "(e.g. window=10, rna.k=3); repeat.")
    parser.add_argument("--model", action="append", default=[], help="Model configuration NAME=VALUE that "
                        "differs from the paper's (e.g. pooling=mean, num_layers=2); repeat.")
    args = parser.parse_args(argv)
    name, data, _ = load_pairs(args.set)
    train, test = cluster_split(data, args.folds, args.fold, args.cluster_identity, args.cluster_tool)
    params = {"embedding": args.input, "epochs": args.epochs, "max_length": args.max_length, "warmup_steps": args.warmup_steps,
              "embedding_options": parse_options(args.option), "model": parse_options(args.model, "--model")}
    settings = {**{k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "set": name,
                "train_pairs": len(train), "test_pairs": len(test), "params": params}
    results: dict[str, list[dict[str, Any]]] = {}
    for row in args.row or list(ROWS):
        rna, protein = (kind.replace(INPUT, args.input) for kind in ROWS[row])
        for seed in args.seed or [0, 1, 2]:
            results.setdefault(row, []).append(run_one(train, test, rna, protein, seed, params))
            text = write_outputs(args.out, results, settings)  # after every run: a killed run keeps its rows
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
