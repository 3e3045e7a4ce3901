"""Shared fixtures: where the read-only benchmark data lives, and a skip when it is absent; a missing external
tool (Infernal, HMMER, MMseqs2, CD-HIT) skips the test that needs it with the install command as the reason,
unless RNAINTERACT_REQUIRE_TOOLS=1 (CI sets it) turns such a skip into a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnainteract_builder.contract.tools import MissingToolError

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The public benchmark sets sit in ``shared/data`` beside the repository (override with RNAINTERACT_SHARED_DATA).
SHARED_DATA = Path(os.environ.get("RNAINTERACT_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"benchmark data folder {SHARED_DATA} is absent (it sits beside the repository in CI)")
    return SHARED_DATA


#: CI sets this so that a missing tool fails the run instead of silently skipping tests.
REQUIRE_TOOLS = os.environ.get("RNAINTERACT_REQUIRE_TOOLS", "") not in ("", "0")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that stops on :class:`MissingToolError` is skipped with its one-line reason (or fails in CI)."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or REQUIRE_TOOLS or not call.excinfo.errisinstance(MissingToolError):
        return
    report.outcome = "skipped"
    report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
