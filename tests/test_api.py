"""dlbench from Python: ``dlbench.run`` on data in memory returns a RunResult that reads like the run folder.

Runs are tiny (rules and a few shallow solvers, two sizes, one seed, the local executor where
forking adds nothing). The notebook test (``test_a_notebook_runs_a_benchmark``) runs a real
Jupyter kernel that has imported TensorFlow before dlbench forks its workers.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench import UsageError

QUICK = dict(solvers=["majority", "one-r", "logreg", "naive-bayes"], sizes=[40, "full"], seeds=1, trials=1,
             executor="local", progress=False)


@pytest.fixture(scope="module")
def wine():
    from sklearn.datasets import load_wine

    return load_wine(as_frame=True).frame


@pytest.fixture(scope="module")
def wine_run(wine, tmp_path_factory):
    return dlbench.run(wine, target="target", name="wine-df", out=tmp_path_factory.mktemp("out"), **QUICK)


def test_a_dataframe_run_returns_its_results_as_dataframes(wine_run):
    r = wine_run
    assert r.tasks == ["wine-df"] and r.report_path.is_file()
    assert (r.path / "data" / "wine-df" / "train.csv").is_file()  # the data the run read, kept for --resume
    cells = r.results[r.results["family"] != "ensemble"]
    assert len(cells) == 4 * 2 and set(cells["status"]) == {"ok"}
    assert list(r.results.columns) == pd.read_csv(r.path / "results.csv").columns.tolist()
    assert len(r.trials) == len(cells) and set(r.trials["trial_id"]) == {"default"}
    assert list(r.summary.columns) == pd.read_csv(r.path / "summary.csv").columns.tolist()
    assert set(r.summary["solver"]) >= {"majority", "logreg"}


def test_the_leaderboard_is_the_terminal_table_and_the_winner_predicts_typed_labels(wine_run, wine):
    board = wine_run.leaderboard()
    assert list(board.columns) == ["solver", "family", "val acc", "test acc", "untuned", "fit s", "status", "train_size"]
    assert board["val acc"].is_monotonic_decreasing
    assert set(board["train_size"]) == {int(wine_run.results["train_size"].max())}
    winner = wine_run.winner
    assert winner.card["solver"] == board["solver"].iloc[0] or "ensemble" in winner.card["solver"]
    predicted = winner.predict(wine.drop(columns="target"))
    assert predicted.dtype.kind == "i" and set(predicted) <= {0, 1, 2}  # the DataFrame's int labels, not strings
    assert np.mean(predicted == wine["target"].to_numpy()) > 0.8
    rule = wine_run.best(family="rule")
    assert rule.card["family"] == "rule" and "best-rule" in rule.card["roles"]


def test_load_run_reads_the_same_run_back(wine_run):
    again = dlbench.load_run(wine_run.path)
    pd.testing.assert_frame_equal(again.leaderboard(), wine_run.leaderboard())
    assert again.headline() == wine_run.headline() and again.headline()
    page = html.unescape(again._repr_html_())  # the answer card, in a frame of its own
    assert "<iframe srcdoc=" in again._repr_html_() and '<table class="answer">' in page
    assert "<h2>wine-df</h2>" in page and again.findings.task("wine-df").card[0].solver in page


@pytest.mark.parametrize("make, modality", [
    (lambda: ((np.random.default_rng(0).normal(size=(90, 3)) + np.repeat([[0], [3], [6]], 30, axis=0)),
              np.repeat(["a", "b", "c"], 30)), "tabular"),
    (lambda: ([f"{w} text number {i}" for i, w in enumerate(["good", "bad"] * 40)], ["pos", "neg"] * 40), "text"),
])
def test_arrays_and_texts_with_labels_run(make, modality, tmp_path):
    r = dlbench.run(make(), out=tmp_path, solvers=["majority", "naive-bayes"], sizes=[20, "full"], seeds=1, trials=1,
                    executor="local", progress=False)
    assert r.info["tasks"][0]["modality"] == modality
    assert set(r.results["status"]) == {"ok"} and r.tasks == ["data"]


def test_a_dataset_keeps_its_own_test_set_and_several_tasks_need_task(wine, tmp_path):
    from dlbench.core.task import Dataset

    X, y = wine.drop(columns="target"), wine["target"]
    test = np.arange(len(wine)) % 3 == 0
    given = Dataset(X[~test], y[~test], X[test], y[test], "tabular")
    r = dlbench.run([given, "wine"], out=tmp_path, solvers=["majority", "naive-bayes"], sizes=["full"], seeds=1,
                    trials=1, executor="local", progress=False)
    assert sorted(r.tasks) == ["data-1", "wine"]
    assert int(r.results.loc[r.results["task"] == "data-1", "n_test"].iloc[0]) == test.sum()
    with pytest.raises(UsageError, match="2 tasks"):
        r.leaderboard()
    assert r.best(task="wine").card["task"] == "wine"


def test_compare_returns_a_dataframe(wine_run, wine, tmp_path):
    other = dlbench.run(wine, target="target", name="wine-df", out=tmp_path / "runs", **{**QUICK, "seed": 1})
    comparison = dlbench.compare([wine_run, other.path], out=tmp_path / "cmp")
    assert comparison.report_path.is_file() and len(comparison.table) > 0
    assert {"solver", "train_size"} <= set(comparison.table.columns)


def test_bad_values_raise_the_cli_line_and_unknown_keywords_a_type_error(wine, tmp_path, cli):
    with pytest.raises(TypeError):
        dlbench.run("wine", budgett="10m")
    for kwargs, option in ((dict(budget="soon"), ("--budget", "soon")), (dict(seeds=0), ("--seeds", "0")),
                           (dict(preset="fast"), None), (dict(sizes=[0]), ("--sizes", "0"))):
        with pytest.raises(UsageError) as caught:
            dlbench.run("wine", out=tmp_path, progress=False, **kwargs)
        if option and option[0] != "--seeds":  # click checks --seeds itself
            line = cli("run", "wine", *option, "--out", tmp_path).stderr.strip().splitlines()[-1]
            assert line == f"error: {caught.value}"
    with pytest.raises(UsageError, match="give target="):
        dlbench.run(wine.rename(columns={"target": "kind"}), out=tmp_path, progress=False)
    with pytest.raises(UsageError, match="no column 'label'"):
        dlbench.run(wine, target="label", out=tmp_path, progress=False)
    with pytest.raises(UsageError, match="examples but"):
        dlbench.run((np.zeros((5, 2)), [0, 1]), out=tmp_path, progress=False)
    with pytest.raises(UsageError, match="not supported"):
        dlbench.run(wine, target="target", problem="regression", out=tmp_path, progress=False)
    with pytest.raises(UsageError, match="--resume keeps"):
        dlbench.resume(tmp_path, families=["rule"])
    assert not any(tmp_path.iterdir())  # nothing ran: no run folder left behind


def test_import_dlbench_stays_light():
    import subprocess
    import sys

    code = ("import sys, dlbench; dlbench.run; "
            "print(sorted(m for m in ('sklearn', 'tensorflow', 'keras', 'keras_tuner', 'xgboost', 'pandas') "
            "if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "[]"


def test_events_reach_a_progress_callable_and_an_interrupted_run_reads_back(wine, tmp_path):
    from dlbench.engine import events

    seen = []

    def stop_after_two_cells(event):
        seen.append(type(event).__name__)
        if isinstance(event, events.CellFinished) and seen.count("CellFinished") == 2:
            raise KeyboardInterrupt  # as Ctrl-C or a notebook's interrupt would

    with pytest.raises(KeyboardInterrupt):
        dlbench.run(wine, target="target", out=tmp_path, **{**QUICK, "progress": stop_after_two_cells})
    assert seen[:4] == ["Loading", "Planned", "CellStarted", "CellFinished"] and "RunEnded" not in seen
    assert seen.count("CellsDone") == 1
    (folder,) = tmp_path.iterdir()
    r = dlbench.load_run(folder)
    assert len(r.results) >= 2 and set(r.results["status"]) == {"ok"}
    assert "interrupted" in r.info["stopped"] and r.leaderboard()["solver"].tolist()
    resumed = dlbench.resume(folder, executor="local", progress=False)
    assert len(resumed.results[resumed.results["family"] != "ensemble"]) == 4 * 2


def test_image_and_series_arrays_run_and_their_winner_predicts_the_same_arrays(tmp_path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.round(digits.images * 255 / 16).astype(np.uint8)  # (N, 8, 8): the channel axis is added
    rng = np.random.default_rng(0)
    series = rng.normal(size=(120, 30, 2)).astype("float32")
    for data, solvers, modality in (((images, digits.target), ["majority", "nearest-template"], "image"),
                                    ((series, (series[:, :, 0].mean(1) > 0).astype(int)), ["majority", "one-r"],
                                     "signal")):
        r = dlbench.run(data, solvers=solvers, sizes=["full"], seeds=1, trials=1, executor="local", out=tmp_path,
                        progress=False)
        assert r.info["tasks"][0]["modality"] == modality and set(r.results["status"]) == {"ok"}
        predicted = r.winner.predict(data[0][:20])
        assert predicted.dtype.kind == "i" and len(predicted) == 20
