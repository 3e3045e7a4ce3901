"""Several seeds of one configuration (the paper trains 1, 2, 3) and their mean ± std.

Each seed trains in ``<output_dir>/seed-<n>`` when there are several (in ``<output_dir>`` itself for one);
``summary.json`` / ``summary.md`` in ``<output_dir>`` hold the per-seed results, mean ± std over seeds and
the trivial baselines of each split.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import write_text_atomic
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.data import EmbeddedPairDataset
from rpiembeddor_hf.evaluation import evaluation_report, metrics_table, threshold_line
from rpiembeddor_hf.metrics import mean_std
from rpiembeddor_hf.training.checkpoints import write_json
from rpiembeddor_hf.training.config import TrainingConfig
from rpiembeddor_hf.training.loop import make_accelerator, train_model
from rpiembeddor_hf.training.results import TrainingResult


@dataclass
class SeedsResult:
    runs: dict[int, TrainingResult]
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)

    def markdown(self) -> str:
        """Mean ± std over seeds (or the single run) for validation and test."""
        parts = []
        for split in ("validation", "test"):
            if self.summary.get(split):
                label = f"RPIembeddor ({len(self.runs)} seed{'s' if len(self.runs) > 1 else ''})"
                rows = {label: self.summary[split]}
                rows.update(self.summary.get(f"{split}_baselines", {}))
                parts.append(metrics_table(rows, title=split) + self.threshold_text())
        return "\n".join(parts)

    def threshold_text(self) -> str:
        """Which decision threshold(s) the threshold metrics used: each seed's own, stored in its model."""
        choices = {seed: run.threshold for seed, run in self.runs.items()}
        if len(choices) == 1:
            choice = next(iter(choices.values()))
            return threshold_line(choice.threshold, choice.source)
        listed = ", ".join(f"seed {s}: {c.threshold:.4g}" for s, c in choices.items())
        first = next(iter(choices.values()))
        how = first.source.split(":")[0] if first.metric != "fixed" else first.source
        return f"\nThresholds ({how}, each seed's own, stored in its model): {listed}.\n"

    def to_dict(self, seeds: list[int]) -> dict[str, Any]:
        return {
            "seeds": seeds,
            "runs": {s: r.summary() for s, r in self.runs.items()},
            "mean_std": {k: v for k, v in self.summary.items() if not k.endswith("baselines")},
            "baselines": {k: v for k, v in self.summary.items() if k.endswith("baselines")},
        }


def train_seeds(
    train: EmbeddedPairDataset,
    validation: EmbeddedPairDataset | None,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    seeds: list[int],
    test: EmbeddedPairDataset | None = None,
) -> SeedsResult:
    """Train every seed (in ``<output_dir>/seed-<n>`` when there are several) and summarise mean ± std."""
    if not seeds:
        raise InputError("give at least one seed")
    base = Path(config.output_dir)
    accelerator = make_accelerator(config)
    runs: dict[int, TrainingResult] = {}
    for seed in seeds:
        folder = base / f"seed-{seed}" if len(seeds) > 1 else base
        seed_config = replace(config, output_dir=folder, seed=seed)
        runs[seed] = train_model(
            train, validation, model_config, seed_config, test=test, accelerator=accelerator
        )
    result = SeedsResult(runs)
    for split, data in (("validation", validation), ("test", test)):
        result.summary.update(_split_summary(split, data, list(runs.values()), config.threshold))
    if accelerator.is_main_process:
        write_json(base / "summary.json", result.to_dict(seeds))
        write_text_atomic(base / "summary.md", result.markdown())
    return result


def _split_summary(
    split: str, data: EmbeddedPairDataset | None, runs: list[TrainingResult], threshold: float
) -> dict[str, Any]:
    """One seed: its own numbers (counts stay integers); several: mean ± std; with the trivial baselines."""
    per_seed = [getattr(r, split) for r in runs if getattr(r, split) is not None]
    if not per_seed or data is None:
        return {}
    baselines = evaluation_report(data.name, data.label_array(), np.zeros(len(data)), threshold).baselines
    return {
        split: per_seed[0] if len(per_seed) == 1 else mean_std(per_seed),
        f"{split}_baselines": baselines,
    }
