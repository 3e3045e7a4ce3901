"""What one training run produced (:class:`TrainingResult`) and the splits it ran on (:class:`RunSplits`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rpiembeddor_hf.data import EmbeddedPairDataset
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.thresholds import ThresholdChoice


@dataclass
class RunSplits:
    """The splits of one run: train (labelled), and optionally validation and test."""

    train: EmbeddedPairDataset
    validation: EmbeddedPairDataset | None = None
    test: EmbeddedPairDataset | None = None

    def present(self) -> list[EmbeddedPairDataset]:
        return [s for s in (self.train, self.validation, self.test) if s is not None]

    def scored(self) -> dict[str, EmbeddedPairDataset]:
        """The labelled held-out splits the final model is scored on, by role."""
        roles = (("validation", self.validation), ("test", self.test))
        return {role: s for role, s in roles if s is not None and s.labels is not None}


@dataclass
class TrainingResult:
    model: RPIembeddorModel
    output_dir: Path
    best_epoch: int
    threshold: ThresholdChoice
    validation: dict[str, Any] | None
    test: dict[str, Any] | None
    history: list[dict[str, Any]]
    num_processes: int
    parameters_identical_across_processes: bool

    def summary(self) -> dict[str, Any]:
        return {
            "output_dir": str(self.output_dir),
            "best_epoch": self.best_epoch,
            "threshold": asdict(self.threshold),
            "validation": self.validation,
            "test": self.test,
            "num_processes": self.num_processes,
            "parameters_identical_across_processes": self.parameters_identical_across_processes,
        }
