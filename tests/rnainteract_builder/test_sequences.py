from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnainteract_builder.contract.sequences import (
    PROTEIN_CANONICAL,
    RNA_CANONICAL,
    SequenceError,
    SequenceErrorKind,
    normalise,
    sequence_id,
)


def test_rna_normalisation_strips_whitespace_uppercases_and_converts_t():
    assert normalise(" acgt\nTTu \t", "rna").sequence == "ACGUUUU"


def test_protein_keeps_letters_and_drops_trailing_stop():
    assert normalise("mkv lt*\n", "protein").sequence == "MKVLT"


@pytest.mark.parametrize(
    ("seq", "molecule", "message"),
    [
        ("ACGNU", "rna", "rna r1: non-standard letter 'N' at position 4 (letter policy 'reject'; use 'replace' to map it to 'N')"),
        ("ACIGU", "rna", "rna r1: non-standard letter 'I' at position 3 (letter policy 'reject'; use 'replace' to map it to 'N')"),
        ("GCACCAFC", "rna", "rna r1: non-standard letter 'F' at position 7 (letter policy 'reject'; use 'replace' to map it to 'N')"),
        ("MKXL", "protein", "protein r1: non-standard letter 'X' at position 3 (letter policy 'reject'; use 'replace' to map it to 'X')"),
        ("MKBZ", "protein", "protein r1: non-standard letter 'B' at position 3 (letter policy 'reject'; use 'replace' to map it to 'X')"),
        ("MUO", "protein", "protein r1: non-standard letter 'U' at position 2 (letter policy 'reject'; use 'replace' to map it to 'X')"),
    ],
)
def test_reject_policy_names_id_position_and_letter(seq, molecule, message):
    with pytest.raises(SequenceError) as info:
        normalise(seq, molecule, "r1", policy="reject")
    assert str(info.value) == message
    assert info.value.kind is SequenceErrorKind.NONSTANDARD_LETTER


def test_replace_policy_maps_to_unknown_symbol_and_counts():
    rna = normalise("ACINFX", "rna", policy="replace")
    assert rna.sequence == "ACNNNN"
    assert dict(rna.replaced) == {"I": 1, "F": 1, "X": 1}
    protein = normalise("MBZUOXJ", "protein", policy="replace")
    assert protein.sequence == "MXXXXXX"
    assert protein.warnings == ["replaced 1x 'B'", "replaced 1x 'J'", "replaced 1x 'O'", "replaced 1x 'U'", "replaced 1x 'Z'"]


@pytest.mark.parametrize(
    ("seq", "message"),
    [
        ("AC-GU", "rna x: invalid character '-' at position 3"),
        ("AC1GU", "rna x: invalid character '1' at position 3"),
        ("ACGU.", "rna x: invalid character '.' at position 5"),
    ],
)
def test_non_letters_are_always_errors(seq, message):
    for policy in ("reject", "replace"):
        with pytest.raises(SequenceError) as info:
            normalise(seq, "rna", "x", policy=policy)
        assert str(info.value) == message
        assert info.value.kind is SequenceErrorKind.INVALID_CHARACTER


def test_empty_and_too_long():
    with pytest.raises(SequenceError, match=r"^protein p9: empty sequence$"):
        normalise(" \n", "protein", "p9")
    with pytest.raises(SequenceError, match=r"^rna r2: length 5 exceeds the limit of 4$") as info:
        normalise("ACGUA", "rna", "r2", max_length=4)
    assert info.value.kind is SequenceErrorKind.TOO_LONG


def test_bad_arguments():
    with pytest.raises(ValueError, match="molecule"):
        normalise("ACGU", "dna")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="letter policy"):
        normalise("ACGU", "rna", policy="drop")  # type: ignore[arg-type]


def test_sequence_id_is_a_fixed_content_hash():
    # SHA-256("ACGU") starts with these hex digits: the id must never change between runs or versions.
    assert sequence_id("ACGU", "rna") == "rna-a3c532aca6cd82dd0949dc25"
    assert sequence_id("ACG", "protein").startswith("prot-")
    assert sequence_id("ACG", "rna")[4:] == sequence_id("ACG", "protein")[5:]
    assert len(sequence_id("ACGU", "rna")) == 4 + 24


rna_text = st.text(alphabet="acgtuACGTU \n\t", min_size=1).filter(lambda s: s.strip())
protein_text = st.text(alphabet="".join(sorted(PROTEIN_CANONICAL)) + "acdefghik \n", min_size=1).filter(
    lambda s: s.strip()
)


@given(rna_text)
def test_normalise_then_hash_is_stable_and_idempotent(raw):
    once = normalise(raw, "rna").sequence
    assert set(once) <= RNA_CANONICAL
    assert normalise(once, "rna").sequence == once
    assert sequence_id(once, "rna") == sequence_id(normalise(raw.lower(), "rna").sequence, "rna")


@given(protein_text)
def test_protein_normalise_is_idempotent(raw):
    once = normalise(raw, "protein").sequence
    assert normalise(once, "protein").sequence == once
    assert sequence_id(once, "protein") == sequence_id(normalise(" ".join(raw), "protein").sequence, "protein")


def test_silent_changes_are_counted():
    rna = normalise("acgT TNu\n", "rna", policy="replace")
    assert (rna.sequence, rna.t_to_u, rna.lowercase, rna.unknown_kept) == ("ACGUUNU", 2, 4, 1)
    assert rna.changed and rna.warnings == []  # warnings stay about replaced letters only
    protein = normalise("MKVbX*", "protein", policy="replace")
    assert (protein.sequence, protein.lowercase, protein.unknown_kept, protein.stop_removed) == ("MKVXX", 1, 1, True)
    assert dict(protein.replaced) == {"B": 1}
    assert not normalise("AC GU", "rna").changed  # whitespace alone is not a change


@given(rna_text)
def test_rna_counts_match_the_input(raw):
    result = normalise(raw, "rna")
    letters = "".join(raw.split())
    assert result.t_to_u == letters.upper().count("T")
    assert result.lowercase == sum(c.islower() for c in letters)
    assert result.changed == (letters != result.sequence)
