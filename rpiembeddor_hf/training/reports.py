"""The end of a training run: best weights back, decision threshold, final reports, model card.

After the last epoch every process reloads the best checkpoint (``model/``), scores the validation and test
splits with it (gathered over processes), chooses the decision threshold on the validation predictions
(:func:`rpiembeddor_hf.thresholds.training_threshold`; the test split is never used to choose anything),
stores it in ``model.config.threshold`` and writes, on the main process::

    evaluation/<split>/        metrics.json / metrics.md / roc.png / pr.png / predictions.parquet
    model/training_metrics.json
    model/README.md            the model card (:mod:`~rpiembeddor_hf.training.model_card`)
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from rnainteract_builder.contract.io import write_text_atomic
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.evaluation import EvaluationReport, Predictions, evaluation_report, predict, write_report
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.thresholds import ThresholdChoice, training_threshold
from rpiembeddor_hf.training.checkpoints import (
    MODEL_DIR,
    TrainerState,
    load_best_weights,
    parameters_identical,
    save_model,
    write_json,
)
from rpiembeddor_hf.training.config import TrainingConfig
from rpiembeddor_hf.training.model_card import render_model_card
from rpiembeddor_hf.training.results import RunSplits, TrainingResult


def finish_run(
    accelerator: Any,
    model: Any,
    splits: RunSplits,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    state: TrainerState,
) -> TrainingResult:
    """Best weights back, threshold chosen and stored, final reports written; returns the run's result."""
    out, main = Path(config.output_dir), accelerator.is_main_process
    unwrapped = accelerator.unwrap_model(model)
    load_best_weights(unwrapped, out / MODEL_DIR)
    identical = parameters_identical(accelerator, unwrapped)
    scored = {
        role: predict(model, split, config.batch_size, accelerator, show_progress=config.show_progress)
        for role, split in splits.scored().items()
    }
    # Every rank holds all gathered validation predictions, so every rank chooses the same threshold.
    choice = _threshold(config, splits, scored.get("validation"), state.best_epoch)
    unwrapped.config.threshold, unwrapped.config.threshold_source = choice.threshold, choice.source
    if main:
        save_model(unwrapped, out / MODEL_DIR)
    accelerator.wait_for_everyone()
    reports = _split_reports(splits, scored, choice, out if main else None)
    if config.tensorboard:
        accelerator.end_training()
    result = TrainingResult(
        model=RPIembeddorModel.from_pretrained(out / MODEL_DIR) if main else unwrapped,
        output_dir=out,
        best_epoch=state.best_epoch,
        threshold=choice,
        validation=reports["validation"].model if "validation" in reports else None,
        test=reports["test"].model if "test" in reports else None,
        history=state.history,
        num_processes=accelerator.num_processes,
        parameters_identical_across_processes=identical,
    )
    if main:
        _write_model_reports(result, splits, model_config, config, reports)
    accelerator.wait_for_everyone()
    return result


def _threshold(
    config: TrainingConfig, splits: RunSplits, preds: Predictions | None, best_epoch: int
) -> ThresholdChoice:
    labels = None if preds is None else preds.labels
    probabilities = None if preds is None else preds.probabilities
    name = splits.validation.name if splits.validation is not None else "validation"
    return training_threshold(
        labels, probabilities, config.threshold_metric, config.threshold, name, best_epoch
    )


def _split_reports(
    splits: RunSplits, scored: dict[str, Predictions], choice: ThresholdChoice, out: Path | None
) -> dict[str, EvaluationReport]:
    """One report per scored split at the chosen threshold; written under ``out`` (main process) if given."""
    named = splits.scored()
    reports = {}
    for role, preds in scored.items():
        reports[role] = evaluation_report(
            named[role].name,
            preds.labels,
            preds.probabilities,
            choice.threshold,
            threshold_source=choice.source,
            groups=named[role].groups,
        )
        if out is not None:
            write_report(reports[role], preds, out / "evaluation" / role)
    return reports


def _write_model_reports(
    result: TrainingResult,
    splits: RunSplits,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    reports: dict[str, EvaluationReport],
) -> None:
    """``training_metrics.json`` and the model card beside the best weights."""
    folder = result.output_dir / MODEL_DIR
    metrics = {
        **result.summary(),
        "seed": config.seed,
        "training": asdict(config),
        "train_pairs": len(splits.train),
        "validation_pairs": len(splits.validation) if splits.validation else 0,
        "test_pairs": len(splits.test) if splits.test else 0,
    }
    write_json(folder / "training_metrics.json", metrics)
    card = render_model_card(model_config, config, result, splits, reports)
    write_text_atomic(folder / "README.md", card)
