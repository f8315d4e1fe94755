"""Series features and distances, the DTW cost cap, and a series run end to end through
``dlbench run``, ``predict`` and ``load_model``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench import UsageError
from dlbench.core.errors import SolverUnavailable
from dlbench.data.signals import write_ts
from test_signal_data import sensor_series


# --- features, distances and the cost cap -----------------------------------------------------------


def test_dtw_matches_the_textbook_recursion_with_and_without_a_band():
    from dlbench.solvers.series import dtw_distances

    def naive(a, b, window):
        t = len(a)
        w = t if window >= 1 else int(round(window * t))
        D = np.full((t + 1, t + 1), np.inf)
        D[0, 0] = 0
        for i in range(1, t + 1):
            for j in range(max(1, i - w), min(t, i + w) + 1):
                D[i, j] = ((a[i - 1] - b[j - 1]) ** 2).sum() + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
        return np.sqrt(D[t, t])

    rng = np.random.default_rng(0)
    for channels in (1, 2):
        A, B = rng.normal(size=(3, 15, channels)), rng.normal(size=(4, 15, channels))
        for window in (1.0, 0.2, 0.0):
            expected = [[naive(a, b, window) for b in B] for a in A]
            np.testing.assert_allclose(dtw_distances(A, B, window), expected, rtol=1e-10)


def test_dtw_is_skipped_with_its_reason_when_its_predicted_cost_is_too_high():
    from dlbench.solvers.shallow.series import DTW1NN

    X, y = sensor_series(30, 0)
    with pytest.raises(SolverUnavailable, match="skipped, not started"):
        DTW1NN(max_cells=1000).fit(X, y)
    assert DTW1NN().fit(X, y).score(X, y) == 1.0  # each series is its own nearest neighbour


def test_minirocket_and_summary_features():
    from dlbench.solvers.series import SUMMARY_STATS, MiniRocketFeatures, summary_features

    X, _ = sensor_series(20, 0, channels=2)
    features = MiniRocketFeatures(n_features=840, seed=1).fit(X)
    Z = features.transform(X)
    assert Z.shape[0] == 20 and 84 <= Z.shape[1] <= 840 and ((Z >= 0) & (Z <= 1)).all()
    np.testing.assert_array_equal(Z, MiniRocketFeatures(n_features=840, seed=1).fit(X).transform(X))
    assert summary_features(X).shape == (20, 2 * len(SUMMARY_STATS))


# --- end to end -------------------------------------------------------------------------------------

SOLVERS = "majority,nearest-template,one-r,minirocket,dtw-1nn,random-forest,fcn"


@pytest.fixture(scope="module")
def series_run(tmp_path_factory):
    from conftest import run_cli

    root = tmp_path_factory.mktemp("series")
    X, y = sensor_series(150, 0)
    frame = pd.DataFrame(X[:, :, 0], columns=[f"v{i}" for i in range(X.shape[1])])
    frame["label"] = y
    frame.to_csv(root / "sensors.csv", index=False)
    proc = run_cli("run", root / "sensors.csv", "--target", "label", "--modality", "signal", "--solvers", SOLVERS,
                   "--sizes", "30,full", "--seeds", "1", "--trials", "1", "--out", root / "out", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root, next((root / "out").iterdir())


def test_a_series_csv_runs_all_three_families_end_to_end(series_run):
    import csv

    _, run_dir = series_run
    with (run_dir / "results.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["family"] for r in rows} >= {"rule", "shallow", "deep"}
    assert all(r["status"] == "ok" for r in rows), [(r["solver"], r["status"], r.get("error")) for r in rows]
    best = max(float(r["accuracy"]) for r in rows if r["solver"] in ("minirocket", "dtw-1nn"))
    assert best > 0.9


def test_the_report_shows_training_series_per_class_and_the_confusion_matrix(series_run):
    _, run_dir = series_run
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "Training series by class" in page and "Confusion matrix of the best solver" in page
    audit = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["audit"]
    examples = next(iter(audit.values()))["series_examples"]
    assert sorted(examples) == ["burst", "idle", "wave"] and all(len(v) == 3 for v in examples.values())


def test_predict_and_load_model_take_series_files_and_arrays(series_run, cli):
    root, run_dir = series_run
    model = dlbench.load_model(run_dir)
    assert model.card["inputs"]["modality"] == "signal"
    X, y = sensor_series(30, 7)
    accuracy = np.mean(model.predict(X) == y)
    assert accuracy > 0.8
    np.testing.assert_array_equal(model.predict(X[:, :, 0]), model.predict(X))  # (N, T) is one channel
    np.savez(root / "new.npz", X=X)
    write_ts(root / "new.ts", X, y)
    frame = pd.DataFrame(X[:, :, 0])
    frame["label"] = y
    frame.to_csv(root / "new.csv", index=False)
    for name in ("new.npz", "new.ts", "new.csv"):
        proc = cli("predict", run_dir, root / name, "--out", root / f"{name}.out.csv", cwd=root)
        assert proc.returncode == 0, proc.stderr
        predicted = pd.read_csv(root / f"{name}.out.csv").iloc[:, -1 if name != "new.csv" else 0]
        assert len(predicted) == 30
    with pytest.raises(UsageError, match="NaN"):
        model.predict(np.full((2, 48, 1), np.nan))
    with pytest.raises(UsageError, match="must be numbers"):
        model.predict(np.array([["a"] * 48]))
    (root / "bad.ts").write_text("@data\n1,2,x:a\n", encoding="utf-8")
    proc = cli("predict", run_dir, root / "bad.ts", cwd=root)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_bad_series_files_stop_the_cli_with_exit_2_and_one_line(tmp_path, cli):
    np.savez(tmp_path / "bad.npz", X=np.zeros((4, 5)))
    proc = cli("info", tmp_path / "bad.npz", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "no array y" in proc.stderr
    X, y = sensor_series(30, 0, channels=2)
    np.savez(tmp_path / "ok.npz", X=X, y=y)
    proc = cli("info", tmp_path / "ok.npz", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert (info["modality"], info["series_length"], info["channels"]) == ("signal", 48, 2)
