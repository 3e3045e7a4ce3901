"""A small **synthetic** RNAInter-format sample with a planted, learnable interaction signal.

Nothing here is biological data. It exists so that ``rnainteract demo`` (``make demo``) can run the real
pipeline end to end in minutes on a laptop, with no download.

How the signal is planted (so a family-disjoint split can still be learned):

* RNA families are mutated copies of a random consensus; protein clans likewise. Families and clans are
  therefore real sequence clusters, which is what the family-disjoint split and the leakage audit act on.
* Every family and every clan belongs to one of a few *binding modes*. The residues of a mode-*m* sequence
  are drawn with a mode-specific composition bias (e.g. A-rich RNAs, K/R-rich proteins), and each carries
  the short RNA / protein motif of its mode.
* An RNA and a protein interact only when their modes match (and then with a probability), so a model
  must learn which compositions / motifs pair up, which carries over to families it never saw. The
  composition signal is visible even to one-hot inputs without positions (what the demo trains on); the
  motifs need context-aware embeddings such as RNA-FM / ESM-2.

The output has the 13 columns of RNAInter's ``Download_data_RP.txt`` (with ``N/A`` for missing evidence)
plus an offline ``raw_id -> sequence`` table in the layout the resolver reads, and the true family / clan
of every sequence (``rna_families.tsv``, ``protein_clans.tsv``) (a stand-in for Rfam / Pfam annotation, which needs databases the demo cannot download).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnainteract_builder.ingest import RNAINTER_COLUMNS

RNA_MOTIFS = ("GCAUGCAUG", "UUUAAUUUAA", "GGACUGGAC", "CCUCCCUCC")
PROTEIN_MOTIFS = ("RRMKGFGFV", "KHGGKIIGK", "CPHCGKTFH", "DEADYWRSE")
RNA_CATEGORIES = ("lncRNA", "miRNA", "snoRNA", "snRNA", "circRNA", "rRNA")
PROTEIN_CATEGORIES = ("RBP", "RBP", "TF", "protein")
SPECIES = ("Homo sapiens", "Mus musculus")
EVIDENCE_STRONG = ("N/A", "N/A", "N/A", "Western blot//RIP", "EMSA")
EVIDENCE_WEAK = ("N/A", "CLIP-seq", "HITS-CLIP", "PAR-CLIP", "N/A")
EVIDENCE_PREDICT = ("N/A", "catRAPID", "Scan pipeline widely used MATCH algorithm", "N/A")
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
#: Residues over-represented in sequences of each binding mode (the composition signal).
RNA_MODE_BIAS = ("A", "C", "G", "U")
PROTEIN_MODE_BIAS = ("KR", "DE", "ILV", "STG")


@dataclass(frozen=True)
class DemoConfig:
    n_rna_families: int = 16
    rnas_per_family: int = 8
    n_protein_clans: int = 12
    proteins_per_clan: int = 6
    n_modes: int = 4
    rna_length: tuple[int, int] = (30, 100)
    protein_length: tuple[int, int] = (50, 150)
    mutation_rate: float = 0.12
    #: Share of residues drawn from the mode's biased letters.
    composition_bias: float = 0.35
    interaction_probability: float = 0.35
    #: Extra rows the ingest filters must remove: mRNA partners and prediction-only evidence.
    mrna_rows: int = 40
    seed: int = 7


@dataclass(frozen=True)
class DemoFiles:
    folder: Path
    rnainter: Path
    sequences: Path
    rna_families: Path
    protein_clans: Path
    rows: int


def _biased_letters(size: int, alphabet: str, favoured: str, bias: float, rng: np.random.Generator) -> np.ndarray:
    """Residues where a share ``bias`` comes from ``favoured`` and the rest uniformly from ``alphabet``."""
    letters = rng.choice(list(alphabet), size=size)
    pick = rng.random(size) < bias
    letters[pick] = rng.choice(list(favoured), size=int(pick.sum()))
    return letters


def _mutate(consensus: str, rate: float, alphabet: str, favoured: str, bias: float,
            rng: np.random.Generator) -> str:
    letters = np.array(list(consensus))
    hit = rng.random(letters.size) < rate
    letters[hit] = _biased_letters(int(hit.sum()), alphabet, favoured, bias, rng)
    return "".join(letters)


def _with_motif(sequence: str, motif: str, rng: np.random.Generator) -> str:
    at = int(rng.integers(0, max(1, len(sequence) - len(motif))))
    return sequence[:at] + motif + sequence[at + len(motif):]


def generate(config: DemoConfig = DemoConfig()) -> tuple[list[dict[str, str]], dict[str, str], list[dict[str, str]]]:
    """Return (RNAInter rows, raw_id -> sequence, family/clan rows); deterministic for a seed."""
    rng = np.random.default_rng(config.seed)
    rnas: list[tuple[str, str, str, int, str, str]] = []  # raw_id, symbol, sequence, mode, family, category
    for family in range(config.n_rna_families):
        mode = family % config.n_modes
        favoured = RNA_MODE_BIAS[mode % len(RNA_MODE_BIAS)]
        size = int(rng.integers(*config.rna_length))
        consensus = "".join(_biased_letters(size, "ACGU", favoured, config.composition_bias, rng))
        category = RNA_CATEGORIES[family % len(RNA_CATEGORIES)]
        for member in range(config.rnas_per_family):
            mutated = _mutate(consensus, config.mutation_rate, "ACGU", favoured, config.composition_bias, rng)
            seq = _with_motif(mutated, RNA_MOTIFS[mode % len(RNA_MOTIFS)], rng)
            if category == "miRNA":
                raw_id = f"miRBase:MIMAT{9000000 + family * 100 + member:07d}"
            else:
                raw_id = f"NCBI:{100000 + family * 100 + member}"
            rnas.append((raw_id, f"SYN-RNA{family:02d}-{member}", seq, mode, f"SYNFAM{family:02d}", category))
    proteins: list[tuple[str, str, str, int, str, str]] = []
    for clan in range(config.n_protein_clans):
        mode = clan % config.n_modes
        favoured = PROTEIN_MODE_BIAS[mode % len(PROTEIN_MODE_BIAS)]
        size = int(rng.integers(*config.protein_length))
        consensus = "".join(_biased_letters(size, AMINO_ACIDS, favoured, config.composition_bias, rng))
        for member in range(config.proteins_per_clan):
            mutated = _mutate(consensus, config.mutation_rate, AMINO_ACIDS, favoured, config.composition_bias, rng)
            seq = _with_motif(mutated, PROTEIN_MOTIFS[mode % len(PROTEIN_MOTIFS)], rng)
            category = PROTEIN_CATEGORIES[(clan + member) % len(PROTEIN_CATEGORIES)]
            proteins.append((f"NCBI:{500000 + clan * 100 + member}", f"SynP{clan:02d}{member}", seq, mode,
                             f"SYNCLAN{clan:02d}", category))

    rows: list[dict[str, str]] = []

    def add(rna, protein, rna_category=None) -> None:
        species = SPECIES[int(rng.integers(0, len(SPECIES)))]
        strong = EVIDENCE_STRONG[int(rng.integers(0, len(EVIDENCE_STRONG)))]
        weak = EVIDENCE_WEAK[int(rng.integers(0, len(EVIDENCE_WEAK)))]
        predict = EVIDENCE_PREDICT[int(rng.integers(0, len(EVIDENCE_PREDICT)))]
        if strong == weak == predict == "N/A":
            weak = "CLIP-seq"
        score = 0.9 if strong != "N/A" else (0.5 if weak != "N/A" else 0.12)
        rows.append(
            {
                "RNAInterID": f"RPSYN{len(rows) + 1:07d}",
                "Interactor1.Symbol": rna[1],
                "Category1": rna_category or rna[5],
                "Species1": species,
                "Interactor2.Symbol": protein[1],
                "Category2": protein[5],
                "Species2": species,
                "Raw_ID1": rna[0],
                "Raw_ID2": protein[0],
                "score": f"{score + float(rng.random()) * 0.09:.4f}",
                "strong": strong,
                "weak": weak,
                "predict": predict,
            }
        )

    for rna in rnas:
        for protein in proteins:
            if rna[3] == protein[3] and rng.random() < config.interaction_probability:
                add(rna, protein)
    for _ in range(config.mrna_rows):
        rna = rnas[int(rng.integers(0, len(rnas)))]
        mrna = (f"NCBI:{900000 + len(rows)}", f"SYN-MRNA{len(rows)}", rna[2], rna[3], rna[4], "mRNA")
        add(mrna, proteins[int(rng.integers(0, len(proteins)))], rna_category="mRNA")
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]

    sequences = {r[0]: r[2] for r in rnas} | {p[0]: p[2] for p in proteins}
    annotations = [{"raw_id": r[0], "molecule": "rna", "family": r[4], "mode": str(r[3])} for r in rnas]
    annotations += [{"raw_id": p[0], "molecule": "protein", "family": p[4], "mode": str(p[3])} for p in proteins]
    return rows, sequences, annotations


def write_demo_files(folder: str | Path, config: DemoConfig = DemoConfig()) -> DemoFiles:
    """Write ``Download_data_RP.txt``, ``sequences.tsv``, ``rna_families.tsv`` and ``protein_clans.tsv``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows, sequences, annotations = generate(config)
    rnainter = folder / "Download_data_RP.txt"
    with open(rnainter, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, RNAINTER_COLUMNS, delimiter="\t", lineterminator="\n",
                                quoting=csv.QUOTE_NONE)
        writer.writeheader()
        writer.writerows(rows)
    seq_path = folder / "sequences.tsv"
    with open(seq_path, "w", encoding="utf-8", newline="") as handle:
        handle.write("raw_id\tsequence\n")
        handle.writelines(f"{raw_id}\t{seq}\n" for raw_id, seq in sorted(sequences.items()))
    # The true family / clan of every sequence, in the id -> label layout the annotate stage reads.
    fam_path = folder / "rna_families.tsv"
    clan_path = folder / "protein_clans.tsv"
    for path, molecule, column in ((fam_path, "rna", "family"), (clan_path, "protein", "clan")):
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(f"id\t{column}\tbinding_mode\n")
            handle.writelines(f"{a['raw_id']}\t{a['family']}\t{a['mode']}\n" for a in annotations
                              if a["molecule"] == molecule)
    (folder / "SYNTHETIC_DATA.txt").write_text(
        "Everything in this folder is SYNTHETIC demo data generated by `rnainteract demo` with a planted\n"
        "interaction signal. It is not RNAInter data and says nothing about biology.\n",
        encoding="utf-8",
    )
    return DemoFiles(folder, rnainter, seq_path, fam_path, clan_path, len(rows))
