"""Training with Accelerate: the command end to end, resume, two CPU processes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModel

from rnainteract_builder.contract.errors import InputError
from rnainteract_builder.contract.io import read_parquet
from rpiembeddor_hf import RPIembeddorModel
from rpiembeddor_hf.cli import main
from rpiembeddor_hf.thresholds import choose_threshold
from tests.accelerate_launch import two_cpu_processes

REPO = Path(__file__).resolve().parents[2]
TINY = [
    "--d-model",
    "16",
    "--dim-feedforward",
    "8",
    "--batch-size",
    "16",
    "--warmup-steps",
    "3",
    "--no-progress",
]


def _args(toy_data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--data",
        str(toy_data / "split"),
        "--rna-embeddings",
        str(toy_data / "rna_embeddings.parquet"),
        "--protein-embeddings",
        str(toy_data / "protein_embeddings.parquet"),
        "--out",
        str(out),
        *TINY,
        *extra,
    ]


def test_train_writes_a_loadable_model_folder_with_card(toy_data, tmp_path, capsys):
    out = (tmp_path / "run").resolve()
    assert main(["train", *_args(toy_data, out, "--epochs", "2", "--seeds", "4", "5", "--tensorboard")]) == 0
    printed = capsys.readouterr().out
    assert "RPIembeddor (2 seeds)" in printed and "| all-negative |" in printed and "±" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [4, 5]
    model_dir = out / "seed-4" / "model"
    card = (model_dir / "README.md").read_text()
    assert "library_name: transformers" in card and "## Intended use" in card and "| RPIembeddor |" in card
    metrics = json.loads((model_dir / "training_metrics.json").read_text())
    assert metrics["train_pairs"] == 48 and metrics["training"]["learning_rate"] == 1e-3
    assert {"validation", "test"} <= set(os.listdir(out / "seed-4" / "evaluation"))
    assert list((out / "logs" / "seed-4").rglob("events.out.tfevents*"))
    reloaded = AutoModel.from_pretrained(model_dir)
    assert isinstance(reloaded, RPIembeddorModel) and reloaded.config.rna_embedding_dim == 6
    # The stored threshold maximises MCC over the best checkpoint's validation probabilities.
    validation = read_parquet(out / "seed-4" / "evaluation" / "validation" / "predictions.parquet")
    labels, probs = (validation.column(c).to_numpy() for c in ("label", "probability"))
    expected = choose_threshold(labels, probs, "mcc")
    assert reloaded.config.threshold == pytest.approx(expected.threshold)
    assert "maximises MCC" in reloaded.config.threshold_source
    assert metrics["threshold"]["threshold"] == pytest.approx(expected.threshold)
    assert "## Decision threshold" in card and "maximises MCC" in card
    saved = json.loads((out / "seed-4" / "evaluation" / "test" / "metrics.json").read_text())
    assert (
        saved["threshold"] == pytest.approx(expected.threshold) and "validation" in saved["threshold_source"]
    )
    # The two seeds really trained different models.
    a, b = (load_file(out / f"seed-{s}" / "model" / "model.safetensors") for s in (4, 5))
    assert not torch.equal(a["classifier.0.weight"], b["classifier.0.weight"])


def test_resume_continues_exactly(toy_data, tmp_path):
    straight, resumed = (tmp_path / "straight").resolve(), (tmp_path / "resumed").resolve()
    common = ["--best-metric", "loss"]
    assert main(["train", *_args(toy_data, straight, "--epochs", "3", *common)]) == 0
    assert (
        main(["train", *_args(toy_data, resumed, "--epochs", "3", "--stop-after-epochs", "2", *common)]) == 0
    )
    state = json.loads((resumed / "checkpoint" / "trainer_state.json").read_text())
    assert state["epochs_done"] == 2
    assert main(["train", *_args(toy_data, resumed, "--epochs", "3", "--resume", *common)]) == 0
    a = load_file(straight / "checkpoint" / "model.safetensors")
    b = load_file(resumed / "checkpoint" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    history = json.loads((resumed / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert history == json.loads((straight / "history.json").read_text())


def test_early_stopping_ends_when_validation_stops_improving(toy_data, tmp_path):
    """A learning rate too small to move float32 weights: epoch 1 stays best, so patience 2 ends after epoch 3
    of 10, and a resume of that run trains nothing more."""
    out = (tmp_path / "early").resolve()
    args = _args(toy_data, out, "--epochs", "10", "--learning-rate", "1e-12", "--early-stopping-patience", "2")
    assert main(["train", *args]) == 0
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3]
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())
    assert state["best_epoch"] == 1 and state["epochs_done"] == 3
    assert main(["train", *args, "--resume"]) == 0
    assert [h["epoch"] for h in json.loads((out / "history.json").read_text())] == [1, 2, 3]


def test_bad_input_is_one_line_and_exit_2(toy_data, tmp_path, capsys):
    assert main(["train", *_args(toy_data, tmp_path / "x", "--epochs", "1", "--resume")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("rpiembeddor: error:") and "nothing to resume" in err[-1]
    assert main(["train", "--data", str(toy_data / "split"), "--out", str(tmp_path / "y")]) == 2
    assert "no rna embeddings given" in capsys.readouterr().err
    assert main(["train", *_args(toy_data, tmp_path / "z", "--seeds", "1", "oops")]) == 2
    assert "unexpected argument 'oops'" in capsys.readouterr().err
    assert main(["train", *_args(toy_data, tmp_path / "w", "--pooling", "max")]) == 2
    assert "model settings: pooling must be one of" in capsys.readouterr().err.strip().splitlines()[-1]


def test_onehot_ablation_trains_and_evaluates(toy_data, tmp_path, capsys):
    out = (tmp_path / "onehot").resolve()
    args = ["--rna-embedding", "onehot", "--protein-embedding", "random-letter", "--epochs", "1"]
    assert main(["train", *_args(toy_data, out, *args)]) == 0
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["rna_embedding_dim"] == 5 and config["protein_embedding_dim"] == 640
    assert config["rna_embedding_model"] == "onehot"
    capsys.readouterr()
    evaluated = [
        "evaluate",
        "--model",
        str(out / "model"),
        "--data",
        str(toy_data / "split"),
        "--split",
        "test",
        "--rna-embedding",
        "onehot",
        "--protein-embedding",
        "random-letter",
        "--out",
        str(tmp_path / "eval"),
    ]
    assert main(evaluated) == 0
    printed = capsys.readouterr().out
    assert "| RPIembeddor |" in printed
    stored = json.loads((out / "model" / "config.json").read_text())["threshold"]
    assert f"Threshold {stored:.4g}: from the model config: chosen on validation" in printed
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())["model"]
    trained = json.loads((out / "evaluation" / "test" / "metrics.json").read_text())["model"]
    assert saved["threshold"] == stored  # evaluate defaults to the model's own threshold ...
    assert saved == pytest.approx(trained)  # ... so it reproduces training's test scores
    assert main([*evaluated[:-1], str(tmp_path / "eval-fixed"), "--threshold", "0.5"]) == 0
    assert "given with --threshold" in capsys.readouterr().out
    fixed = json.loads((tmp_path / "eval-fixed" / "metrics.json").read_text())
    assert fixed["model"]["threshold"] == 0.5 and fixed["model"]["auroc"] == pytest.approx(trained["auroc"])
    # Stored 6-d RNA embeddings do not fit a model trained on one-hot (5-d): clear error, exit 2.
    wrong = [
        *evaluated[:-6],
        "--rna-embeddings",
        str(toy_data / "rna_embeddings.parquet"),
        "--protein-embedding",
        "random-letter",
        "--out",
        str(tmp_path / "eval2"),
    ]
    assert main(wrong) == 2
    assert "RNA embeddings are 6-dimensional but the model takes 5" in capsys.readouterr().err


@pytest.mark.slow
def test_two_cpu_processes_agree_with_one_process_evaluation(toy_data, tmp_path):
    out = (tmp_path / "ddp").resolve()
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1", "TRANSFORMERS_VERBOSITY": "error"}
    launch = two_cpu_processes(
        str(REPO / "scripts" / "train_rpiembeddor.py"), *_args(toy_data, out, "--epochs", "2")
    )
    done = subprocess.run(launch, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((out / "model" / "training_metrics.json").read_text())
    assert metrics["num_processes"] == 2
    assert metrics["parameters_identical_across_processes"] is True
    # One process scoring the same checkpoint gives the same validation metrics as the gathered ones.
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(out / "model"),
                "--data",
                str(toy_data / "split"),
                "--split",
                "validation",
                "--rna-embeddings",
                str(toy_data / "rna_embeddings.parquet"),
                "--protein-embeddings",
                str(toy_data / "protein_embeddings.parquet"),
                "--out",
                str(tmp_path / "one"),
            ]
        )
        == 0
    )
    one = json.loads((tmp_path / "one" / "metrics.json").read_text())["model"]
    two = json.loads((out / "evaluation" / "validation" / "metrics.json").read_text())["model"]
    assert one["n_positive"] + one["n_negative"] == 16
    assert one == pytest.approx(two, abs=1e-6)


def test_train_options_are_generated_from_the_configuration_classes(capsys):
    import dataclasses
    import inspect

    from rpiembeddor_hf import RPIembeddorConfig
    from rpiembeddor_hf.training import TrainingConfig
    from rpiembeddor_hf.training.command import NOT_MODEL_OPTIONS, model_parameters, training_parameters

    generated = {p.name: p.default for p in training_parameters()}
    for f in dataclasses.fields(TrainingConfig):
        if f.metadata.get("cli", "") is not None:
            default = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
            assert generated.pop(f.name) == default, f.name
    assert not generated
    model = {p.name: p.default for p in model_parameters()}
    init = inspect.signature(RPIembeddorConfig.__init__).parameters
    expected = {n: p.default for n, p in init.items() if n not in {"self", "kwargs", *NOT_MODEL_OPTIONS}}
    assert model == expected and model["d_model"] == 256 and model["dim_feedforward"] == 20
    assert main(["train", "--help"]) == 0
    shown = capsys.readouterr().out
    for option in (
        "--out",
        "--epochs",
        "--no-progress",
        "--heads",
        "--num-attention-heads",
        "--layers",
        "--pooling",
    ):
        assert option in shown
    assert "width of the shared hidden space" in shown  # help text from RPIembeddorConfig's docstring


def test_model_config_takes_its_fields_from_the_one_declaration():
    """RPIembeddorConfig's defaults, signature and docstring come from configuration_fields.FIELDS."""
    import inspect

    from rpiembeddor_hf import RPIembeddorConfig
    from rpiembeddor_hf.configuration_fields import FIELDS

    config = RPIembeddorConfig()
    init = inspect.signature(RPIembeddorConfig.__init__).parameters
    for f in FIELDS:
        assert getattr(config, f.name) == f.default, f.name
        assert init[f.name].default == f.default and init[f.name].annotation == f.kind, f.name
        assert f"{f.name}: " in RPIembeddorConfig.__doc__
    assert set(init) == {"self", "kwargs", *(f.name for f in FIELDS)}
    saved = config.to_dict()
    assert all(saved[f.name] == f.default for f in FIELDS)
    assert RPIembeddorConfig(**{**saved, "d_model": 64}).d_model == 64


def test_folder_swap_keeps_the_previous_folder_when_writing_fails(tmp_path):
    from rpiembeddor_hf.training.checkpoints import swap_folder

    folder = tmp_path / "model"
    swap_folder(folder, lambda tmp: (tmp.mkdir(), (tmp / "a.txt").write_text("first")))

    def broken(tmp: Path) -> None:
        tmp.mkdir()
        (tmp / "a.txt").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        swap_folder(folder, broken)
    assert (folder / "a.txt").read_text() == "first"
    swap_folder(folder, lambda tmp: (tmp.mkdir(), (tmp / "b.txt").write_text("second")))
    assert sorted(p.name for p in folder.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary or old folder left


def test_model_card_without_held_out_splits(toy_data):
    from rpiembeddor_hf import RPIembeddorConfig
    from rpiembeddor_hf.data import EmbeddedPairDataset, EmbeddingSource, read_tables
    from rpiembeddor_hf.thresholds import training_threshold
    from rpiembeddor_hf.training import TrainingConfig, TrainingResult
    from rpiembeddor_hf.training.model_card import render_model_card
    from rpiembeddor_hf.training.results import RunSplits

    stores = {
        m: EmbeddingSource("stored", [toy_data / f"{m}_embeddings.parquet"]).open(m, None, [])
        for m in ("rna", "protein")
    }
    train = EmbeddedPairDataset(
        read_tables([toy_data / "split" / "train.parquet"]), stores["rna"], stores["protein"]
    )
    config = RPIembeddorConfig(rna_embedding_dim=6, protein_embedding_dim=10, d_model=16, dim_feedforward=8)
    model = RPIembeddorModel(config)
    choice = training_threshold(None, None, "mcc", 0.5, "validation", 2)
    result = TrainingResult(model, toy_data, 2, choice, None, None, [], 1, True)
    card = render_model_card(config, TrainingConfig(output_dir=toy_data), result, RunSplits(train), {})
    n_params = sum(p.numel() for p in model.parameters())
    assert card.startswith("---\nlibrary_name: transformers\n") and card.endswith("out.probabilities\n```\n")
    assert f"A {n_params:,}-parameter cross-attention transformer" in card
    assert "- pairs: 48 train" in card and ", 0 validation, 0 test" in card
    assert "## Results\n\nNo labelled validation or test split was given.\n\n## Intended use" in card
    assert "- dataset version: unversioned (local files)" in card and "no labelled validation split" in card


def test_config_file_sets_what_the_command_line_does_not(toy_data, tmp_path, capsys):
    settings = tmp_path / "run.yaml"
    settings.write_text(
        "epochs: 1\nlearning-rate: 1e-2\npooling: mean\nnum_attention_heads: 4\nresume: false\n"
    )
    out = (tmp_path / "run").resolve()
    assert main(["train", *_args(toy_data, out, "--epochs", "2", "--config-file", str(settings))]) == 0
    metrics = json.loads((out / "model" / "training_metrics.json").read_text())
    assert metrics["training"]["epochs"] == 2  # the command line wins ...
    assert metrics["training"]["learning_rate"] == 0.01  # ... the file beats the defaults (1e-3 read as text)
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["pooling"] == "mean" and config["num_attention_heads"] == 4 and config["d_model"] == 16
    settings.write_text("epoch: 3\n")
    assert main(["train", *_args(toy_data, tmp_path / "x", "--config-file", str(settings))]) == 2
    assert "unknown setting 'epoch'" in capsys.readouterr().err


def test_settings_are_checked_and_converted(tmp_path):
    from rpiembeddor_hf.training.settings import read_settings

    kinds = {"epochs": int, "learning_rate": float, "max_grad_norm": float | None, "tensorboard": bool}
    path = tmp_path / "s.yaml"
    path.write_text("epochs: 3.0\nlearning_rate: 5e-4\nmax-grad-norm: null\ntensorboard: true\n")
    assert read_settings(path, kinds) == {
        "epochs": 3,
        "learning_rate": 5e-4,
        "max_grad_norm": None,
        "tensorboard": True,
    }
    for text, message in [
        ("epochs: 2.5\n", "whole number"),
        ("learning_rate: fast\n", "must be float"),
        ("tensorboard: 1\n", "true or false"),
        ("epochs: null\n", "needs a value"),
        ("- epochs\n", "mapping"),
        ("epochs: [\n", "not valid YAML"),
    ]:
        path.write_text(text)
        with pytest.raises(InputError, match=message):
            read_settings(path, kinds)
