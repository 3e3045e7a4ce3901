"""A synthetic RNAInter ``Download_data_RP.txt`` (13 tab-separated columns, ``N/A`` for missing evidence)
written by one DuckDB query, so 37 M rows take a couple of minutes and little memory.

Row ``i`` is mapped to ``q = (i * A) mod rows`` (a permutation, so classes are spread over the file):

* ``q < n_rna``: a protein-hub row, RNA ``q`` (every RNA id occurs) with one of the hub proteins;
* next ``n_protein``: an RNA-hub row, protein ``q - n_rna`` with one of the hub RNAs;
* next ``sparse_rows``: an ncRNA row between a sparse RNA and a sparse protein (the pairs that survive);
* the rest: filtered-out rows (mRNA, retained_intron, nonsense_mediated_decay, unknown) of coding genes.

Every 211th row repeats the pair of the row before under a new RNAInterID, every 401st repeats the whole
row (duplicate RNAInterID); a few rows have an empty Raw_ID1 or a score that is not a number. ~71 % of rows
have prediction-only evidence, as in RNAInter v4.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from scripts.rehearsal.world import NCBI_PROTEIN_BASE, NCBI_RNA_BASE, World

COLUMNS = ("RNAInterID", "Interactor1.Symbol", "Category1", "Species1", "Interactor2.Symbol", "Category2",
           "Species2", "Raw_ID1", "Raw_ID2", "score", "strong", "weak", "predict")
NCBI_RNA_CATEGORIES = (["lncRNA"] * 9 + ["snoRNA"] * 2 + ["snRNA"] * 2 + ["miRNA"] * 2 + ["circRNA", "misc_RNA",
                       "rRNA", "scaRNA", "pseudo", "ncRNA", "others", "sncRNA", "ribozyme", "vtRNAs", "Mt_tRNA"])
ENSEMBL_CATEGORIES = ["lncRNA"] * 6 + ["misc_RNA"] * 2 + ["snRNA", "snoRNA"]
FILTERED_CATEGORIES = ["mRNA"] * 22 + ["retained_intron", "nonsense_mediated_decay", "unknown"]
SPECIES = ["Homo sapiens"] * 11 + ["Mus musculus"] * 7 + ["Rattus norvegicus", "Drosophila melanogaster"]
PROTEIN_CATEGORIES = ["RBP"] * 5 + ["TF"] * 3 + ["protein"] * 2
PREDICT = ["catRAPID", "Scan pipeline widely used MATCH algorithm", "catRAPID//Scan pipeline widely used MATCH algorithm"]
WEAK = ["HITS-CLIP", "PAR-CLIP//CLIP-seq", "eCLIP", "RIP-seq"]
STRONG = ["RIP//EMSA", "Western blot//RIP", "EMSA"]


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: list[str], salt: str) -> str:
    return f"list_element({_list(values)}, 1 + (hash(j, '{salt}') % {len(values)})::INTEGER)"


def _multiplier(rows: int) -> int:
    a = int(rows * 0.6180339887) | 1
    while math.gcd(a, rows) != 1:
        a += 2
    return a


def _rna_id_sql(w: World, r: str) -> str:
    c = w.counts
    e0, m0 = c["rna_ncbi"], c["rna_ncbi"] + c["rna_ensembl"]
    n0 = m0 + c["rna_mirbase"]
    return (
        f"CASE WHEN {r} < {e0} THEN 'NCBI:' || ({NCBI_RNA_BASE} + {r}) "
        f"WHEN {r} < {m0} THEN 'Ensembl:ENS' || CASE WHEN ({r} - {e0}) % 3 = 0 THEN 'T' ELSE 'G' END "
        f"|| lpad(CAST({r} - {e0} AS VARCHAR), 11, '0') "
        f"WHEN {r} < {n0} THEN 'miRBase:MIMAT' || lpad(CAST({r} - {m0} AS VARCHAR), 7, '0') "
        f"ELSE 'NONCODE:NONHSAT' || lpad(CAST({r} - {n0} AS VARCHAR), 6, '0') || '.1' END"
    )


def _protein_id_sql(w: World, p: str) -> str:
    n = w.counts["protein_ncbi"]
    return (f"CASE WHEN {p} < {n} THEN 'NCBI:' || ({NCBI_PROTEIN_BASE} + {p}) "
            f"ELSE 'UniProt:Q' || lpad(CAST({p} - {n} AS VARCHAR), 5, '0') END")


def _rna_category_sql(w: World) -> str:
    c = w.counts
    m0 = c["rna_ncbi"] + c["rna_ensembl"]
    return (f"CASE WHEN kind = 3 THEN {_pick(FILTERED_CATEGORIES, 'c1f')} "
            f"WHEN r < {c['rna_ncbi']} THEN {_pick(NCBI_RNA_CATEGORIES, 'c1n')} "
            f"WHEN r < {m0} THEN {_pick(ENSEMBL_CATEGORIES, 'c1e')} "
            f"WHEN r < {m0 + c['rna_mirbase']} THEN 'miRNA' ELSE 'lncRNA' END")


def _indices_sql(w: World, rows: int) -> str:
    """kind (0 protein-hub, 1 RNA-hub, 2 sparse, 3 filtered out), RNA index r, protein index p per row."""
    x_ph, x_rh = w.n_rna, w.n_protein
    x_s = w.sparse_rows
    spread_r = (w.n_rna - w.hubs) / w.sparse_rnas
    spread_p = (w.n_protein - w.hubs) / w.sparse_proteins
    return f"""
    WITH base AS (
      SELECT i, CASE WHEN i % 401 = 400 OR i % 211 = 210 THEN i - 1 ELSE i END AS j,
             CASE WHEN i % 401 = 400 THEN i - 1 ELSE i END AS id_row
      FROM range({rows}) t(i)
    ), perm AS (SELECT i, j, id_row, (j * {_multiplier(rows)}) % {rows} AS q FROM base),
    classed AS (
      SELECT *, CASE WHEN q < {x_ph} THEN 0 WHEN q < {x_ph + x_rh} THEN 1
                     WHEN q < {x_ph + x_rh + x_s} THEN 2 ELSE 3 END AS kind FROM perm
    )
    SELECT *,
      CASE kind WHEN 0 THEN q WHEN 1 THEN hash(j, 'rh') % {w.hubs}
                WHEN 2 THEN {w.hubs} + floor((hash(j, 'sr') % {w.sparse_rnas}) * {spread_r})::BIGINT
                ELSE 0 END AS r,
      CASE kind WHEN 0 THEN hash(j, 'ph') % {w.hubs} WHEN 1 THEN q - {x_ph}
                WHEN 2 THEN {w.hubs} + floor((hash(j, 'sp') % {w.sparse_proteins}) * {spread_p})::BIGINT
                ELSE hash(j, 'fp') % {w.n_protein} END AS p
    FROM classed
    """


def write_rnainter(world: World, path: Path, threads: int = 2, memory_limit: str = "1GB") -> Path:
    """Write ``world.rows`` rows (plus the header) to ``path``; returns it."""
    rows = world.rows
    evidence = "hash(j, 'ev') % 10000"
    species = _pick(SPECIES, "sp")
    coding = f"'NCBI:' || ({NCBI_PROTEIN_BASE} + hash(j, 'mr') % {world.counts['protein_ncbi']})"
    query = f"""
    WITH ix AS ({_indices_sql(world, rows)})
    SELECT
      'RP' || lpad(CAST(id_row AS VARCHAR), 8, '0') AS "RNAInterID",
      CASE WHEN kind = 3 THEN 'GENE' || p ELSE 'RNA' || r END
        || CASE WHEN hash(j, 'quote') % 1000 = 0 THEN '"' ELSE '' END AS "Interactor1.Symbol",
      {_rna_category_sql(world)} AS "Category1",
      {species} AS "Species1",
      'PROT' || p AS "Interactor2.Symbol",
      {_pick(PROTEIN_CATEGORIES, 'c2')} AS "Category2",
      {species} AS "Species2",
      CASE WHEN i % 3000017 = 5 THEN '' WHEN kind = 3 THEN {coding} ELSE {_rna_id_sql(world, 'r')} END AS "Raw_ID1",
      {_protein_id_sql(world, 'p')} AS "Raw_ID2",
      CASE WHEN i % 5000011 = 17 THEN 'high'
           WHEN {evidence} < 7100 THEN printf('%.4f', (hash(j, 'sc') % 3000) / 10000.0)
           ELSE printf('%.4f', (hash(j, 'sc') % 10000) / 10000.0) END AS score,
      CASE WHEN {evidence} >= 9993 THEN {_pick(STRONG, 'st')} ELSE 'N/A' END AS strong,
      CASE WHEN {evidence} >= 7100 THEN {_pick(WEAK, 'wk')} ELSE 'N/A' END AS weak,
      CASE WHEN {evidence} < 8500 THEN {_pick(PREDICT, 'pr')} ELSE 'N/A' END AS predict
    FROM ix
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"SET threads = {threads}")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = true")  # rows in range() order without a sort
        con.execute(f"SET temp_directory = '{path.parent / 'duckdb_tmp'}'")
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT csv, DELIMITER '\t', HEADER, QUOTE '', ESCAPE '')")
    return path
