"""The baselines are scikit-learn estimators: clone, get/set_params, Pipeline, GridSearchCV, cross_validate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines import (
    IPMinerFeatures,
    PairData,
    RPISeqFeatures,
    XRPIFeatures,
    as_pair_data,
    make_method,
    method_names,
)
from rpiembeddor_hf.benchmark.inputs import load_pairs

#: Settings small enough for a few seconds per method on ~100 pairs.
TINY = {
    "rpiseq-rf": {"n_estimators": 25},
    "ipminer": {"n_estimators": 25, "pretrain_epochs": 2, "finetune_epochs": 3, "hidden": [16, 8]},
    "xrpi": {"n_estimators": 20},
    "embedding-mlp": {"hidden_layer_sizes": [16], "max_iter": 200},
    "rpiembeddor": {"epochs": 2, "warmup_steps": 2, "validation_fraction": 0.0, "max_length": 256,
                    "model": {"d_model": 16, "dim_feedforward": 16, "pooling": "mean", "dropout": 0.0}},
}


@pytest.mark.parametrize("name", method_names())
def test_estimator_protocol(name: str) -> None:
    estimator = make_method(name, random_state=7)
    assert is_classifier(estimator)
    params = estimator.get_params()
    assert params["random_state"] == 7
    copy = clone(estimator)
    assert copy.get_params() == params and copy is not estimator
    copy.set_params(random_state=3)
    assert copy.random_state == 3 and estimator.random_state == 7


def test_predict_before_fit_is_refused(planted: PairData) -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="fit"):
        make_method("xrpi").predict_proba(planted.to_frame())


def test_transformers_in_pipeline_and_grid_search(planted: PairData) -> None:
    frame, y = planted.to_frame(), planted.y
    pipeline = Pipeline([("features", RPISeqFeatures()), ("forest", RandomForestClassifier(random_state=0))])
    search = GridSearchCV(pipeline, {"forest__n_estimators": [5, 20]}, cv=3, scoring="roc_auc").fit(frame, y)
    assert search.best_score_ > 0.8
    assert search.predict_proba(frame).shape == (len(frame), 2)
    grid = GridSearchCV(make_method("rpiseq-rf"), {"n_estimators": [5, 10]}, cv=3, scoring="roc_auc").fit(frame, y)
    assert grid.best_params_["n_estimators"] in (5, 10)


def test_transformer_widths_and_names(planted: PairData) -> None:
    frame = planted.to_frame()
    for transformer, width in ((RPISeqFeatures(), 599), (XRPIFeatures(), 2048), (IPMinerFeatures(), 599)):
        out = transformer.fit(frame).transform(frame)
        assert out.shape == (len(frame), width) and out.dtype == np.float32
        names = transformer.get_feature_names_out()
        assert len(names) == width and names[0].startswith("rna_") and names[-1].startswith("protein_")
    scaled = IPMinerFeatures().fit(frame).transform(frame)
    assert scaled.min() >= 0.0 and scaled.max() <= 1.0


def test_frame_without_ids_uses_sequences() -> None:
    frame = pd.DataFrame({"rna_sequence": ["ACGUACGU", "GGGAAACC"], "protein_sequence": ["MKKR", "MDDE"]})
    data = as_pair_data(frame, [1, 0])
    assert data.rna_ids.tolist() == ["ACGUACGU", "GGGAAACC"] and data.y.tolist() == [1, 0]
    with pytest.raises(InputError, match="lacks column"):
        as_pair_data(frame.drop(columns="protein_sequence"))
    with pytest.raises(InputError, match="two different sequences"):
        as_pair_data(frame.assign(rna_id=["r1", "r1"]))
    with pytest.raises(InputError, match="0 or 1"):
        as_pair_data(frame, [1, 2])


@pytest.fixture(scope="module")
def real_subset(shared_data: Path) -> PairData:
    """120 pairs of RPI488 (60 positive, 60 negative); ids stand in for families and clans."""
    _, data, _ = load_pairs(shared_data / "RPI488")
    rng = np.random.default_rng(0)
    rows = np.sort(np.concatenate([rng.choice(np.flatnonzero(data.y == label), 60, replace=False)
                                   for label in (0, 1)]))
    subset = data.subset(rows)
    return subset.with_groups(subset.rna_ids, subset.protein_ids)


@pytest.mark.parametrize("name", [n for n in method_names() if n != "rpiembeddor"]
                         + [pytest.param("rpiembeddor", marks=pytest.mark.slow)])
def test_cross_validate_on_real_pairs(name: str, real_subset: PairData) -> None:
    estimator = make_method(name, **TINY.get(name, {}))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(estimator, real_subset.to_frame(), real_subset.y, cv=cv,
                            scoring=["roc_auc", "accuracy"], error_score="raise")
    assert scores["test_roc_auc"].shape == (3,)
    assert np.all((scores["test_roc_auc"] >= 0) & (scores["test_roc_auc"] <= 1))
    assert np.all((scores["test_accuracy"] >= 0) & (scores["test_accuracy"] <= 1))
