"""Rfam family of each RNA with Infernal ``cmscan`` (Debian package ``infernal``).

The command is the one Rfam recommends for annotating sequences::

    cmscan --rfam --cut_ga --nohmmonly --fmt 2 --clanin Rfam.clanin --tblout out.tbl Rfam.cm seqs.fa

plus ``--toponly`` (an RNA is given in its own orientation; a hit on the reverse complement says nothing
about the family of the molecule). The best hit per RNA is the one with the lowest E-value (then highest
score) among hits not marked as overlapping a better hit of the same clan (``olp`` ``=``). E-values of
``cmscan`` are computed per query sequence, so splitting the input into chunks changes nothing; chunks run
in parallel (``jobs``), each writing its table atomically under ``work_dir`` so an interrupted run resumes
where it stopped.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import atomic_path, write_text_atomic
from rnainteract_builder.contract.tools import require_tool

log = logging.getLogger(__name__)

#: Columns of ``--tblout`` with ``--fmt 2`` (Infernal user guide, "tabular output formats").
TBLOUT_FMT2_COLUMNS = (
    "idx", "target_name", "target_accession", "query_name", "query_accession", "clan_name", "mdl",
    "mdl_from", "mdl_to", "seq_from", "seq_to", "strand", "trunc", "pass", "gc", "bias", "score", "evalue",
    "inc", "olp", "anyidx", "afrct1", "afrct2", "winidx", "wfrct1", "wfrct2", "description",
)  # fmt: skip
PRESSED_SUFFIXES = (".i1m", ".i1i", ".i1f", ".i1p")


@dataclass(frozen=True)
class RfamHit:
    query: str
    accession: str  # e.g. RF00005
    name: str  # e.g. tRNA
    clan: str | None
    evalue: float
    score: float
    strand: str
    olp: str


def parse_tblout(lines: Iterable[str]) -> list[RfamHit]:
    """Parse a ``cmscan --fmt 2 --tblout`` table (comment lines start with ``#``)."""
    hits = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(maxsplit=len(TBLOUT_FMT2_COLUMNS) - 1)
        if len(fields) < len(TBLOUT_FMT2_COLUMNS) - 1:
            raise InputError(
                f"cmscan table line {number}: expected --fmt 2 columns, got {len(fields)} fields"
            )
        row = dict(zip(TBLOUT_FMT2_COLUMNS, fields, strict=False))
        hits.append(
            RfamHit(
                query=row["query_name"],
                accession=row["target_accession"],
                name=row["target_name"],
                clan=None if row["clan_name"] == "-" else row["clan_name"],
                evalue=float(row["evalue"]),
                score=float(row["score"]),
                strand=row["strand"],
                olp=row["olp"],
            )
        )
    return hits


def best_hits(hits: Iterable[RfamHit]) -> dict[str, RfamHit]:
    """Best hit per query: lowest E-value, then highest score, then accession (deterministic ties)."""
    best: dict[str, RfamHit] = {}
    for hit in hits:
        if hit.olp == "=" or hit.strand != "+":
            continue
        current = best.get(hit.query)
        if current is None or (hit.evalue, -hit.score, hit.accession) < (
            current.evalue,
            -current.score,
            current.accession,
        ):
            best[hit.query] = hit
    return best


def check_cm(cm: Path, clanin: Path | None) -> str:
    """The CM must exist and be pressed; returns the cmscan executable."""
    cmscan = require_tool("cmscan")
    if not cm.exists():
        raise InputError(
            f"{cm}: no such covariance model file (get Rfam.cm with `rnainteract fetch-databases`)"
        )
    missing = [s for s in PRESSED_SUFFIXES if not Path(f"{cm}{s}").exists()]
    if missing:
        raise InputError(f"{cm} is not pressed (no {cm.name}{missing[0]}); run `cmpress {cm}`")
    if clanin is not None and not clanin.exists():
        raise InputError(f"{clanin}: no such Rfam.clanin file")
    return cmscan


def _run_chunk(cmscan: str, cm: Path, clanin: Path | None, fasta: Path, table: Path) -> Path:
    if table.exists():
        return table  # done in an earlier run
    with atomic_path(table) as tmp:
        command = [cmscan, "--rfam", "--cut_ga", "--nohmmonly", "--toponly", "--fmt", "2", "--cpu", "1",
                   "--tblout", str(tmp), "-o", os.devnull]  # fmt: skip
        if clanin is not None:
            command += ["--clanin", str(clanin)]
        command += [str(cm), str(fasta)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-4:])
            raise RuntimeError(f"cmscan failed on {fasta.name} (exit {done.returncode}): {tail}")
    return table


def scan_rfam(
    sequences: Mapping[str, str],
    cm: str | Path,
    clanin: str | Path | None = None,
    jobs: int = 1,
    chunk_size: int = 500,
    work_dir: str | Path | None = None,
) -> dict[str, RfamHit]:
    """Best Rfam hit for each RNA that has one (ids without a hit are absent from the result)."""
    cm = Path(cm)
    clanin = Path(clanin) if clanin is not None else None
    cmscan = check_cm(cm, clanin)
    ids = sorted(sequences)
    if not ids:
        return {}
    with tempfile.TemporaryDirectory(prefix="rnainteract-cmscan-") as tmp:
        work = Path(work_dir) if work_dir is not None else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        jobs_list = []
        for start in range(0, len(ids), chunk_size):
            chunk = ids[start : start + chunk_size]
            text = "".join(f">{i}\n{sequences[i]}\n" for i in chunk)
            # The name holds the content hash, so a resumed run never reuses a table of other sequences.
            digest = hashlib.sha256((text + cm.name).encode()).hexdigest()[:16]
            fasta = work / f"chunk-{start // chunk_size:05d}-{digest}.fasta"
            if not fasta.exists():
                write_text_atomic(fasta, text)  # a killed write never leaves a short chunk behind
            jobs_list.append((fasta, fasta.with_suffix(".tbl")))
        tables = []
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_run_chunk, cmscan, cm, clanin, f, t) for f, t in jobs_list]
            for future in tqdm(
                as_completed(futures), total=len(futures), desc="cmscan", unit="chunk", disable=None
            ):
                tables.append(future.result())
        hits: list[RfamHit] = []
        for table in sorted(tables):
            with open(table, encoding="utf-8") as handle:
                hits += parse_tblout(handle)
    return best_hits(hits)
