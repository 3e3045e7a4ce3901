"""The Accelerate training loop of one seed (in the shape of accelerate's ``nlp_example.py``).

One :class:`accelerate.Accelerator` does everything process- and device-related: ``prepare`` (model,
optimizer, data loader, scheduler), ``accumulate`` (gradient accumulation), ``backward`` and
``clip_grad_norm_``, mixed precision, ``gather_for_metrics`` (exact validation metrics over processes, in
:func:`rpiembeddor_hf.evaluation.predict`), ``save_state`` / ``load_state`` (``resume``), optional
TensorBoard tracking, progress bars on the main process only. The loss is the model's own
(``RPIembeddorModel(..., labels=...)``: binary cross-entropy on the logits).

What happens around the loop lives beside it: the best checkpoint and the resumable state in
:mod:`~rpiembeddor_hf.training.checkpoints`, the decision threshold in :mod:`rpiembeddor_hf.thresholds`,
the final reports and the model card in :mod:`~rpiembeddor_hf.training.reports`.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.data import EmbeddedPairDataset, LengthGroupedBatchSampler
from rpiembeddor_hf.evaluation import evaluation_report, predict
from rpiembeddor_hf.metrics import METRIC_NAMES
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.training.checkpoints import (
    CHECKPOINT_DIR,
    MODEL_DIR,
    TrainerState,
    binary_cross_entropy,
    check_resumable,
    save_checkpoint,
    save_model,
    selection_value,
    write_json,
)
from rpiembeddor_hf.training.config import TrainingConfig
from rpiembeddor_hf.training.reports import finish_run
from rpiembeddor_hf.training.results import RunSplits, TrainingResult

log = logging.getLogger(__name__)


def make_accelerator(config: TrainingConfig, find_unused_parameters: bool = True) -> Any:
    """An Accelerator for ``config``; unused parameters are expected (``first`` pooling never reads the
    protein stack's last layer), so DDP is told to look for them."""
    from accelerate import Accelerator
    from accelerate.utils import DistributedDataParallelKwargs, ProjectConfiguration

    if config.tensorboard and importlib.util.find_spec("tensorboard") is None:
        # Accelerate would silently log nothing; say what is missing instead.
        raise InputError(
            "--tensorboard needs the tensorboard package: pip install 'rnainteract[tensorboard]'"
        )
    return Accelerator(
        mixed_precision=config.mixed_precision,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        log_with="tensorboard" if config.tensorboard else None,
        project_config=ProjectConfiguration(
            project_dir=str(config.output_dir), logging_dir=str(config.output_dir / "logs")
        ),
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=find_unused_parameters)],
    )


@dataclass
class PreparedRun:
    """The objects of one seed after ``accelerator.prepare``."""

    accelerator: Any
    model: Any
    optimizer: Any
    loader: Any
    sampler: LengthGroupedBatchSampler
    scheduler: Any


def train_model(
    train: EmbeddedPairDataset,
    validation: EmbeddedPairDataset | None,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    test: EmbeddedPairDataset | None = None,
    accelerator: Any | None = None,
) -> TrainingResult:
    """Train one seed; returns the best model (by ``config.best_metric`` on validation) and its metrics."""
    splits = RunSplits(train, validation, test)
    _check_inputs(splits, model_config, config)
    out = Path(config.output_dir)
    accelerator = accelerator or make_accelerator(config)
    accelerator.free_memory()  # forget models / optimizers of an earlier seed
    if accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
    run = _prepare(accelerator, model_config, config, train)
    state = _start(run, config)
    for epoch in range(state.epochs_done, config.last_epoch):
        if _patience_spent(config, state):  # checked first, so a resumed run that had stopped stays stopped
            log.info("seed %d: no better validation %s for %d epochs; stopped after epoch %d (best: %d)",
                     config.seed, config.best_metric, config.early_stopping_patience, state.epochs_done,
                     state.best_epoch)
            break
        record = _train_epoch(run, config, epoch)
        value = _validate_epoch(run, config, validation, record)
        _end_epoch(run, config, state, record, value)
    accelerator.wait_for_everyone()
    return finish_run(accelerator, run.model, splits, model_config, config, state)


def _patience_spent(config: TrainingConfig, state: TrainerState) -> bool:
    """Early stopping: the best epoch lies ``early_stopping_patience`` epochs back (every process agrees:
    the validation metric is gathered over all of them)."""
    patience = config.early_stopping_patience
    return patience is not None and state.epochs_done - state.best_epoch >= patience


def _check_inputs(splits: RunSplits, model_config: RPIembeddorConfig, config: TrainingConfig) -> None:
    config.check()
    for split in splits.present():
        split.check_widths(model_config.rna_embedding_dim, model_config.protein_embedding_dim)
    if splits.train.labels is None:
        raise InputError(f"{splits.train.name}: training needs labels")
    if config.resume:
        check_resumable(Path(config.output_dir) / CHECKPOINT_DIR)


def _prepare(
    accelerator: Any, model_config: RPIembeddorConfig, config: TrainingConfig, train: EmbeddedPairDataset
) -> PreparedRun:
    """Seed, build the model / optimizer / length-grouped loader / schedule, and hand them to Accelerate."""
    from accelerate.utils import set_seed
    from transformers import get_cosine_schedule_with_warmup

    set_seed(config.seed)
    model = RPIembeddorModel(model_config)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    sampler = LengthGroupedBatchSampler(
        train.pair_lengths(), config.batch_size, seed=config.seed, group_by_length=config.group_by_length
    )
    loader = torch.utils.data.DataLoader(train, batch_sampler=sampler, collate_fn=train.collate)
    updates_per_epoch = math.ceil(len(sampler) / config.gradient_accumulation_steps)
    scheduler = get_cosine_schedule_with_warmup(
        optimizer, config.warmup_steps, updates_per_epoch * config.epochs
    )
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    if config.tensorboard:
        scalars = {k: v for k, v in asdict(config).items() if isinstance(v, int | float | str | bool)}
        accelerator.init_trackers(f"seed-{config.seed}", config=scalars)
    return PreparedRun(accelerator, model, optimizer, loader, sampler, scheduler)


def _start(run: PreparedRun, config: TrainingConfig) -> TrainerState:
    """A fresh state, or (``resume``) the saved Accelerate state and trainer state of the last epoch."""
    if not config.resume:
        return TrainerState()
    checkpoint = Path(config.output_dir) / CHECKPOINT_DIR
    run.accelerator.load_state(str(checkpoint))
    state = TrainerState.load(checkpoint)
    log.info("resumed from %s after epoch %d", checkpoint, state.epochs_done)
    return state


def _train_epoch(run: PreparedRun, config: TrainingConfig, epoch: int) -> dict[str, Any]:
    """One pass over the training split; returns the epoch's record (mean loss over every process)."""
    from tqdm.auto import tqdm

    accelerator, model = run.accelerator, run.model
    model.train()
    run.sampler.set_epoch(epoch)
    run.loader.set_epoch(epoch)
    loss_sum = torch.zeros((), device=accelerator.device)
    seen = torch.zeros((), device=accelerator.device)
    bar = tqdm(
        run.loader,
        desc=f"seed {config.seed} epoch {epoch + 1}/{config.epochs}",
        disable=not (accelerator.is_main_process and config.show_progress),
        leave=False,
    )
    for batch in bar:
        batch.pop("index")
        loss = _step(run, config, batch)
        n = batch["labels"].shape[0]
        loss_sum += loss.detach().float() * n
        seen += n
        bar.set_postfix(loss=f"{loss.item():.4f}")
    train_loss = float(accelerator.reduce(loss_sum, "sum") / accelerator.reduce(seen, "sum"))
    return {"epoch": epoch + 1, "train_loss": train_loss, "learning_rate": run.scheduler.get_last_lr()[0]}


def _step(run: PreparedRun, config: TrainingConfig, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Forward, backward and (every ``gradient_accumulation_steps`` batches) an optimizer update."""
    accelerator = run.accelerator
    with accelerator.accumulate(run.model):
        loss = run.model(**batch).loss
        accelerator.backward(loss)
        if config.max_grad_norm and accelerator.sync_gradients:
            accelerator.clip_grad_norm_(run.model.parameters(), config.max_grad_norm)
        run.optimizer.step()
        run.scheduler.step()
        run.optimizer.zero_grad()
    return loss


def _validate_epoch(
    run: PreparedRun, config: TrainingConfig, validation: EmbeddedPairDataset | None, record: dict[str, Any]
) -> float:
    """Score the validation split (gathered over processes) into ``record``; returns the value the best
    checkpoint maximises (minus the training loss without a validation split)."""
    if validation is None:
        return selection_value(None, config.best_metric, record["train_loss"])
    preds = predict(
        run.model, validation, config.batch_size, run.accelerator, show_progress=config.show_progress
    )
    metrics = evaluation_report(validation.name, preds.labels, preds.probabilities, config.threshold).model
    record["validation_loss"] = binary_cross_entropy(preds.labels, preds.probabilities)
    record["validation"] = metrics
    return selection_value(metrics, config.best_metric, record["validation_loss"])


def _end_epoch(
    run: PreparedRun, config: TrainingConfig, state: TrainerState, record: dict[str, Any], value: float
) -> None:
    """Log the epoch, keep the model if it is the best so far, and save the resumable state."""
    accelerator, out = run.accelerator, Path(config.output_dir)
    state.history.append(record)
    if config.tensorboard:
        accelerator.log(_scalars(record), step=record["epoch"])
    if state.improves(value):
        state.best_value, state.best_epoch = value, record["epoch"]
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            save_model(accelerator.unwrap_model(run.model), out / MODEL_DIR)
    state.epochs_done = record["epoch"]
    save_checkpoint(accelerator, out / CHECKPOINT_DIR, state)
    if accelerator.is_main_process:
        _log_epoch(record, config)
        write_json(out / "history.json", state.history)


def _scalars(record: dict[str, Any]) -> dict[str, float]:
    scalars = {"train/loss": record["train_loss"], "train/learning_rate": record["learning_rate"]}
    validation = record.get("validation", {})
    scalars.update(
        {f"validation/{k}": v for k, v in validation.items() if k in METRIC_NAMES and v is not None}
    )
    return scalars


def _log_epoch(record: dict[str, Any], config: TrainingConfig) -> None:
    text = f"seed {config.seed} epoch {record['epoch']}: train loss {record['train_loss']:.4f}"
    if "validation" in record:
        v = record["validation"]
        shown = {k: v.get(k) for k in ("auroc", "auprc", "f1", "mcc")}
        text += ", validation " + ", ".join(
            f"{k} {'n/a' if x is None else f'{x:.3f}'}" for k, x in shown.items()
        )
    log.info(text)
