"""Training RPIembeddor with Accelerate (one CPU to many GPUs), paper defaults, several seeds.

:func:`train_model` trains one seed from :class:`~rpiembeddor_hf.data.PairData` splits and returns the best
model (by a validation metric, default AUROC) with its metrics; :func:`train_seeds` runs several seeds and
reports mean ± std. Everything goes through one :class:`accelerate.Accelerator`: ``prepare``,
``accumulate`` (gradient accumulation), ``gather_for_metrics`` (exact metrics over processes),
``save_state`` / ``load_state`` (``resume``), mixed precision, optional TensorBoard, progress bars on the
main process only.

Defaults (paper): AdamW lr 1e-3, weight decay 0.1, 1,000 warm-up steps then cosine decay
(``transformers.get_cosine_schedule_with_warmup``), batch 64, 90 epochs, binary cross-entropy. Steps of
the schedule count single-process batches: with N processes Accelerate advances it N steps per update, so
the schedule follows the data seen, not the number of processes.

Decision threshold: after the best checkpoint is picked, the threshold that maximises
``threshold_metric`` (default MCC) over the validation probabilities is stored in ``model.config.threshold``
(see :mod:`rpiembeddor_hf.thresholds`); the final validation / test reports use it. The test split is
never used to choose anything.

Output folder of one seed::

    model/              best checkpoint: config.json, model.safetensors, model code (remote code),
                        README.md (model card), training_metrics.json
    checkpoint/         latest accelerate state (weights, optimizer, scheduler, RNG) + trainer_state.json
    history.json        per-epoch training loss and validation metrics
    evaluation/<split>/ metrics.json / metrics.md / roc.png / pr.png / predictions.parquet of the best model
    logs/seed-<n>/      TensorBoard events (with ``tensorboard=True``; under the top output folder)
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
import typer

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.configuration_rpiembeddor import RPIembeddorConfig
from rpiembeddor_hf.data import LengthGroupedBatchSampler, PairData
from rpiembeddor_hf.evaluation import (
    EvaluationReport,
    evaluation_report,
    metrics_table,
    predict,
    threshold_line,
    write_report,
)
from rpiembeddor_hf.metrics import METRIC_NAMES, mean_std
from rpiembeddor_hf.modeling_rpiembeddor import RPIembeddorModel
from rpiembeddor_hf.thresholds import THRESHOLD_METRICS, ThresholdChoice, choose_threshold

log = logging.getLogger(__name__)

MIXED_PRECISION = ("no", "fp16", "bf16")
CHECKPOINT_DIR = "checkpoint"
MODEL_DIR = "model"
TRAINER_STATE = "trainer_state.json"


@dataclass
class TrainingConfig:
    """How to train; defaults are the paper's (see the module docstring)."""

    output_dir: Path
    epochs: int = 90
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 1000
    seed: int = 1
    gradient_accumulation_steps: int = 1
    mixed_precision: str = "no"
    max_grad_norm: float | None = None
    max_length: int | None = None
    group_by_length: bool = True
    best_metric: str = "auroc"
    #: Threshold of the per-epoch validation metrics, and the one stored with ``threshold_metric="fixed"``.
    threshold: float = 0.5
    #: Metric maximised over the validation probabilities to choose the stored decision threshold.
    threshold_metric: str = "mcc"
    resume: bool = False
    stop_after_epochs: int | None = None
    tensorboard: bool = False
    show_progress: bool = True
    dataset_version: str | None = None
    data_description: str | None = None

    def check(self) -> None:
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
                f"threshold metric must be one of {', '.join(THRESHOLD_METRICS)}, not {self.threshold_metric!r}"
            )
        if not 0.0 <= self.threshold <= 1.0:
            raise InputError(f"threshold must be between 0 and 1, not {self.threshold}")


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


def _metric_value(metrics: dict[str, Any], name: str, loss: float) -> float:
    if name == "loss":
        return -loss
    value = metrics.get(name)
    return -math.inf if value is None else float(value)


def _validation_loss(labels: np.ndarray, probs: np.ndarray) -> float:
    p = np.clip(probs, 1e-7, 1 - 1e-7)
    return float(-(labels * np.log(p) + (1 - labels) * np.log(1 - p)).mean())


def train_model(
    train: PairData,
    validation: PairData | None,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    test: PairData | None = None,
    accelerator: Any | None = None,
) -> TrainingResult:
    """Train one seed; returns the best model (by ``config.best_metric`` on validation) and its metrics."""
    from accelerate.utils import set_seed
    from tqdm.auto import tqdm
    from transformers import get_cosine_schedule_with_warmup

    config.check()
    for split in (train, validation, test):
        if split is not None:
            split.check_widths(model_config.rna_embedding_dim, model_config.protein_embedding_dim)
    if train.labels is None:
        raise InputError(f"{train.name}: training needs labels")
    out = Path(config.output_dir)
    checkpoint = out / CHECKPOINT_DIR
    if config.resume and not (checkpoint / TRAINER_STATE).exists():
        raise InputError(f"{checkpoint}: nothing to resume from (no {TRAINER_STATE})")
    accelerator = accelerator or make_accelerator(config)
    accelerator.free_memory()  # forget models / optimizers of an earlier seed
    main = accelerator.is_main_process
    if main:
        out.mkdir(parents=True, exist_ok=True)

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
        accelerator.init_trackers(
            f"seed-{config.seed}",
            config={k: v for k, v in asdict(config).items() if isinstance(v, int | float | str | bool)},
        )

    state: dict[str, Any] = {"epochs_done": 0, "best_epoch": 0, "best_value": None, "history": []}
    if config.resume:
        accelerator.load_state(str(checkpoint))
        state = json.loads((checkpoint / TRAINER_STATE).read_text())
        log.info("resumed from %s after epoch %d", checkpoint, state["epochs_done"])

    last_epoch = (
        config.epochs if config.stop_after_epochs is None else min(config.epochs, config.stop_after_epochs)
    )
    for epoch in range(state["epochs_done"], last_epoch):
        model.train()
        sampler.set_epoch(epoch)
        loader.set_epoch(epoch)
        loss_sum = torch.zeros((), device=accelerator.device)
        seen = torch.zeros((), device=accelerator.device)
        bar = tqdm(
            loader,
            desc=f"seed {config.seed} epoch {epoch + 1}/{config.epochs}",
            disable=not (main and config.show_progress),
            leave=False,
        )
        for batch in bar:
            batch.pop("index")
            with accelerator.accumulate(model):
                loss = model(**batch).loss
                accelerator.backward(loss)
                if config.max_grad_norm and accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            n = batch["labels"].shape[0]
            loss_sum += loss.detach().float() * n
            seen += n
            bar.set_postfix(loss=f"{loss.item():.4f}")
        train_loss = float(accelerator.reduce(loss_sum, "sum") / accelerator.reduce(seen, "sum"))
        record: dict[str, Any] = {
            "epoch": epoch + 1,
            "train_loss": train_loss,
            "learning_rate": scheduler.get_last_lr()[0],
        }
        value = -train_loss
        if validation is not None:
            preds = predict(
                model, validation, config.batch_size, accelerator, show_progress=config.show_progress
            )
            metrics = evaluation_report(
                validation.name, preds.labels, preds.probabilities, config.threshold
            ).model
            record["validation_loss"] = _validation_loss(preds.labels, preds.probabilities)
            record["validation"] = metrics
            value = _metric_value(metrics, config.best_metric, record["validation_loss"])
        state["history"].append(record)
        if config.tensorboard:
            scalars = {"train/loss": train_loss, "train/learning_rate": record["learning_rate"]}
            scalars.update(
                {
                    f"validation/{k}": v
                    for k, v in record.get("validation", {}).items()
                    if k in METRIC_NAMES and v is not None
                }
            )
            accelerator.log(scalars, step=epoch + 1)
        if state["best_value"] is None or value > state["best_value"]:
            state["best_value"], state["best_epoch"] = value, epoch + 1
            accelerator.wait_for_everyone()
            if main:
                _save_model_atomic(accelerator.unwrap_model(model), out / MODEL_DIR)
        state["epochs_done"] = epoch + 1
        _save_checkpoint(accelerator, checkpoint, state)
        if main:
            _log_epoch(record, config)
            _write_json(out / "history.json", state["history"])

    accelerator.wait_for_everyone()
    # Back to the best weights (every rank reads the same file) for the final scores.
    from safetensors.torch import load_file

    unwrapped = accelerator.unwrap_model(model)
    unwrapped.load_state_dict(load_file(out / MODEL_DIR / "model.safetensors"))
    identical = _parameters_identical(accelerator, unwrapped)
    scored = {
        name: predict(model, split, config.batch_size, accelerator, show_progress=config.show_progress)
        for name, split in (("validation", validation), ("test", test))
        if split is not None and split.labels is not None
    }
    # Every rank holds all gathered validation predictions, so every rank chooses the same threshold.
    choice = _choose_threshold(config, validation, scored.get("validation"), state["best_epoch"])
    unwrapped.config.threshold, unwrapped.config.threshold_source = choice.threshold, choice.source
    if main:
        _save_model_atomic(unwrapped, out / MODEL_DIR)
    accelerator.wait_for_everyone()
    results: dict[str, EvaluationReport] = {}
    for name, preds in scored.items():
        results[name] = evaluation_report(
            (validation if name == "validation" else test).name,
            preds.labels,
            preds.probabilities,
            choice.threshold,
            threshold_source=choice.source,
        )
        if main:
            write_report(results[name], preds, out / "evaluation" / name)
    if config.tensorboard:
        accelerator.end_training()
    best = RPIembeddorModel.from_pretrained(out / MODEL_DIR) if main else unwrapped
    result = TrainingResult(
        model=best,
        output_dir=out,
        best_epoch=state["best_epoch"],
        threshold=choice,
        validation=results["validation"].model if "validation" in results else None,
        test=results["test"].model if "test" in results else None,
        history=state["history"],
        num_processes=accelerator.num_processes,
        parameters_identical_across_processes=identical,
    )
    if main:
        metrics = {
            **result.summary(),
            "seed": config.seed,
            "training": _jsonable(asdict(config)),
            "train_pairs": len(train),
            "validation_pairs": len(validation) if validation else 0,
            "test_pairs": len(test) if test else 0,
        }
        _write_json(out / MODEL_DIR / "training_metrics.json", metrics)
        (out / MODEL_DIR / "README.md").write_text(
            model_card(model_config, config, result, train, validation, test, results), encoding="utf-8"
        )
    accelerator.wait_for_everyone()
    return result


def _choose_threshold(
    config: TrainingConfig, validation: PairData | None, preds: Any | None, best_epoch: int
) -> ThresholdChoice:
    """The decision threshold stored with the model: chosen on the validation predictions of the best
    checkpoint (``config.threshold_metric``), or ``config.threshold`` when fixed or without validation."""
    if preds is None:
        if config.threshold_metric == "fixed":
            return choose_threshold([], [], "fixed", config.threshold)
        return ThresholdChoice(
            config.threshold,
            "fixed",
            None,
            f"fixed at {config.threshold:g}: no labelled validation split to choose a threshold on",
        )
    choice = choose_threshold(
        preds.labels, preds.probabilities, config.threshold_metric, config.threshold, validation.name
    )
    if choice.metric == "fixed":
        return choice
    return ThresholdChoice(
        choice.threshold,
        choice.metric,
        choice.value,
        f"{choice.source}; best checkpoint, epoch {best_epoch}",
    )


def _parameters_identical(accelerator: Any, model: torch.nn.Module) -> bool:
    """Gather every process's flattened parameters and compare them bit for bit."""
    flat = torch.cat([p.detach().float().flatten() for p in model.parameters()]).unsqueeze(0)
    gathered = accelerator.gather(flat)
    return bool((gathered == gathered[:1]).all())


def _save_model_atomic(model: RPIembeddorModel, folder: Path) -> None:
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    old = folder.with_name(f".{folder.name}.old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


def _save_checkpoint(accelerator: Any, checkpoint: Path, state: dict[str, Any]) -> None:
    """``save_state`` into a temporary folder, then swap it in: a killed job leaves the previous one."""
    tmp = checkpoint.with_name(f".{checkpoint.name}.tmp")
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp), safe_serialization=True)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        _write_json(tmp / TRAINER_STATE, state)
        old = checkpoint.with_name(f".{checkpoint.name}.old")
        if checkpoint.exists():
            os.replace(checkpoint, old)
        os.replace(tmp, checkpoint)
        shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


def _log_epoch(record: dict[str, Any], config: TrainingConfig) -> None:
    text = f"seed {config.seed} epoch {record['epoch']}: train loss {record['train_loss']:.4f}"
    if "validation" in record:
        v = record["validation"]
        shown = {k: v.get(k) for k in ("auroc", "auprc", "f1", "mcc")}
        text += ", validation " + ", ".join(
            f"{k} {'n/a' if x is None else f'{x:.3f}'}" for k, x in shown.items()
        )
    log.info(text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(_jsonable(value), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# -- several seeds --------------------------------------------------------------------------------------------
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


def train_seeds(
    train: PairData,
    validation: PairData | None,
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    seeds: list[int],
    test: PairData | None = None,
) -> SeedsResult:
    """Train every seed (in ``<output_dir>/seed-<n>`` when there are several) and summarise mean ± std."""
    if not seeds:
        raise InputError("give at least one seed")
    base = Path(config.output_dir)
    accelerator = make_accelerator(config)
    runs: dict[int, TrainingResult] = {}
    for seed in seeds:
        folder = base / f"seed-{seed}" if len(seeds) > 1 else base
        runs[seed] = train_model(
            train,
            validation,
            model_config,
            TrainingConfig(**{**asdict(config), "output_dir": folder, "seed": seed}),
            test=test,
            accelerator=accelerator,
        )
    result = SeedsResult(runs)
    for split, data in (("validation", validation), ("test", test)):
        per_seed = [getattr(r, split) for r in runs.values() if getattr(r, split) is not None]
        if per_seed and data is not None:
            # One seed: its own numbers (counts stay integers); several: mean ± std.
            result.summary[split] = per_seed[0] if len(per_seed) == 1 else mean_std(per_seed)
            result.summary[f"{split}_baselines"] = evaluation_report(
                data.name, data.label_array(), np.zeros(len(data)), config.threshold
            ).baselines
    if accelerator.is_main_process:
        _write_json(
            base / "summary.json",
            {
                "seeds": seeds,
                "runs": {s: r.summary() for s, r in runs.items()},
                "mean_std": {k: v for k, v in result.summary.items() if not k.endswith("baselines")},
                "baselines": {k: v for k, v in result.summary.items() if k.endswith("baselines")},
            },
        )
        (base / "summary.md").write_text(result.markdown(), encoding="utf-8")
    return result


# -- model card ---------------------------------------------------------------------------------------------
def model_card(
    model_config: RPIembeddorConfig,
    config: TrainingConfig,
    result: TrainingResult,
    train: PairData,
    validation: PairData | None,
    test: PairData | None,
    reports: dict[str, EvaluationReport],
) -> str:
    n_params = sum(p.numel() for p in result.model.parameters())
    version = config.dataset_version or "unversioned (local files)"
    lines = [
        "---",
        "library_name: transformers",
        "license: apache-2.0",
        "pipeline_tag: tabular-classification",
        "tags: [biology, rna-protein-interaction, rna-fm, esm-2, cross-attention]",
        "---",
        "",
        "# RPIembeddor",
        "",
        f"A {n_params:,}-parameter cross-attention transformer that predicts whether an RNA and a protein "
        "interact, from per-residue embeddings "
        f"(RNA: `{model_config.rna_embedding_model}`, {model_config.rna_embedding_dim}-d; protein: "
        f"`{model_config.protein_embedding_model}`, {model_config.protein_embedding_dim}-d).",
        "",
        "## Training data",
        "",
        f"- dataset version: {version}",
        f"- data: {config.data_description or 'interactions tables given to rpiembeddor train'}",
        f"- pairs: {len(train):,} train ({int(train.label_array().sum()):,} positive), "
        f"{len(validation) if validation else 0:,} validation, {len(test) if test else 0:,} test",
        "",
        "## Training",
        "",
        f"AdamW (lr {config.learning_rate:g}, weight decay {config.weight_decay:g}), {config.warmup_steps:,} warm-up "
        f"steps then cosine decay, batch {config.batch_size}, {config.epochs} epochs, seed {config.seed}, "
        f"mixed precision `{config.mixed_precision}`, {result.num_processes} process(es). Best epoch "
        f"{result.best_epoch} by validation {config.best_metric}.",
        "",
        "## Decision threshold",
        "",
        f"`config.threshold` = {result.threshold.threshold:.4g}: {result.threshold.source}. Prediction "
        "(`rpiembeddor predict`, `predict_pairs`, the pipeline) and `rpiembeddor evaluate` call a pair "
        "interacting when its probability is at or above it, unless given `--threshold`. The probabilities "
        "are not calibrated, so the threshold only transfers to data like the validation split; for other "
        "data choose one on held-out labelled pairs of that kind (never on the test set). The threshold-free "
        "AUROC / AUPRC below do not depend on it.",
        "",
        "## Results",
        "",
    ]
    for split, report in reports.items():
        lines += [report.markdown().replace(f"### {report.name}", f"### {split}: {report.name}"), ""]
    if not reports:
        lines += ["No labelled validation or test split was given.", ""]
    lines += [
        "## Intended use",
        "",
        "Ranking candidate ncRNA-protein pairs for follow-up, and as a baseline for RNA-protein interaction "
        "research. Scores are not calibrated probabilities of a physical interaction: negatives in the "
        "training data are sampled, not measured. Feed embeddings from the same models (and lengths within "
        "those seen in training, at most 1,024 residues by default); compare against the trivial baselines "
        "above, and prefer family-disjoint test sets: random splits overstate performance.",
        "",
        "## Use",
        "",
        "```python",
        "import rpiembeddor_hf  # registers the model with the Auto classes",
        "from transformers import AutoModel",
        "model = AutoModel.from_pretrained('path/to/this/folder')",
        "# without the package: AutoModel.from_pretrained('path/to/this/folder', trust_remote_code=True)",
        "out = model(rna_embeddings, rna_attention_mask, protein_embeddings, protein_attention_mask)",
        "out.probabilities",
        "```",
        "",
    ]
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------------------------
def _resolve_splits(
    data: Path | None, config_name: str, train: Path | None, validation: Path | None, test: Path | None
) -> dict[str, list[Path]]:
    from rpiembeddor_hf.data import split_files

    files = split_files(data, config_name) if data is not None else {}
    for split, path in (("train", train), ("validation", validation), ("test", test)):
        if path is not None:
            files[split] = [path]
    if "train" not in files:
        raise InputError("no training split: give --data (a folder with train.parquet) or --train")
    return files


def load_pair_splits(
    files: dict[str, list[Path]],
    rna_source: Any,
    protein_source: Any,
    data_dir: Path | None,
    max_length: int | None = None,
    embedding_seed: int = 0,
) -> dict[str, PairData]:
    """Read the interactions of every split, open (or compute) embeddings once, join and check them."""
    from rpiembeddor_hf.data import read_tables

    tables = {split: read_tables(paths) for split, paths in files.items()}
    for split, table in tables.items():
        for column in ("pair_id", "rna_id", "protein_id", "label"):
            if column not in table.column_names:
                raise InputError(f"{files[split][0]}: interactions table lacks column {column!r}")
    ids = {
        m: [i for t in tables.values() for i in t.column(f"{m}_id").to_pylist()] for m in ("rna", "protein")
    }
    stores = {
        "rna": rna_source.open("rna", data_dir, ids["rna"], embedding_seed),
        "protein": protein_source.open("protein", data_dir, ids["protein"], embedding_seed),
    }
    return {
        split: PairData(
            table,
            stores["rna"],
            stores["protein"],
            name=f"{split} ({files[split][0].name})",
            max_length=max_length,
        )
        for split, table in tables.items()
    }


def _dataset_version(data: Path | None) -> str | None:
    if data is None or not (data / "manifest.json").exists():
        return None
    try:
        return str(json.loads((data / "manifest.json").read_text()).get("version"))
    except (OSError, ValueError):
        return None


#: ``--seeds 1 2 3``: Click options take one value, so the further seeds arrive as extra arguments.
TRAIN_CONTEXT = {"allow_extra_args": True}


def _all_seeds(seeds: list[int] | None, extra: list[str]) -> list[int]:
    out = list(seeds or [])
    for arg in extra:
        try:
            out.append(int(arg))
        except ValueError:
            raise InputError(f"unexpected argument {arg!r} (only seeds may follow --seeds)") from None
    if extra and not seeds:
        raise InputError(f"unexpected argument(s) {' '.join(extra)}")
    return out or [1]


def train_command(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option(
            help="Output folder (model/, checkpoint/, evaluation/, history.json; seed-<n>/ per seed when several)."
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            help="Split folder ({train,validation,test}.parquet + sequence tables) or published dataset folder."
        ),
    ] = None,
    config_name: Annotated[
        str, typer.Option("--config", help="Config (sub-folder) of a published dataset.")
    ] = "interactions",
    train: Annotated[
        Path | None, typer.Option("--train", help="Training interactions Parquet (overrides --data's).")
    ] = None,
    validation: Annotated[
        Path | None, typer.Option(help="Validation interactions Parquet (best checkpoint is chosen on it).")
    ] = None,
    test: Annotated[
        Path | None, typer.Option(help="Test interactions Parquet (scored once with the best checkpoint).")
    ] = None,
    rna_embeddings: Annotated[
        list[Path] | None,
        typer.Option(help="RNA embedding Parquet file(s) or folder(s) (embeddings schema)."),
    ] = None,
    protein_embeddings: Annotated[
        list[Path] | None, typer.Option(help="Protein embedding Parquet file(s) or folder(s).")
    ] = None,
    rna_embedding: Annotated[
        str,
        typer.Option(
            help="stored (from --rna-embeddings) | onehot | random (paper ablations, computed from the RNA sequence table)."
        ),
    ] = "stored",
    protein_embedding: Annotated[
        str, typer.Option(help="stored | onehot | random, for proteins.")
    ] = "stored",
    rna_sequences: Annotated[
        Path | None,
        typer.Option(
            help="RNA sequence table for onehot/random (default: rna_sequences.parquet beside the splits)."
        ),
    ] = None,
    protein_sequences: Annotated[
        Path | None, typer.Option(help="Protein sequence table for onehot/random.")
    ] = None,
    embedding_seed: Annotated[int, typer.Option(help="Seed of the random ablation embeddings.")] = 0,
    seeds: Annotated[
        list[int] | None,
        typer.Option(
            "--seeds",
            help="Training seed(s); several give mean ± std (paper: 1 2 3). Repeat the option or list them after it.",
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="Epochs (paper: 90).")] = 90,
    batch_size: Annotated[int, typer.Option(help="Pairs per batch and process (paper: 64).")] = 64,
    learning_rate: Annotated[float, typer.Option(help="AdamW learning rate (paper: 1e-3).")] = 1e-3,
    weight_decay: Annotated[float, typer.Option(help="AdamW weight decay (paper: 0.1).")] = 0.1,
    warmup_steps: Annotated[
        int, typer.Option(help="Linear warm-up steps before cosine decay (paper: 1000).")
    ] = 1000,
    gradient_accumulation_steps: Annotated[int, typer.Option(help="Batches per optimizer update.")] = 1,
    mixed_precision: Annotated[str, typer.Option(help="no | fp16 | bf16.")] = "no",
    max_grad_norm: Annotated[
        float | None, typer.Option(help="Clip gradients to this norm (off by default, as in the paper).")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option(help="Truncate longer sequences to this many residues.")
    ] = None,
    group_by_length: Annotated[
        bool,
        typer.Option(
            "--group-by-length/--no-group-by-length",
            help="Batch pairs of similar length together (less padding).",
        ),
    ] = True,
    best_metric: Annotated[
        str,
        typer.Option(
            help="Validation metric that picks the best checkpoint (auroc, auprc, f1, mcc, ... or loss)."
        ),
    ] = "auroc",
    threshold: Annotated[
        float,
        typer.Option(
            help="Threshold of the per-epoch validation metrics, and the one stored with --threshold-metric fixed."
        ),
    ] = 0.5,
    threshold_metric: Annotated[
        str,
        typer.Option(
            help="mcc | f1 | youden: store the threshold that maximises it on the validation split (best "
            "checkpoint); fixed: store --threshold."
        ),
    ] = "mcc",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from <out>/checkpoint after the last finished epoch.")
    ] = False,
    stop_after_epochs: Annotated[
        int | None,
        typer.Option(
            help="Stop after this many epochs (the schedule still spans --epochs); continue with --resume."
        ),
    ] = None,
    tensorboard: Annotated[
        bool, typer.Option("--tensorboard", help="Log to <out>/logs for TensorBoard.")
    ] = False,
    d_model: Annotated[int, typer.Option(help="Model width (paper: 256).")] = 256,
    heads: Annotated[int, typer.Option(help="Attention heads (paper: 2).")] = 2,
    layers: Annotated[int, typer.Option(help="Layers per molecule stack (paper: 1).")] = 1,
    dim_feedforward: Annotated[int, typer.Option(help="Feed-forward width (paper: 20).")] = 20,
    dropout: Annotated[float, typer.Option(help="Dropout (paper: 0.3).")] = 0.3,
    pooling: Annotated[str, typer.Option(help="first (paper) | mean.")] = "first",
    dataset_version: Annotated[
        str | None,
        typer.Option(help="Dataset version for the model card (default: from <data>/manifest.json)."),
    ] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bars.")] = False,
) -> None:
    """Train RPIembeddor (paper defaults) with Accelerate; run under `accelerate launch` for several GPUs/CPUs.

    Prints the validation/test table (mean ± std over seeds, beside the trivial baselines) on stdout.
    """
    from rpiembeddor_hf.data import EmbeddingSource

    logging.getLogger("accelerate").setLevel(logging.WARNING)  # its per-save INFO lines drown the progress
    files = _resolve_splits(data, config_name, train, validation, test)
    splits = load_pair_splits(
        files,
        EmbeddingSource(rna_embedding, rna_embeddings or (), rna_sequences),
        EmbeddingSource(protein_embedding, protein_embeddings or (), protein_sequences),
        data if data is not None else files["train"][0].parent,
        max_length=max_length,
        embedding_seed=embedding_seed,
    )
    train_data = splits["train"]
    model_config = RPIembeddorConfig(
        rna_embedding_dim=train_data.rna_store.dim,
        protein_embedding_dim=train_data.protein_store.dim,
        d_model=d_model,
        num_attention_heads=heads,
        num_layers=layers,
        dim_feedforward=dim_feedforward,
        dropout=dropout,
        pooling=pooling,
        rna_embedding_model=rna_embedding
        if rna_embedding != "stored"
        else _model_name(train_data.rna_store, "rna"),
        protein_embedding_model=protein_embedding
        if protein_embedding != "stored"
        else _model_name(train_data.protein_store, "protein"),
    )
    described = str(data) if data is not None else ", ".join(str(p[0]) for p in files.values())
    config = TrainingConfig(
        output_dir=out,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        warmup_steps=warmup_steps,
        gradient_accumulation_steps=gradient_accumulation_steps,
        mixed_precision=mixed_precision,
        max_grad_norm=max_grad_norm,
        max_length=max_length,
        group_by_length=group_by_length,
        best_metric=best_metric,
        threshold=threshold,
        threshold_metric=threshold_metric,
        resume=resume,
        stop_after_epochs=stop_after_epochs,
        tensorboard=tensorboard,
        show_progress=not no_progress,
        dataset_version=dataset_version or _dataset_version(data),
        data_description=described,
    )
    result = train_seeds(
        train_data,
        splits.get("validation"),
        model_config,
        config,
        _all_seeds(seeds, ctx.args),
        test=splits.get("test"),
    )
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(result.markdown(), end="")


def _model_name(store: Any, molecule: str) -> str | None:
    models = sorted(getattr(store, "models", set()))
    return models[0] if len(models) == 1 else (", ".join(models) or None)
