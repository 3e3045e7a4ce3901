"""Worked example: the annotate -> negatives -> split -> audit -> stats chain on RPI2241.

Rfam.cm / Pfam-A.hmm are not needed: without them every RNA gets an MMseqs2 cluster pseudo-family and
every protein a cluster pseudo-clan (50 % identity, 80 % coverage). Usage::

    python scripts/example_rpi2241.py ../shared/data/RPI2241 build/rpi2241

Prints Table 1 and the leakage audit (Markdown) on stdout.
"""

from __future__ import annotations

from pathlib import Path

from rnainteract_builder.annotate.annotate import AnnotateConfig, annotate_dir
from rnainteract_builder.contract.benchmark_sets import ImportConfig, import_benchmark_dir
from rnainteract_builder.leakage import audit_markdown, audit_split
from rnainteract_builder.negatives import NegativesConfig, negatives_dir
from rnainteract_builder.splits import SplitConfig, split_dir
from rnainteract_builder.stats import markdown_table, write_stats


def main(source: str, out: str) -> None:
    build = Path(out)
    imported = import_benchmark_dir(source, config=ImportConfig(max_length=1024, dedupe="sequences"))
    imported.write(build / "positives")
    annotate_dir(build / "positives", build / "annotate", AnnotateConfig(cluster_tool="mmseqs"))
    negatives_dir(build / "annotate", build / "negatives", NegativesConfig(strategy="family", seed=0))
    split_dir(build / "negatives", build / "split" / "default", SplitConfig(kind="family", seed=0))
    stats = write_stats(build / "split" / "default", build / "stats", build / "annotate")
    print(markdown_table(stats["table1"]))
    print(audit_markdown(audit_split(build / "split" / "default", method="align")))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="RPI2241 folder (pairs.tsv, rna.fasta, protein.fasta)")
    parser.add_argument("out", help="build folder to write")
    options = parser.parse_args()
    main(options.source, options.out)
