"""Pfam clan of each protein with pyhmmer ``hmmscan`` against Pfam-A.hmm (DESIGN §3 step 4).

Hits are thresholded with Pfam's own gathering cutoffs (``--cut_ga``, ``bit_cutoffs="gathering"``), the
way Pfam annotates UniProt. The clan of a protein is the clan of its best-scoring hit *that has a clan*
in ``Pfam-A.clans.tsv``; a protein whose hits all lie outside every clan gets the accession of its best
family (a family without a clan is its own clan), so it still joins the proteins of that family.

A pressed database (``hmmpress``: ``.h3m/.h3i/.h3f/.h3p``) is read from disk profile by profile; an
unpressed ``.hmm`` is loaded whole (fine for small databases and tests).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from rnainteract_builder.contract.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PfamClan:
    accession: str  # clan accession, e.g. CL0023
    name: str | None  # clan id, e.g. P-loop_NTPase


@dataclass(frozen=True)
class PfamHit:
    query: str
    clan: str  # clan accession, or the family accession for a family without a clan
    clan_name: str | None
    family: str  # Pfam accession (version stripped), e.g. PF00004
    family_name: str
    evalue: float
    score: float


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else value


def strip_version(accession: str) -> str:
    return accession.split(".", 1)[0]


def read_clans(path: str | Path) -> dict[str, PfamClan | None]:
    """``Pfam-A.clans.tsv``: family accession -> clan (None for families outside every clan)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such Pfam-A.clans.tsv (get it with `rnainteract fetch-databases`)")
    clans: dict[str, PfamClan | None] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2 or not fields[0].startswith("PF"):
                raise InputError(f"{path}: line {number} is not 'Pfam accession<TAB>clan accession<TAB>...'")
            clan = fields[1].strip()
            clans[strip_version(fields[0])] = PfamClan(clan, fields[2].strip() or None) if clan else None
    return clans


def _profiles(path: Path):  # noqa: ANN202 - pyhmmer's database object
    from pyhmmer.plan7 import HMMFile

    if not path.exists():
        raise InputError(f"{path}: no such HMM database (get Pfam-A.hmm with `rnainteract fetch-databases`)")
    try:
        hmm_file = HMMFile(path)
    except (ValueError, OSError, EOFError) as err:
        raise InputError(f"{path}: not a readable HMMER3 profile file ({err})") from err
    if hmm_file.is_pressed():
        return hmm_file.optimized_profiles()
    with hmm_file:
        return list(hmm_file)


def best_clan(
    hits: list[tuple[str, str, float, float]], clans: Mapping[str, PfamClan | None]
) -> tuple[str, str | None, str, str, float, float] | None:
    """From (family accession, family name, score, E-value) hits, the clan assignment (see module doc)."""
    if not hits:
        return None
    ranked = sorted(hits, key=lambda h: (-h[2], h[3], h[0]))
    for family, name, score, evalue in ranked:
        clan = clans.get(family)
        if clan is not None:
            return clan.accession, clan.name, family, name, evalue, score
    family, name, score, evalue = ranked[0]
    return family, name, family, name, evalue, score


def scan_pfam(
    sequences: Mapping[str, str],
    hmm: str | Path,
    clans_tsv: str | Path,
    cpus: int = 1,
    cutoff: Literal["gathering", "evalue"] = "gathering",
    evalue: float = 1e-5,
) -> dict[str, PfamHit]:
    """Clan of every protein with a hit (proteins without one are absent from the result)."""
    import pyhmmer
    from pyhmmer.easel import Alphabet, TextSequence

    clans = read_clans(clans_tsv)
    profiles = _profiles(Path(hmm))
    alphabet = Alphabet.amino()
    ids = sorted(sequences)
    queries = [TextSequence(name=str(i).encode(), sequence=sequences[i]).digitize(alphabet) for i in ids]
    options: dict[str, object] = {"bit_cutoffs": "gathering"} if cutoff == "gathering" else {"E": evalue}
    out: dict[str, PfamHit] = {}
    progress = tqdm(total=len(queries), desc="hmmscan", unit="protein", disable=None)
    try:
        for top_hits in pyhmmer.hmmer.hmmscan(queries, profiles, cpus=cpus, **options):
            progress.update(1)
            query = _text(top_hits.query.name)
            hits = [
                (
                    strip_version(_text(h.accession) or _text(h.name)),
                    _text(h.name),
                    float(h.score),
                    float(h.evalue),
                )
                for h in top_hits
                if h.included
            ]
            chosen = best_clan(hits, clans)
            if chosen is not None:
                out[query] = PfamHit(query, *chosen)
    except ValueError as err:  # e.g. a profile without gathering cutoffs
        raise InputError(f"{hmm}: hmmscan failed ({err})") from err
    finally:
        progress.close()
    return out
