"""Apply RNA families and protein clans to a pairs folder (DESIGN §3 step 4).

Each unique sequence gets exactly one label, from the first source that has one:

1. a precomputed table given by the user (TSV or Parquet, columns ``id`` and ``family`` / ``clan``, optional
   ``name``; ``id`` may be the content-hash id or any original source id) - how the demo ships families for
   its synthetic sequences;
2. the best Rfam hit (Infernal ``cmscan``) for RNAs, the clan of the best Pfam hit that has a clan for
   proteins (a protein whose Pfam hits all lie outside any clan gets its best family's accession: a
   family without a clan is its own clan);
3. a sequence-cluster pseudo-family ``cluster:<representative id>`` (MMseqs2 / CD-HIT over the sequences
   still unlabelled), so unannotated sequences never pool into one giant "unknown" family that would make
   a family-disjoint split dishonest.

Outputs: the pairs folder with ``rna_family`` / ``protein_clan`` filled, plus ``rna_families.parquet`` and
``protein_clans.parquet`` (one row per sequence: label, name, source, E-value, score).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.contract.clusters import cluster_sequences
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.report import Report

log = logging.getLogger(__name__)

CLUSTER_PREFIX = "cluster:"
#: Value of the ``source`` column of the label tables.
SOURCE_TABLE, SOURCE_RFAM, SOURCE_PFAM, SOURCE_CLUSTER = "table", "rfam", "pfam", "cluster"

LABEL_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("detail", pa.string()),  # Pfam family behind a clan; representative of a pseudo-family
        pa.field("evalue", pa.float64()),
        pa.field("score", pa.float64()),
    ]
)


@dataclass(frozen=True)
class Label:
    label: str
    name: str | None
    source: str
    detail: str | None = None
    evalue: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class AnnotateConfig:
    """Where labels come from; every path is optional (absent -> that source is skipped)."""

    rfam_cm: Path | None = None
    rfam_clanin: Path | None = None
    pfam_hmm: Path | None = None
    pfam_clans: Path | None = None
    family_table: Path | None = None
    clan_table: Path | None = None
    rna_cluster_identity: float = 0.5
    protein_cluster_identity: float = 0.5
    cluster_tool: str = "mmseqs"
    #: RNA pseudo-families with MMseqs2: ``linkage`` (no pair at >= the identity split apart; the default)
    #: or ``greedy`` (``mmseqs easy-cluster``, as before); see :mod:`rnainteract_builder.contract.clusters`.
    #: CD-HIT always clusters greedily; proteins use the tool's greedy clustering.
    rna_cluster_method: str = "linkage"
    threads: int = 1
    work_dir: Path | None = None  # cmscan chunk outputs (resumable); a temporary folder when absent


def read_label_table(path: str | Path, column: str) -> dict[str, tuple[str, str | None]]:
    """Read a precomputed ``id -> family/clan`` table (TSV with a header, or Parquet)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such {column} table")
    if path.suffix == ".parquet":
        table = read_parquet(path)
    else:
        import pyarrow.csv as pcsv

        try:
            table = pcsv.read_csv(
                path,
                parse_options=pcsv.ParseOptions(delimiter="\t"),
                convert_options=pcsv.ConvertOptions(
                    strings_can_be_null=False, column_types={"id": pa.string()}
                ),
            )
        except pa.ArrowInvalid as err:
            raise InputError(f"{path}: not a readable TSV table ({err})") from err
    for needed in ("id", column):
        if needed not in table.column_names:
            raise InputError(
                f"{path}: needs the columns 'id' and {column!r} (has {', '.join(table.column_names)})"
            )
    names = table.column("name").to_pylist() if "name" in table.column_names else [None] * table.num_rows
    out: dict[str, tuple[str, str | None]] = {}
    for row, (key, value, name) in enumerate(
        zip(table.column("id").to_pylist(), table.column(column).to_pylist(), names, strict=True), start=2
    ):
        if not key or not value:
            raise InputError(f"{path}: row {row} has an empty id or {column}")
        if key in out and out[key][0] != value:
            raise InputError(f"{path}: id {key!r} is given two {column} values ({out[key][0]!r}, {value!r})")
        out[str(key)] = (str(value), None if name in (None, "") else str(name))
    return out


def _from_table(sequences: pa.Table, table: Mapping[str, tuple[str, str | None]]) -> dict[str, Label]:
    """Match table keys against content ids first, then against any source id of the sequence."""
    source_ids = (
        sequences.column("source_ids").to_pylist()
        if "source_ids" in sequences.column_names
        else [None] * sequences.num_rows
    )
    labels: dict[str, Label] = {}
    for seq_id, sources in zip(sequences.column("id").to_pylist(), source_ids, strict=True):
        for key in [seq_id, *(sources or [])]:
            if key in table:
                value, name = table[key]
                labels[seq_id] = Label(value, name, SOURCE_TABLE)
                break
    return labels


def _cluster_labels(
    sequences: Mapping[str, str], molecule: str, identity: float, config: AnnotateConfig
) -> dict[str, Label]:
    if not sequences:
        return {}
    method = config.rna_cluster_method if molecule == "rna" and config.cluster_tool == "mmseqs" else "greedy"
    reps = cluster_sequences(
        sequences, molecule, identity=identity, tool=config.cluster_tool, threads=config.threads,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
    )
    detail = f"{config.cluster_tool} {identity:g}" + (" linkage" if method == "linkage" else "")
    return {
        seq_id: Label(f"{CLUSTER_PREFIX}{rep}", None, SOURCE_CLUSTER, detail=detail) for seq_id, rep in reps.items()
    }


def known_rna_labels(sequences: pa.Table, config: AnnotateConfig) -> dict[str, Label]:
    """Labels from the precomputed table, then Rfam; each depends on its own sequence only, so any subset
    of the RNAs (a workflow shard) gets the same labels as the whole set."""
    seqs = dict(
        zip(sequences.column("id").to_pylist(), sequences.column("sequence").to_pylist(), strict=True)
    )
    labels: dict[str, Label] = {}
    if config.family_table is not None:
        labels.update(_from_table(sequences, read_label_table(config.family_table, "family")))
    todo = {k: v for k, v in seqs.items() if k not in labels}
    if config.rfam_cm is not None and todo:
        from rnainteract_builder.annotate.rfam import scan_rfam

        hits = scan_rfam(
            todo, config.rfam_cm, config.rfam_clanin, jobs=config.threads, work_dir=config.work_dir
        )
        for seq_id, hit in hits.items():
            labels[seq_id] = Label(hit.accession, hit.name, SOURCE_RFAM, hit.clan, hit.evalue, hit.score)
    return labels


def label_rnas(
    sequences: pa.Table, config: AnnotateConfig, report: Report, known: Mapping[str, Label] | None = None
) -> dict[str, Label]:
    """One label per RNA: precomputed table, then Rfam (or ``known``, their merged shards), then cluster
    pseudo-family over all RNAs still unlabelled."""
    labels = dict(known_rna_labels(sequences, config) if known is None else known)
    todo = {
        k: v
        for k, v in zip(sequences.column("id").to_pylist(), sequences.column("sequence").to_pylist(), strict=True)
        if k not in labels
    }
    labels.update(_cluster_labels(todo, "rna", config.rna_cluster_identity, config))
    return labels


def known_protein_labels(sequences: pa.Table, config: AnnotateConfig) -> dict[str, Label]:
    """Labels from the precomputed table, then the Pfam clan (per sequence, like :func:`known_rna_labels`)."""
    seqs = dict(
        zip(sequences.column("id").to_pylist(), sequences.column("sequence").to_pylist(), strict=True)
    )
    labels: dict[str, Label] = {}
    if config.clan_table is not None:
        labels.update(_from_table(sequences, read_label_table(config.clan_table, "clan")))
    todo = {k: v for k, v in seqs.items() if k not in labels}
    if config.pfam_hmm is not None and todo:
        from rnainteract_builder.annotate.pfam import scan_pfam

        if config.pfam_clans is None:
            raise InputError("Pfam annotation needs Pfam-A.clans.tsv (--pfam-clans) next to Pfam-A.hmm")
        hits = scan_pfam(todo, config.pfam_hmm, config.pfam_clans, cpus=config.threads)
        for seq_id, hit in hits.items():
            labels[seq_id] = Label(hit.clan, hit.clan_name, SOURCE_PFAM, hit.family, hit.evalue, hit.score)
    return labels


def label_proteins(
    sequences: pa.Table, config: AnnotateConfig, report: Report, known: Mapping[str, Label] | None = None
) -> dict[str, Label]:
    """One label per protein: precomputed table, then Pfam clan (or ``known``), then cluster pseudo-clan."""
    labels = dict(known_protein_labels(sequences, config) if known is None else known)
    todo = {
        k: v
        for k, v in zip(sequences.column("id").to_pylist(), sequences.column("sequence").to_pylist(), strict=True)
        if k not in labels
    }
    labels.update(_cluster_labels(todo, "protein", config.protein_cluster_identity, config))
    return labels


def label_table(labels: Mapping[str, Label]) -> pa.Table:
    ids = sorted(labels)
    rows = [labels[i] for i in ids]
    return pa.Table.from_pydict(
        {
            "id": ids,
            "label": [r.label for r in rows],
            "name": [r.name for r in rows],
            "source": [r.source for r in rows],
            "detail": [r.detail for r in rows],
            "evalue": [r.evalue for r in rows],
            "score": [r.score for r in rows],
        },
        schema=LABEL_SCHEMA,
    )


def _summarise(labels: Mapping[str, Label], what: str, report: Report) -> None:
    by_source: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for label in labels.values():
        by_source.setdefault(label.source, set()).add(label.label)
        counts[label.source] = counts.get(label.source, 0) + 1
    report.facts[f"{what} by source"] = {
        source: {"sequences": counts[source], "unique": len(by_source[source])} for source in sorted(counts)
    }


def fill_labels(interactions: pa.Table, rna: Mapping[str, Label], protein: Mapping[str, Label]) -> pa.Table:
    """Set ``rna_family`` / ``protein_clan`` of every row from the per-sequence labels."""
    families = pa.array([rna[i].label for i in interactions.column("rna_id").to_pylist()], pa.string())
    clans = pa.array([protein[i].label for i in interactions.column("protein_id").to_pylist()], pa.string())
    out = interactions
    for name, values in (("rna_family", families), ("protein_clan", clans)):
        if name in out.column_names:
            out = out.set_column(out.column_names.index(name), name, values)
        else:
            out = out.append_column(name, values)
    return out


def annotate_pairs(
    folder: PairsFolder,
    config: AnnotateConfig = AnnotateConfig(),
    known: tuple[Mapping[str, Label], Mapping[str, Label]] | None = None,
) -> tuple[PairsFolder, Report]:
    """Label every sequence of ``folder`` and fill the interactions' family / clan columns.

    ``known``: (RNA, protein) labels from the table / Rfam / Pfam already computed, e.g. merged from
    workflow shards; only the cluster pseudo-labels are then computed here."""
    report = Report("Annotation: RNA families and protein clans")
    report.facts["config"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()}
    report.step("pairs in", folder.interactions.num_rows)
    rna = label_rnas(folder.rna_sequences, config, report, None if known is None else known[0])
    protein = label_proteins(folder.protein_sequences, config, report, None if known is None else known[1])
    _summarise(rna, "RNA families", report)
    _summarise(protein, "protein clans", report)
    interactions = fill_labels(folder.interactions, rna, protein)
    report.step("pairs annotated", interactions.num_rows)
    unique_families = pc.count_distinct(interactions.column("rna_family")).as_py()
    unique_clans = pc.count_distinct(interactions.column("protein_clan")).as_py()
    report.facts["unique RNA families in pairs"] = unique_families
    report.facts["unique protein clans in pairs"] = unique_clans
    out = PairsFolder(
        interactions,
        folder.rna_sequences,
        folder.protein_sequences,
        {"rna_families": label_table(rna), "protein_clans": label_table(protein)},
    )
    return out, report


def annotate_dir(
    in_dir: str | Path,
    out_dir: str | Path,
    config: AnnotateConfig = AnnotateConfig(),
    known: tuple[Mapping[str, Label], Mapping[str, Label]] | None = None,
) -> Report:
    """Read a pairs folder, annotate it, write the result (and ``annotate_report.json/.md``) to ``out_dir``."""
    folder, report = annotate_pairs(PairsFolder.read(in_dir), config, known)
    folder.write(out_dir)
    report.write(Path(out_dir) / "annotate_report")
    return report
