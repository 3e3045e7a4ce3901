"""Import a classic benchmark folder and write an RNA-cluster-disjoint train/validation/test split.

The classic sets carry no Rfam families, so RNA sequence clusters (MMseqs2, ``--identity``) stand in for
them: every cluster goes wholly to one split, and the split folder can be fed to ``rpiembeddor train``.

    .venv/bin/python scripts/prepare_cluster_split.py ../shared/data/RPI2241 /tmp/rpi2241_split --identity 0.5
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pyarrow as pa

from rnainteract_builder.contract.benchmark_sets import ImportConfig, import_benchmark_dir
from rnainteract_builder.contract.clusters import cluster_sequences
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.schema import INTERACTIONS, conform
from rnainteract_builder.splits import SplitConfig, split_interactions, write_split


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("benchmark_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--identity", type=float, default=0.5, help="RNA clustering identity (MMseqs2)")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--validation-fraction", type=float, default=0.1)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    imported = import_benchmark_dir(
        options.benchmark_dir, config=ImportConfig(max_length=options.max_length, dedupe="sequences")
    )
    rna = dict(
        zip(
            imported.rna_sequences.column("id").to_pylist(),
            imported.rna_sequences.column("sequence").to_pylist(),
            strict=True,
        )
    )
    clusters = cluster_sequences(rna, "rna", identity=options.identity)
    interactions = conform(imported.interactions, INTERACTIONS)
    families = pa.array(
        [f"cluster:{clusters[i]}" for i in interactions.column("rna_id").to_pylist()], pa.string()
    )
    interactions = interactions.set_column(
        interactions.column_names.index("rna_family"), "rna_family", families
    )
    splits, report = split_interactions(
        interactions,
        SplitConfig(
            kind="family",
            test_fraction=options.test_fraction,
            validation_fraction=options.validation_fraction,
            seed=options.seed,
        ),
    )
    report.facts["RNA clusters"] = len(set(clusters.values()))
    report.facts["clustering"] = f"MMseqs2, identity {options.identity}, coverage 0.8"
    folder = PairsFolder(interactions, imported.rna_sequences, imported.protein_sequences)
    write_split(folder, splits, options.out_dir, report)
    for name, table in splits.items():
        positives = sum(table.column("label").to_pylist())
        print(f"{name}: {table.num_rows} pairs ({positives} positive)", file=sys.stderr)
    print(options.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
