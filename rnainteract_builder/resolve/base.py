"""The resolver interface: raw RNAInter ids (``DB:ID``) -> sequences, and the chain that routes ids.

A resolver answers for the ids it *handles* (usually by database prefix) and returns only the ids it
found; everything else is reported by the chain with a reason, so no id disappears silently.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.sequences import Molecule

#: Default longest sequence a transcript / isoform choice aims for (the dataset's length cut-off).
DEFAULT_MAX_LENGTH = 1024


class ResolverError(InputError):
    """A resolver that cannot go on (unreachable service after all retries, unreadable source file)."""


@dataclass(frozen=True)
class Resolved:
    """A sequence found for a raw id, with the record it came from (e.g. the chosen RefSeq accession)."""

    raw_id: str
    sequence: str
    accession: str | None
    resolver: str


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
    resolvers: Sequence[Resolver], raw_ids: Iterable[str], molecule: Molecule
) -> tuple[dict[str, Resolved], dict[str, Unresolved]]:
    """Ask the resolvers in order (offline first, as configured); each id goes to the next resolver only
    if the earlier ones did not find it.

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
        found.update(resolver.resolve(mine, molecule))
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
