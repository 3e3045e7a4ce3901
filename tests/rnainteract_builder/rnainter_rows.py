"""Write small RNAInter-format files for tests (same header and column order as the real download)."""

from __future__ import annotations

from pathlib import Path

from rnainteract_builder.ingest import RNAINTER_COLUMNS

DEFAULT_ROW = {
    "RNAInterID": "RP0",
    "Interactor1.Symbol": "RNA1",
    "Category1": "lncRNA",
    "Species1": "Homo sapiens",
    "Interactor2.Symbol": "PROT1",
    "Category2": "RBP",
    "Species2": "Homo sapiens",
    "Raw_ID1": "NCBI:1",
    "Raw_ID2": "NCBI:101",
    "score": "0.5",
    "strong": "N/A",
    "weak": "N/A",
    "predict": "catRAPID",
}


def row(**fields: str) -> str:
    values = {**DEFAULT_ROW, **{k.replace("_dot_", "."): v for k, v in fields.items()}}
    return "\t".join(values[c] for c in RNAINTER_COLUMNS)


def write_rnainter(path: Path, lines: list[str]) -> Path:
    path.write_text("\t".join(RNAINTER_COLUMNS) + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path
