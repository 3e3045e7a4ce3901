"""The SQL that classifies every row (kept, or the first filter that drops it) and counts malformed lines."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc

from rnainteract_builder.ingest.format import RNAINTER_COLUMNS, IngestConfig
from rnainteract_builder.ingest.reader import _quote

_COLUMN_COUNT_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")


#: Drop reasons of well-formed rows; the query returns their index (0 = kept). ``{}`` is the category.
DROP_REASONS = (
    None,
    "malformed: bad score",
    "malformed: empty Raw_ID",
    "malformed: empty RNAInterID",
    "rna category not in whitelist: {}",
    "protein category not in whitelist: {}",
    "species not selected",
    "score missing (min_score set)",
    "score below min_score",
    "no strong evidence",
    "no strong or weak evidence",
    "prediction-only evidence",
)
_RNA_CATEGORY_CODE = DROP_REASONS.index("rna category not in whitelist: {}")
_PROTEIN_CATEGORY_CODE = DROP_REASONS.index("protein category not in whitelist: {}")


def classify_sql(config: IngestConfig, source: str) -> str:
    """One pass over ``source`` (a DuckDB relation of RNAInter's 13 text columns): every row in file
    order with ``drop_code`` (index into :data:`DROP_REASONS`, 0 = kept; the first filter that fails
    wins) and the renamed, typed columns of the ingested table."""

    # Fields are compared verbatim (no trim: it costs more than the rest of the filter, and RNAInter's
    # fields carry no padding); the score is parsed once per row in the inner query. Reasons are small
    # integers, not strings, so dropped rows cost no string building.
    def missing(col: str) -> str:
        return f"(\"{col}\" IN ('', 'N/A'))"

    def nullable(col: str) -> str:
        return f"CASE WHEN {missing(col)} THEN NULL ELSE \"{col}\" END"

    def when(condition: str, reason: str) -> str:
        return f"WHEN {condition} THEN {DROP_REASONS.index(reason)}"

    score = "score_value"
    has_strong = f"NOT {missing('strong')}"
    has_weak = f"NOT {missing('weak')}"
    cases = [
        when(f"NOT {missing('score')} AND ({score} IS NULL OR isnan({score}) OR {score} < 0 OR {score} > 1)",
             "malformed: bad score"),
        when(f"{missing('Raw_ID1')} OR {missing('Raw_ID2')}", "malformed: empty Raw_ID"),
        when(missing("RNAInterID"), "malformed: empty RNAInterID"),
        when(f"Category1 NOT IN ({_quote(config.rna_categories)})", "rna category not in whitelist: {}"),
        when(f"Category2 NOT IN ({_quote(config.protein_categories)})", "protein category not in whitelist: {}"),
    ]
    if config.species is not None:
        allowed = _quote(config.species)
        cases.append(when(f"Species1 NOT IN ({allowed}) OR Species2 NOT IN ({allowed})", "species not selected"))
    if config.min_score is not None:
        cases.append(when(missing("score"), "score missing (min_score set)"))
        cases.append(when(f"{score} < {float(config.min_score)!r}", "score below min_score"))
    if config.evidence == "strong":
        cases.append(when(f"NOT ({has_strong})", "no strong evidence"))
    elif config.evidence == "weak":
        cases.append(when(f"NOT ({has_strong} OR {has_weak})", "no strong or weak evidence"))
    if config.drop_prediction_only:
        cases.append(when(f"NOT ({has_strong} OR {has_weak})", "prediction-only evidence"))
    return f"""
        SELECT
            CAST(CASE {' '.join(cases)} ELSE 0 END AS UTINYINT) AS drop_code,
            RNAInterID AS rnainter_id,
            {nullable('Interactor1.Symbol')} AS rna_symbol,
            Category1 AS rna_category,
            {nullable('Species1')} AS rna_species,
            {nullable('Interactor2.Symbol')} AS protein_symbol,
            Category2 AS protein_category,
            {nullable('Species2')} AS protein_species,
            Raw_ID1 AS rna_source_id,
            Raw_ID2 AS protein_source_id,
            CASE WHEN {missing('score')} THEN NULL ELSE {score} END AS score,
            {nullable('strong')} AS evidence_strong,
            {nullable('weak')} AS evidence_weak,
            {nullable('predict')} AS evidence_predict
        FROM (SELECT *, TRY_CAST(score AS DOUBLE) AS {score} FROM {source})
    """


#: Malformed lines from DuckDB's rejects table: one per line (DuckDB logs one error per missing column),
#: counted by reason, with the first such line as the example.
MALFORMED_SQL = f"""
    WITH lines AS (
        SELECT line_byte_position,
               bool_or(error_type IN ({_quote(_COLUMN_COUNT_ERRORS)})) AS column_count_error,
               any_value(error_type) AS error_type,
               any_value(csv_line) AS csv_line
        FROM ingest_rejects GROUP BY scan_id, file_id, line_byte_position)
    SELECT reason, count(*), arg_min(trim(csv_line, chr(10) || chr(13)), line_byte_position)
    FROM (SELECT line_byte_position, csv_line,
                 CASE WHEN column_count_error
                      THEN 'malformed: ' || (length(csv_line) - length(replace(csv_line, chr(9), '')) + 1)
                           || ' columns instead of {len(RNAINTER_COLUMNS)}'
                      WHEN error_type = 'INVALID ENCODING' THEN 'malformed: not UTF-8'
                      WHEN error_type = 'LINE SIZE OVER MAXIMUM' THEN 'malformed: line too long'
                      ELSE 'malformed: ' || lower(error_type) END AS reason
          FROM lines)
    GROUP BY reason ORDER BY reason
"""


def _count_drops(codes: pa.Array, rows: pa.RecordBatch, drops: Counter[str], examples: dict[str, str]) -> None:
    """Add one batch's drop counts by reason; the first RNAInterID dropped for a reason is its example."""
    counts = pc.value_counts(codes)
    for code, count in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
        if code == 0:
            continue
        selected = pc.equal(codes, code)
        ids = rows.column("rnainter_id").filter(selected)
        if code in (_RNA_CATEGORY_CODE, _PROTEIN_CATEGORY_CODE):
            column = "rna_category" if code == _RNA_CATEGORY_CODE else "protein_category"
            categories = rows.column(column).filter(selected)
            per_category = pc.value_counts(categories)
            for category, n in zip(
                per_category.field("values").to_pylist(), per_category.field("counts").to_pylist(), strict=True
            ):
                reason = DROP_REASONS[code].format(category)
                drops[reason] += n
                if reason not in examples:
                    examples[reason] = ids[pc.index(categories, category).as_py()].as_py()
        else:
            reason = DROP_REASONS[code]
            drops[reason] += count
            examples.setdefault(reason, ids[0].as_py())


