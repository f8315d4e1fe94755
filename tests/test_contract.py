"""One contract for every solver and every offline task dlbench registers.

A solver: a scikit-learn estimator (scikit-learn's own checks, ``clone``, ``repr``, ``score``,
``NotFittedError``), shapes, ``classes_``, string labels, two and more classes, determinism for
a fixed seed, and no peeking: predictions on data it never saw do not change what it learned.
A task: metadata, a valid Dataset and a held-out split that never changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.estimator_checks import (
    check_estimators_unfitted,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from dlbench.core.errors import SolverUnavailable
from dlbench.core.estimator import METRICS
from dlbench.core.registry import discover
from dlbench.core.solver import FAMILIES, modality_of
from dlbench.core.task import MODALITIES, Dataset

REGISTRY = discover()


def _ours(plugin) -> bool:
    """Registered by dlbench itself: a third-party plugin installed in the environment is its author's to test."""
    return plugin.source.endswith("(package dlbench)")


SOLVERS = sorted(n for n, p in REGISTRY.solvers.items() if _ours(p))
OFFLINE_TASKS = sorted(n for n, p in REGISTRY.tasks.items() if p.obj.offline and _ours(p))
#: Small settings so the contract runs fast; they never change what is being checked.
FAST = {"epochs": 3, "patience": 2, "units": 16, "max_tokens": 500, "sequence_length": 20, "n_features": 420,
        "filters": 8}
#: Extra ``__init__`` arguments a solver needs outside a task (normally from ``for_task``).
CONTRACT_PARAMS = {"task-rules": {"rules": lambda X: np.full(len(X), "class 0")}}


def make_data(modality: str, n_classes: int, n: int = 60, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.array([f"class {i % n_classes}" for i in range(n)])
    codes = np.arange(n) % n_classes
    if modality == "tabular":
        X = pd.DataFrame({
            "x": codes + rng.normal(0, 0.3, n),
            "size": rng.choice(["small", "large", None], n),
            "z": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        })
    elif modality == "image":
        X = rng.integers(0, 60, size=(n, 8, 8, 1), dtype=np.uint8)
        for i, c in enumerate(codes):
            X[i, c % 8, :, 0] = 250
    elif modality == "signal":  # 2 channels of 24 steps, a bump where the class says
        X = rng.normal(0, 0.3, size=(n, 24, 2)).astype(np.float32)
        for i, c in enumerate(codes):
            X[i, 3 + 4 * (c % 5):7 + 4 * (c % 5), 0] += 2.0
    else:
        words = ["free", "win", "hello", "meeting", "lunch", "prize"]
        X = np.array([f"{words[c % len(words)]} {rng.choice(words)} text" for c in codes], dtype=object)
    return X, y


def fast(cls):
    params = cls().get_params(deep=False)
    return cls(**{k: v for k, v in FAST.items() if k in params}, **CONTRACT_PARAMS.get(cls.name, {}))


def fit_or_skip(solver, X, y):
    """Fit, or skip the check when the solver cannot run here (e.g. weights offline)."""
    try:
        return solver.fit(X, y)
    except SolverUnavailable as exc:
        pytest.skip(f"{solver.name} unavailable here: {exc}")


def n_classes_for(cls, n_classes: int) -> int:
    """A solver with ``binary_only = True`` (e.g. a sentiment lexicon) is checked on two classes."""
    return 2 if getattr(cls, "binary_only", False) else n_classes


CASES = [(s, m) for s in SOLVERS for m in REGISTRY.solvers[s].obj.modalities]


def test_registry_has_all_three_families():
    assert {REGISTRY.solvers[s].obj.family for s in SOLVERS} == set(FAMILIES)


@pytest.mark.parametrize("name", SOLVERS)
def test_solver_metadata_and_params(name):
    cls = REGISTRY.solvers[name].obj
    assert cls.name == name and cls.family in FAMILIES and cls.description
    assert set(cls.modalities) <= set(MODALITIES)
    solver = cls()
    params = solver.get_params(deep=False)
    assert not any(k.endswith("_") for k in vars(solver)), "__init__ must not set fitted state"
    assert type(solver)(**params).get_params() == params == solver.get_params(deep=True)
    assert clone(solver).get_params() == params
    assert repr(solver) == f"{cls.__name__}()"  # scikit-learn's print_changed_only: defaults not shown
    if params:
        first = min(params)
        assert repr(solver.set_params(**{first: 12345})) == f"{cls.__name__}({first}=12345)"


#: scikit-learn's own checks that need no fit on its numeric arrays (dlbench's solvers take a
#: DataFrame, texts or images): the five the contract asks for, then cloning, ``repr`` and tags
#: (those from scikit-learn 1.6 on).
SKLEARN_CHECKS = [check_get_params_invariance, check_set_params, check_no_attributes_set_in_init,
                  check_parameters_default_constructible, check_estimators_unfitted] + [
    getattr(estimator_checks, name) for name in ("check_estimator_cloneable", "check_estimator_repr",
                                                 "check_valid_tag_types", "check_estimator_tags_renamed")
    if hasattr(estimator_checks, name)]


@pytest.mark.parametrize("check", SKLEARN_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("name", SOLVERS)
def test_solver_passes_sklearn_check(name, check):
    """Cheap for every family: construction and clones only (predicting unfitted builds no model)."""
    check(name, REGISTRY.solvers[name].obj(**CONTRACT_PARAMS.get(name, {})))


@pytest.mark.parametrize("name,modality", CASES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_solver_fit_predict_contract(name, modality, n_classes):
    cls = REGISTRY.solvers[name].obj
    if n_classes_for(cls, n_classes) != n_classes:
        pytest.skip(f"{name} is binary only")
    X, y = make_data(modality, n_classes)
    solver = fast(cls)
    assert fit_or_skip(solver, X, y) is solver
    assert list(solver.classes_) == sorted(set(y))
    pred = solver.predict(X)
    assert pred.shape == (len(y),) and set(pred) <= set(y)
    proba = solver.predict_proba(X)
    assert proba.shape == (len(y), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    size = solver.model_size()
    assert set(size) >= {"n_params", "model_bytes"}
    assert solver.score(X, y) == pytest.approx(np.mean(pred.astype(str) == y.astype(str)))
    unfitted = clone(solver)
    assert type(unfitted) is cls and unfitted.get_params(deep=False) == solver.get_params(deep=False)
    assert not [k for k in vars(unfitted) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        unfitted.predict(X)


@pytest.mark.parametrize("name,modality", CASES)
def test_solver_is_deterministic_and_does_not_learn_from_prediction(name, modality):
    n_classes = n_classes_for(REGISTRY.solvers[name].obj, 3)
    X, y = make_data(modality, n_classes)
    X_new, _ = make_data(modality, n_classes, n=30, seed=1)
    first = fit_or_skip(fast(REGISTRY.solvers[name].obj), X, y)
    before = first.predict_proba(X_new)
    first.predict(X)  # predicting on other data must not change the model
    np.testing.assert_allclose(first.predict_proba(X_new), before, atol=1e-6)
    second = fast(REGISTRY.solvers[name].obj).fit(X, y)
    np.testing.assert_allclose(second.predict_proba(X_new), before, atol=1e-4)


@pytest.mark.parametrize("name,modality", CASES)
def test_solver_is_saved_without_pickle_and_loads_back_exactly(name, modality, tmp_path):
    """Every solver exports: skops for its state, its library's own format for the rest, checksums checked."""
    from dlbench.models import files

    cls = REGISTRY.solvers[name].obj
    X, y = make_data(modality, n_classes_for(cls, 3))
    X_new, _ = make_data(modality, n_classes_for(cls, 3), n=30, seed=1)
    solver = fit_or_skip(fast(cls), X, y)
    if name == "task-rules":  # the contract's rules are a lambda: they cannot be saved without pickle
        files.stage(solver, tmp_path / "m")
        assert "cannot be saved without pickle" in (tmp_path / "m" / files.UNSAVED_FILE).read_text()
        return
    formats = files.save_solver(solver, tmp_path / "m")
    assert files.STATE_FILE in formats and not list((tmp_path / "m").glob("*.pkl"))
    loaded = files.load_solver(tmp_path / "m", files.checksums(tmp_path / "m", formats), cls.__module__)
    assert type(loaded) is cls and loaded.get_params().keys() == solver.get_params().keys()
    np.testing.assert_array_equal(loaded.predict(X_new), solver.predict(X_new))
    np.testing.assert_allclose(loaded.predict_proba(X_new), solver.predict_proba(X_new), atol=1e-6)


def test_a_tuned_configuration_saves_too(tmp_path):
    """Tuned values can add state the defaults lack (knn's distance weights are a functools.partial)."""
    from dlbench.models import files

    X, y = make_data("tabular", 3)
    solver = REGISTRY.solvers["knn"].obj(weight_power=1.0).fit(X, y)
    formats = files.save_solver(solver, tmp_path / "m")
    loaded = files.load_solver(tmp_path / "m", files.checksums(tmp_path / "m", formats), type(solver).__module__)
    np.testing.assert_array_equal(loaded.predict_proba(X), solver.predict_proba(X))


def _readme_solver() -> type:
    """The README's plugin example, exactly as written: what a plugin author writes gets the estimator API."""
    from test_readme import python_blocks

    code = next(b for b in python_blocks() if "class NearestCentroid(Solver)" in b)
    namespace = {"__name__": __name__}
    exec(code, namespace)  # noqa: S102 - our own README's code
    return namespace["NearestCentroid"]


NearestCentroid = _readme_solver()


def test_a_plugin_solver_is_a_scikit_learn_estimator():
    from sklearn.base import is_classifier
    from sklearn.model_selection import cross_val_score
    from sklearn.utils.validation import check_is_fitted

    X, y = make_data("tabular", 3)
    X = X[["x", "z"]].fillna(0.0)
    solver = NearestCentroid(shrink=0.5)
    assert repr(solver) == "NearestCentroid(shrink=0.5)" and is_classifier(solver)
    for call in (lambda: solver.predict(X), lambda: solver.predict_proba(X), lambda: solver.score(X, y),
                 solver.model_size, lambda: check_is_fitted(solver)):
        with pytest.raises(NotFittedError, match="NearestCentroid instance is not fitted yet"):
            call()
    assert solver.fit(X, y) is solver
    check_is_fitted(solver)
    pred = solver.predict(X)
    assert solver.score(X, y) == pytest.approx(np.mean(pred == y))
    codes = np.searchsorted(solver.classes_, y)  # integer labels: compared as strings, as dlbench stores them
    assert clone(solver).fit(X, codes).score(X, codes.astype(str)) == pytest.approx(np.mean(pred == y))
    weights = (np.arange(len(y)) % 2).astype(float)
    assert solver.score(X, y, sample_weight=weights) == pytest.approx(np.average(pred == y, weights=weights))
    copy = clone(solver)
    assert copy.get_params() == {"shrink": 0.5, "seed": 0} and not hasattr(copy, "centroids_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    scores = cross_val_score(NearestCentroid(), X, y, cv=3)  # clone, tags and score, as scikit-learn uses them
    assert scores.shape == (3,) and scores.min() > 0.8
    for check in SKLEARN_CHECKS:
        check("nearest-centroid", solver)


def test_get_params_deep_and_nested_set_params_as_scikit_learn():
    """A parameter that is itself an estimator shows up as ``name__sub``, and can be set so."""
    from dlbench.solvers.rule import OneR

    class Wrapper(NearestCentroid):
        def __init__(self, inner=None, **kwargs):
            self.inner = inner
            super().__init__(**kwargs)

    solver = Wrapper(inner=OneR(n_bins=3), shrink=0.1)
    shallow, deep = solver.get_params(deep=False), solver.get_params(deep=True)
    assert set(shallow) == {"inner", "seed", "shrink"}
    assert deep == {**shallow, "inner__n_bins": 3, "inner__min_bin_fraction": 0.01}
    assert solver.set_params(inner__n_bins=7, shrink=0.2) is solver
    assert solver.inner.n_bins == 7 and solver.shrink == 0.2
    assert repr(solver) == "Wrapper(inner=OneR(n_bins=7), shrink=0.2)"
    for bad in ({"nope": 1}, {"inner__nope": 1}, {"nope__n_bins": 1}):
        with pytest.raises(ValueError, match="Invalid parameter"):
            solver.set_params(**bad)
    copy = clone(solver)
    assert copy.inner is not solver.inner and repr(copy) == repr(solver)
    assert copy.get_params() == {**solver.get_params(), "inner": copy.inner}
    for check in SKLEARN_CHECKS:
        check("wrapper", solver)


def test_import_dlbench_and_its_solvers_stays_light(tmp_path):
    """Importing, listing, constructing, configuring and printing solvers loads nothing heavy; an
    unfitted solver's ``predict`` loads scikit-learn for its ``NotFittedError``, never Keras."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys
        import dlbench
        from dlbench.core.registry import discover

        def heavy():
            return sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "tensorflow", "keras",
                                                                    "keras_tuner", "xgboost"})

        solvers = [plugin.obj() for plugin in discover().solvers.values()]
        for solver in solvers:
            repr(solver.set_params(**solver.get_params(deep=True)))
        print(heavy())
        for solver in solvers:
            try:
                solver.predict([[0.0]])
            except AttributeError as exc:  # NotFittedError is one
                assert type(exc).__name__ == "NotFittedError", exc
            else:
                raise AssertionError(f"{solver!r} predicted before fit")
        print(heavy())
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "['sklearn']"]


def test_modality_of():
    assert modality_of(pd.DataFrame({"a": [1]})) == "tabular"
    assert modality_of(np.array(["a b"])) == "text"
    assert modality_of(np.zeros((2, 8, 8, 1), np.uint8)) == "image"
    assert modality_of(np.zeros((2, 40, 3), np.float32)) == "signal"


@pytest.mark.parametrize("name", sorted(n for n, p in REGISTRY.tasks.items() if _ours(p)))
def test_task_metadata(name):
    meta = REGISTRY.tasks[name].obj.metadata()
    assert meta["name"] == name and meta["modality"] in MODALITIES
    assert meta["problem"] == "classification" and meta["metric"] in METRICS  # what Solver.score computes
    assert meta["description"] and meta["source"] and meta["license"]


@pytest.mark.parametrize("name", OFFLINE_TASKS)
def test_offline_task_loads_a_fixed_split(name):
    task = REGISTRY.tasks[name].obj()
    first, second = task.load(), task.load()
    assert isinstance(first, Dataset) and first.modality == task.modality
    assert modality_of(first.X_train) == task.modality == modality_of(first.X_test)
    if task.modality == "image":
        assert first.X_train.dtype == np.uint8 and first.X_train.ndim == 4
    if task.modality == "signal":
        assert first.X_train.dtype == np.float32 and first.X_train.shape[1:] == first.X_test.shape[1:]
    assert np.array_equal(first.y_test, second.y_test)
    if hasattr(first.X_test, "equals"):  # a table: missing values (NaN) are equal where both miss
        assert first.X_test.equals(second.X_test)
    else:
        assert np.array_equal(np.asarray(first.X_test), np.asarray(second.X_test))
    if task.n_classes:
        assert first.n_classes == task.n_classes
    if task.n_examples:
        assert len(first.y_train) + len(first.y_test) == task.n_examples
