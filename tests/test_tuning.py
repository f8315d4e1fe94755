"""Tuning through keras-tuner oracles: budgets, the validation split and the single use of test data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

SPY = '''
import hashlib, json, os
import numpy as np
from dlbench import Solver


def _fingerprints(X):
    return [hashlib.sha1(row.tobytes()).hexdigest() for row in np.ascontiguousarray(X.to_numpy(dtype=float))]


class Spy(Solver):
    """Nearest-class-mean with a tunable shrinkage; logs every row it is fitted or evaluated on."""

    name = "spy"
    family = "shallow"
    modalities = ("tabular",)
    description = "records what it sees"

    def __init__(self, shrink: float = 0.0, seed: int = 0):
        self.shrink = shrink
        self.seed = seed

    @classmethod
    def search_space(cls, hp, modality):
        hp.Float("shrink", 0.0, 1.0)

    def _log(self, event, X):
        with open(os.environ["SPY_LOG"], "a") as fh:
            fh.write(json.dumps({"event": event, "rows": _fingerprints(X)}) + "\\n")

    def fit(self, X, y):
        self._log("fit", X)
        values = X.to_numpy(dtype=float)
        self.classes_ = np.unique(y)
        centre = values.mean(axis=0)
        self.means_ = np.stack([(1 - self.shrink) * values[y == c].mean(axis=0) + self.shrink * centre
                                for c in self.classes_])
        return self

    def predict_proba(self, X):
        self._log("predict", X)
        d = ((X.to_numpy(dtype=float)[:, None, :] - self.means_) ** 2).sum(axis=2)
        e = np.exp(-(d - d.min(axis=1, keepdims=True)))
        return e / e.sum(axis=1, keepdims=True)
'''


@pytest.fixture
def spy_dir(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "spy.py").write_text(SPY)
    return tmp_path


@pytest.mark.slow
def test_tuning_never_sees_test_data_and_test_is_used_once_per_refit(spy_dir, cli):
    log = spy_dir / "spy.log"
    # --export none: the export's check that a saved model predicts the test set as its cell did
    # would be one more (read-only) pass over the test set.
    proc = cli("run", "wine", "--solvers", "spy", "--sizes", "full", "--seeds", "1", "--trials", "4",
               "--out", spy_dir / "out", "--export", "none",
               cwd=spy_dir, env={"SPY_LOG": str(log)}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    from dlbench.core.registry import discover
    import hashlib

    dataset = discover().get("task", "wine")().load()
    test_rows = {hashlib.sha1(r.tobytes()).hexdigest()
                 for r in np.ascontiguousarray(dataset.X_test.to_numpy(dtype=float))}
    events = [json.loads(line) for line in log.read_text().splitlines()]
    fits = [e for e in events if e["event"] == "fit"]
    assert len(fits) >= 5  # 4 trials, the refit of the best and (if it differs) of the defaults
    assert not any(set(e["rows"]) & test_rows for e in fits)
    test_predictions = [e for e in events if e["event"] == "predict" and set(e["rows"]) == test_rows]
    trial_predictions = [e for e in events if e["event"] == "predict" and set(e["rows"]) & test_rows]
    assert len(test_predictions) == len(trial_predictions) in (1, 2)  # best refit (+ default refit)
    run_dir = Path(next(l.split(": ", 1)[1] for l in proc.stdout.splitlines() if l.startswith("run folder: ")))
    with open(run_dir / "trials.csv", encoding="utf-8") as fh:
        trials = list(csv.DictReader(fh))
    assert len(trials) == 4 and trials[0]["trial_id"] == "default"
    assert len({t["params"] for t in trials}) > 1
    row = next(csv.DictReader(open(run_dir / "results.csv", encoding="utf-8")))
    assert float(row["selection_score"]) == max(float(t["val_score"]) for t in trials)  # the maximised number
    assert float(row["val_score"]) <= float(row["selection_score"])  # the cross-fitted one, reported
    assert row["default_accuracy"] and json.loads(row["best_params"])["shrink"] is not None
    # keras-tuner's files live in the run folder, never in the working directory.
    assert (run_dir / "tuning").is_dir()
    assert sorted(p.name for p in spy_dir.iterdir()) == ["out", "spy.log", "tasks"]


@pytest.mark.parametrize("tuner", ["random", "bayesian", "hyperband"])
def test_every_oracle_drives_a_search(tuner, tmp_path):
    from dlbench.core.registry import discover
    from dlbench.solvers.shallow import LogisticRegressionSolver
    from dlbench.engine.tuning import TuneConfig, tune

    dataset = discover().get("task", "breast-cancer")().load()
    defaults = LogisticRegressionSolver().get_params()
    result = tune(LogisticRegressionSolver, defaults, dataset.X_train, dataset.y_train, modality="tabular",
                  config=TuneConfig(tuner=tuner, trials=4), seed=0, workdir=tmp_path, name=tuner, isolate=False)
    assert 1 <= len(result.trials) <= 4 and result.val_score > 0.9
    assert result.trials[0].trial_id == "default" and all(t.status == "ok" for t in result.trials)


def test_tune_time_is_a_hard_limit(tmp_path):
    import time

    from dlbench.engine.tuning import TuneConfig, tune

    class Sleepy:
        epoch_param = None

        def __init__(self, nap: float = 0.3):
            self.nap = nap

        def get_params(self):
            return {"nap": self.nap}

        @classmethod
        def search_space(cls, hp, modality):
            hp.Float("nap", 0.3, 0.4)

        def fit(self, X, y):
            time.sleep(self.nap)
            self.classes_ = np.unique(y)
            return self

        def predict(self, X):
            return np.full(len(X), self.classes_[0])

    X, y = np.zeros((40, 1)), np.array(["a", "b"] * 20)
    result = tune(Sleepy, {"nap": 0.3}, X, y, modality="tabular", config=TuneConfig(trials=50, tune_time=2.0),
                  seed=0, workdir=tmp_path, name="sleepy")
    assert 2 <= len(result.trials) < 50


def test_a_solver_predicting_by_its_probabilities_predicts_once():
    from dlbench.core.solver import Solver
    from dlbench.engine.tuning import predict_once

    class Counting(Solver):
        calls = 0

        def fit(self, X, y):
            self.classes_ = np.array(["b", "a"])  # not the task's order
            return self

        def predict_proba(self, X):
            Counting.calls += 1
            return np.tile([0.5, 0.5], (len(X), 1)) if X[0, 0] else np.array([[0.2, 0.8]] * len(X))

    class OwnPredict(Counting):
        def predict(self, X):
            return np.full(len(X), "b")

    X = np.zeros((3, 1))
    solver = Counting().fit(X, None)
    for rows in (X, X + 1):  # a clear winner, then a tie: the labels are the ones predict gives
        Counting.calls = 0
        labels, proba, seconds = predict_once(solver, rows, ["a", "b"])
        assert Counting.calls == 1 and seconds >= 0
        assert labels.tolist() == solver.predict(rows).tolist()
    assert proba.tolist() == [[0.5, 0.5]] * 3
    Counting.calls = 0
    labels, proba, _ = predict_once(OwnPredict().fit(X, None), X, ["a", "b"])
    assert labels.tolist() == ["b"] * 3 and proba[0].tolist() == pytest.approx([0.8, 0.2]) and Counting.calls == 1


def test_rungs_halve_large_cells_only():
    from dlbench.engine.tuning import FIDELITY_FROM, rungs

    assert rungs(FIDELITY_FROM - 1, 10, trials=5) == [FIDELITY_FROM - 1]
    assert rungs(64_000, 10, trials=5) == [7_111, 21_333, 64_000]
    assert rungs(6_000, 10, trials=5) == [2_000, 6_000]  # a ninth would hold fewer than 1,000
    assert rungs(64_000, 10, trials=2) == [64_000]  # nothing to halve
    assert rungs(64_000, 10, trials=5, fidelity_from=None) == [64_000]
    assert rungs(64_000, 500, trials=5) == [21_333, 64_000]  # 20 examples per class


def test_successive_halving_over_data(tmp_path, monkeypatch):
    """Every candidate is fitted on a ninth of the inner training part, the best third on a third,
    the best of those on all of it; all are scored on the same validation examples."""
    from dlbench.engine import tuning
    from dlbench.engine.tuning import TuneConfig, tune

    monkeypatch.setattr(tuning, "MIN_RUNG", 100)
    from dlbench.solvers.shallow import LogisticRegressionSolver

    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 5)), columns=list("abcde"))
    y = np.where(X["a"] + 0.5 * X["b"] + rng.normal(scale=0.5, size=3000) > 0, "a", "b")
    config = TuneConfig(tuner="hyperband", trials=5, fidelity_from=1500)
    result = tune(LogisticRegressionSolver, LogisticRegressionSolver().get_params(), X, y, modality="tabular",
                  config=config, seed=0, workdir=tmp_path, name="sh", isolate=False)
    m = 2400  # 80% of 3000 for fitting, 20% for validation
    assert [t.fit_size for t in result.trials] == [m // 9] * 5 + [m // 3] * 2 + [m]
    assert result.rungs == [(m // 9, 5), (m // 3, 2), (m, 1)]
    assert result.tuned_on == m // 3 and result.best.fit_size == m
    promoted = {t.trial_id.split("@")[0] for t in result.trials[5:7]}
    ranked = sorted(result.trials[:5], key=lambda t: -t.val_score)
    assert promoted == {t.trial_id for t in ranked[:2]}
    assert result.trials[-1].trial_id.split("@")[0] == max(result.trials[5:7], key=lambda t: t.val_score).trial_id.split("@")[0]
    assert all(len(t.pred) == 600 for t in result.trials)  # the same validation split throughout
    assert result.val_score == result.best.val_score  # one candidate at the last rung


def test_tune_time_grows_with_the_data():
    from dlbench.engine.tuning import TuneConfig, tune_seconds

    config = TuneConfig(tune_time=60, fidelity_from=6000)
    assert tune_seconds(config, 600) == 60 and tune_seconds(config, 60_000) == 600
    assert tune_seconds(TuneConfig(tune_time=None), 60_000) is None
