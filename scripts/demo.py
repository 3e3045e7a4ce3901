"""The demo: the whole pipeline on a small synthetic sample, in a few minutes on 2 CPU cores.

This is what ``make demo`` runs (``python scripts/demo.py --out demo_output``). It orchestrates both
packages from outside: neither ``rnainteract_builder`` nor ``rpiembeddor_hf`` imports it. It says loudly that the data is synthetic; every step it runs is the real
code path that a build on RNAInter v4 uses.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer

from rnainteract_builder.build import BuildContext, run_pipeline
from rnainteract_builder.contract.cli import new_app, run
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.report import Report
from rnainteract_builder.dataset_stages import DATASET_DIR, DEFAULT_SPLIT, EMBEDDINGS_DIR
from rnainteract_builder.demo_data import DemoConfig, DemoFiles, write_demo_files
from rnainteract_builder.stats import markdown_table

log = logging.getLogger(__name__)

#: The per-residue input of the demo's model: the weight-free contextual embedder every machine has.
INPUT = "kmer-context"

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
        # The weight-free kmer-context input stands in for RNA-FM / ESM-2, whose weights the demo cannot
        # download; one-hot cannot serve (with `first` pooling the model then stays at the class prior).
        "embed": {"models": [{"name": INPUT, "molecule": "rna"}, {"name": INPUT, "molecule": "protein"}]},
        "publish": {"version": "0.1.0", "provenance": "synthetic"},
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
    audit = report.facts.get("split: leakage audit (family split, RNA)")
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
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data, the negatives, the split and training.")] = (
        DemoConfig.seed
    ),
    epochs: Annotated[int, typer.Option(help="Training epochs of the demo model (the paper trains 90).")] = 12,
) -> None:
    """Run the whole pipeline on a small SYNTHETIC RNAInter-format sample (what `make demo` runs).

    generate -> ingest -> resolve -> positives -> annotate -> negatives -> split -> embed (one-hot) -> publish
    -> load_dataset -> train RPIembeddor -> evaluate on the held-out families -> reload with AutoModel ->
    screen the held-out RNAs against every protein. Nothing is downloaded.
    """
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # the demo prints results, not weight-loading bars
    started = time.perf_counter()
    out = out.resolve()
    print(BANNER)
    files = write_demo_files(out / "input", DemoConfig(seed=seed))
    print(f"\n[1] generated the synthetic sample in {files.folder}")
    print(summarise_rnainter_file(files))

    ctx = BuildContext(build_dir=out / "build", config=demo_build_config(files, seed), progress=False)
    report = run_pipeline(ctx, ["ingest", "resolve", "positives", "annotate", "negatives", "split", "embed",
                                "publish"])
    print(f"\n[2] built the dataset in {ctx.build_dir} (report: {ctx.build_dir / 'build_report.md'})")
    print(summarise_build(report))

    dataset_dir = ctx.build_dir / DATASET_DIR
    print(f"\n[3] published {dataset_dir}; loaded back with datasets.load_dataset:")
    print(describe_published(dataset_dir))

    run_dir = out / "rpiembeddor"
    split = ctx.build_dir / "split" / DEFAULT_SPLIT
    embeddings = ["--rna-embeddings", str(ctx.build_dir / EMBEDDINGS_DIR / f"rna_{INPUT}"),
                  "--protein-embeddings", str(ctx.build_dir / EMBEDDINGS_DIR / f"protein_{INPUT}")]
    print(f"\n[4] training RPIembeddor (paper architecture, {epochs} epochs, {INPUT} inputs) on the train split")
    _run_model_cli(["train", "--data", str(split), *embeddings, "--out", str(run_dir), "--epochs", str(epochs),
                    "--warmup-steps", "30", "--batch-size", "32", "--seeds", str(seed), "--no-progress"])
    print("\n[5] evaluating on the held-out RNA families (test split):")
    _run_model_cli(["evaluate", "--model", str(run_dir / "model"), "--data", str(split), "--split", "test",
                    *embeddings, "--out", str(run_dir / "test"), "--name", "demo TSfam (synthetic)"])

    from transformers import AutoModel

    import rpiembeddor_hf  # noqa: F401 - registers the Auto classes

    model = AutoModel.from_pretrained(str(run_dir / "model"))
    print(f"\n[6] reloaded with AutoModel.from_pretrained: {type(model).__name__}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters, threshold {model.config.threshold:.3f}")

    print("\n[7] screening the held-out RNAs against every protein:")
    print(screen_held_out(run_dir / "model", split, out / "screen"))
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s; outputs in {out}")
    print(BANNER.splitlines()[1].strip())


def _run_model_cli(argv: list[str]) -> None:
    from rpiembeddor_hf.cli import main as rpiembeddor

    status = rpiembeddor(argv)
    if status:
        raise InputError(f"rpiembeddor {argv[0]} failed with exit status {status}")


def describe_published(dataset_dir: Path) -> str:
    """Load every split of the default config and one embedding config offline, as a user would."""
    import os

    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets

    from dataset_card.render import card_summary

    pairs = datasets.load_dataset(str(dataset_dir))
    rna = datasets.load_dataset(str(dataset_dir), f"rna_embeddings_{INPUT}", split="train").with_format("numpy")
    lines = [f"  {name}: {len(split):,} pairs" for name, split in pairs.items()]
    lines.append(f"  label feature: {pairs['train'].features['label']}")
    lines.append(f"  rna_embeddings_{INPUT}: {len(rna):,} sequences, first embedding shape {rna[0]['embedding'].shape}")
    lines.append("  card: " + card_summary((dataset_dir / "README.md").read_text(encoding="utf-8"))[:400])
    return "\n".join(lines)


def screen_held_out(model_dir: Path, split: Path, out: Path, top: int = 10) -> str:
    """Score every test-split RNA against every protein and list the top hits (known positives marked)."""
    from rnainteract_builder.contract.io import read_parquet
    from rpiembeddor_hf import predict_pairs

    test = read_parquet(split / "test.parquet")
    held_out = set(test.column("rna_id").to_pylist())
    rna_table, protein_table = read_parquet(split / "rna_sequences.parquet"), read_parquet(split / "protein_sequences.parquet")
    rna = {i: s for i, s in zip(rna_table.column("id").to_pylist(), rna_table.column("sequence").to_pylist(),
                                strict=True) if i in held_out}
    protein = dict(zip(protein_table.column("id").to_pylist(), protein_table.column("sequence").to_pylist(),
                       strict=True))
    result = predict_pairs(model_dir, "all", rna, protein, cache_dir=out / "embedding_cache",
                           output=out / "held_out_rnas_vs_proteins.tsv", progress=False)
    known = {(r, p) for r, p, y in zip(*(test.column(c).to_pylist() for c in ("rna_id", "protein_id", "label")),
                                       strict=True) if y == 1}
    hits = result.top(top).to_pylist()
    in_top = sum((row["rna_id"], row["protein_id"]) in known for row in hits)
    lines = [f"  {len(rna)} RNAs x {len(protein)} proteins = {result.table.num_rows:,} pairs "
             f"({out / 'held_out_rnas_vs_proteins.tsv'}); top {top}:"]
    lines += [f"  {row['rna_id']}  {row['protein_id']}  p={row['probability']:.3f}"
              + ("  known positive" if (row["rna_id"], row["protein_id"]) in known else "") for row in hits]
    share = len(known) / max(1, result.table.num_rows)
    lines.append(f"  {in_top} of the top {top} are known positives of the test split "
                 f"(a random ranking would give {top * share:.1f})")
    lines.append("  " + screen_ranking(result.table, test))
    return "\n".join(lines)


def screen_ranking(screen: pa.Table, test: pa.Table) -> str:
    """How the screen ranks the test split's labelled pairs (known positives against its negatives): AUROC,
    where 0.5 is chance, so the console says plainly whether the held-out ranking beats chance."""
    from sklearn.metrics import roc_auc_score

    score = {(r, p): s for r, p, s in zip(*(screen.column(c).to_pylist() for c in ("rna_id", "protein_id",
                                                                                     "probability")), strict=True)}
    pairs = [(score[(r, p)], y) for r, p, y in zip(*(test.column(c).to_pylist() for c in ("rna_id", "protein_id",
                                                                                          "label")), strict=True)
             if (r, p) in score and score[(r, p)] is not None]
    labels = [y for _, y in pairs]
    if len(set(labels)) < 2:
        return "the screen holds no labelled test pairs of both classes: its ranking cannot be judged here"
    auroc = roc_auc_score(labels, [s for s, _ in pairs])
    verdict = "above chance" if auroc > 0.55 else "NOT above chance: this demo model does not rank them"
    return (f"ranking of the {len(pairs)} labelled test pairs inside the screen: AUROC {auroc:.3f} "
            f"(0.5 = chance; {verdict})")


app = new_app("Run the whole pipeline on a small SYNTHETIC sample (what `make demo` runs).")
app.command()(demo_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; bad input ends with one line and exit status 2."""
    return run(app, "demo", argv)


if __name__ == "__main__":
    sys.exit(main())
