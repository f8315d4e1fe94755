"""The command line as a user meets it: fast listing, one-line errors, a full run, a report."""

from __future__ import annotations

import csv
import json
import os
import re

import numpy as np
import pandas as pd
import pytest

HEAVY = ("tensorflow", "keras", "keras_tuner", "xgboost")
PROBE = (
    "import sys, atexit\n"
    "atexit.register(lambda: print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & set(%r)), file=sys.stderr))\n"
    "from dlbench.cli import main\n"
    "main(%r)\n"
)


def read_rows(run_dir):
    with open(os.path.join(run_dir, "results.csv"), encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def run_folder(stdout: str) -> str:
    return next(line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith("run folder: "))


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["list", "solvers", "--json"], ["run", "--help"]])
def test_help_and_list_import_no_heavy_module(argv, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", PROBE % (HEAVY, argv)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_list_json_shows_every_offline_task_across_modalities(tmp_path, cli):
    proc = cli("list", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    tasks = {t["name"]: t for t in json.loads(proc.stdout)}
    offline = {"digits", "mnist-5k", "sms-spam", "breast-cancer", "wine", "circles", "mnist1d", "gunpoint",
               "arrowhead", "italy-power-demand", "osuleaf", "basic-motions", "japanese-vowels"}
    assert offline <= set(tasks)
    assert all(tasks[n]["offline"] for n in offline)
    assert {tasks[n]["modality"] for n in offline} == {"image", "text", "tabular", "signal"}
    online = {"mnist", "fashion-mnist", "cifar10", "imdb", "20newsgroups", "adult", "covertype", "ucr"}
    assert online <= set(tasks) and not any(tasks[n]["offline"] for n in online)


def test_list_solvers_json(tmp_path, cli):
    solvers = json.loads(cli("list", "solvers", "--json", cwd=tmp_path).stdout)
    assert all({"name", "family", "modalities"} <= set(s) for s in solvers)
    assert {s["family"] for s in solvers} == {"rule", "shallow", "deep"}


def test_info_json_gives_metadata_and_statistics(tmp_path, cli):
    proc = cli("info", "wine", "--json", cwd=tmp_path)
    info = json.loads(proc.stdout)
    assert info["name"] == "wine" and info["modality"] == "tabular"
    assert info["train_examples"] + info["test_examples"] == 178 and info["classes"] == 3


@pytest.mark.slow
def test_run_digits_all_three_families(tmp_path, cli):
    """The README's first command: every family gets a row and the best is at least 0.95."""
    proc = cli("run", "digits", "--solvers", "majority,logreg,mlp,cnn", "--sizes", "full", "--seeds", "1", "--trials", "1",
               "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = run_folder(proc.stdout)
    rows = read_rows(run_dir)
    assert {r["family"] for r in rows} == {"rule", "shallow", "deep", "ensemble"}
    assert all(r["status"] == "ok" for r in rows)
    assert max(float(r["accuracy"]) for r in rows) >= 0.95
    required = {"task", "modality", "solver", "family", "train_size", "seed", "status", "accuracy", "macro_f1",
                "fit_seconds", "predict_seconds"}
    assert required <= set(rows[0])
    html = open(os.path.join(run_dir, "index.html"), encoding="utf-8").read()
    assert "digits" in html and "cnn" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from a network
    run_info = json.load(open(os.path.join(run_dir, "run.json"), encoding="utf-8"))
    assert run_info["environment"]["packages"]["keras"] and run_info["config"]["tasks"] == ["digits"]
    # The report is rebuilt from the database alone.
    os.remove(os.path.join(run_dir, "index.html"))
    assert cli("report", run_dir, cwd=tmp_path).returncode == 0
    assert open(os.path.join(run_dir, "index.html"), encoding="utf-8").read() == html


@pytest.mark.slow
def test_run_own_csv_with_categories_and_missing_values(tmp_path, cli):
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, n).round(1),
        "city": rng.choice(["Lyon", "Oslo", "Lima", None], n),
        "plan": rng.choice(["free", "pro"], n),
        "visits": rng.poisson(3, n).astype(float),
    })
    frame.loc[::9, "age"] = np.nan
    frame.loc[::11, "visits"] = np.nan
    frame["churn"] = np.where((frame.plan == "free") & (frame.visits.fillna(0) < 3), "yes", "no")
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    proc = cli("run", path, "--target", "churn", "--solvers", "majority,logreg,mlp", "--sizes", "full",
               "--seeds", "1", "--trials", "2", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = read_rows(run_folder(proc.stdout))
    assert {r["solver"] for r in rows} == {"majority", "logreg", "mlp", "ensemble"}
    assert all(r["status"] == "ok" and r["task"] == "customers" for r in rows)
    assert max(float(r["accuracy"]) for r in rows) > 0.8


@pytest.mark.slow
def test_run_selected_families_and_seed_on_text(tmp_path, cli):
    proc = cli("run", "sms-spam", "--solvers", "majority,logreg", "--sizes", "full", "--seeds", "1", "--trials", "1",
               "--seed", "3", "--out", tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = read_rows(run_folder(proc.stdout))
    assert {r["family"] for r in rows} == {"rule", "shallow", "ensemble"}
    assert {r["seed"] for r in rows} == {"3"}
    logreg = next(r for r in rows if r["solver"] == "logreg")
    assert float(logreg["accuracy"]) > 0.95


def test_a_registered_name_wins_over_a_folder_of_that_name(tmp_path, cli):
    (tmp_path / "wine").mkdir()  # e.g. an output folder named after the task
    proc = cli("info", "wine", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == "wine"
    folder = cli("info", "./wine", cwd=tmp_path)
    assert folder.returncode == 2 and "no images" in folder.stderr
