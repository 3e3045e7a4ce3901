"""``rnainteract demo``: the whole pipeline on a small synthetic sample, in a few minutes on 2 CPU cores.

This is what ``make demo`` runs. It says loudly that the data is synthetic; every step it runs is the real
code path that a build on RNAInter v4 uses.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer

from rnainteract_builder.build import BuildContext, run_pipeline
from rnainteract_builder.demo_data import DemoConfig, DemoFiles, write_demo_files
from rnainteract_builder.report import Report
from rnainteract_builder.stats import markdown_table

log = logging.getLogger(__name__)

BANNER = (
    "=" * 78
    + "\n  SYNTHETIC DEMO DATA - generated with a planted signal; not RNAInter, not biology.\n"
    + "=" * 78
)


def summarise_rnainter_file(files: DemoFiles) -> str:
    """A short summary of an RNAInter-format file (read with pyarrow's CSV reader, quotes disabled)."""
    table = pacsv.read_csv(
        files.rnainter,
        parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
        convert_options=pacsv.ConvertOptions(column_types={"score": "float64"}, strings_can_be_null=False),
    )
    lines = [f"RNAInter-format rows: {table.num_rows:,}  ({files.rnainter})"]
    for column, label in (("Category1", "RNA categories"), ("Category2", "protein categories"),
                          ("Species1", "species")):
        counts = pc.value_counts(table.column(column)).to_pylist()
        counts.sort(key=lambda c: (-c["counts"], c["values"]))
        lines.append(f"{label}: " + ", ".join(f"{c['values']} {c['counts']}" for c in counts))
    lines.append(f"unique RNAs: {len(pc.unique(table.column('Raw_ID1')))}, "
                 f"unique proteins: {len(pc.unique(table.column('Raw_ID2')))}")
    return "\n".join(lines)


def demo_build_config(files: DemoFiles, seed: int) -> dict:
    """The build config of the demo: the paper's settings, with the true families / clans of the synthetic
    sequences standing in for Rfam / Pfam (whose databases the demo cannot download)."""
    return {
        "ingest": {"input": str(files.rnainter.resolve())},
        "resolve": {"sources": [{"kind": "table", "path": str(files.sequences.resolve())}]},
        "positives": {"max_length": 1024, "interactor_limit": 150, "interactor_limit_mode": "drop", "seed": seed},
        "annotate": {"family_table": str(files.rna_families.resolve()),
                     "clan_table": str(files.protein_clans.resolve())},
        "negatives": {"strategy": "family", "seed": seed},
        "split": {"seed": seed, "audit_method": "align"},
    }


def summarise_build(report: Report) -> str:
    """Rows after the main steps, drops by reason, Table 1 and the leakage audit of the family split."""
    steps = dict(report.steps)
    lines = [f"  {name}: {rows:,} rows" for name, rows in report.steps
             if name.startswith(("ingest:", "positives:", "negatives:")) and name == _last_step(steps, name)]
    lines.append(f"  rows dropped on the way (by reason in the build report): {report.dropped():,}")
    table1 = report.facts.get("split: table1")
    if table1:
        lines += ["", "Table 1 (family-disjoint TRinter / TSfam split):", markdown_table(table1).rstrip()]
    audit = report.facts.get("split: leakage audit (default split, RNA)")
    if audit:
        lines.append("leakage audit: highest identity of each test RNA to any train RNA: "
                     + ", ".join(f"{k} {v}" for k, v in audit.items() if isinstance(v, (int, float)))[:300])
    return "\n".join(lines)


def _last_step(steps: dict[str, int], name: str) -> str:
    prefix = name.split(":")[0] + ":"
    return [s for s in steps if s.startswith(prefix)][-1]


def demo_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for everything the demo writes.")] = Path(
        "demo_output"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = DemoConfig.seed,
) -> None:
    """Run the pipeline on a small SYNTHETIC RNAInter-format sample (what `make demo` runs).

    Generates the sample with a planted interaction signal into OUT/input, then runs the pipeline on it and
    prints a summary of each step. Nothing is downloaded.
    """
    started = time.perf_counter()
    print(BANNER)
    files = write_demo_files(out / "input", DemoConfig(seed=seed))
    print(f"\n[1] generated the synthetic sample in {files.folder}")
    print(summarise_rnainter_file(files))

    ctx = BuildContext(build_dir=(out / "build").resolve(), config=demo_build_config(files, seed), progress=False)
    report = run_pipeline(ctx, ["ingest", "resolve", "positives", "annotate", "negatives", "split"])
    print(f"\n[2] built the dataset in {ctx.build_dir} (report: {ctx.build_dir / 'build_report.md'})")
    print(summarise_build(report))
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s; outputs in {out}")
    print(BANNER.splitlines()[1].strip())
