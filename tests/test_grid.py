"""The experiment grid: nested subsets, seeds, crash isolation, time limits, kill and resume, Dask."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from dlbench.engine.cell import Cell
from dlbench.engine.plan import default_ladder, parse_duration, parse_sizes, resolve_sizes, run_order
from dlbench.core.errors import UsageError


def rows_of(run_dir):
    """The grid's cells (the ``ensemble`` rows, derived from them at the end, are left out)."""
    with open(Path(run_dir) / "results.csv", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["family"] != "ensemble"]


def run_folder(stdout: str) -> str:
    return next(l.split(": ", 1)[1] for l in stdout.splitlines() if l.startswith("run folder: "))


def test_sizes_and_durations_parse():
    assert parse_sizes("50, 100,full") == [50, 100, "full"]
    assert resolve_sizes([50, 100, "full", 10**6], pool=300, n_classes=2, n_sizes=4) == [50, 100, 300]
    with pytest.raises(UsageError):
        parse_sizes("50,lots")
    with pytest.raises(UsageError):
        resolve_sizes([3], pool=300, n_classes=10, n_sizes=4)
    assert parse_duration("10m") == 600 and parse_duration("90") == 90 and parse_duration("1.5h") == 5400
    ladder = default_ladder(1347, 10, 4)
    assert ladder[0] == 100 and ladder[-1] == 1347 and len(ladder) == 4 and ladder == sorted(ladder)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e400", "-5", "0", "0s", "-1m", "10x", "s",
                                  "1.5.2m", "ten"])
def test_bad_durations_are_refused_naming_the_value(text):
    with pytest.raises(UsageError) as info:
        parse_duration(text, "--budget")
    message = str(info.value)
    assert repr(text) in message and "--budget" in message and "\n" not in message
    assert "e.g. 90s, 10m or 1.5h" in message


def test_durations_accept_units_spaces_and_case():
    assert parse_duration(" 90 ") == 90 and parse_duration("2 M") == 120 and parse_duration("0.5H") == 1800
    assert parse_duration(None) is None and parse_duration("") is None
    with pytest.raises(UsageError, match="the duration 'nan'"):
        parse_duration("nan")  # the CLI's call: no option name


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "50,,100", ",", " ", "1e3", "+5", "50,ten", "000"])
def test_bad_sizes_are_refused_naming_the_item(text):
    with pytest.raises(UsageError) as info:
        parse_sizes(text)
    message = str(info.value)
    assert "--sizes" in message and repr(text) in message and "positive whole number" in message


def test_repeated_sizes_are_merged_in_order():
    assert parse_sizes("100,50,100,full,FULL, 50") == [100, 50, "full"]
    assert parse_sizes("050") == [50] and parse_sizes(None) is None and parse_sizes("") is None
    huge = parse_sizes("9" * 40)  # a positive whole number, beyond any pool: dropped when resolved
    assert resolve_sizes(huge + [20], pool=300, n_classes=2, n_sizes=4) == [20]


def _jobs(seeds, sizes=(30, 60, 120)):
    kinds = {"cnn": ("deep", 1), "knn": ("shallow", 0), "xgboost": ("shallow", 1), "majority": ("rule", 0)}
    return [SimpleNamespace(cell=Cell("t", name, n, seed), solver_cls=SimpleNamespace(family=family, cost_rank=rank))
            for seed in seeds for n in sizes for name, (family, rank) in kinds.items()]


def test_cells_run_smallest_size_first_the_costliest_family_first_within_a_size():
    order = [(j.cell.train_size, j.cell.solver) for j in run_order(_jobs([0]), {"t": [30, 60, 120]}, 0, 1)]
    assert order[:4] == [(30, "cnn"), (30, "knn"), (30, "xgboost"), (30, "majority")]
    assert [n for n, _ in order] == sorted(n for n, _ in order)


def test_with_several_seeds_the_first_seeds_full_size_cells_go_first_the_families_taking_turns():
    jobs = run_order(_jobs([3, 4]), {"t": [30, 60, 120]}, 3, 2)
    first = [(j.cell.solver, j.cell.train_size, j.cell.seed) for j in jobs[:4]]
    assert first == [("majority", 120, 3), ("knn", 120, 3), ("cnn", 120, 3), ("xgboost", 120, 3)]
    rest = [(j.cell.train_size, j.cell.seed) for j in jobs[4:]]
    assert [n for n, _ in rest] == sorted(n for n, _ in rest) and (120, 3) not in rest and len(jobs) == 24


def test_a_large_task_runs_each_sizes_first_seed_before_the_others():
    """So a solver's curve and the spread of its seeds are known before its next cell starts."""
    jobs = run_order(_jobs([3, 4]), {"t": [30, 60, 120]}, 3, 2, curve_first={"t"})
    order = [(j.cell.train_size, j.cell.seed) for j in jobs]
    assert order == sorted(order, key=lambda o: (o[0], o[1] != 3)) and len(jobs) == 24
    assert [j.cell.solver for j in jobs[:4]] == ["cnn", "knn", "xgboost", "majority"]


def test_under_a_budget_the_other_seeds_come_after_the_first_seeds_whole_curve():
    from dlbench.engine.plan import stage_order

    jobs = stage_order(_jobs([3, 4]), {"t": [30, 60, 120]}, 3, seeds_last=True)
    assert [j.cell.seed for j in jobs] == [3] * 12 + [4] * 12


def test_grid_rows_are_sizes_times_seeds_times_solvers_with_nested_subsets(tmp_path, cli):
    proc = cli("run", "digits", "--families", "rule,shallow", "--solvers", "majority,logreg",
               "--sizes", "100,300,full", "--seeds", "2", "--trials", "1", "--workers", "2", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = rows_of(run_folder(proc.stdout))
    assert len(rows) == 3 * 2 * 2
    assert {(r["train_size"], r["seed"]) for r in rows} == {(s, d) for s in ("100", "300", "1347") for d in "01"}
    assert all(r["status"] == "ok" for r in rows)
    # Nested and stratified: the planner takes prefixes of one permutation per seed.
    from dlbench.core.registry import discover
    from dlbench.data.splits import nested_order

    y = discover().get("task", "digits")().load().y_train
    for seed in (0, 1):
        order = nested_order(y, seed)
        small, large = set(order[:100]), set(order[:300])
        assert small <= large and len(set(y[order[:100]])) == 10


@pytest.mark.slow
def test_failures_timeouts_and_crashes_are_rows_and_the_run_completes(misbehaving, cli):
    """A solver that raises, calls sys.exit, overruns --cell-timeout or kills its own process."""
    proc = cli("run", "wine", "--solvers", "raises,exits,sleeps,dies,majority", "--sizes", "full",
               "--seeds", "1", "--trials", "1", "--cell-timeout", "4s", "--out", misbehaving / "out", cwd=misbehaving, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {r["solver"]: r for r in rows_of(run_folder(proc.stdout))}
    assert rows["majority"]["status"] == "ok"
    assert rows["raises"]["status"] == "failed" and "always fails" in rows["raises"]["error"]
    assert rows["exits"]["status"] == "failed"
    assert rows["sleeps"]["status"] == "timeout"
    assert rows["dies"]["status"] == "failed" and "SIGKILL" in rows["dies"]["error"]


def test_trial_timeout_stops_a_trial_and_marks_it(misbehaving, cli):
    proc = cli("run", "wine", "--solvers", "sleeps", "--sizes", "full", "--seeds", "1", "--trials", "1",
               "--trial-timeout", "2s", "--out", misbehaving / "out", cwd=misbehaving, timeout=120)
    run_dir = run_folder(proc.stdout)
    with open(Path(run_dir) / "trials.csv", encoding="utf-8") as fh:
        trials = list(csv.DictReader(fh))
    assert [t["status"] for t in trials] == ["timeout"]
    assert rows_of(run_dir)[0]["status"] == "timeout"


@pytest.mark.slow
def test_budget_stops_the_run_and_reports_skipped_cells(misbehaving, cli):
    # The budget covers the whole command, start-up included: 10 s leave time for a few of the 24 cells.
    proc = cli("run", "wine", "--solvers", "slow", "--sizes", "30,60,90,full", "--seeds", "6", "--trials", "1",
               "--workers", "1", "--budget", "10s", "--out", misbehaving / "out", cwd=misbehaving, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = rows_of(run_folder(proc.stdout))
    assert len(rows) == 24
    statuses = [r["status"] for r in rows]
    assert "skipped" in statuses and "ok" in statuses
    done_sizes = {int(r["train_size"]) for r in rows if r["status"] == "ok"}
    assert 30 in done_sizes  # smallest sizes first
    assert "--resume" in proc.stderr
    resumed = cli("run", "--resume", run_folder(proc.stdout), cwd=misbehaving, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    rows = rows_of(run_folder(proc.stdout))
    keys = [(r["solver"], r["train_size"], r["seed"]) for r in rows]
    assert len(keys) == len(set(keys)) == 24 and {r["status"] for r in rows} == {"ok"}


@pytest.mark.slow
def test_kill_minus_nine_then_resume_recomputes_nothing(misbehaving):
    out = misbehaving / "out"
    args = [sys.executable, "-m", "dlbench", "run", "wine", "--solvers", "slow,majority",
            "--sizes", "20,40,60,80,full", "--seeds", "2", "--trials", "1", "--out", str(out)]
    proc = subprocess.Popen(args, cwd=misbehaving, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db = None
    deadline = time.time() + 90
    while time.time() < deadline:
        found = list(out.glob("*/results.db"))
        if found:
            db = found[0]
            with sqlite3.connect(db) as con:
                if con.execute("SELECT COUNT(*) FROM cells").fetchone()[0] >= 4:
                    break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as con:
        before = dict(con.execute("SELECT solver || train_size || '-' || seed, finished_at FROM cells").fetchall())
    assert 4 <= len(before) < 20
    resumed = subprocess.run([sys.executable, "-m", "dlbench", "run", "--resume", str(db.parent)],
                             cwd=misbehaving, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    rows = rows_of(db.parent)
    keys = [(r["solver"], r["train_size"], r["seed"]) for r in rows]
    assert len(keys) == len(set(keys)) == 20 and {r["status"] for r in rows} == {"ok"}
    with sqlite3.connect(db) as con:
        after = dict(con.execute("SELECT solver || train_size || '-' || seed, finished_at FROM cells").fetchall())
    assert all(after[k] == v for k, v in before.items())  # finished cells were not recomputed
    info = json.loads((db.parent / "run.json").read_text())
    assert info["resumed"]


@pytest.mark.slow
def test_tuned_cells_give_the_same_results_on_every_executor(tmp_path, cli):
    common = ["wine", "--solvers", "majority,logreg", "--sizes", "40,full", "--seeds", "2", "--trials", "3",
              "--seed", "5"]

    def results(executor, name, *extra):
        proc = cli("run", *common, "--executor", executor, *extra, "--out", tmp_path / name, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return {(r["solver"], r["train_size"], r["seed"]): (r["accuracy"], r["val_score"], r["best_params"])
                for r in rows_of(run_folder(proc.stdout))}

    local = results("local", "local")
    assert len(local) == 8 and len({v[2] for v in local.values()}) > 2  # tuning chose different configurations
    assert results("processes", "processes", "--workers", "2") == local
    assert results("local", "again") == local
    assert results("dask", "dask", "--workers", "2") == local

def test_a_budget_on_a_large_task_measures_costs_then_tunes_the_full_size_then_the_curve_then_seeds():
    from dlbench.engine.config import RunConfig
    from dlbench.engine.planner import order

    sizes = {"t": [100, 500, 2000, 80_000]}
    jobs = _jobs([0, 1], sizes=sizes["t"])
    config = RunConfig(tasks=["t"], seeds=2, trials=5, budget=600)
    ran = [(j.cell.train_size, j.cell.seed, j.cell.untuned) for j in order(config, jobs, sizes)]
    assert ran[:8] == [(100, 0, False)] * 4 + [(500, 0, False)] * 4  # the pilot: how each solver's cost grows
    assert ran[8:12] == [(80_000, 0, False)] * 4  # every family's full size, tuned (no defaults-only pass)
    assert ran[12:16] == [(2000, 0, False)] * 4 and {s for _, s, _ in ran[16:]} == {1}
    assert len(ran) == 32  # every cell once
