"""How to train RPIembeddor: :class:`TrainingConfig`, whose defaults are the paper's.

Every field carries its help text in ``metadata["help"]`` (the ``HfArgumentParser`` convention), so the
``rpiembeddor train`` options are generated from the fields and never re-declare a default
(:mod:`rpiembeddor_hf.training.command`). ``metadata["cli"]`` names the option when it is not simply
``--field-name`` (``None``: not an option of its own, e.g. ``seed``, given as ``--seeds``).

Paper defaults: AdamW lr 1e-3, weight decay 0.1, 1,000 warm-up steps then cosine decay
(``transformers.get_cosine_schedule_with_warmup``), batch 64, 90 epochs, binary cross-entropy. Steps of the
schedule count single-process batches: with N processes Accelerate advances it N steps per update, so the
schedule follows the data seen, not the number of processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.errors import InputError

MIXED_PRECISION = ("no", "fp16", "bf16")


def _option(default: Any, text: str, cli: str | None = "") -> Any:
    """A field with a default and the help text of its command-line option (``cli``: its name, if unusual)."""
    metadata: dict[str, Any] = {"help": text}
    if cli != "":
        metadata["cli"] = cli
    return field(default=default, metadata=metadata)


@dataclass
class TrainingConfig:
    """How to train; defaults are the paper's (see the module docstring)."""

    output_dir: Path = field(
        metadata={
            "help": "Output folder (model/, checkpoint/, evaluation/, history.json; seed-<n>/ per seed "
            "when several).",
            "cli": "--out",
        }
    )
    epochs: int = _option(90, "Epochs (paper: 90).")
    batch_size: int = _option(64, "Pairs per batch and process (paper: 64).")
    learning_rate: float = _option(1e-3, "AdamW learning rate (paper: 1e-3).")
    weight_decay: float = _option(0.1, "AdamW weight decay (paper: 0.1).")
    warmup_steps: int = _option(1000, "Linear warm-up steps before cosine decay (paper: 1000).")
    seed: int = _option(1, "Training seed.", cli=None)
    gradient_accumulation_steps: int = _option(1, "Batches per optimizer update.")
    mixed_precision: str = _option("no", "no | fp16 | bf16.")
    max_grad_norm: float | None = _option(
        None, "Clip gradients to this norm (off by default, as in the paper)."
    )
    max_length: int | None = _option(None, "Truncate longer sequences to this many residues.")
    group_by_length: bool = _option(True, "Batch pairs of similar length together (less padding).")
    best_metric: str = _option(
        "auroc", "Validation metric that picks the best checkpoint (auroc, auprc, f1, mcc, ... or loss)."
    )
    threshold: float = _option(
        0.5,
        "Threshold of the per-epoch validation metrics, and the one stored with --threshold-metric fixed.",
    )
    threshold_metric: str = _option(
        "mcc",
        "mcc | f1 | youden: store the threshold that maximises it on the validation split (best checkpoint); "
        "fixed: store --threshold.",
    )
    resume: bool = _option(False, "Continue from <out>/checkpoint after the last finished epoch.")
    stop_after_epochs: int | None = _option(
        None, "Stop after this many epochs (the schedule still spans --epochs); continue with --resume."
    )
    early_stopping_patience: int | None = _option(
        None,
        "Stop when the validation metric (--best-metric) has not improved for this many epochs (off by "
        "default: the paper trains every epoch); the schedule still spans --epochs.",
    )
    tensorboard: bool = _option(False, "Log to <out>/logs for TensorBoard.")
    show_progress: bool = _option(
        True, "Progress bars (on the main process).", cli="--progress/--no-progress"
    )
    dataset_version: str | None = _option(
        None, "Dataset version for the model card (default: from <data>/manifest.json)."
    )
    data_description: str | None = _option(
        None, "What the model was trained on, for the model card.", cli=None
    )

    def check(self) -> None:
        """Refuse impossible settings with one clear line before anything is trained."""
        from rpiembeddor_hf.metrics import METRIC_NAMES  # scikit-learn: not for `train --help`
        from rpiembeddor_hf.thresholds import THRESHOLD_METRICS

        if self.epochs < 1 or self.batch_size < 1 or self.gradient_accumulation_steps < 1:
            raise InputError("epochs, batch size and gradient accumulation steps must be positive")
        if self.mixed_precision not in MIXED_PRECISION:
            raise InputError(
                f"mixed precision must be one of {', '.join(MIXED_PRECISION)}, not {self.mixed_precision!r}"
            )
        if self.best_metric not in METRIC_NAMES and self.best_metric != "loss":
            raise InputError(
                f"best metric must be one of {', '.join(METRIC_NAMES)} or loss, not {self.best_metric!r}"
            )
        if self.warmup_steps < 0 or self.learning_rate <= 0:
            raise InputError("warm-up steps must be >= 0 and the learning rate positive")
        if self.threshold_metric not in THRESHOLD_METRICS:
            raise InputError(
                f"threshold metric must be one of {', '.join(THRESHOLD_METRICS)}, "
                f"not {self.threshold_metric!r}"
            )
        if self.early_stopping_patience is not None and self.early_stopping_patience < 1:
            raise InputError(f"early stopping patience must be at least 1, not {self.early_stopping_patience}")
        if not 0.0 <= self.threshold <= 1.0:
            raise InputError(f"threshold must be between 0 and 1, not {self.threshold}")

    @property
    def last_epoch(self) -> int:
        """The epoch this run stops after (``stop_after_epochs`` cuts it short; the schedule is unchanged)."""
        if self.stop_after_epochs is None:
            return self.epochs
        return min(self.epochs, self.stop_after_epochs)
