"""RNAInter's RNA-protein format, the ingested table's schema and the filter options (what is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from rnainteract_builder.contract.errors import InputError

#: RNAInter's header, in file order.
RNAINTER_COLUMNS = (
    "RNAInterID",
    "Interactor1.Symbol",
    "Category1",
    "Species1",
    "Interactor2.Symbol",
    "Category2",
    "Species2",
    "Raw_ID1",
    "Raw_ID2",
    "score",
    "strong",
    "weak",
    "predict",
)

#: RNA classes seen in RNAInter that are not coding / undefined transcripts.
NCRNA_CATEGORIES = (
    "lncRNA",
    "snRNA",
    "snoRNA",
    "scaRNA",
    "miRNA",
    "circRNA",
    "rRNA",
    "ribozyme",
    "sncRNA",
    "ncRNA",
    "sRNA",
    "vtRNAs",
    "pseudo",
    "others",
    "misc_RNA",
    "Mt_tRNA",
    "Mt_rRNA",
    "tRNA",
    "tRF",
    "piRNA",
)
#: RNA classes the default whitelist leaves out (coding or undefined transcripts).
EXCLUDED_RNA_CATEGORIES = ("mRNA", "retained_intron", "nonsense_mediated_decay", "unknown")
PROTEIN_CATEGORIES = ("RBP", "TF", "protein")

Evidence = Literal["strong", "weak", "any"]

#: Column names of the ingested table (RNAInter's columns renamed to the dataset's vocabulary).
INGESTED_SCHEMA = pa.schema(
    [
        pa.field("row_index", pa.int64(), nullable=False),
        pa.field("rnainter_id", pa.string()),
        pa.field("rna_symbol", pa.string()),
        pa.field("rna_category", pa.string()),
        pa.field("rna_species", pa.string()),
        pa.field("protein_symbol", pa.string()),
        pa.field("protein_category", pa.string()),
        pa.field("protein_species", pa.string()),
        pa.field("rna_source_id", pa.string()),
        pa.field("protein_source_id", pa.string()),
        pa.field("score", pa.float64()),
        pa.field("evidence_strong", pa.string()),
        pa.field("evidence_weak", pa.string()),
        pa.field("evidence_predict", pa.string()),
    ]
)

#: Bytes per read when a ``.tar`` / ``.tar.gz`` member is piped into DuckDB.
DEFAULT_BLOCK_SIZE = 4 << 20
#: Rows per Arrow batch streamed out of DuckDB (bounds the memory held in Python at once).
BATCH_ROWS = 1 << 17
#: Rows per Parquet row group of the output.
ROW_GROUP_ROWS = 1 << 17
INGEST_STEP = "ingest"


@dataclass(frozen=True)
class IngestConfig:
    """Which RNAInter rows to keep (see the module docstring for the exact semantics), and the resources
    the parser may use (``block_size``, ``threads``, ``memory_limit`` never change the output)."""

    rna_categories: tuple[str, ...] = NCRNA_CATEGORIES
    protein_categories: tuple[str, ...] = PROTEIN_CATEGORIES
    species: tuple[str, ...] | None = None
    min_score: float | None = None
    evidence: Evidence = "any"
    drop_prediction_only: bool = False
    #: Member of a ``.tar.gz`` to read (default: the only / first ``.txt`` member).
    tar_member: str | None = None
    block_size: int = DEFAULT_BLOCK_SIZE
    #: DuckDB worker threads (default: one per CPU core).
    threads: int | None = None
    #: DuckDB's memory cap; beyond it DuckDB spills to a temporary folder beside the output.
    memory_limit: str = "1GB"

    def __post_init__(self) -> None:
        if self.evidence not in ("strong", "weak", "any"):
            raise InputError(f"evidence must be strong, weak or any, not {self.evidence!r}")
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError(f"min_score must lie in [0, 1], not {self.min_score}")
        if not self.rna_categories or not self.protein_categories:
            raise InputError("the RNA and protein category lists must not be empty")
        if self.block_size < 1 or (self.threads is not None and self.threads < 1):
            raise InputError("block_size and threads must be positive")


def source_database(raw_id: str | None) -> str:
    """The database prefix of a ``DB:ID`` raw id (``NCBI:69889`` -> ``NCBI``); ``(none)`` without one."""
    if not raw_id or ":" not in raw_id:
        return "(none)"
    return raw_id.split(":", 1)[0]
