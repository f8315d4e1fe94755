"""One edit per extension: an executor and a report section added from this file alone.

The README's "Extending dlbench" section promises that a new executor is one class registered
by name and a new report section is one template plus one entry in one list; these tests do
exactly that, with nothing else changed.
"""

from __future__ import annotations

import time

import pytest

from dlbench.core.registry import discover
from dlbench.engine import executors
from dlbench.engine.cell import run_cell
from dlbench.engine.config import RunConfig
from dlbench.engine.executors.registry import REGISTRY
from dlbench.engine.runner import Run
from dlbench.report import html, sections


def _toy_executor(calls: list):
    class Reversed:
        """Runs cells in this process, largest cell first (a toy, to prove the extension point)."""

        def __init__(self, settings, options):
            self.settings = settings.__class__(**{**settings.__dict__, "isolate": False})

        def run(self, jobs, on_start, on_result, deadline):
            for job in reversed(jobs):
                if deadline is not None and time.time() >= deadline:
                    break
                on_start(job)
                calls.append(job.cell.key)
                on_result(job, *run_cell(job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                                         self.settings))
            return []

    return Reversed


@pytest.fixture
def toy_run(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setitem(REGISTRY, "toy-reversed", None)  # restored after the test
    executors.register("toy-reversed")(_toy_executor(calls))
    config = RunConfig(tasks=["wine"], solvers=["majority", "naive-bayes"], sizes=[30, 60], trials=1, seeds=1,
                       executor="toy-reversed", out=str(tmp_path))
    run = Run(config, discover(None), on_finish=html.write_report)
    run_dir = run.execute()
    return run_dir, calls


def test_a_registered_executor_runs_every_cell(toy_run):
    run_dir, calls = toy_run
    assert "toy-reversed" in executors.names()
    assert len(calls) == 4 and calls[0][3] == 60  # its own order: largest size first (key: task, solver, scale, n, seed)
    rows = (run_dir / "results.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 6 and all(",ok," in r for r in rows[1:])  # the header, 4 cells and their ensemble


def test_a_report_section_is_one_template_and_one_function(toy_run, tmp_path, monkeypatch):
    run_dir, _ = toy_run
    template = tmp_path / "toy.html"
    template.write_text("<h3>Toy section</h3><p id='toy'>{{ s.task }} has {{ n_solvers }} solvers</p>",
                        encoding="utf-8")
    toy = sections.Section("toy", str(template), lambda found: {"n_solvers": len(found.curves)})
    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS, toy])
    page = html.rebuild(run_dir).read_text(encoding="utf-8")
    assert "<p id='toy'>wine has 3 solvers</p>" in page
    # A section whose function returns None is left out for that task.
    monkeypatch.setattr(sections, "SECTIONS", [*sections.SECTIONS[:-1], sections.Section("toy", str(template),
                                                                                        lambda found: None)])
    assert "id='toy'" not in html.rebuild(run_dir).read_text(encoding="utf-8")


def test_an_unknown_executor_is_a_usage_error():
    from dlbench.core.errors import UsageError

    with pytest.raises(UsageError, match="choose from processes"):
        RunConfig(tasks=["wine"], executor="nope")
