from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines import PairData, load_method, make_method, method_names

#: Tiny settings so the whole file runs in seconds; the real defaults are exercised by the benchmark.
TINY = {
    "rpiseq-rf": {"n_estimators": 25},
    "ipminer": {"n_estimators": 25, "pretrain_epochs": 3, "finetune_epochs": 5, "hidden": [16, 8]},
    "xrpi": {"n_estimators": 20},
}
LEARNING = ["pair-rate", "nearest-neighbour", "rpiseq-rf", "rpiseq-svm", "ipminer", "xrpi", "embedding-mlp"]


def _fit(name: str, train: PairData, seed: int = 0):
    return make_method(name, random_state=seed, **TINY.get(name, {})).fit(train.to_frame(), train.y)


def _positive(model, test: PairData) -> np.ndarray:
    proba = model.predict_proba(test.to_frame())
    assert proba.shape == (len(test), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    return proba[:, 1]


def test_all_methods_registered() -> None:
    assert set(LEARNING) | {"all-positive", "all-negative"} <= set(method_names())


@pytest.mark.parametrize("name", LEARNING)
def test_beats_chance_on_planted_signal(name: str, planted_split: tuple[PairData, PairData]) -> None:
    train, test = planted_split
    probs = _positive(_fit(name, train), test)
    assert np.all((probs >= 0) & (probs <= 1))
    auroc = roc_auc_score(test.y, probs)
    accuracy = ((probs >= 0.5) == test.y).mean()
    assert auroc > 0.75, f"{name}: AUROC {auroc:.3f}"
    assert accuracy > 0.65, f"{name}: accuracy {accuracy:.3f}"


def test_constant_baselines(planted_split: tuple[PairData, PairData]) -> None:
    train, test = planted_split
    assert np.all(_positive(_fit("all-positive", train), test) == 1.0)
    assert np.all(_positive(_fit("all-negative", train), test) == 0.0)


@pytest.mark.parametrize("name", [*LEARNING, "all-positive", "embedding-logreg"])
def test_saved_model_reloads_to_identical_predictions(
    name: str, planted_split: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, test = planted_split
    model = _fit(name, train)
    before = _positive(model, test)
    model.save(tmp_path / name)
    assert not list((tmp_path / name).glob("*.pkl")) and not list((tmp_path / name).glob("*.pickle"))
    reloaded = load_method(tmp_path / name)
    assert type(reloaded) is type(model)
    assert reloaded.get_params() == json.loads(json.dumps(model.get_params()))  # tuples come back as lists
    np.testing.assert_array_equal(_positive(reloaded, test), before)


@pytest.mark.parametrize("name", ["rpiseq-rf", "ipminer", "xrpi", "rpiseq-svm", "embedding-mlp"])
def test_seeded(name: str, planted_split: tuple[PairData, PairData]) -> None:
    train, test = planted_split
    np.testing.assert_array_equal(
        _positive(_fit(name, train, seed=3), test), _positive(_fit(name, train, seed=3), test)
    )


def test_untrusted_skops_type_is_refused(planted_split: tuple[PairData, PairData], tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    model = _fit("rpiseq-rf", planted_split[0])
    model.save(tmp_path / "m")
    # A file that would call an arbitrary function on load is refused before anything is built.
    sio.dump(FunctionTransformer(func=np.sum), tmp_path / "m" / "model.skops")
    with pytest.raises(InputError, match="untrusted"):
        load_method(tmp_path / "m")


def test_load_method_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a saved method"):
        load_method(tmp_path)
    (tmp_path / "method.json").write_text(json.dumps({"method": "nope", "params": {}, "format_version": 2}))
    with pytest.raises(InputError, match="unknown method"):
        load_method(tmp_path)
    (tmp_path / "method.json").write_text(json.dumps({"method": "xrpi", "params": {"seed": 0}, "format_version": 1}))
    with pytest.raises(InputError, match="format version 1"):
        load_method(tmp_path)


def test_pair_rate_needs_groups(planted: PairData) -> None:
    with pytest.raises(InputError, match="rna_family"):
        make_method("pair-rate").fit(planted.with_groups(None, None).to_frame(), planted.y)


def test_missing_sequence_is_a_clear_error(planted: PairData) -> None:
    with pytest.raises(InputError, match="no sequence"):
        PairData(planted.rna_ids, planted.protein_ids, {}, planted.protein_sequences, planted.labels)


@pytest.mark.slow
def test_rpiembeddor_method_learns_and_reloads(tmp_path: Path) -> None:
    """The project's model through the training API, one-hot inputs, tiny settings (CPU, ~10 s)."""
    from tests.rpiembeddor_hf.baselines.conftest import planted_tables

    data = PairData.from_tables(*planted_tables(n_rna=12, n_protein=12))
    order = np.random.default_rng(1).permutation(len(data))
    cut = int(0.7 * len(data))
    train, test = data.subset(np.sort(order[:cut])), data.subset(np.sort(order[cut:]))
    model = make_method("rpiembeddor", epochs=15, warmup_steps=10, learning_rate=3e-3, validation_fraction=0.0,
                        model={"d_model": 32, "dim_feedforward": 16, "pooling": "mean", "dropout": 0.0})
    probs = _positive(model.fit(train.to_frame(), train.y), test)
    assert roc_auc_score(test.y, probs) > 0.75
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "model" / "model.safetensors").is_file()
    np.testing.assert_array_equal(_positive(load_method(tmp_path / "m"), test), probs)
