"""A budget buys the best full-size model first, and ``--resume`` tunes what it left untuned.

The budget running out is simulated by an executor that runs the first cells it is given and
hands back the rest as "not run", so the test does not depend on how fast this machine is.
"""

from __future__ import annotations

import csv
import json

import pytest

from dlbench.core.registry import discover
from dlbench.engine import executors
from dlbench.engine.cell import run_cell
from dlbench.engine.config import RunConfig
from dlbench.engine.executors.registry import REGISTRY
from dlbench.engine.runner import Run
from dlbench.report import html

SOLVERS = ["majority", "one-r", "logreg", "naive-bayes", "mlp"]
RUN_FIRST = 3


@pytest.fixture
def first_cells_only(monkeypatch):
    ran: list = []

    class FirstCells:
        """Runs the first cells in this process, then stops as a spent budget would."""

        def __init__(self, settings, options):
            self.settings = settings.__class__(**{**settings.__dict__, "isolate": False})

        def run(self, jobs, on_start, on_result, deadline):
            for job in jobs[:RUN_FIRST]:
                on_start(job)
                ran.append(job.cell)
                on_result(job, *run_cell(job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                                         self.settings))
            return jobs[RUN_FIRST:]

    monkeypatch.setitem(REGISTRY, "first-cells", None)
    executors.register("first-cells")(FirstCells)
    return ran


def _rows(run_dir):
    with (run_dir / "results.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_the_budget_secures_a_full_size_model_per_family_then_resume_tunes_it(first_cells_only, tmp_path):
    config = RunConfig(tasks=["wine"], solvers=SOLVERS, sizes=[30, "full"], trials=3, seeds=1, budget=3600,
                       executor="first-cells", out=str(tmp_path))
    run = Run(config, discover(None), on_finish=html.write_report)
    run_dir = run.execute()
    ran = first_cells_only
    # Full size first, defaults only, the families taking turns, each family's cheap solver first.
    assert [(c.solver, c.train_size, c.seed, c.untuned) for c in ran] == [
        ("majority", 133, 0, True), ("logreg", 133, 0, True), ("mlp", 133, 0, True)]
    rows = [r for r in _rows(run_dir) if r["family"] != "ensemble"]
    ok = [r for r in rows if r["status"] == "ok"]
    assert {(r["solver"], r["train_size"], r["untuned"], r["trials"]) for r in ok} == {
        ("majority", "133", "1", "1"), ("logreg", "133", "1", "1"), ("mlp", "133", "1", "1")}
    assert all(r["status"] == "skipped" for r in rows if r not in ok)
    assert "untuned" in run.stopped and "cells not run" in run.stopped
    cards = [json.loads(p.read_text()) for p in run_dir.glob("models/*/*/model.json")]
    winner = next(c for c in cards if "winner" in c["roles"])
    assert winner["train_size"] == 133 and {c["family"] for c in cards} >= {"rule", "shallow", "deep"}
    assert "(untuned)" in (run_dir / "index.html").read_text(encoding="utf-8")

    resumed = Run.resume(run_dir, discover, overrides={"executor": "local"}, on_finish=html.write_report)
    resumed.execute()
    rows = {(r["solver"], r["train_size"], r["seed"]): r for r in _rows(run_dir) if r["family"] != "ensemble"}
    assert len(rows) == len(SOLVERS) * 2 and all(r["status"] == "ok" for r in rows.values())
    assert all(r["untuned"] == "0" for r in rows.values())
    assert int(rows[("logreg", "133", "0")]["trials"]) == 3  # tuned this time
