"""Benchmark inputs: a pairs folder, a raw benchmark folder (imported on the fly) or a fixed split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnainteract_builder.contract.io import read_parquet, sha256_file
from rpiembeddor_hf.baselines import PairData


def load_pairs(directory: Path) -> tuple[str, PairData, dict[str, Any]]:
    """A pairs folder (interactions.parquet + sequence tables) or a raw benchmark folder (imported here).

    The set is named after the folder, or ``NAME=FOLDER`` names it explicitly.
    """
    from rnainteract_builder.contract.pairs_folder import PairsFolder

    directory = Path(directory)
    name = directory.name
    if not directory.exists() and "=" in str(directory):
        name, _, rest = str(directory).partition("=")
        directory = Path(rest)
    if (directory / "interactions.parquet").is_file():
        folder = PairsFolder.read(directory)
        tables = (folder.interactions, folder.rna_sequences, folder.protein_sequences)
        files = [directory / n for n in ("interactions.parquet", "rna_sequences.parquet", "protein_sequences.parquet")]
        facts: dict[str, Any] = {}
    else:
        from rnainteract_builder.contract.benchmark_sets import import_benchmark_dir

        imported = import_benchmark_dir(directory, name)
        tables = (imported.interactions, imported.rna_sequences, imported.protein_sequences)
        files = sorted(p for p in directory.iterdir() if p.is_file())
        facts = {"import_report": imported.report.to_dict()}
    data = PairData.from_tables(*tables)
    info = {"path": str(directory.resolve()), "files": {p.name: sha256_file(p) for p in files},
            "pairs": len(data), "positives": int(data.y.sum()), **facts}
    return name, data, info


def load_split(directory: Path, test_name: str) -> tuple[PairData, PairData, dict[str, Any]]:
    directory = Path(directory)
    rna = read_parquet(directory / "rna_sequences.parquet")
    protein = read_parquet(directory / "protein_sequences.parquet")
    train = PairData.from_tables(read_parquet(directory / "train.parquet"), rna, protein)
    test = PairData.from_tables(read_parquet(directory / "test.parquet"), rna, protein)
    files = [directory / n for n in ("train.parquet", "test.parquet", "rna_sequences.parquet",
                                     "protein_sequences.parquet")]
    info = {"path": str(directory.resolve()), "files": {p.name: sha256_file(p) for p in files},
            "train_pairs": len(train), f"{test_name}_pairs": len(test)}
    return train, test, info
