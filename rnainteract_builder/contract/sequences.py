"""Sequence normalisation, alphabets, letter policy and content-hash ids.

Every sequence that enters the dataset passes through :func:`normalise`. Its id is the content hash of
the *normalised* sequence (:func:`sequence_id`), so the same RNA or protein gets the same id in every
config, split and version, and embeddings join by id.

Letter policy (why it exists): real benchmark sets contain letters outside the canonical alphabets
(IUPAC ``N``, ``X``, inosine ``I``, the ``F`` of a modified base in RPI369, ``B``/``Z``/``U``/``O`` in
proteins). The caller chooses what to do with them:

* ``reject``  - raise :class:`SequenceError` naming the id, the 1-based position and the letter;
* ``replace`` - replace every non-canonical letter by the molecule's unknown symbol (``N`` for RNA,
  ``X`` for protein), which both RNA-FM and ESM-2 have in their vocabularies, and report what was replaced.

Characters that are not letters at all (digits, ``-``, ``.``, ``*`` inside a protein ...) are always an
error: they mean a broken file, not an unusual residue.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from rnainteract_builder.contract.errors import InputError

Molecule = Literal["rna", "protein"]
LetterPolicy = Literal["reject", "replace"]

#: Canonical letters: what RNA-FM and ESM-2 were trained on.
RNA_CANONICAL = frozenset("ACGU")
PROTEIN_CANONICAL = frozenset("ACDEFGHIKLMNPQRSTVWY")

#: Non-canonical letters we know the meaning of (documentation and reports; every other letter is unknown).
RNA_NONSTANDARD = {
    "N": "any base (IUPAC)",
    "R": "A/G (IUPAC)",
    "Y": "C/U (IUPAC)",
    "K": "G/U (IUPAC)",
    "M": "A/C (IUPAC)",
    "S": "C/G (IUPAC)",
    "W": "A/U (IUPAC)",
    "B": "not A (IUPAC)",
    "D": "not C (IUPAC)",
    "H": "not G (IUPAC)",
    "V": "not U (IUPAC)",
    "I": "inosine",
    "X": "unknown",
}
PROTEIN_NONSTANDARD = {
    "X": "any amino acid",
    "B": "D or N",
    "Z": "E or Q",
    "J": "I or L",
    "U": "selenocysteine",
    "O": "pyrrolysine",
}

UNKNOWN_SYMBOL: dict[Molecule, str] = {"rna": "N", "protein": "X"}
_CANONICAL: dict[Molecule, frozenset[str]] = {"rna": RNA_CANONICAL, "protein": PROTEIN_CANONICAL}
_WHITESPACE = re.compile(r"\s+")
_ID_PREFIX: dict[Molecule, str] = {"rna": "rna", "protein": "prot"}
#: Hex digits of SHA-256 kept in an id: 96 bits, so collisions are negligible at 10^8 sequences.
ID_HEX_DIGITS = 24


class SequenceErrorKind(str, Enum):
    """Why a sequence was refused; the value doubles as the drop reason in build reports."""

    EMPTY = "empty_sequence"
    INVALID_CHARACTER = "invalid_character"
    NONSTANDARD_LETTER = "nonstandard_letter"
    TOO_LONG = "too_long"


class SequenceError(InputError):
    """A sequence that cannot be used; the message names the id, and the position and letter if any."""

    def __init__(
        self,
        kind: SequenceErrorKind,
        seq_id: str,
        message: str,
        position: int | None = None,
        letter: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.seq_id = seq_id
        self.position = position
        self.letter = letter


@dataclass(frozen=True)
class NormalisedSequence:
    """A normalised sequence and what normalisation had to change to get there.

    Besides the replaced letters, the silent changes are counted too (T read as U, lower case raised, a stop
    codon removed), so an importer can report them instead of hiding them.
    """

    sequence: str
    replaced: Counter[str] = field(default_factory=Counter)
    t_to_u: int = 0
    lowercase: int = 0
    unknown_kept: int = 0
    stop_removed: bool = False

    @property
    def warnings(self) -> list[str]:
        return [f"replaced {n}x {letter!r}" for letter, n in sorted(self.replaced.items())]

    @property
    def changed(self) -> bool:
        """True when the normalised sequence is not the input with only whitespace removed."""
        return bool(self.replaced or self.t_to_u or self.lowercase or self.stop_removed)


def _describe(letter: str) -> str:
    return repr(letter) if letter.isprintable() else f"U+{ord(letter):04X}"


def _apply_letter_policy(seq: str, molecule: Molecule, seq_id: str, policy: LetterPolicy) -> tuple[str, Counter[str]]:
    """Map non-canonical letters to the unknown symbol (or refuse them); non-letters are always refused."""
    canonical = _CANONICAL[molecule]
    replaced: Counter[str] = Counter()
    if canonical.issuperset(seq):
        return seq, replaced
    unknown = UNKNOWN_SYMBOL[molecule]
    out = []
    for pos, letter in enumerate(seq, start=1):
        if letter in canonical:
            out.append(letter)
            continue
        if not ("A" <= letter <= "Z"):
            raise SequenceError(
                SequenceErrorKind.INVALID_CHARACTER,
                seq_id,
                f"{molecule} {seq_id}: invalid character {_describe(letter)} at position {pos}",
                pos,
                letter,
            )
        if policy == "reject":
            raise SequenceError(
                SequenceErrorKind.NONSTANDARD_LETTER,
                seq_id,
                f"{molecule} {seq_id}: non-standard letter {letter!r} at position {pos} "
                f"(letter policy 'reject'; use 'replace' to map it to {unknown!r})",
                pos,
                letter,
            )
        if letter != unknown:  # N in RNA / X in protein is kept as it is, not a replacement
            replaced[letter] += 1
        out.append(unknown)
    return "".join(out), replaced


def normalise(
    sequence: str,
    molecule: Molecule,
    seq_id: str = "<unnamed>",
    policy: LetterPolicy = "reject",
    max_length: int | None = None,
) -> NormalisedSequence:
    """Normalise one sequence: strip whitespace, upper-case, T->U for RNA, apply the letter policy.

    A trailing ``*`` (stop codon) on a protein is removed. ``max_length`` (if given) is checked on the
    normalised sequence, since that is what a model sees. What was changed is counted on the result.

    >>> result = normalise(" acgt uuN\\n", "rna", policy="replace")
    >>> result.sequence, result.t_to_u, result.lowercase
    ('ACGUUUN', 1, 6)
    """
    if molecule not in _CANONICAL:
        raise ValueError(f"molecule must be 'rna' or 'protein', not {molecule!r}")
    if policy not in ("reject", "replace"):
        raise ValueError(f"letter policy must be 'reject' or 'replace', not {policy!r}")
    stripped = _WHITESPACE.sub("", sequence)
    seq = stripped.upper()
    lowercase = 0 if seq == stripped else sum(map(str.islower, stripped))
    t_to_u = 0
    stop_removed = False
    if molecule == "rna":
        t_to_u = seq.count("T")
        seq = seq.replace("T", "U")
    elif seq.endswith("*"):
        seq = seq[:-1]
        stop_removed = True
    if not seq:
        raise SequenceError(SequenceErrorKind.EMPTY, seq_id, f"{molecule} {seq_id}: empty sequence")

    seq, replaced = _apply_letter_policy(seq, molecule, seq_id, policy)
    unknown_kept = seq.count(UNKNOWN_SYMBOL[molecule]) - sum(replaced.values())

    if max_length is not None and len(seq) > max_length:
        raise SequenceError(
            SequenceErrorKind.TOO_LONG,
            seq_id,
            f"{molecule} {seq_id}: length {len(seq)} exceeds the limit of {max_length}",
        )
    return NormalisedSequence(seq, replaced, t_to_u, lowercase, unknown_kept, stop_removed)


def sequence_id(normalised_sequence: str, molecule: Molecule) -> str:
    """Content-hash id of a *normalised* sequence, e.g. ``rna-9f86d081884c7d659a2feaa0``.

    The molecule is part of the prefix (``rna-`` / ``prot-``) because the same letters can be read as RNA
    or protein (``ACG``); the hash itself is SHA-256 over the UTF-8 bytes of the sequence alone, so it
    never depends on the run, the platform or the Python version.

    >>> sequence_id("ACGU", "rna"), sequence_id("ACGU", "protein")
    ('rna-a3c532aca6cd82dd0949dc25', 'prot-a3c532aca6cd82dd0949dc25')
    """
    digest = hashlib.sha256(normalised_sequence.encode("ascii")).hexdigest()[:ID_HEX_DIGITS]
    return f"{_ID_PREFIX[molecule]}-{digest}"
