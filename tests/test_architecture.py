"""The import-linter contracts in pyproject.toml name every builder module outside the published contract."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import tomllib

import rnainteract_builder

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_forbidden_lists_cover_every_builder_module_outside_the_contract():
    modules = {f"rnainteract_builder.{m.name}" for m in pkgutil.iter_modules(rnainteract_builder.__path__)}
    outside = modules - {"rnainteract_builder.contract"}
    for contract in _contracts():
        if contract["type"] == "forbidden" and "rnainteract_builder.build" in contract["forbidden_modules"]:
            assert outside <= set(contract["forbidden_modules"]), contract["name"]


def test_no_module_is_longer_than_500_lines():
    too_long = {
        str(path.relative_to(ROOT)): n
        for package in ("rnainteract_builder", "rpiembeddor_hf", "dataset_card", "scripts")
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not too_long
