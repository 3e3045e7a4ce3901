"""Benchmark: streaming DuckDB ingest -> clean -> interactor limit vs the paper notebooks' pandas way.

Generates a synthetic RNAInter-format file (N rows, default 5 M: RNAInter's category mix, ~71 %
prediction-only evidence, NCBI gene ids with Zipf-distributed, heavy-tailed interactor degrees, quote
characters in symbols, a few malformed rows), then runs the same steps twice, each side in its own
subprocess so peak RSS is measured separately:

* **duckdb** (ours): :func:`rnainteract_builder.ingest.ingest_rnainter` (one streaming DuckDB pass,
  filters pushed down, kept rows to Parquet) then DuckDB SQL as in ``rnainteract_builder.positives``:
  dedupe RNAInterID, dedupe (Raw_ID1, Raw_ID2), drop interactors with >= 150 pairs;
* **pandas** (baseline, like the paper's notebooks): ``pd.read_csv`` of the whole file, boolean filters,
  ``drop_duplicates``, ``groupby(...).filter(lambda g: len(g) < 150)`` on RNA and on protein.

Both must end with the same pairs (count, and the sum of their row numbers among well-formed rows).
Prints wall time, CPU time (user + system, all threads), peak RSS, the load average around each side
(the machine may be shared) and the ratios.

    python scripts/bench_ingest.py --rows 5000000
    python scripts/bench_ingest.py --rows 37067587 --skip-pandas   # the real file's size
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 150
#: DuckDB's memory cap for the dedupe / limit query (it spills beyond it).
MEMORY_LIMIT = "300MB"
RNA_CATEGORIES = {  # approximate shares of RNAInter v4 RNA-protein rows
    "mRNA": 0.55, "lncRNA": 0.22, "miRNA": 0.06, "pseudo": 0.04, "unknown": 0.03, "snoRNA": 0.02,
    "circRNA": 0.02, "retained_intron": 0.015, "nonsense_mediated_decay": 0.01, "snRNA": 0.01,
    "misc_RNA": 0.01, "rRNA": 0.005, "others": 0.005, "sncRNA": 0.005,
}
PROTEIN_CATEGORIES = {"TF": 0.55, "RBP": 0.35, "protein": 0.10}
SPECIES = {"Homo sapiens": 0.6, "Mus musculus": 0.3, "Saccharomyces cerevisiae": 0.1}


def generate(path: Path, rows: int, seed: int = 0, chunk: int = 1_000_000) -> None:
    import csv

    import numpy as np
    import pandas as pd

    from rnainteract_builder.ingest import RNAINTER_COLUMNS

    rng = np.random.default_rng(seed)

    def pick(shares: dict[str, float], n: int) -> np.ndarray:
        p = np.array(list(shares.values()))
        return np.array(list(shares))[rng.choice(len(shares), n, p=p / p.sum())]

    with open(path, "wb") as out:
        out.write(("\t".join(RNAINTER_COLUMNS) + "\n").encode())
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            rna = rng.zipf(1.6, n) % 400_000 + 1  # heavy-tailed degrees
            prot = rng.zipf(1.3, n) % 20_000 + 1_000_000
            predict_only = rng.random(n) < 0.71
            strong = np.where(~predict_only & (rng.random(n) < 0.01), "CLIP-seq", "N/A")
            weak = np.where(~predict_only & (strong == "N/A"), "HITS-CLIP//RIP-seq", "N/A")
            species = pick(SPECIES, n)
            score = np.round(rng.random(n), 4).astype(str)
            ids = np.char.add("RP", (start + np.arange(n)).astype(str))
            dup = rng.random(n) < 0.001  # a few repeated RNAInterIDs
            ids[dup] = "RP0"
            table = pd.DataFrame({
                "RNAInterID": ids,
                "Interactor1.Symbol": np.char.add('Gm"', rna.astype(str)),
                "Category1": pick(RNA_CATEGORIES, n),
                "Species1": species,
                "Interactor2.Symbol": np.char.add("P", prot.astype(str)),
                "Category2": pick(PROTEIN_CATEGORIES, n),
                "Species2": species,
                "Raw_ID1": np.char.add("NCBI:", rna.astype(str)),
                "Raw_ID2": np.char.add("NCBI:", prot.astype(str)),
                "score": score,
                "strong": strong,
                "weak": weak,
                "predict": np.where(predict_only, "catRAPID//Scan pipeline widely used MATCH algorithm", "N/A"),
            })
            # '"' is an ordinary character in RNAInter: write without any quoting (quotechar set to an unused byte)
            table.to_csv(out, sep="\t", header=False, index=False, quoting=csv.QUOTE_NONE, quotechar="\x01",
                         lineterminator="\n")
        out.write(b"RPbroken\tonly\tthree\n")


def run_duckdb(path: Path) -> tuple[int, int]:
    import duckdb

    from rnainteract_builder.ingest import IngestConfig, ingest_rnainter

    with tempfile.TemporaryDirectory() as tmp:
        ingested = ingest_rnainter(path, Path(tmp) / "ingested.parquet", IngestConfig()).output
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute(f"SET temp_directory = '{tmp}/spill'")
        # The steps of rnainteract_builder.positives (hash aggregates + semi-joins): first row per
        # RNAInterID; per (RNA, protein) the row with the highest score, then the first (NULL scores
        # last); then every pair whose RNA or protein has >= LIMIT pairs is dropped.
        sql = f"""
            WITH t AS (SELECT row_index, rnainter_id, rna_source_id AS rna, protein_source_id AS protein, score
                       FROM read_parquet('{ingested}')),
                 s1 AS (SELECT * FROM t WHERE row_index IN (SELECT min(row_index) FROM t GROUP BY rnainter_id)),
                 s2 AS (SELECT rna, protein, arg_max(row_index, (score IS NOT NULL, coalesce(score, 0), -row_index)) AS row_index
                        FROM s1 GROUP BY rna, protein),
                 small_rna AS (SELECT rna FROM s2 GROUP BY rna HAVING count(*) < {LIMIT}),
                 small_protein AS (SELECT protein FROM s2 GROUP BY protein HAVING count(*) < {LIMIT})
            SELECT count(*), coalesce(sum(row_index), 0) FROM s2
            WHERE rna IN (SELECT rna FROM small_rna) AND protein IN (SELECT protein FROM small_protein)"""
        pairs, checksum = con.sql(sql).fetchall()[0]
        return int(pairs), int(checksum)


def run_pandas(path: Path) -> tuple[int, int]:
    import csv

    import pandas as pd

    from rnainteract_builder.ingest import NCRNA_CATEGORIES, PROTEIN_CATEGORIES

    df = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, na_values=["N/A"], keep_default_na=False,
                     dtype=str, on_bad_lines="skip")
    df["score"] = pd.to_numeric(df["score"], errors="coerce")
    df = df[df["Raw_ID1"].notna() & df["Raw_ID2"].notna()]
    df = df[df["Category1"].isin(NCRNA_CATEGORIES) & df["Category2"].isin(PROTEIN_CATEGORIES)]
    df = df.drop_duplicates("RNAInterID")
    df = df.sort_values("score", ascending=False, kind="stable").drop_duplicates(["Raw_ID1", "Raw_ID2"])
    keep_rna = df.groupby("Raw_ID1").filter(lambda g: len(g) < LIMIT).index
    keep_protein = df.groupby("Raw_ID2").filter(lambda g: len(g) < LIMIT).index
    keep = keep_rna.intersection(keep_protein)  # labels = row numbers among well-formed rows (= row_index)
    return len(keep), int(keep.to_numpy().sum())


def side(name: str, path: Path) -> dict[str, float]:
    """Run one side in a fresh interpreter; it reports its own wall time, CPU time and peak RSS (the
    parent stays small, since Linux children start from the parent's high-water mark)."""
    out = subprocess.run([sys.executable, __file__, "--side", name, str(path)], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _line(label: str, r: dict[str, float]) -> str:
    return (f"{label:<22}{r['wall_s']:8.2f} s wall  {r['cpu_s']:7.2f} s CPU  peak RSS {r['peak_rss_mib']:7,.0f} MiB"
            f"   pairs {r['pairs']:,}   (load {r['load_before']} -> {r['load_after']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--file", type=Path, help="Use (or create) this RNAInter-format file.")
    parser.add_argument("--skip-pandas", action="store_true", help="Only the DuckDB side (for 37 M rows).")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:  # in its own process, so the generator's memory never counts against a side
        generate(args.path, args.rows)
        return
    if args.side:
        load_before = _load()
        start, cpu_start = time.perf_counter(), os.times()
        pairs, checksum = (run_duckdb if args.side == "duckdb" else run_pandas)(args.path)
        wall, cpu_end = time.perf_counter() - start, os.times()
        cpu = cpu_end.user + cpu_end.system - cpu_start.user - cpu_start.system
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
        print(json.dumps({"pairs": pairs, "checksum": checksum, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                          "peak_rss_mib": round(rss, 1), "load_before": load_before, "load_after": _load()}))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "Download_data_RP.txt"
        if not path.exists():
            t = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--generate", "--rows", str(args.rows), str(path)], check=True)
            print(f"generated {args.rows:,} rows ({path.stat().st_size / 2**20:,.0f} MiB) in "
                  f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) {_load()}")
        ours = side("duckdb", path)
        print(_line("duckdb (streaming):", ours))
        if args.skip_pandas:
            return
        ref = side("pandas", path)
        print(_line("pandas (read_csv):", ref))
        same = ours["pairs"] == ref["pairs"] and ours["checksum"] == ref["checksum"]
        print(f"speed-up {ref['wall_s'] / ours['wall_s']:.1f}x wall ({ref['cpu_s'] / ours['cpu_s']:.1f}x CPU), "
              f"memory {ours['peak_rss_mib'] / ref['peak_rss_mib']:.2f} of the pandas baseline; "
              f"same pairs (count and row numbers): {same}")


if __name__ == "__main__":
    main()
