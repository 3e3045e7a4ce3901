"""Checkpoints of a training run: the best model by a validation metric and the resumable Accelerate state.

Both are folders written under a temporary name and swapped in with renames, so a job killed while saving
leaves the previous folder intact:

* ``model/``: the best checkpoint so far (``save_pretrained``: config, safetensors weights, remote code);
* ``checkpoint/``: the latest ``accelerator.save_state`` (weights, optimizer, scheduler, RNG, sampler) plus
  ``trainer_state.json`` (:class:`TrainerState`), which ``resume`` continues from.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import temporary_path, write_text_atomic

CHECKPOINT_DIR = "checkpoint"
MODEL_DIR = "model"
TRAINER_STATE = "trainer_state.json"


def jsonable(value: Any) -> Any:
    """``value`` with paths as strings (dataclass dumps hold ``Path`` objects)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: Path, value: Any) -> None:
    """Indented JSON, written atomically."""
    write_text_atomic(path, json.dumps(jsonable(value), indent=2) + "\n")


def swap_folder(folder: Path, fill: Callable[[Path], None]) -> None:
    """Build a folder under a temporary name with ``fill`` and swap it in place of ``folder``."""
    tmp = temporary_path(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    fill(tmp)
    _swap_in(tmp, folder)


def _swap_in(tmp: Path, folder: Path) -> None:
    old = folder.with_name(f".{folder.name}.old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def save_model(model: Any, folder: Path) -> None:
    """``save_pretrained`` into ``folder`` atomically (main process only)."""
    swap_folder(folder, model.save_pretrained)


@dataclass
class TrainerState:
    """What ``resume`` needs beyond the Accelerate state: progress, the best epoch so far, the history."""

    epochs_done: int = 0
    best_epoch: int = 0
    best_value: float | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def improves(self, value: float) -> bool:
        """Whether ``value`` (larger is better) beats the best so far (the first one always does)."""
        return self.best_value is None or value > self.best_value

    @classmethod
    def load(cls, checkpoint: Path) -> TrainerState:
        return cls(**json.loads((checkpoint / TRAINER_STATE).read_text()))


def check_resumable(checkpoint: Path) -> None:
    if not (checkpoint / TRAINER_STATE).exists():
        raise InputError(f"{checkpoint}: nothing to resume from (no {TRAINER_STATE})")


def save_checkpoint(accelerator: Any, checkpoint: Path, state: TrainerState) -> None:
    """``save_state`` into a temporary folder, then swap it in: a killed job leaves the previous one."""
    tmp = temporary_path(checkpoint)
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=True)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        write_json(tmp / TRAINER_STATE, asdict(state))
        _swap_in(tmp, checkpoint)
    accelerator.wait_for_everyone()


def load_best_weights(model: torch.nn.Module, model_dir: Path) -> None:
    """Put the best checkpoint's weights back into ``model`` (every process reads the same file)."""
    from safetensors.torch import load_file

    model.load_state_dict(load_file(model_dir / "model.safetensors"))


def selection_value(metrics: dict[str, Any] | None, name: str, loss: float) -> float:
    """The number the best checkpoint maximises: the metric ``name``, or minus ``loss`` for ``loss``."""
    if name == "loss" or metrics is None:
        return -loss
    value = metrics.get(name)
    return -math.inf if value is None else float(value)


def binary_cross_entropy(labels: np.ndarray, probs: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities (the validation loss of an epoch)."""
    p = np.clip(probs, 1e-7, 1 - 1e-7)
    return float(-(labels * np.log(p) + (1 - labels) * np.log(1 - p)).mean())


def parameters_identical(accelerator: Any, model: torch.nn.Module) -> bool:
    """Gather every process's flattened parameters and compare them bit for bit."""
    flat = torch.cat([p.detach().float().flatten() for p in model.parameters()]).unsqueeze(0)
    gathered = accelerator.gather(flat)
    return bool((gathered == gathered[:1]).all())
