"""Cleaning and positives: ingested RNAInter rows + resolved sequences -> a pairs folder of positives.

Steps, in order (each drop is counted by reason in the report):

1. **dedupe RNAInterID** - keep the first occurrence in file order (lowest ``row_index``);
2. **join sequences** - rows whose RNA or protein raw id was not resolved are dropped (reason = why);
3. **normalise** every unique sequence with :func:`rnainteract_builder.contract.sequences.normalise`
   (upper-case, T->U, letter policy ``reject`` or ``replace``, length <= ``max_length``; default 1024 on
   both partners) and give it its content-hash id;
4. **dedupe (RNA, protein)** on the content-hash ids - keep the highest score, then the first in file order;
5. **interactor limit** (default 150):

   * ``drop`` (default, the paper's code): degrees are counted once on the deduplicated pairs; every pair
     whose RNA **or** protein has ``>= limit`` pairs is removed (no iteration: removing a hub does not
     re-admit anything);
   * ``cap``: every pair gets the key ``md5("<seed>:<pair_id>")``; within each RNA and within each
     protein pairs are ranked by that key, and a pair is kept iff it ranks ``<= limit`` for its RNA *and*
     for its protein. So no interactor keeps more than ``limit`` pairs, interactors with ``<= limit`` pairs
     lose only pairs removed by their partner's cap, and the result depends only on the seed and the pair
     ids (never on row order). Note the asymmetry with ``drop``: ``drop`` removes interactors with
     exactly ``limit`` pairs, ``cap`` keeps up to ``limit``.

``pair_id`` of a positive is its RNAInter id (unique after step 1).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import duckdb
import pyarrow as pa

from rnainteract_builder.contract import schema
from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rnainteract_builder.contract.pairs_folder import PairsFolder
from rnainteract_builder.contract.report import Report
from rnainteract_builder.contract.sequences import (
    LetterPolicy,
    Molecule,
    SequenceError,
    normalise,
    sequence_id,
)
from rnainteract_builder.ingest import source_database
from rnainteract_builder.resolve.stage import RESOLVED

InteractorLimitMode = Literal["drop", "cap"]
SOURCE_NAME = "RNAInter v4"


@dataclass(frozen=True)
class PositivesConfig:
    max_length: int | None = field(default=1024, metadata={"help": "Longest RNA and protein kept."})
    letter_policy: LetterPolicy = field(
        default="reject", metadata={"help": "reject, or replace non-standard letters by N / X."}
    )
    interactor_limit: int | None = field(default=150, metadata={"help": "Interactor limit."})
    interactor_limit_mode: InteractorLimitMode = field(
        default="drop",
        metadata={"help": "drop (paper): remove interactors with >= limit pairs; cap: keep a seeded sample."},
    )
    seed: int = field(default=0, metadata={"help": "Seed of the cap-mode sample."})

    def __post_init__(self) -> None:
        if self.interactor_limit_mode not in ("drop", "cap"):
            raise InputError(f"interactor_limit_mode must be drop or cap, not {self.interactor_limit_mode!r}")
        if self.letter_policy not in ("reject", "replace"):
            raise InputError(f"letter_policy must be reject or replace, not {self.letter_policy!r}")
        if self.interactor_limit is not None and self.interactor_limit < 1:
            raise InputError(f"interactor_limit must be >= 1, not {self.interactor_limit}")
        if self.max_length is not None and self.max_length < 1:
            raise InputError(f"max_length must be >= 1, not {self.max_length}")


def _resolved_rows(
    resolved: pa.Table, batch_rows: int = 50_000
) -> Iterator[tuple[str, str | None, str | None, str, int | None]]:
    """The rows of a resolved table, converted to Python one batch at a time (whole Python columns of a
    paper-scale table cost hundreds of MB). ``length`` is None in tables written before it existed."""
    columns = ["raw_id", "sequence", "accession", "status"]
    if "length" not in resolved.column_names:
        resolved = resolved.append_column("length", pa.nulls(resolved.num_rows, pa.int32()))
    for batch in resolved.select([*columns, "length"]).to_batches(max_chunksize=batch_rows):
        yield from zip(*(batch.column(c).to_pylist() for c in [*columns, "length"]), strict=True)


def _left_out(raw_id: str, length: int | None, molecule: Molecule, config: PositivesConfig) -> str:
    """The drop reason of a sequence the resolve stage left out as too long (only its length is known)."""
    if length is not None and config.max_length is not None and length > config.max_length:
        return f"{molecule} sequence too_long (> {config.max_length})"
    raise InputError(
        f"{molecule} {raw_id}: the resolve stage kept only the length ({length}) of this sequence, longer than "
        f"its max_length, but positives.max_length {config.max_length} would keep it; rerun resolve with "
        "max_length >= positives.max_length"
    )


def normalise_resolved(
    resolved: pa.Table, molecule: Molecule, config: PositivesConfig, report: Report
) -> pa.Table:
    """raw_id -> (seq_id, normalised sequence) or the reason it cannot be used (``status``).

    Sequences the resolve stage left out as too long (status resolved, null sequence) are dropped as
    ``too_long`` exactly as if normalised: the resolve stage left out only sequences of canonical letters.
    """
    rows = []
    replaced: Counter[str] = Counter()
    for raw_id, sequence, accession, status, length in _resolved_rows(resolved):
        if status != RESOLVED:
            rows.append((raw_id, None, None, accession, f"{molecule} unresolved: {status}"))
            continue
        if sequence is None:
            rows.append((raw_id, None, None, accession, _left_out(raw_id, length, molecule, config)))
            continue
        try:
            norm = normalise(sequence, molecule, raw_id, config.letter_policy, config.max_length)
        except SequenceError as err:
            limit = f" (> {config.max_length})" if err.kind.value == "too_long" else ""
            rows.append((raw_id, None, None, accession, f"{molecule} sequence {err.kind.value}{limit}"))
            continue
        replaced.update(norm.replaced)
        rows.append((raw_id, sequence_id(norm.sequence, molecule), norm.sequence, accession, None))
    if replaced:
        report.facts[f"{molecule} letters replaced (policy replace)"] = dict(sorted(replaced.items()))
    names = ["raw_id", "seq_id", "sequence", "accession", "status"]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)})


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _record_drops(con: duckdb.DuckDBPyConnection, report: Report, step: str, sql: str) -> None:
    """``sql`` yields (reason, count, example) for dropped rows."""
    for reason, count, example in con.sql(sql).fetchall():
        report.drop(step, reason, count, example)


def build_positives(
    ingested: str | os.PathLike[str],
    rna_resolved: str | os.PathLike[str],
    protein_resolved: str | os.PathLike[str],
    config: PositivesConfig = PositivesConfig(),
    report: Report | None = None,
) -> PairsFolder:
    report = report if report is not None else Report("positives")
    ingested_table = read_parquet(ingested)
    rna_map = normalise_resolved(read_parquet(rna_resolved), "rna", config, report)
    protein_map = normalise_resolved(read_parquet(protein_resolved), "protein", config, report)
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        con.register("ingested", ingested_table)
        con.register("rna_map", rna_map)
        con.register("protein_map", protein_map)
        report.step("ingested rows", ingested_table.num_rows)

        # 1. one row per RNAInterID (first in file order)
        # (hash aggregates + semi-joins on row_index: several times cheaper than sorting windows)
        con.execute(
            "CREATE TEMP TABLE s1 AS SELECT * FROM ingested "
            "WHERE row_index IN (SELECT min(row_index) FROM ingested GROUP BY rnainter_id) ORDER BY row_index"
        )
        report.drop("dedupe RNAInterID", "duplicate RNAInterID", ingested_table.num_rows - _count(con, "s1"))
        report.step("unique RNAInterIDs", _count(con, "s1"))
        ingested_by_source = _source_counts(con, "s1")

        # 2 + 3. join normalised sequences; unresolved / unusable sequences are dropped by reason
        con.execute(
            """CREATE TEMP TABLE s2_all AS
               SELECT s1.*, r.seq_id AS rna_id, p.seq_id AS protein_id,
                      coalesce(r.status, CASE WHEN r.raw_id IS NULL THEN 'rna unresolved: not in resolve output' END,
                               p.status, CASE WHEN p.raw_id IS NULL THEN 'protein unresolved: not in resolve output' END)
                        AS drop_reason
               FROM s1 LEFT JOIN rna_map r ON s1.rna_source_id = r.raw_id
                       LEFT JOIN protein_map p ON s1.protein_source_id = p.raw_id"""
        )
        _record_drops(
            con, report, "sequences",
            "SELECT drop_reason, count(*), min(rnainter_id) FROM s2_all WHERE drop_reason IS NOT NULL "
            "GROUP BY drop_reason ORDER BY drop_reason",
        )
        con.execute("CREATE TEMP TABLE s2 AS SELECT * EXCLUDE (drop_reason) FROM s2_all WHERE drop_reason IS NULL")
        _drop_tables(con, "s1", "s2_all")  # each step's table is a whole copy of the rows: free it when done
        report.step("with usable RNA and protein sequences", _count(con, "s2"))

        # 4. one row per (RNA, protein): highest score, then first in file order
        # (rowid, unique in s2, settles the tie should a resolved table list one raw id twice)
        con.execute(
            "CREATE TEMP TABLE s3 AS SELECT * FROM s2 WHERE rowid IN ("
            "  SELECT arg_max(rowid, (score IS NOT NULL, coalesce(score, 0), -row_index, -rowid)) FROM s2"
            "  GROUP BY rna_id, protein_id) ORDER BY row_index"
        )
        report.drop("dedupe pairs", "duplicate (RNA, protein) pair", _count(con, "s2") - _count(con, "s3"))
        report.step("unique (RNA, protein) pairs", _count(con, "s3"))
        _drop_tables(con, "s2")

        # 5. interactor limit
        final = _apply_interactor_limit(con, config, report)
        report.step(f"after interactor limit ({config.interactor_limit_mode})", _count(con, final))

        interactions = con.sql(
            f"""SELECT rnainter_id AS pair_id, rna_id, protein_id, CAST(1 AS TINYINT) AS label,
                       rna_category, protein_category, rna_species, protein_species, rnainter_id, score,
                       '{SOURCE_NAME}' AS source, rna_source_id, protein_source_id, rna_symbol, protein_symbol,
                       evidence_strong, evidence_weak, evidence_predict
                FROM {final} ORDER BY row_index"""
        ).to_arrow_table()
        interactions = schema.conform(interactions, schema.INTERACTIONS)
        rna_sequences = _sequence_table(con, final, "rna")
        protein_sequences = _sequence_table(con, final, "protein")
        _table_facts(con, final, report, ingested_by_source)
    finally:
        con.close()
    return PairsFolder(interactions, rna_sequences, protein_sequences)


def _apply_interactor_limit(con: duckdb.DuckDBPyConnection, config: PositivesConfig, report: Report) -> str:
    limit = config.interactor_limit
    step = f"interactor limit ({config.interactor_limit_mode} {limit})"
    if limit is None:
        return "s3"
    if config.interactor_limit_mode == "drop":
        con.execute(
            f"""CREATE TEMP TABLE s4_all AS
                WITH rna_degree AS (SELECT rna_id, count(*) AS n FROM s3 GROUP BY rna_id),
                     protein_degree AS (SELECT protein_id, count(*) AS n FROM s3 GROUP BY protein_id)
                SELECT s3.*,
                  CASE WHEN r.n >= {limit} THEN 'RNA has >= {limit} interactions'
                       WHEN p.n >= {limit} THEN 'protein has >= {limit} interactions' END AS drop_reason
                FROM s3 JOIN rna_degree r USING (rna_id) JOIN protein_degree p USING (protein_id)
                ORDER BY s3.row_index"""
        )
    else:
        con.execute(
            f"""CREATE TEMP TABLE s4_keyed AS SELECT *, md5('{int(config.seed)}:' || rnainter_id) AS sample_key FROM s3"""
        )
        con.execute(
            f"""CREATE TEMP TABLE s4_all AS SELECT * EXCLUDE (sample_key),
                  CASE WHEN row_number() OVER (PARTITION BY rna_id ORDER BY sample_key, rnainter_id) > {limit}
                         THEN 'RNA over cap of {limit} (seeded sample)'
                       WHEN row_number() OVER (PARTITION BY protein_id ORDER BY sample_key, rnainter_id) > {limit}
                         THEN 'protein over cap of {limit} (seeded sample)' END AS drop_reason
                FROM s4_keyed"""
        )
    _record_drops(
        con, report, step,
        "SELECT drop_reason, count(*), min(rnainter_id) FROM s4_all WHERE drop_reason IS NOT NULL "
        "GROUP BY drop_reason ORDER BY drop_reason",
    )
    con.execute("CREATE TEMP TABLE s4 AS SELECT * EXCLUDE (drop_reason) FROM s4_all WHERE drop_reason IS NULL")
    _drop_tables(con, "s3", "s4_all", "s4_keyed")
    return "s4"


def _drop_tables(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _source_counts(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Counter[str]]:
    """Rows per source database of the RNA and of the protein ids in ``table``."""
    counts: dict[str, Counter[str]] = {}
    for prefix in ("rna", "protein"):
        counts[prefix] = Counter()
        for raw_id, n in con.sql(f"SELECT {prefix}_source_id, count(*) FROM {table} GROUP BY 1").fetchall():
            counts[prefix][source_database(raw_id)] += n
    return counts


def _sequence_table(con: duckdb.DuckDBPyConnection, final: str, molecule: Molecule) -> pa.Table:
    """One row per unique sequence used by the positives; category / species = most frequent (ties: A-Z)."""
    mapping = f"{molecule}_map"
    prefix = "rna" if molecule == "rna" else "protein"
    table = con.sql(
        f"""WITH used AS (SELECT * FROM {final}),
           ids AS (SELECT {prefix}_id AS id, list(DISTINCT {prefix}_source_id ORDER BY {prefix}_source_id) AS source_ids,
                          list(DISTINCT {prefix}_symbol ORDER BY {prefix}_symbol)
                            FILTER (WHERE {prefix}_symbol IS NOT NULL) AS symbols
                   FROM used GROUP BY 1),
           cat AS (SELECT {prefix}_id AS id, {prefix}_category AS category FROM used GROUP BY 1, 2
                   QUALIFY row_number() OVER (PARTITION BY {prefix}_id ORDER BY count(*) DESC, {prefix}_category) = 1),
           spe AS (SELECT {prefix}_id AS id, {prefix}_species AS species FROM used GROUP BY 1, 2
                   QUALIFY row_number() OVER (PARTITION BY {prefix}_id ORDER BY count(*) DESC, {prefix}_species NULLS LAST) = 1),
           seqs AS (SELECT seq_id AS id, any_value(sequence) AS sequence,
                           list(DISTINCT accession ORDER BY accession) FILTER (WHERE accession IS NOT NULL) AS accessions
                    FROM {mapping} WHERE seq_id IS NOT NULL GROUP BY 1)
           SELECT ids.id, seqs.sequence, CAST(length(seqs.sequence) AS INTEGER) AS length, ids.source_ids,
                  coalesce(ids.symbols, []) AS symbols, cat.category, spe.species, seqs.accessions
           FROM ids JOIN seqs USING (id) JOIN cat USING (id) JOIN spe USING (id)
           ORDER BY ids.id"""
    ).to_arrow_table()
    return schema.conform(table, schema.SEQUENCES)


def _table_facts(
    con: duckdb.DuckDBPyConnection, final: str, report: Report, ingested_by_source: dict[str, Counter[str]]
) -> None:
    """Category shares (paper Table 6) and pairs kept per source database (paper Table 4)."""
    total = _count(con, final) or 1
    kept_by_source = _source_counts(con, final)
    for prefix in ("rna", "protein"):
        shares = con.sql(
            f"SELECT {prefix}_category, count(*) FROM {final} GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        report.facts[f"{prefix} category shares"] = {
            str(cat): {"pairs": n, "share": round(n / total, 4)} for cat, n in shares
        }
        before, after = ingested_by_source[prefix], kept_by_source[prefix]
        report.facts[f"{prefix} pairs kept by source database"] = {
            db: {"ingested": before[db], "kept": after[db], "rate": round(after[db] / before[db], 4)}
            for db in sorted(before)
        }
