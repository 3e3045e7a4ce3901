"""Per-set comparison tables for docs/benchmarks.md from a benchmark's ``summary.csv``.

``rpiembeddor benchmark`` writes one long table (every set x scheme x method); a reader comparing methods
wants one table per set with the fold schemes side by side. This prints, for each test set, a Markdown table
of AUROC and MCC (mean ± sd over folds and seeds, threshold 0.5) per method and scheme, and under it the
best method per scheme by mean AUROC (a scheme where a method has no row shows "–": not run). Several
summaries (e.g. the peers in one run, RPIembeddor variants in others, on the same sets, seed and folds) are
read as one; a (set, scheme, method) given twice is refused.

    python scripts/benchmark_tables.py bench_out/summary.csv [more/summary.csv ...] > tables.md
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

SCHEME_ORDER = ("random", "cluster", "protein", "both")
METRICS = (("auroc", "AUROC"), ("mcc", "MCC"))


def _cell(row: pd.Series | None, metric: str) -> str:
    if row is None:
        return "–"
    return f"{row[f'{metric}_mean']:.3f} ± {row[f'{metric}_std']:.3f}"


def set_table(summary: pd.DataFrame, test_set: str) -> str:
    """One set: a row per method (in run order), AUROC and MCC columns per scheme, then the best per scheme."""
    rows = summary[summary["test_set"] == test_set]
    schemes = [s for s in SCHEME_ORDER if s in set(rows["scheme"])]
    methods = list(dict.fromkeys(rows["method"]))
    by_key = {(r.scheme, r.method): r for r in rows.itertuples(index=False)}
    header = ["method"] + [f"{s} {label}" for s in schemes for _, label in METRICS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method in methods:
        cells = [method]
        for scheme in schemes:
            hit = by_key.get((scheme, method))
            series = pd.Series(hit._asdict()) if hit is not None else None
            cells += [_cell(series, metric) for metric, _ in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    best = []
    for scheme in schemes:
        scored = rows[rows["scheme"] == scheme]
        top = scored.loc[scored["auroc_mean"].idxmax()]
        best.append(f"{scheme}: **{top['method']}** ({top['auroc_mean']:.3f})")
    pairs = rows.groupby("scheme")["pairs"].first()
    sizes = ", ".join(f"{s} {int(pairs[s]):,}" for s in schemes)
    return "\n".join(lines) + f"\n\nBest AUROC per scheme — {'; '.join(best)}. Test pairs scored: {sizes}.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", type=Path, nargs="+", help="summary.csv written by rpiembeddor benchmark")
    args = parser.parse_args(argv)
    summary = pd.concat([pd.read_csv(path) for path in args.summary], ignore_index=True)
    twice = summary.duplicated(["test_set", "scheme", "method"])
    if twice.any():
        first = summary[twice].iloc[0]
        parser.error(f"{first['test_set']} / {first['scheme']} / {first['method']} is in more than one summary")
    for test_set in dict.fromkeys(summary["test_set"]):
        print(f"### {test_set}\n\n{set_table(summary, test_set)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
