"""The resolver interface: raw RNAInter ids (``DB:ID``) -> sequences, and the chain that routes ids.

A resolver answers for the ids it *handles* (usually by database prefix) and returns only the ids it
found; everything else is reported by the chain with a reason, so no id disappears silently.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import PROTEIN_CANONICAL, RNA_CANONICAL, Molecule

#: Default longest sequence a transcript / isoform choice aims for (the dataset's length cut-off).
DEFAULT_MAX_LENGTH = 1024


class ResolverError(InputError):
    """A resolver that cannot go on (unreachable service after all retries, unreadable source file)."""


@dataclass(frozen=True)
class Resolved:
    """A sequence found for a raw id, with the record it came from (e.g. the chosen RefSeq accession).

    ``sequence`` is ``None`` when it is longer than the length cut-off whatever the letter policy (see
    :func:`without_long_sequence`); ``length`` then keeps its normalised length, so the drop is still
    counted by reason downstream without holding the letters in memory.
    """

    raw_id: str
    sequence: str | None
    accession: str | None
    resolver: str
    length: int | None = None


_WHITESPACE = re.compile(r"\s+")
_CANONICAL: dict[str, frozenset[str]] = {"rna": RNA_CANONICAL, "protein": PROTEIN_CANONICAL}


def too_long_length(sequence: str, molecule: Molecule, max_length: int | None) -> int | None:
    """The normalised length of ``sequence`` when the positives stage will drop it as too long under any
    letter policy (only canonical letters, so no letter error comes first), else ``None``.

    Mirrors :func:`rnainteract_builder.contract.sequences.normalise`: whitespace removed, upper case, T->U
    for RNA, a protein's final ``*`` removed. Cheap for the common case (a short sequence is never copied).
    """
    if max_length is None or len(sequence) <= max_length:
        return None
    letters = _WHITESPACE.sub("", sequence).upper()
    if molecule == "rna":
        letters = letters.replace("T", "U")
    elif letters.endswith("*"):
        letters = letters[:-1]
    if len(letters) <= max_length or not _CANONICAL[molecule].issuperset(letters):
        return None
    return len(letters)


def without_long_sequence(resolved: Resolved, molecule: Molecule, max_length: int | None) -> Resolved:
    """``resolved`` without its letters when they are too long to be used (see :func:`too_long_length`)."""
    if resolved.sequence is None:
        return resolved
    length = too_long_length(resolved.sequence, molecule, max_length)
    return resolved if length is None else replace(resolved, sequence=None, length=length)


def shorten_all(found: Mapping[str, Resolved], molecule: Molecule, max_length: int | None) -> dict[str, Resolved]:
    return {raw_id: without_long_sequence(hit, molecule, max_length) for raw_id, hit in found.items()}


@dataclass(frozen=True)
class Candidate:
    """One transcript / isoform of a gene-level id."""

    accession: str
    length: int


_PREDICTED = re.compile(r"^X[MRP]_")


def choose_isoform(candidates: Iterable[Candidate], max_length: int | None) -> Candidate | None:
    """Pick one transcript / isoform for a gene-level id (the documented rule).

    1. Among candidates no longer than ``max_length`` take the **longest** (the most complete product that
       the dataset can still use);
    2. ties: curated RefSeq records (``NM_``/``NR_``/``NP_``) before predicted ones (``XM_``/``XR_``/``XP_``),
       then the alphabetically smallest accession, so the choice never depends on the order of a response;
    3. if none fits, the **shortest** candidate (same tie rule): it is later dropped as ``too_long`` and
       counted, instead of vanishing as "not found".
    """
    pool = list(candidates)
    if not pool:
        return None

    def tie(c: Candidate) -> tuple[bool, str]:
        return (bool(_PREDICTED.match(c.accession)), c.accession)

    fitting = [c for c in pool if max_length is None or c.length <= max_length]
    if fitting:
        return min(fitting, key=lambda c: (-c.length, *tie(c)))
    return min(pool, key=lambda c: (c.length, *tie(c)))


def split_raw_id(raw_id: str) -> tuple[str, str]:
    """``"NCBI:69889"`` -> ``("NCBI", "69889")``; an id without a prefix gets the database ``""``."""
    database, sep, key = raw_id.partition(":")
    return (database, key) if sep else ("", raw_id)


class Resolver(ABC):
    """Maps raw ids to sequences. Subclasses set :attr:`name` and :attr:`prefixes` (case-insensitive)."""

    name: str = "resolver"
    #: Database prefixes this resolver answers for; empty = every id (offline tables keyed by raw id).
    prefixes: tuple[str, ...] = ()

    def handles(self, raw_id: str) -> bool:
        if not self.prefixes:
            return True
        database = split_raw_id(raw_id)[0].lower()
        return any(database == p.lower() for p in self.prefixes)

    @abstractmethod
    def resolve(self, raw_ids: Sequence[str], molecule: Molecule) -> dict[str, Resolved]:
        """Return ``{raw_id: Resolved}`` for the ids found (a subset of ``raw_ids``)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files / sessions."""


@dataclass(frozen=True)
class Unresolved:
    raw_id: str
    reason: str


def resolve_all(
    resolvers: Sequence[Resolver], raw_ids: Iterable[str], molecule: Molecule, max_length: int | None = None
) -> tuple[dict[str, Resolved], dict[str, Unresolved]]:
    """Ask the resolvers in order (offline first, as configured); each id goes to the next resolver only
    if the earlier ones did not find it. Sequences too long for ``max_length`` keep only their length
    (:func:`without_long_sequence`): at paper scale most NCBI genes have only transcripts over 1,024 nt.

    Unresolved reasons: ``no resolver for database <DB>`` or ``not found (<resolver names>)``.
    """
    pending = sorted(set(raw_ids))
    found: dict[str, Resolved] = {}
    asked: dict[str, list[str]] = {raw_id: [] for raw_id in pending}
    for resolver in resolvers:
        mine = [raw_id for raw_id in pending if resolver.handles(raw_id)]
        if not mine:
            continue
        for raw_id in mine:
            asked[raw_id].append(resolver.name)
        found.update(shorten_all(resolver.resolve(mine, molecule), molecule, max_length))
        pending = [raw_id for raw_id in pending if raw_id not in found]
    missing: dict[str, Unresolved] = {}
    for raw_id in pending:
        names = asked[raw_id]
        if names:
            reason = f"not found ({', '.join(names)})"
        else:
            reason = f"no resolver for database {split_raw_id(raw_id)[0] or '(none)'}"
        missing[raw_id] = Unresolved(raw_id, reason)
    return found, missing
