"""A benchmark run: plan the grid of cells, run them on an executor, keep every result.

Owns the run folder (``results.db``, ``results.csv``, ``trials.csv``, ``run.json``), the order
of cells, the run's budget, resume and progress. Rows are stored as each cell ends; the CSV
files are exported and the ``on_finish`` callback (the CLI writes the report there) is called
even when the run stops early (an error, Ctrl-C, the budget), so nothing computed is lost. It
never imports the report.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.registry import Registry
from dlbench.core.store import ResultsStore, export
from dlbench.core.task import Task
from dlbench.data.splits import nested_order
from dlbench.engine import executors
from dlbench.engine.cell import Cell
from dlbench.engine.config import RunConfig, select_solvers
from dlbench.engine.environment import environment
from dlbench.engine.executors.job import BUDGET_SPENT, Job, failure_row
from dlbench.engine.plan import PRESETS, resolve_sizes

#: Called with the run folder and the stored rows once a run ends, however it ends.
OnFinish = Callable[[Path, list], None]


def new_run_dir(out: str | Path, tasks: list[str]) -> Path:
    stem = "-".join(Path(t).stem.split(":")[0] for t in tasks)[:40] or "run"
    base = Path(out) / f"{datetime.now():%Y%m%d-%H%M%S}-{stem}"
    run_dir, n = base, 1
    while run_dir.exists():
        n += 1
        run_dir = base.with_name(f"{base.name}-{n}")
    run_dir.mkdir(parents=True)
    return run_dir



class Run:
    """Plans the grid of (task, solver, size, seed) cells, runs them and writes the run folder."""

    def __init__(self, config: RunConfig, registry: Registry, console=None, run_dir: str | Path | None = None,
                 on_finish: OnFinish | None = None):
        from rich.console import Console

        self.config = config
        self.registry = registry
        self.console = console or Console(stderr=True)
        # Resolve everything before any work, so a typo fails in a second, not after an hour.
        self.tasks = [config.resolve(spec, registry) for spec in config.tasks]
        self.solvers = select_solvers(registry, config)
        if not self.solvers:
            raise UsageError("no solver matches --families/--solvers; see `dlbench list solvers`")
        self.resumed = run_dir is not None
        self.run_dir = Path(run_dir) if run_dir else new_run_dir(config.out, config.tasks)
        self.store = ResultsStore(self.run_dir / "results.db")
        self.not_run: list[Job] = []
        self.on_finish = on_finish

    @classmethod
    def resume(cls, run_dir: str | Path, registry_for, console=None, on_finish: OnFinish | None = None) -> "Run":
        run_dir = Path(run_dir)
        info_path = run_dir / "run.json"
        if not (info_path.exists() and (run_dir / "results.db").exists()):
            raise UsageError(f"{run_dir} is not a dlbench run folder (no run.json/results.db): give OUT/<run-id>")
        config = RunConfig.from_json(json.loads(info_path.read_text(encoding="utf-8"))["config"])
        return cls(config, registry_for(config.tasks_dir), console=console, run_dir=run_dir, on_finish=on_finish)

    def _solvers_for(self, task: Task) -> dict[str, type]:
        return {n: cls for n, cls in self.solvers.items() if cls.accepts(task)}

    def _write_run_json(self, sizes: dict[str, list[int]], audits: dict[str, dict]) -> None:
        info = {
            "run_id": self.run_dir.name,
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "config": asdict(self.config),
            "sizes": sizes,
            "audit": audits,
            "tasks": [{**type(t).metadata(), "name": t.name, "params": vars(t)} for t in self.tasks],
            "solvers": {name: cls.metadata() for name, cls in self.solvers.items()},
            "environment": environment(),
        }
        path = self.run_dir / "run.json"
        if self.resumed and path.exists():
            previous = json.loads(path.read_text(encoding="utf-8"))
            info["started"] = previous.get("started", info["started"])
            info["resumed"] = previous.get("resumed", []) + [datetime.now().astimezone().isoformat(timespec="seconds")]
        path.write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")

    def plan(self, on_load=lambda task: None) -> tuple[list[Job], dict[str, list[int]], dict[str, dict]]:
        """Every cell not finished yet, smallest sizes first, and each task's data audit.

        Loads each task once; its nested subsets are drawn once per seed.
        """
        from dlbench.data.audit import audit

        done = self.store.finished_keys()
        preset = PRESETS[self.config.preset]
        jobs, all_sizes, audits = [], {}, {}
        for t_index, (spec, task) in enumerate(zip(self.config.tasks, self.tasks)):
            solvers = self._solvers_for(task)
            if not solvers:
                self.console.print(f"[yellow]warning:[/] no selected solver accepts the task {task.name} ({task.modality})")
                continue
            on_load(task)
            dataset = task.load()
            sizes = resolve_sizes(self.config.sizes, len(dataset.y_train), dataset.n_classes, preset.n_sizes)
            all_sizes[task.name] = sizes
            audits[task.name] = audit(dataset)
            remote = self.config.task_spec(spec, self.registry.tasks)
            for seed in range(self.config.seed, self.config.seed + self.config.seeds):
                order = nested_order(dataset.y_train, seed)
                for s_index, size in enumerate(sizes):
                    idx = np.sort(order[:size])
                    for name, cls in solvers.items():
                        cell = Cell(task.name, name, size, seed)
                        if cell.key not in done:
                            job = Job(cell, cls, cls.for_task(task), dataset, idx, remote)
                            jobs.append(((s_index, seed - self.config.seed, t_index, name), job))
        jobs.sort(key=lambda item: item[0])
        return [job for _, job in jobs], all_sizes, audits

    def _executor(self):
        return executors.get(self.config.executor)(self.config.settings(self.run_dir), self.config.executor_options())

    def execute(self) -> Path:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("[red]{task.fields[failed]} failed[/]"), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn())
        deadline = time.time() + self.config.budget if self.config.budget else None
        try:
            with Progress(*columns, console=self.console, transient=False) as progress:
                bar = progress.add_task("planning", total=None, failed=0)
                jobs, sizes, audits = self.plan(lambda t: progress.update(bar, description=f"loading {t.name}"))
                self._write_run_json(sizes, audits)
                progress.update(bar, total=len(jobs), description="starting")
                running: list[str] = []

                def on_start(job: Job) -> None:
                    running.append(job.cell.label)
                    progress.update(bar, description=running[-1])

                def on_result(job: Job, row: dict, trials: list) -> None:
                    self.store.add(row, trials)
                    if job.cell.label in running:
                        running.remove(job.cell.label)
                    failed = progress.tasks[0].fields["failed"] + (row["status"] in ("failed", "timeout"))
                    if row["status"] in ("failed", "timeout"):
                        progress.console.print(f"[red]{row['status']}:[/] {job.cell.label}: {row.get('error')}")
                    progress.update(bar, advance=1, failed=failed,
                                    description=running[-1] if running else "finishing")

                self.not_run = self._executor().run(jobs, on_start, on_result, deadline)
                for job in self.not_run:
                    self.store.add(failure_row(job, "skipped", BUDGET_SPENT))
                progress.update(bar, description="done")
        finally:
            self.finish()
        if self.not_run:
            self.console.print(f"[yellow]budget used up:[/] {len(self.not_run)} cells not run; "
                               f"finish them with `dlbench run --resume {self.run_dir}`")
        return self.run_dir

    def finish(self) -> None:
        """Export the CSV files from whatever the store holds, then hand them to ``on_finish``."""
        try:
            rows = export(self.store, self.run_dir)
            if self.on_finish is not None:
                self.on_finish(self.run_dir, rows)
        finally:
            self.store.close()
