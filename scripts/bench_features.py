"""Throughput of the vectorised peer features against a straightforward pure-Python implementation.

Measures RNA 4-mer composition (256) + protein conjoint triad (343), the RPISeq / IPMiner features, on
the same random sequences in the same run, checks that both give identical numbers, and prints the
speed-up (goal >= 20x). Usage::

    .venv/bin/python scripts/bench_features.py [--rna 2000] [--proteins 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rpiembeddor_hf.baselines.features import (
    CONJOINT_TRIAD_CLASSES,
    conjoint_triad,
    rna_4mer_composition,
)

RNA_INDEX = {"A": 0, "C": 1, "G": 2, "U": 3, "T": 3}
PROTEIN_INDEX = {aa: i for i, group in enumerate(CONJOINT_TRIAD_CLASSES) for aa in group}


def python_composition(sequences: list[str], index: dict[str, int], size: int, k: int) -> list[list[float]]:
    """The obvious implementation: slide a window over each sequence, count k-mers in a list, normalise."""
    rows = []
    for seq in sequences:
        counts = [0] * size**k
        total = 0
        seq = seq.upper()
        for start in range(len(seq) - k + 1):
            code = 0
            for letter in seq[start : start + k]:
                if letter not in index:
                    break
                code = code * size + index[letter]
            else:
                counts[code] += 1
                total += 1
        rows.append([c / total if total else 0.0 for c in counts])
    return rows


def python_features(rnas: list[str], proteins: list[str]) -> tuple[list[list[float]], list[list[float]]]:
    return python_composition(rnas, RNA_INDEX, 4, 4), python_composition(proteins, PROTEIN_INDEX, 7, 3)


def vectorised_features(rnas: list[str], proteins: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return rna_4mer_composition(rnas), conjoint_triad(proteins)


def best_time(fn, repeats: int, *args) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rna", type=int, default=2000, help="number of RNA sequences (lengths 20-1000)")
    parser.add_argument("--proteins", type=int, default=2000, help="number of proteins (lengths 50-1000)")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (best is kept)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    rnas = ["".join(rng.choice(list("ACGUN"), p=[0.249, 0.249, 0.249, 0.249, 0.004], size=int(n)))
            for n in rng.integers(20, 1000, args.rna)]
    proteins = ["".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWYX"), size=int(n)))
                for n in rng.integers(50, 1000, args.proteins)]
    residues = sum(map(len, rnas)) + sum(map(len, proteins))

    t_python, (py_rna, py_prot) = best_time(python_features, args.repeats, rnas, proteins)
    t_numpy, (np_rna, np_prot) = best_time(vectorised_features, args.repeats, rnas, proteins)
    np.testing.assert_allclose(np_rna, np.asarray(py_rna), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np_prot, np.asarray(py_prot), rtol=0, atol=1e-12)

    print(f"sequences: {len(rnas)} RNA + {len(proteins)} protein, {residues:,} residues; best of {args.repeats}")
    print(f"baseline  pure Python loops : {t_python:8.3f} s  {residues / t_python / 1e6:8.2f} M residues/s")
    print(f"vectorised numpy (this repo): {t_numpy:8.3f} s  {residues / t_numpy / 1e6:8.2f} M residues/s")
    print(f"speed-up vs pure Python: {t_python / t_numpy:.1f}x (goal >= 20x); outputs identical")


if __name__ == "__main__":
    main()
