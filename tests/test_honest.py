"""Honest conclusions: ties are called ties, real differences are found, every family trains on n.

The findings are computed from stored per-example predictions, as ``dlbench report`` does; the
cell-level tests run real cells in process on tiny data.
"""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from dlbench.analysis import findings
from dlbench.analysis.extrapolation import examples_needed, extrapolate
from dlbench.core.solver import Solver
from dlbench.core.task import Dataset
from dlbench.engine.cell import Cell, CellSettings, run_cell
from dlbench.engine.tuning import TuneConfig


def _row(task, solver, family, size, seed, accuracy, n_test, val=0.5):
    return {"task": task, "modality": "tabular", "solver": solver, "family": family, "train_size": size,
            "seed": seed, "status": "ok", "accuracy": accuracy, "val_score": val, "n_test": n_test,
            "fit_seconds": 0.01, "predict_seconds_per_1k": 0.001, "n_params": 1, "classes": ["0", "1"]}


def _analyse(correct: dict[tuple, np.ndarray], families: dict[str, str], val=None):
    """Findings for fabricated per-example correctness: ``correct[(solver, size, seed)]``."""
    rows, predictions = [], {}
    for (solver, size, seed), right in correct.items():
        y_true = np.arange(len(right)) % 2
        predictions[("t", solver, size, seed)] = {"test_true": y_true, "test_pred": np.where(right, y_true, 1 - y_true)}
        rows.append(_row("t", solver, families[solver], size, seed, float(np.mean(right)), len(right),
                         (val or {}).get(solver, 0.5)))
    return findings.analyse(rows, {}, predictions).tasks[0]


def _words(found) -> str:
    return " ".join(found.headline) + " " + " ".join(c.sentence for c in found.crossovers)


@pytest.mark.parametrize("seeds", [1, 3])
def test_identical_predictions_are_tied_everywhere(seeds):
    rng = np.random.default_rng(1)
    sizes = (50, 100, 200, 400)
    base = {n: rng.random(140) < 0.6 + n / 2000 for n in sizes}
    correct = {(s, n, seed): base[n] for s in ("a", "b") for n in sizes for seed in range(seeds)}
    found = _analyse(correct, {"a": "shallow", "b": "deep"}, val={"a": 0.9, "b": 0.8})
    assert [t.verdict for t in found.tests] == ["tied"]
    assert found.crossovers[0].kind == "tied"
    assert "tied at every measured size" in found.crossovers[0].sentence
    assert "overtakes" not in _words(found) and "ahead" not in _words(found)
    assert found.tied_with_best == ["b"]


@pytest.mark.parametrize("seeds", [1, 3])
def test_two_disagreements_in_140_are_a_tie(seeds):
    right = np.ones(140, bool)
    right[::3] = False  # about 67% correct
    better = right.copy()
    better[[0, 3]] = True  # right on the same 2 more examples, in every seed
    correct = {}
    for n in (100, 200, 400):
        for seed in range(seeds):
            correct[("a", n, seed)] = better if n == 400 else right
            correct[("b", n, seed)] = right if n == 400 else better
    found = _analyse(correct, {"a": "deep", "b": "shallow"}, val={"a": 0.9, "b": 0.8})
    assert found.tests[0].discordant == 2 and found.tests[0].verdict == "tied"
    assert found.crossovers[0].kind == "tied"  # means cross, the test says nothing crossed
    assert "overtakes" not in _words(found)


@pytest.mark.parametrize("seeds", [1, 3])
def test_crossing_curves_overtake_at_the_right_size(seeds):
    rng = np.random.default_rng(2)
    order = rng.permutation(400)
    accuracy = {"deep": {100: 0.55, 300: 0.70, 1000: 0.90, 3000: 0.95},
                "shallow": {100: 0.75, 300: 0.80, 1000: 0.82, 3000: 0.83}}
    correct = {}
    for solver, curve in accuracy.items():
        for n, acc in curve.items():
            for seed in range(seeds):  # each seed's model a little better or worse: training variance
                right = np.zeros(400, bool)
                right[order[: int((acc + rng.normal(0, 0.008)) * 400)]] = True
                correct[(solver, n, seed)] = right
    found = _analyse(correct, {"deep": "deep", "shallow": "shallow"}, val={"deep": 0.9, "shallow": 0.8})
    cross = found.crossovers[0]
    assert cross.kind == "overtakes" and (cross.low, cross.high) == (300, 1000)
    assert 300 < cross.n < 1000
    if seeds == 1:  # two trained models were compared: nothing is said of the families
        assert "significantly" not in cross.sentence and "needs seeds" in cross.sentence
        assert "deep learning (deep)'s trained model beats shallow ML (shallow)'s" in cross.sentence
    else:
        assert "overtakes shallow ML (shallow) at about" in cross.sentence
        assert "(moderated paired t-tests over the seeds)" in cross.sentence


def _seeded(means, seeds=3, sd=0.004, seed=0):
    """size -> {seed: score}: each seed's model a little better or worse than the curve."""
    rng = np.random.default_rng(seed)
    return {n: {s: m + rng.normal(0, sd) for s in range(seeds)} for n, m in means.items()}


def test_four_sizes_extrapolate_nothing_and_say_why():
    x = extrapolate("s", _seeded({n: 1 - 2 * n ** -0.5 for n in (50, 100, 200, 400)}), n_test=2000)
    assert not x.extrapolates and "4 measured sizes" in x.reason and x.score(4000) is None
    assert examples_needed(x, 0.99, {n: 1 - 2 * n ** -0.5 for n in (50, 100, 200, 400)})["source"] == "unknown"


def test_a_failed_held_out_check_refuses_to_extrapolate():
    means = {50: 0.6, 100: 0.7, 200: 0.75, 400: 0.78, 800: 0.95}  # a jump the smaller sizes do not predict
    x = extrapolate("s", _seeded(means), n_test=2000)
    assert not x.extrapolates and x.pred_10x is None
    assert "held-out check failed" in x.reason or "bends the wrong way" in (x.ill_behaved or "")


def test_a_clean_power_law_extrapolates_at_most_10x_with_an_interval():
    means = {n: 1 - (2 * n ** -0.5 + 0.05) for n in (50, 100, 200, 400, 800, 1600)}
    x = extrapolate("s", _seeded(means, sd=0.002), n_test=5000)
    assert x.extrapolates and x.pred_10x_low <= 1 - (2 * 16000 ** -0.5 + 0.05) <= x.pred_10x_high
    assert x.score(16000) is not None and x.score(17000) is None  # nothing past 10x the largest size


# -- cells: every family on n, Hyperband's full budget, intervals from one seed --------------------

SEEN: list[tuple[str, int]] = []


class SpyRule(Solver):
    name, family, modalities = "spy-rule", "rule", ("tabular",)

    def fit(self, X, y):
        SEEN.append(("fit", len(y)))
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def _dataset(n_train=60, n_test=40, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_train + n_test, 3))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=len(X)) > 0, "yes", "no")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    return Dataset(frame.iloc[:n_train].reset_index(drop=True), y[:n_train],
                   frame.iloc[n_train:].reset_index(drop=True), y[n_train:], "tabular")


def _settings(tmp_path, **tuning) -> CellSettings:
    return CellSettings(tuning=TuneConfig(**{"trials": 1, **tuning}), isolate=False, threads=1, workdir=str(tmp_path))


def test_the_final_fit_sees_all_n_examples(tmp_path):
    SEEN.clear()
    data = _dataset()
    row, trials, predictions = run_cell(Cell("t", "spy-rule", 50, 0), SpyRule, {}, data, np.arange(50),
                                        _settings(tmp_path))
    assert row["status"] == "ok"
    assert SEEN[-1] == ("fit", 50)  # the refit, after the tuning trial on the inner split
    assert len(predictions["test_pred"]) == len(data.y_test) and len(predictions["val_pred"]) == 10


def test_a_deep_solver_refits_on_all_n_for_the_epochs_early_stopping_chose(tmp_path):
    from dlbench.solvers.deep import MLP

    class SpyMLP(MLP):
        name = "spy-mlp"

        def _build(self, X, n_classes):
            SEEN.append(("build", len(X)))
            return super()._build(X, n_classes)

    SEEN.clear()
    data = _dataset(n_train=120)
    row, trials, _ = run_cell(Cell("t", "spy-mlp", 100, 0), SpyMLP, {"epochs": 6, "units": 8}, data,
                              np.arange(100), _settings(tmp_path))
    assert row["status"] == "ok", row["error"]
    assert SEEN[0] == ("build", 72)  # the trial: 80 of 100 for tuning, 90% of that for gradients
    assert SEEN[-1] == ("build", 100)  # the refit: every one of the n examples
    assert row["epochs_trained"] == trials[0]["epochs_trained"]
    assert json.loads(json.dumps(row["best_params"]))["epochs"] == 6  # the configuration keeps its budget


class ThreadSpy(SpyRule):
    name = "thread-spy"

    def __init__(self, n_jobs: int = -1):
        self.n_jobs = n_jobs

    def fit(self, X, y):
        from threadpoolctl import threadpool_info

        pools = max((pool["num_threads"] for pool in threadpool_info()), default=1)
        SEEN.append(("threads", self.n_jobs, pools, os.environ.get("OMP_NUM_THREADS")))
        return super().fit(X, y)


def test_every_fit_of_a_cell_tuning_trials_included_runs_on_the_runs_threads(tmp_path, monkeypatch):
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(variable, raising=False)  # restored after the test
    SEEN.clear()
    row, trials, _ = run_cell(Cell("t", "thread-spy", 50, 0), ThreadSpy, {}, _dataset(), np.arange(50),
                              _settings(tmp_path))
    assert row["status"] == "ok", row["error"]
    fits = [entry for entry in SEEN if entry[0] == "threads"]
    assert len(fits) == 2  # the default trial, then the refit
    assert all(fit[1:] == (1, 1, "1") for fit in fits), fits
    assert json.loads(json.dumps(row["best_params"]))["n_jobs"] == 1


def test_hyperband_chooses_only_full_budget_configurations(tmp_path):
    from dlbench.solvers.deep import MLP

    data = _dataset(n_train=30)
    row, trials, _ = run_cell(Cell("t", "mlp", 18, 1), MLP, {"epochs": 9, "units": 8}, data, np.arange(18),
                              _settings(tmp_path, tuner="hyperband", trials=4))
    assert row["status"] == "ok", row["error"]
    assert row["best_params"]["epochs"] == 9 and all(t["params"]["epochs"] == 9 for t in trials)
    assert row["epochs_trained"] == 9  # fewer than 20 examples: no early stopping, the full budget
    assert "tuner/epochs" not in row["best_params"]


def test_one_seed_intervals_have_width_and_contain_the_estimate(tmp_path):
    from dlbench.solvers.shallow import LogisticRegressionSolver

    data = _dataset(n_train=80, n_test=60)
    row, _, predictions = run_cell(Cell("t", "logreg", 80, 0), LogisticRegressionSolver, {}, data, np.arange(80),
                                   _settings(tmp_path))
    assert 0 < row["accuracy"] < 1
    assert row["accuracy_low"] < row["accuracy"] < row["accuracy_high"]
    assert np.mean(predictions["test_pred"] == predictions["test_true"]) == pytest.approx(row["accuracy"])
    assert row["val_score"] is not None and row["selection_score"] is not None


def test_logreg_beats_majority_on_breast_cancer_at_every_size(tmp_path, cli):
    proc = cli("run", "breast-cancer", "--solvers", "majority,logreg", "--sizes", "40,80,160", "--seeds", "1", "--trials", "1",
               "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = next(tmp_path.glob("*-breast-cancer"))
    with (run_dir / "summary.csv").open(encoding="utf-8") as fh:
        rows = {r["solver"]: r for r in csv.DictReader(fh)}
    assert rows["logreg"]["crossover_vs_rule_kind"] == "ahead"
    assert rows["majority"]["vs_best_at_n_max"] == "behind"
    with (run_dir / "results.csv").open(encoding="utf-8") as fh:
        cells = list(csv.DictReader(fh))
    assert all(float(c["accuracy_low"]) < float(c["accuracy"]) < float(c["accuracy_high"]) for c in cells)
