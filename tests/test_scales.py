"""The model-size axis (``--scales``): every solver's scale rule, the cells at each scale, the
model-size study (comparisons, frontier, sentences, joint law), old stores and the command line."""

from __future__ import annotations

import csv
import sqlite3

import numpy as np
import pytest

from dlbench.analysis import capacity
from dlbench.core import schema
from dlbench.core.errors import UsageError
from dlbench.core.store import ResultsStore
from dlbench.engine.plan import parse_scales
from test_contract import CASES, REGISTRY, fast, fit_or_skip, make_data, n_classes_for

#: Solvers that must have a size axis on every modality they accept (the issue's list).
MUST_SCALE = {"cnn", "mlp", "bilstm", "text-cnn", "transformer", "transfer", "random-forest", "xgboost",
              "decision-tree"}


#: Cheaper still than the contract's settings: one epoch, ten trees or rounds.
CHEAP = {"epochs": 1, "n_estimators": 10}


@pytest.mark.parametrize("name,modality", CASES)
def test_scale_rule(name, modality):
    """Parameters grow with the scale, or the solver declares that it has no size axis there."""
    cls = REGISTRY.solvers[name].obj
    scales = cls.scales_for([0.5, 1.0, 2.0], modality)
    if scales == [1.0]:
        assert name not in MUST_SCALE, f"{name} must have a size axis on {modality}"
        return
    assert scales[0] < 1.0 and 1.0 in scales
    if name == "transfer":  # its ImageNet weights are not here offline: the rule itself is checked
        assert cls.at_scale({"units": 128}, 2.0) == {"units": 256}
        return
    X, y = make_data(modality, n_classes_for(cls, 3), n=90)
    base = fast(cls).get_params()
    base.update({k: v for k, v in CHEAP.items() if k in base})
    sizes = []
    for scale in (scales[0], scales[-1]):
        solver = fit_or_skip(cls(**cls.at_scale(base, scale)), X, y)
        sizes.append(solver.model_size()["n_params"])
    assert all(isinstance(n, int) and n > 0 for n in sizes)
    assert sizes[1] > sizes[0], f"{name} on {modality}: {sizes[0]} parameters at {scales[0]}×, {sizes[1]} at {scales[-1]}×"


def test_at_scale_rounds_and_keeps_the_rest():
    cls = REGISTRY.solvers["cnn"].obj
    scaled = cls.at_scale({"filters": 32, "units": 128, "dropout": 0.2, "epochs": 40}, 0.25)
    assert scaled == {"filters": 8, "units": 32, "dropout": 0.2, "epochs": 40}
    assert cls.at_scale({"filters": 3, "units": 1}, 0.1) == {"filters": 1, "units": 1}  # never 0
    tree = REGISTRY.solvers["decision-tree"].obj
    assert tree.scales_for([0.25, 1.0, 4.0], "tabular") == [0.25, 1.0]  # a grown tree cannot grow further
    assert REGISTRY.solvers["logreg"].obj.scales_for([0.5, 1.0, 2.0], "text") == [1.0]
    assert REGISTRY.solvers["knn"].obj.scales_for([0.5, 1.0, 2.0], "image") == [1.0]


@pytest.mark.parametrize("text,expected", [("1", [1.0]), ("4, 0.25,1", [0.25, 1.0, 4.0]), ("1,1,2", [1.0, 2.0]),
                                           (None, None)])
def test_parse_scales(text, expected):
    assert parse_scales(text) == expected


@pytest.mark.parametrize("text,says", [("2,4", "leaves out 1"), ("1,-2", "'-2'"), ("1,x", "'x'"), ("1,", "empty"),
                                       ("1,nan", "'nan'"), ("1,1000", "up to 64")])
def test_parse_scales_refuses(text, says):
    with pytest.raises(UsageError, match=says):
        parse_scales(text)


def test_cells_at_each_scale_are_tuned_and_fitted_at_that_size(tmp_path):
    from dlbench.engine.cell import Cell, CellSettings, run_cell
    from dlbench.engine.tuning import TuneConfig
    from dlbench.core.task import Dataset

    forest = REGISTRY.solvers["random-forest"].obj
    X, y = make_data("tabular", 3, n=120)
    data = Dataset(X[:90], y[:90], X[90:], y[90:], "tabular")
    settings = CellSettings(tuning=TuneConfig(tuner="hyperband", trials=3), isolate=False, workdir=str(tmp_path),
                            keep_models=False)
    row, trials, _ = run_cell(Cell("t", "random-forest", 90, 0, scale=0.5), forest, {"n_jobs": 1}, data,
                              np.arange(90), settings)
    assert row["status"] == "ok" and row["scale"] == 0.5
    assert row["best_params"]["n_estimators"] == 50  # the full budget at 0.5x
    assert all(t["scale"] == 0.5 for t in trials)
    assert max(t["params"]["n_estimators"] for t in trials) == 50  # Hyperband's brackets are of the scaled budget
    assert row["n_params"] > 0


# -- the study on fabricated cells -----------------------------------------------------------------

def _cells(accuracy, n_test=400, sizes=(100, 1000), seed=0, seeds=1):
    """Rows and predictions of one solver at scales 0.5, 1, 2: ``accuracy(scale, size)`` of ``n_test`` examples."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n_test)
    rows, predictions = [], {}
    for scale in (0.5, 1.0, 2.0):
        for size in sizes:
            for s in range(seeds):
                wrong = rng.random(n_test) > accuracy(scale, size)
                pred = np.where(wrong, 1 - truth, truth)
                rows.append(schema.cell_row(task="t", solver="net", family="deep", scale=scale, train_size=size,
                                            seed=s, status="ok", accuracy=float(np.mean(pred == truth)),
                                            n_test=n_test, n_params=int(1000 * scale),
                                            fit_cpu_seconds=scale * size / 100, train_flops=int(3e6 * scale * size)))
                predictions[("t", "net", scale, size, s)] = {"test_true": truth, "test_pred": pred}
    return rows, predictions


@pytest.mark.parametrize("seeds", [1, 3])
def test_bigger_model_that_is_not_better_is_tied_and_the_frontier_takes_the_cheaper(seeds):
    rows, predictions = _cells(lambda scale, size: 0.8 if scale >= 1 else 0.6, seeds=seeds, n_test=400 * seeds ** 2)
    found = capacity.study(rows, "t", predictions)
    sv = found.solvers[0]
    assert sv.scales == [0.5, 1.0, 2.0] and sv.compute == "train_flops"
    big = next(t for t in found.sentences if "2×" in t)
    assert "tied with the 1× net" in big and "data, not model size, is the bottleneck" in big
    small = next(t for t in found.sentences if "0.5×" in t)
    if seeds == 1:  # two trained models differ: nothing is said of model size
        assert "the one trained 0.5× net scored -" in small and "needs seeds" in small
    else:
        assert "behind the 1× net" in small and "too small" in small
    for row in sv.frontier:
        assert row["optimal"] == 1.0  # as accurate as 2x (tied), at half the compute


def test_bigger_model_that_is_better_gains_points_with_an_interval():
    rows, predictions = _cells(lambda scale, size: {0.5: 0.6, 1.0: 0.7, 2.0: 0.85}[scale])
    found = capacity.study(rows, "t", predictions)
    gain = next(t for t in found.sentences if "2×" in t)
    assert "gains" in gain and "interval +" in gain
    assert [r["optimal"] for r in found.solvers[0].frontier] == [2.0, 2.0]


def test_no_study_without_two_scales_and_no_claim_without_predictions():
    rows, predictions = _cells(lambda scale, size: 0.8)
    assert capacity.study([r for r in rows if r["scale"] == 1.0], "t", predictions) is None
    untested = capacity.study(rows, "t", {})
    assert all("cannot be told apart" in t and t.endswith("tied.") for t in untested.sentences)


def test_joint_law_recovers_an_exact_law_and_passes_its_check():
    law = {"a": 0.3, "alpha": 0.5, "b": 0.2, "beta": 0.7, "c": 0.05, "n0": 100.0, "P0": 1000.0}
    sizes, params = [100, 200, 400, 800, 1600], [1000, 4000, 16000]
    points = [(n, p, capacity.joint_error(law, n, p)) for n in sizes for p in params]
    fitted = capacity.fit_joint(points)
    for k in ("a", "alpha", "b", "beta", "c"):
        assert fitted[k] == pytest.approx(law[k], rel=0.05, abs=0.01)
    sv = capacity._Solver("net", "deep", [0.25, 1.0, 4.0], sizes, [
        {"scale": s, "size": n, "mean": 1 - capacity.joint_error(law, n, p), "n_params": p,
         "low": 1 - capacity.joint_error(law, n, p) - 0.01, "high": 1 - capacity.joint_error(law, n, p) + 0.01}
        for s, p in zip((0.25, 1.0, 4.0), params) for n in sizes], "fit_cpu_seconds")
    checked = capacity.joint_law(sv)
    assert checked["fitted"] and checked["extrapolates"], checked["check"]
    # The largest size falls off the law: the held-out check must fail.
    for p in sv.points:
        if p["size"] == 1600:
            p.update(mean=p["mean"] - 0.1, low=p["low"] - 0.1, high=p["high"] - 0.1)
    assert not capacity.joint_law(sv)["extrapolates"]
    sv.sizes, sv.points = sizes[:4], [p for p in sv.points if p["size"] <= 800]
    assert "needs at least 3 × 5" in capacity.joint_law(sv)["check"]


# -- stores from before the axis -------------------------------------------------------------------

def test_a_store_from_before_the_axis_reads_as_scale_1(tmp_path):
    path = tmp_path / "results.db"
    old = [c for c in schema.CELL if c.name != "scale"]
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE cells ({', '.join(f'{c.name} {c.sql}' for c in old)}, "
               "PRIMARY KEY (task, solver, train_size, seed))")
    db.execute("CREATE TABLE predictions (task TEXT, solver TEXT, train_size INTEGER, seed INTEGER, arrays BLOB, "
               "PRIMARY KEY (task, solver, train_size, seed))")
    db.execute("INSERT INTO cells (task, solver, train_size, seed, status, accuracy) VALUES ('t', 'mlp', 50, 0, 'ok', 0.9)")
    db.commit()
    db.close()
    with ResultsStore(path, must_exist=True) as store:
        assert store.rows()[0]["scale"] == 1.0
        assert store.finished_keys() == {("t", "mlp", 1.0, 50, 0)}


# -- the command line ------------------------------------------------------------------------------

@pytest.mark.slow
def test_run_with_scales_writes_the_model_size_section_and_report_rebuilds_it(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("run", "digits", "--solvers", "logreg,random-forest,knn", "--scales", "0.5,1,2", "--seeds", "1",
                 "--sizes", "60,150", "--trials", "1", "--export", "none", "--out", out)
    assert result.returncode == 0, result.stderr
    run_dir = next(out.iterdir())
    with open(run_dir / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    scales = {(r["solver"], float(r["scale"])) for r in rows if r["family"] != "ensemble"}
    assert scales == {("logreg", s) for s in (0.5, 1.0, 2.0)} | {("random-forest", s) for s in (0.5, 1.0, 2.0)} \
        | {("knn", 1.0)}
    params = {s: int(r["n_params"]) for r in rows if r["solver"] == "random-forest" and r["train_size"] == "150"
              for s in [float(r["scale"])]}
    assert params[0.5] < params[1.0] < params[2.0]
    said = " ".join((result.stdout + result.stderr).split())
    assert "digits: model size: At n = 150 the 2× random-forest" in said
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "Model size</h3>" in page and "Compute-optimal model size" in page and "logreg" in page
    (run_dir / "index.html").unlink()
    rebuilt = cli("report", run_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Model size</h3>" in (run_dir / "index.html").read_text(encoding="utf-8")


def test_bad_scales_are_one_line_errors(cli, tmp_path):
    for args in (["--scales", "2,4"], ["--scales", "0.5,1", "--scaling-study"]):
        result = cli("run", "digits", *args, "--out", tmp_path)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
