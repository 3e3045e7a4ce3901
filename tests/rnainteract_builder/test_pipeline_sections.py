"""Config sections: allowed keys and value types come from each stage's Config dataclass."""

from __future__ import annotations

from dataclasses import asdict, fields
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.dataset_stages import STAGES, get_stage
from rnainteract_builder.pipeline.sections import parse_section
from rnainteract_builder.pipeline.stages import ingest, resolve, split


def test_every_stage_has_a_config_whose_defaults_parse() -> None:
    for stage in STAGES:
        assert parse_section(stage.name, stage.config, {}) == stage.config()
        assert parse_section(stage.name, stage.config, None) == stage.config()


@given(
    species=st.none() | st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3),
    min_score=st.none() | st.floats(0, 1),
    evidence=st.sampled_from(["strong", "weak", "any"]),
    drop=st.booleans(),
    threads=st.none() | st.integers(1, 64),
)
def test_ingest_section_round_trips(species, min_score, evidence, drop, threads) -> None:
    section = {"input": "rp.txt", "species": species, "min_score": min_score, "evidence": evidence,
               "drop_prediction_only": drop, "threads": threads}  # fmt: skip
    config = parse_section("ingest", ingest.Config, section)
    assert config.species == (tuple(species) if species else None)
    assert config.input == Path("rp.txt") and config.evidence == evidence and config.threads == threads
    assert parse_section("ingest", ingest.Config, asdict(config)) == config


def test_nested_dataclass_and_lists_are_checked_too() -> None:
    config = parse_section("resolve", resolve.Config, {"sources": [{"kind": "ncbi"}], "retry": {"attempts": 2}})
    assert config.retry.attempts == 2 and config.retry.initial_wait == 1.0
    with pytest.raises(InputError, match=r"resolve\.retry\.attempts must be integer, not 'two'"):
        parse_section("resolve", resolve.Config, {"retry": {"attempts": "two"}})
    with pytest.raises(InputError, match=r"unknown key in 'resolve\.retry': tries \(allowed: attempts,"):
        parse_section("resolve", resolve.Config, {"retry": {"tries": 2}})
    with pytest.raises(InputError, match=r"split\.configs\[1\] must be family \| random \| cold_protein"):
        parse_section("split", split.Config, {"configs": ["family", "clan"]})
    with pytest.raises(InputError, match="must include 'family'"):
        parse_section("split", split.Config, {"configs": ["random"]})


@pytest.mark.parametrize(
    ("stage", "section", "message"),
    [
        ("positives", {"interactor_limit": True}, "positives.interactor_limit must be integer, not True"),
        ("positives", {"seed": 1.5}, "positives.seed must be integer, not 1.5"),
        ("publish", {"version": 1}, "publish.version must be string, not 1"),
        ("embed", {"models": "rnafm"}, "embed.models must be list of mapping, not 'rnafm'"),
        ("embed", {"models": [{"name": "rnafm"}]}, "each entry needs a name and a molecule"),
        ("negatives", ["strategy"], "negatives must be a mapping of keys, not list"),
    ],
)
def test_bad_values_name_stage_and_key(stage: str, section: object, message: str) -> None:
    spec = get_stage(stage)
    with pytest.raises(InputError) as caught:
        parse_section(stage, spec.config, section)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_unknown_key_lists_exactly_the_config_fields() -> None:
    for stage in STAGES:
        with pytest.raises(InputError) as caught:
            parse_section(stage.name, stage.config, {"no_such_key": 1})
        allowed = ", ".join(f.name for f in fields(stage.config))
        assert str(caught.value) == f"unknown key in {stage.name!r}: no_such_key (allowed: {allowed})"
