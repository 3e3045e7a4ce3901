"""The synthetic world of the paper-scale rehearsal: which raw ids exist and what sequence each one has.

Everything is a pure function of an id and a seed, so the RNAInter file (written by DuckDB), the local
miRBase / NONCODE files and the loopback services agree without sharing a table of 900 k sequences.

Id pools (counts of the paper's Table 4, scaled by ``rows / 37,067,587``):

* RNA pool, index ``r``: NCBI RNA genes first (``NCBI:<10,000,000 + r>``), then Ensembl
  (``ENSG``/``ENST``), miRBase mature accessions (``MIMAT``), NONCODE transcripts (``NONHSAT``);
* protein pool, index ``p``: NCBI protein-coding genes (``NCBI:<50,000,000 + p>``), then UniProt.

The first ``hubs`` ids of each pool are interactor hubs (always found, always short enough): they collect
hundreds of pairs each and are removed by the paper's interactor limit (``drop`` at 150).

Per id (seeded hash): found or not (the extraction rate), whether a transcript / isoform fits the
1,024-residue cut-off, and the sequence: half the short ones are mutated copies (75 % identity) of a few thousand
parent sequences (so clustering forms real pseudo-families), a few carry a toy Rfam / Pfam family root (so
cmscan / hmmscan find hits), the rest are random.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

PAPER_ROWS = 37_067_587
#: Unique raw ids per source in the paper's Table 4 (before the extraction rate).
PAPER_IDS = {
    "rna_ncbi": 494_000, "rna_ensembl": 45_000, "rna_mirbase": 11_000, "rna_noncode": 26_000,
    "protein_ncbi": 288_000, "protein_uniprot": 3_000,
}
PAPER_HUBS = 1_000
#: Rows whose RNA and protein both pass the ingest filters, beyond the enumerating hub rows.
PAPER_SPARSE_ROWS = 400_000
#: Sparse rows draw from this many RNAs / proteins (sets the unique sequences of the final dataset).
PAPER_SPARSE_RNAS = 150_000
PAPER_SPARSE_PROTEINS = 80_000

NCBI_RNA_BASE = 10_000_000
NCBI_PROTEIN_BASE = 50_000_000
#: Probability that an id is found / that it has a sequence <= 1024, per source.
FOUND = {"ncbi": 0.93, "ensembl": 0.95, "mirbase": 0.96, "noncode": 0.90, "ncbi_protein": 0.97, "uniprot": 0.95}
FITS = {"ncbi": 0.40, "ensembl": 0.45, "mirbase": 1.0, "noncode": 0.50, "ncbi_protein": 0.85, "uniprot": 0.85}
RNA_LETTERS, PROTEIN_LETTERS = "ACGU", "ACDEFGHIKLMNPQRSTVWY"


@dataclass(eq=False)  # hashable by identity: parent() keeps a per-world cache
class World:
    rows: int
    seed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    hubs: int = 0
    sparse_rows: int = 0
    sparse_rnas: int = 0
    sparse_proteins: int = 0
    parents: int = 0
    #: Toy database family roots: {"rfam": {accession: root}, "pfam": {accession: root}}
    roots: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def scaled(cls, rows: int, seed: int = 0) -> World:
        scale = rows / PAPER_ROWS

        def n(value: int) -> int:
            return max(1, round(value * scale))

        return cls(rows=rows, seed=seed, counts={k: n(v) for k, v in PAPER_IDS.items()}, hubs=n(PAPER_HUBS),
                   sparse_rows=n(PAPER_SPARSE_ROWS), sparse_rnas=n(PAPER_SPARSE_RNAS),
                   sparse_proteins=n(PAPER_SPARSE_PROTEINS), parents=max(20, n(8_000)))

    # -------------------------------------------------------------------- pools
    @property
    def n_rna(self) -> int:
        c = self.counts
        return c["rna_ncbi"] + c["rna_ensembl"] + c["rna_mirbase"] + c["rna_noncode"]

    @property
    def n_protein(self) -> int:
        return self.counts["protein_ncbi"] + self.counts["protein_uniprot"]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> World:
        return cls(**json.loads(Path(path).read_text()))

    # -------------------------------------------------------------------- per-id facts
    def _u(self, *parts: object) -> float:
        digest = hashlib.blake2b(":".join(map(str, (self.seed, *parts))).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") / 2**64

    def _seed(self, *parts: object) -> int:
        return int(self._u(*parts) * 2**62)

    def found(self, source: str, key: str, hub: bool) -> bool:
        return hub or self._u("found", source, key) < FOUND[source]

    @lru_cache(maxsize=1 << 20)  # noqa: B019 - elink, esummary and efetch ask for the same genes in turn
    def isoform_lengths(self, source: str, key: str, hub: bool, n_max: int = 3) -> list[int]:
        """Lengths of the transcripts / isoforms: one fits (<= 1024) with probability FITS[source]."""
        rng = random.Random(self._seed("lengths", source, key))
        count = 1 + rng.randrange(n_max)
        protein = source in ("ncbi_protein", "uniprot")
        fits = hub or rng.random() < FITS[source]
        lengths = [rng.randint(1025, 2400 if protein else 3000) for _ in range(count)]
        if fits:
            lengths[rng.randrange(count)] = rng.randint(60, 1024) if protein else rng.randint(50, 1024)
        return lengths

    @lru_cache(maxsize=20_000)  # noqa: B019 - a bounded cache of parent sequences, lives as long as the world
    def parent(self, molecule: str, index: int) -> np.ndarray:
        rng = np.random.default_rng(self._seed("parent", molecule, index))
        letters = _LETTERS[molecule]
        return letters[rng.integers(0, len(letters), 1024)]

    def sequence(self, molecule: str, key: str, length: int, short: bool) -> str:
        """The sequence of one transcript / isoform (``short``: the one that fits the cut-off)."""
        seed = self._seed("seq", molecule, key, length)
        rng = np.random.default_rng(seed)
        letters = _LETTERS[molecule]
        kind = (seed % 10_000) / 10_000
        roots = sorted((self.roots.get("rfam" if molecule == "rna" else "pfam") or {}).values())
        if short and roots and kind < 0.04:
            core = _mutate(rng, np.frombuffer(roots[seed % len(roots)].encode(), np.uint8), 0.06, letters)
            flank = max(0, length - len(core))
            left = int(rng.integers(0, flank + 1))
            return (letters[rng.integers(0, len(letters), left)].tobytes() + core.tobytes()
                    + letters[rng.integers(0, len(letters), flank - left)].tobytes()).decode()
        if short and kind < 0.55:
            # Sequences of nearly the same length (within 8) share one of a few parents: mmseqs' coverage
            # threshold then lets them cluster into pseudo-families of a few members each.
            per_bucket = max(1, self.parents // 128)
            parent = self.parent(molecule, (length // 8) * per_bucket + seed % per_bucket)
            return _mutate(rng, parent[:length], 0.25, letters).tobytes().decode()
        return letters[rng.integers(0, len(letters), length)].tobytes().decode()


_LETTERS = {m: np.frombuffer(s.encode(), np.uint8) for m, s in (("rna", RNA_LETTERS), ("protein", PROTEIN_LETTERS))}


def _mutate(rng: np.random.Generator, seq: np.ndarray, rate: float, letters: np.ndarray) -> np.ndarray:
    out = seq.copy()
    where = rng.random(len(out)) < rate
    out[where] = letters[rng.integers(0, len(letters), int(where.sum()))]
    return out


def rna_raw_id(world: World, r: int) -> str:
    """The raw id of RNA pool index ``r`` (the same rule as the SQL of :mod:`.rnainter_file`)."""
    c = world.counts
    if r < c["rna_ncbi"]:
        return f"NCBI:{NCBI_RNA_BASE + r}"
    r -= c["rna_ncbi"]
    if r < c["rna_ensembl"]:
        return f"Ensembl:ENS{'T' if r % 3 == 0 else 'G'}{r:011d}"
    r -= c["rna_ensembl"]
    if r < c["rna_mirbase"]:
        return f"miRBase:MIMAT{r:07d}"
    r -= c["rna_mirbase"]
    return f"NONCODE:NONHSAT{r:06d}.1"


def protein_raw_id(world: World, p: int) -> str:
    if p < world.counts["protein_ncbi"]:
        return f"NCBI:{NCBI_PROTEIN_BASE + p}"
    return f"UniProt:Q{p - world.counts['protein_ncbi']:05d}"
