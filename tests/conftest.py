"""Shared fixtures: where the read-only benchmark data lives, and a skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The public benchmark sets sit in ``shared/data`` beside the repository (override with RNAINTERACT_SHARED_DATA).
SHARED_DATA = Path(os.environ.get("RNAINTERACT_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"benchmark data folder {SHARED_DATA} is absent (it sits beside the repository in CI)")
    return SHARED_DATA
