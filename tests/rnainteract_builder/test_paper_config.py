"""The shipped paper config is valid for the pipeline (every section and key known to its stage)."""

from __future__ import annotations

from importlib.resources import files

from rnainteract_builder.build import STAGES, load_config, validate_config


def test_paper_config_names_every_stage_and_only_known_keys():
    path = files("rnainteract_builder") / "configs" / "paper.yaml"
    config, _ = load_config(str(path))
    validate_config(config)
    assert [s.name for s in STAGES if s.name in config] == [s.name for s in STAGES]
    assert config["positives"]["interactor_limit_mode"] == "drop"
    assert config["embed"]["length_policy"] == "reject"
