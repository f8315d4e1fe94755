"""Nothing lost, nothing stale, nothing unsafe: signals, locks, resume, ordering, CSV injection.

Each test starts real `dlbench` processes on tiny data, as a user or a batch scheduler would.
"""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from dlbench.core.store import ResultsStore, csv_safe, csv_unescape, write_csv

TINY = ("--solvers", "majority,naive-bayes", "--sizes", "30,60", "--seeds", "1", "--trials", "1")


def _run_dir(out):
    dirs = [p for p in out.iterdir() if p.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def _rows(run_dir):
    """The grid's cells (the derived ``ensemble`` rows are left out)."""
    with (run_dir / "results.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["family"] != "ensemble"]


def test_a_run_that_cannot_start_leaves_no_folder(tmp_path, cli):
    out = tmp_path / "out"
    proc = cli("run", "wine", "--solvers", "cnn", "--out", out, cwd=tmp_path)  # cnn takes images only
    assert proc.returncode == 2
    assert not out.exists() or not any(out.iterdir())
    proc = cli("run", "mnist", "--out", out, cwd=tmp_path)  # online task, offline here
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.slow
def test_a_second_run_cannot_write_a_locked_folder(tmp_path, cli):
    out = tmp_path / "out"
    assert cli("run", "wine", *TINY, "--out", out, cwd=tmp_path).returncode == 0
    run_dir = _run_dir(out)
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run_dir / ".lock").write_text(str(holder.pid))
        proc = cli("run", "--resume", run_dir, cwd=tmp_path)
        assert proc.returncode == 2 and "in use by another dlbench run" in proc.stderr
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its lock is stale and the resume takes it over.
    assert cli("run", "--resume", run_dir, cwd=tmp_path).returncode == 0
    assert not (run_dir / ".lock").exists()


@pytest.mark.slow
def test_resume_reruns_timed_out_cells_and_keeps_one_row_per_cell(tmp_path, cli):
    out = tmp_path / "out"
    assert cli("run", "wine", *TINY, "--out", out, cwd=tmp_path).returncode == 0
    run_dir = _run_dir(out)
    with sqlite3.connect(run_dir / "results.db") as con:
        con.execute("UPDATE cells SET status = 'timeout', accuracy = NULL WHERE solver = 'naive-bayes'")
    proc = cli("run", "--resume", run_dir, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = _rows(run_dir)
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows)
    keys = [(r["task"], r["solver"], int(r["train_size"]), int(r["seed"])) for r in rows]
    assert keys == sorted(keys)  # sorted by the cell key, not by when cells finished


@pytest.mark.slow
def test_resume_refuses_changed_data(tmp_path, cli):
    data = tmp_path / "mine.csv"
    lines = ["x,y,label"] + [f"{i % 7},{i % 3},{'a' if i % 2 else 'b'}" for i in range(80)]
    data.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert cli("run", data, "--target", "label", *TINY, "--out", out, cwd=tmp_path).returncode == 0
    data.write_text("\n".join(lines[:-5]) + "\n")
    proc = cli("run", "--resume", _run_dir(out), cwd=tmp_path)
    assert proc.returncode == 2 and "changed since" in proc.stderr


@pytest.mark.slow
def test_same_seed_gives_byte_identical_csv_files(tmp_path, cli):
    for name in ("a", "b"):
        args = ("run", "wine", "--solvers", "majority,logreg", "--sizes", "30,60", "--seeds", "1", "--trials", "3", "--seed", "3")
        workers = "1" if name == "a" else "2"
        assert cli(*args, "--workers", workers, "--out", tmp_path / name, cwd=tmp_path).returncode == 0
    a, b = _run_dir(tmp_path / "a"), _run_dir(tmp_path / "b")

    def stable(path):  # drop the columns that measure time
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        noisy = {"fit_seconds", "fit_cpu_seconds", "tune_seconds", "predict_seconds", "predict_seconds_per_1k",
                 "peak_memory_mb", "finished_at", "seconds", "model_bytes"}
        return [{k: v for k, v in r.items() if k not in noisy} for r in rows]

    assert stable(a / "results.csv") == stable(b / "results.csv")
    assert stable(a / "trials.csv") == stable(b / "trials.csv")


def test_csv_cells_are_safe_in_a_spreadsheet(tmp_path):
    rows = [{"task": "=HYPERLINK(\"http://x\")", "solver": "+cmd", "accuracy": -0.5, "error": "@SUM(A1)"},
            {"task": "-2+3", "solver": "plain", "accuracy": 0.9, "error": "fine"}]
    path = write_csv(rows, tmp_path / "x.csv", ["task", "solver", "accuracy", "error"])
    with path.open(encoding="utf-8") as fh:
        back = list(csv.DictReader(fh))
    assert back[0]["task"].startswith("'=") and back[0]["solver"] == "'+cmd" and back[0]["error"] == "'@SUM(A1)"
    assert back[0]["accuracy"] == "-0.5"  # numbers stay numbers, negative ones too
    assert back[1]["task"] == "'-2+3" and back[1]["solver"] == "plain"
    assert [csv_unescape(r["task"]) for r in back] == [r["task"] for r in rows]
    assert csv_safe(-1) == -1 and csv_safe("ok") == "ok"


def test_an_old_store_gains_the_new_columns(tmp_path):
    db = tmp_path / "results.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE cells (task TEXT, solver TEXT, train_size INTEGER, seed INTEGER, status TEXT, "
                    "accuracy REAL, PRIMARY KEY (task, solver, train_size, seed))")
        con.execute("INSERT INTO cells VALUES ('t', 's', 10, 0, 'ok', 0.5)")
    with ResultsStore(db) as store:
        row = store.rows()[0]
        assert row["accuracy"] == 0.5 and "accuracy_low" in row and row["accuracy_low"] is None


SPAWNER = '''
import subprocess, sys, time
import numpy as np
from dlbench import Solver


class Spawner(Solver):
    name, family, modalities = "spawner", "shallow", ("tabular",)

    def fit(self, X, y):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # " + "{marker}"])
        time.sleep(300)
        return self

    def predict_proba(self, X):
        return np.ones((len(X), 2)) / 2
'''


@pytest.mark.slow
def test_a_timeout_kills_the_solvers_own_children(tmp_path, cli):
    marker = f"dlbench-orphan-{os.getpid()}-{time.time_ns()}"
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "spawner.py").write_text(SPAWNER.replace("{marker}", marker))
    proc = cli("--tasks-dir", tasks, "run", "wine", "--solvers", "spawner,majority", "--sizes", "30", "--seeds", "1", "--trials", "1",
               "--cell-timeout", "5s", "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = {r["solver"]: r for r in _rows(_run_dir(tmp_path / "out"))}
    assert rows["spawner"]["status"] == "timeout" and rows["majority"]["status"] == "ok"
    time.sleep(1)
    survivors = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert survivors == [], "a timed-out solver's child survived"


def test_atomic_writes_keep_the_usual_file_permissions(tmp_path):
    from dlbench.core.store import write_atomic

    umask = os.umask(0o022)
    try:
        path = write_atomic(tmp_path / "x.csv", "a,b\n")
    finally:
        os.umask(umask)
    assert path.read_text() == "a,b\n" and (path.stat().st_mode & 0o777) == 0o644


def test_a_swallowed_interrupt_still_stops_the_run_at_the_next_cell(tmp_path, monkeypatch):
    """A signal's KeyboardInterrupt raised inside a fork handler is only printed; the flag it set stops the run."""
    from dlbench.core.registry import discover
    from dlbench.engine import events
    from dlbench.engine.config import RunConfig
    from dlbench.engine.runner import Run

    config = RunConfig(tasks=["wine"], solvers=["majority"], sizes=[30, 60, 90], trials=1, seeds=1,
                       executor="local", out=str(tmp_path))

    def first_then_stop(event):
        if isinstance(event, events.CellFinished):
            run.stop_requested = True  # as the signal handler does, its own raise lost

    run = Run(config, discover(None), listener=first_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run.execute()
    assert run.stopped == "interrupted (Ctrl-C or SIGTERM)"
    assert len(_rows(run.run_dir)) == 1
    assert not (run.run_dir / ".lock").exists()
