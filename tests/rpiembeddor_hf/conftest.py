"""Fixtures of the RPIembeddor training / data / evaluation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.toy_data import make_split_folder


@pytest.fixture
def toy_data(tmp_path: Path) -> Path:
    """Folder with split/{train,validation,test}.parquet, split/*_sequences.parquet and two embedding files."""
    make_split_folder(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run fastest single-threaded on a shared CPU; restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
