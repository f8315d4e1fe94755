"""The shallow family: feature recipes, every solver on every modality, search spaces, sizes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dlbench.solvers import shallow
from dlbench.solvers.features import features_for, hog_features, text_features

SOLVERS = [shallow.LogisticRegressionSolver, shallow.LinearSVM, shallow.RBFSVM, shallow.DecisionTree,
           shallow.RandomForest, shallow.KNN, shallow.NaiveBayes, shallow.XGBoost]
#: Small ensembles keep the tests fast; they change nothing that is checked.
FAST = {"n_estimators": 10}


def make(cls, **params):
    defaults = cls().get_params()
    return cls(**{**{k: v for k, v in FAST.items() if k in defaults}, **params})


def tiny(modality: str, n: int = 48, n_classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    codes = np.arange(n) % n_classes
    y = np.array(["cat", "ant", "bee"])[codes]  # not in sorted order: labels are encoded
    if modality == "tabular":
        X = pd.DataFrame({"x": codes + rng.normal(0, 0.2, n), "colour": rng.choice(["red", "blue", None], n),
                          "z": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))})
    elif modality == "image":
        X = rng.integers(0, 40, size=(n, 8, 8, 1), dtype=np.uint8)
        X[np.arange(n), :, 2 * codes + 1, 0] = 255  # a vertical bar whose column is the class
    else:
        words = np.array(["free prize now", "lunch at noon", "meeting agenda"])
        X = np.array([f"{words[c]} {rng.choice(['ok', 'hi', 'yes'])}" for c in codes], dtype=object)
    return X, y


CASES = [(cls, m, f) for cls in SOLVERS for m, f in (("tabular", "pixels"), ("text", "pixels"),
                                                      ("image", "pixels"), ("image", "hog"))]


@pytest.mark.parametrize("cls,modality,features", CASES, ids=lambda v: getattr(v, "name", v))
def test_solver_learns_tiny_data(cls, modality, features):
    X, y = tiny(modality)
    solver = make(cls, features=features).fit(X, y)
    assert list(solver.classes_) == ["ant", "bee", "cat"]
    proba = solver.predict_proba(X)
    assert proba.shape == (len(y), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    pred = solver.predict(X)
    assert np.array_equal(pred, solver.classes_[proba.argmax(axis=1)])
    if cls is not shallow.NaiveBayes or modality != "image":  # Gaussian NB on 64 noisy pixels is weak
        assert np.mean(pred == y) >= 0.8
    assert solver.model_size()["n_params"] > 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # C = 1000 may need more iterations
@pytest.mark.parametrize("cls", SOLVERS, ids=lambda c: c.name)
@pytest.mark.parametrize("modality", ["tabular", "image", "text"])
def test_search_space_names_parameters_and_every_point_fits(cls, modality):
    kt = pytest.importorskip("keras_tuner")
    hp = kt.HyperParameters()
    cls.search_space(hp, modality)
    names = {p.name for p in hp.space}
    assert names <= set(cls().get_params())
    assert any(isinstance(p, kt.engine.hyperparameters.Float) for p in hp.space)
    if modality == "image":
        assert "features" in names
    X, y = tiny(modality)
    for seed in range(2):  # two random points of the space give working solvers
        values = {p.name: p.random_sample(seed) for p in hp.space}
        assert make(cls, **values).fit(X, y).predict(X).shape == y.shape


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("size,expected", [((8, 8), 324), ((28, 28), 324), ((32, 16), 324), ((3, 3), 9)])
def test_hog_features_shape(channels, size, expected):
    images = np.random.default_rng(0).integers(0, 256, size=(5, *size, channels), dtype=np.uint8)
    features = hog_features(images)
    assert features.shape == (5, expected) and features.dtype == np.float32
    assert np.isfinite(features).all()


def test_hog_of_grey_rgb_equals_hog_of_grey():
    grey = np.random.default_rng(1).integers(0, 256, size=(4, 8, 8, 1), dtype=np.uint8)
    np.testing.assert_allclose(hog_features(np.repeat(grey, 3, axis=3)), hog_features(grey), atol=1e-6)


def test_feature_options():
    texts = np.array(["free prize now", "lunch at noon today", "free lunch"])
    words_only = text_features(word_ngrams=1, char_ngrams=0).fit_transform(texts)
    assert words_only.shape == (3, 7)
    assert features_for("text", texts, char_ngrams=3).fit_transform(texts).shape[1] > 7
    with pytest.raises(ValueError, match="char_ngrams"):
        text_features(char_ngrams=1)
    with pytest.raises(ValueError, match="features must be one of"):
        features_for("image", None, features="sift")
    table = pd.DataFrame({"c": [f"v{i % 20}" for i in range(100)]})
    assert not hasattr(features_for("tabular", table, dense=True).fit_transform(table), "toarray")
    assert hasattr(features_for("tabular", table).fit_transform(table), "toarray")


def test_count_params_follows_its_definition():
    X = pd.DataFrame({"a": [0.0, 1, 2, 3, 10, 11, 12, 13], "b": [1.0, 0, 1, 0, 1, 0, 1, 0]})
    y = np.array(["lo"] * 4 + ["hi"] * 4)
    y3 = np.array(["lo", "lo", "mid", "mid", "mid", "hi", "hi", "hi"])
    assert make(shallow.LogisticRegressionSolver).fit(X, y).model_size()["n_params"] == 2 + 1
    assert make(shallow.LinearSVM).fit(X, y3).model_size()["n_params"] == 3 * 2 + 3
    assert make(shallow.DecisionTree, max_depth=1).fit(X, y).model_size()["n_params"] == 3  # root + 2 leaves
    forest = make(shallow.RandomForest, n_estimators=4).fit(X, y)
    trees = forest.pipeline_.named_steps["model"].estimators_
    assert forest.model_size()["n_params"] == sum(t.tree_.node_count for t in trees) >= 4 * 3
    assert make(shallow.XGBoost, n_estimators=1, max_depth=1).fit(X, y).model_size()["n_params"] == 3
    assert make(shallow.KNN).fit(X, y).model_size()["n_params"] == 8 * 2
    assert make(shallow.NaiveBayes).fit(X, y3).model_size()["n_params"] == 2 * 3 * 2 + 3
    svm = make(shallow.RBFSVM).fit(X, y)
    n_support = len(svm.pipeline_.named_steps["model"].support_)
    assert svm.model_size()["n_params"] == n_support * 2 + n_support + 1


def test_knn_clips_neighbours_and_uses_cosine_on_text():
    X, y = tiny("text", n=6)
    solver = shallow.KNN(n_neighbors=50, weight_power=1.0).fit(X, y)
    model = solver.pipeline_.named_steps["model"]
    assert (model.n_neighbors, model.metric) == (6, "cosine")
    assert np.array_equal(solver.predict(X), y)
    tfidf = solver.pipeline_.named_steps["features"].transform(X)
    assert solver.model_size()["n_params"] == tfidf.nnz < tfidf.shape[0] * tfidf.shape[1]  # sparse: non-zeros


def test_naive_bayes_chooses_its_model_by_modality():
    for modality, model in (("text", "ComplementNB"), ("tabular", "GaussianNB"), ("image", "GaussianNB")):
        X, y = tiny(modality)
        assert type(shallow.NaiveBayes().fit(X, y).pipeline_.named_steps["model"]).__name__ == model


def test_svm_scores_follow_the_decision_function():
    X, y = tiny("tabular", n_classes=2)
    solver = shallow.LinearSVM().fit(X, y)
    margin = solver.pipeline_.decision_function(X)
    np.testing.assert_allclose(solver.predict_proba(X)[:, 1], 1 / (1 + np.exp(-margin)), rtol=1e-6)


def test_import_loads_no_heavy_library():
    code = ("import sys, dlbench.solvers.shallow; "
            "print(sorted(m for m in ('xgboost', 'sklearn', 'skimage') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
