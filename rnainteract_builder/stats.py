"""The paper's tables and figures, regenerated from a split (DESIGN §3, issue "statistics").

* Table 1 - per split: unique RNA families, unique protein clans, positives, negatives;
* Tables 5 / 7 - RNAs / proteins annotated by Rfam / Pfam (or a given table) versus cluster pseudo-labels,
  with the number of unique families / clans of each kind;
* category shares per split;
* Figure 4 - RNA and protein length histograms (PNG);
* Figure 5 - RNA category x protein category heatmap of the positives (PNG).

Everything is computed from Arrow tables; ``write_stats`` writes ``stats.json``, ``stats.md`` and the PNGs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import typer

from rnainteract_builder.annotate.annotate import CLUSTER_PREFIX
from rnainteract_builder.contract.io import read_parquet, write_text_atomic
from rnainteract_builder.contract.pairs_folder import PROTEIN_FILE, RNA_FILE
from rnainteract_builder.splits import SPLIT_NAMES

log = logging.getLogger(__name__)


def table1(splits: Mapping[str, pa.Table]) -> list[dict[str, Any]]:
    """Rows of Table 1: split, RNA families, protein clans, positives, negatives (plus a total row)."""
    rows = []
    for name, table in list(splits.items()) + [("total", pa.concat_tables(list(splits.values())))]:
        labels = table.column("label")
        positives = pc.sum(pc.equal(labels, 1)).as_py() or 0
        rows.append(
            {
                "split": name,
                "rna_families": pc.count_distinct(table.column("rna_family")).as_py(),
                "protein_clans": pc.count_distinct(table.column("protein_clan")).as_py(),
                "positives": positives,
                "negatives": table.num_rows - positives,
            }
        )
    return rows


def annotation_coverage(
    pairs: pa.Table, column: str, id_column: str, labels: pa.Table | None = None
) -> dict[str, Any]:
    """Tables 5 / 7: sequences and unique labels by source (database / table vs cluster pseudo-label)."""
    table = pairs.select([id_column, column]).group_by([id_column, column]).aggregate([])
    if labels is not None:
        source = dict(zip(labels.column("id").to_pylist(), labels.column("source").to_pylist(), strict=True))
    else:
        source = {}
    out: dict[str, dict[str, Any]] = {}
    for seq_id, label in zip(
        table.column(id_column).to_pylist(), table.column(column).to_pylist(), strict=True
    ):
        kind = source.get(seq_id) or ("cluster" if label and label.startswith(CLUSTER_PREFIX) else None)
        # Without an annotation table the source is unknown: say "annotated", not "annotated (annotated)".
        kind = {"cluster": "not annotated (cluster)", None: "annotated"}.get(kind, f"annotated ({kind})")
        entry = out.setdefault(kind, {"sequences": 0, "labels": set()})
        entry["sequences"] += 1
        entry["labels"].add(label)
    return {k: {"sequences": v["sequences"], "unique": len(v["labels"])} for k, v in sorted(out.items())}


def category_shares(splits: Mapping[str, pa.Table], column: str) -> dict[str, dict[str, float]]:
    shares = {}
    for name, table in splits.items():
        counts = pc.value_counts(pc.fill_null(table.column(column), "unknown"))
        total = max(1, table.num_rows)
        shares[name] = {
            str(v): round(c / total, 4)
            for v, c in sorted(
                zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
            )
        }
    return shares


def markdown_table(rows: list[dict[str, Any]]) -> str:
    headers = list(rows[0])
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
    ]
    for row in rows:
        lines.append(
            "| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()) + " |"
        )
    return "\n".join(lines) + "\n"


def _used_lengths(splits: Mapping[str, pa.Table], sequences: pa.Table, id_column: str) -> list[int]:
    used = pa.concat_arrays([t.column(id_column).combine_chunks() for t in splits.values()]).unique()
    return sequences.filter(pc.is_in(sequences.column("id"), used)).column("length").to_pylist()


def plot_lengths(rna_lengths: list[int], protein_lengths: list[int], path: Path) -> Path:
    """Figure 4: length histograms of the unique RNAs and proteins used."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, lengths, title in ((axes[0], rna_lengths, "RNA"), (axes[1], protein_lengths, "protein")):
        ax.hist(lengths, bins=50, color="#4c72b0")
        ax.set_xlabel("length (residues)")
        ax.set_ylabel("unique sequences")
        ax.set_title(f"{title} lengths (n={len(lengths):,})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return path


def plot_category_heatmap(positives: pa.Table, path: Path) -> Path:
    """Figure 5: number of positive pairs per RNA category x protein category."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rna_cat = pc.fill_null(positives.column("rna_category"), "unknown").to_pylist()
    prot_cat = pc.fill_null(positives.column("protein_category"), "unknown").to_pylist()
    rows, cols = sorted(set(rna_cat)) or ["unknown"], sorted(set(prot_cat)) or ["unknown"]
    counts = np.zeros((len(rows), len(cols)), dtype=np.int64)
    for r, c in zip(rna_cat, prot_cat, strict=True):
        counts[rows.index(r), cols.index(c)] += 1
    fig, ax = plt.subplots(figsize=(1.5 + 1.2 * len(cols), 1.0 + 0.45 * len(rows)))
    image = ax.imshow(counts, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    for i in range(len(rows)):
        for j in range(len(cols)):
            ax.text(j, i, f"{counts[i, j]:,}", ha="center", va="center", color="white", fontsize=7)
    fig.colorbar(image, ax=ax, label="positive pairs")
    ax.set_xlabel("protein category")
    ax.set_ylabel("RNA category")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return path


def compute_stats(
    splits: Mapping[str, pa.Table],
    rna_families: pa.Table | None = None,
    protein_clans: pa.Table | None = None,
) -> dict[str, Any]:
    everything = pa.concat_tables(list(splits.values()))
    return {
        "table1": table1(splits),
        "rna_annotation": annotation_coverage(everything, "rna_family", "rna_id", rna_families),
        "protein_annotation": annotation_coverage(everything, "protein_clan", "protein_id", protein_clans),
        "rna_category_shares": category_shares(splits, "rna_category"),
        "protein_category_shares": category_shares(splits, "protein_category"),
    }


def stats_markdown(stats: Mapping[str, Any]) -> str:
    parts = ["### Table 1: pairs per split", "", markdown_table(stats["table1"])]
    for key, title in (
        ("rna_annotation", "RNA families (Table 5)"),
        ("protein_annotation", "Protein clans (Table 7)"),
    ):
        rows = [
            {"kind": k, "sequences": v["sequences"], "unique": v["unique"]} for k, v in stats[key].items()
        ]
        if rows:
            parts += [f"### {title}", "", markdown_table(rows)]
    return "\n".join(parts)


def write_stats(
    split_dir: str | Path, out_dir: str | Path, annotate_dir: str | Path | None = None, figures: bool = True
) -> dict[str, Any]:
    """Compute the statistics of a split folder and write stats.json / stats.md (+ figures) to ``out_dir``."""
    split_dir, out = Path(split_dir), Path(out_dir)
    splits = {name: read_parquet(split_dir / f"{name}.parquet") for name in SPLIT_NAMES}
    labels: dict[str, pa.Table | None] = {"rna_families": None, "protein_clans": None}
    if annotate_dir is not None:
        for name in labels:
            path = Path(annotate_dir) / f"{name}.parquet"
            labels[name] = read_parquet(path) if path.exists() else None
    stats = compute_stats(splits, labels["rna_families"], labels["protein_clans"])
    if figures:
        rna_lengths = _used_lengths(splits, read_parquet(split_dir / RNA_FILE), "rna_id")
        prot_lengths = _used_lengths(splits, read_parquet(split_dir / PROTEIN_FILE), "protein_id")
        everything = pa.concat_tables(list(splits.values()))
        stats["figures"] = {
            "lengths": plot_lengths(rna_lengths, prot_lengths, out / "lengths.png").name,
            "categories": plot_category_heatmap(
                everything.filter(pc.equal(everything.column("label"), 1)), out / "category_heatmap.png"
            ).name,  # fmt: skip
        }
    write_text_atomic(out / "stats.json", json.dumps(stats, indent=2) + "\n")
    write_text_atomic(out / "stats.md", stats_markdown(stats))
    return stats


def stats_command(
    split: Annotated[
        Path, typer.Argument(help="Split folder (train/validation/test.parquet + sequence tables).")
    ],
    out: Annotated[Path, typer.Argument(help="Where to write stats.json, stats.md and the PNG figures.")],
    annotations: Annotated[
        Path | None,
        typer.Option(
            help="Annotated pairs folder (rna_families.parquet / protein_clans.parquet) for Tables 5/7."
        ),
    ] = None,
    figures: Annotated[bool, typer.Option(help="Draw the length histograms and category heatmap.")] = True,
) -> None:
    """Print Table 1 (per split: RNA families, protein clans, positives, negatives) and write all statistics."""
    stats = write_stats(split, out, annotations, figures)
    print(markdown_table(stats["table1"]), end="")
