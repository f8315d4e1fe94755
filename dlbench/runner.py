"""A benchmark run: resolve tasks and solvers, plan the grid of cells, run them, keep every result.

Owns the run folder (``results.db``, ``results.csv``, ``trials.csv``, ``run.json``,
``index.html``), the order of cells, the run's budget, resume and progress. Rows are stored as
each cell ends; the CSV files and the report are written even when the run stops early (an
error, Ctrl-C, the budget), so nothing computed is lost.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from dlbench.cell import Cell, CellSettings
from dlbench.errors import UsageError
from dlbench.executors import BUDGET_SPENT, EXECUTORS, DaskExecutor, Job, LocalExecutor, ProcessExecutor, failure_row
from dlbench.plan import PRESETS, resolve_sizes
from dlbench.registry import Registry, discover
from dlbench.results import ResultsStore, export
from dlbench.solvers.base import FAMILIES
from dlbench.splits import nested_order
from dlbench.task import Task
from dlbench.tuning import TUNERS, TuneConfig


@dataclass
class RunConfig:
    """Everything a run needs to be repeated or resumed (saved in ``run.json``)."""

    tasks: list[str]
    families: list[str] = field(default_factory=lambda: list(FAMILIES))
    solvers: list[str] = field(default_factory=list)
    out: str = "reports"
    seed: int = 0
    target: str | None = None
    text_column: str | None = None
    test: str | None = None
    tasks_dir: str | None = None
    preset: str = "default"
    sizes: list[int | str] | None = None  # None: the preset's geometric ladder
    seeds: int | None = None
    trials: int | None = None
    tuner: str | None = None
    tune_time: float | None = None
    trial_timeout: float | None = None
    budget: float | None = None
    cell_timeout: float | None = None
    target_score: float | None = None  # for the report; None: 95% of the best observed
    executor: str = "processes"
    workers: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        preset = PRESETS[self.preset]
        self.seeds = self.seeds or preset.seeds
        self.trials = self.trials or preset.trials
        self.tuner = self.tuner or preset.tuner
        self.tune_time = self.tune_time or preset.tune_time
        if self.tuner not in TUNERS:
            raise UsageError(f"unknown --tuner {self.tuner!r}: choose from {', '.join(TUNERS)}")
        if self.executor not in EXECUTORS:
            raise UsageError(f"unknown --executor {self.executor!r}: choose from {', '.join(EXECUTORS)}")
        if self.tasks_dir:
            self.tasks_dir = str(Path(self.tasks_dir).resolve())

    @classmethod
    def from_json(cls, data: dict) -> "RunConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def settings(self, run_dir: Path) -> CellSettings:
        cores = os.cpu_count() or 1
        return CellSettings(
            tuning=TuneConfig(tuner=self.tuner, trials=self.trials, tune_time=self.tune_time,
                              trial_timeout=self.trial_timeout),
            threads=max(1, cores // self.workers) if self.workers > 1 else None,
            workdir=str(run_dir),
        )


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def is_data_path(spec: str, task_names) -> bool:
    """Whether ``spec`` names a data file or folder rather than a registered task.

    A registered name wins over a file or folder of the same name in the working directory
    (write ``./digits`` for the folder); anything with a path separator is a path.
    """
    if os.sep in spec or "/" in spec:
        return True
    if spec in task_names or ":" in spec:
        return False
    return Path(spec).suffix != "" or Path(spec).exists()


def resolve_task(spec: str, registry: Registry, config: RunConfig) -> Task:
    """A task instance from a registered name (``circles:noise=0.2``) or a data path."""
    if is_data_path(spec, registry.tasks):
        from dlbench.byod import task_from_path

        return task_from_path(spec, target=config.target, text_column=config.text_column, test=config.test)
    name, _, options = spec.partition(":")
    cls = registry.get("task", name)
    kwargs = {}
    for item in filter(None, options.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"task option {item!r} must look like key=value, e.g. {name}:noise=0.2")
        kwargs[key.strip()] = _parse_value(value.strip())
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise UsageError(f"bad options for task {name!r} ({exc}); see `dlbench info {name}`") from None


def select_solvers(registry: Registry, config: RunConfig) -> dict[str, type]:
    unknown = sorted(set(config.families) - set(FAMILIES))
    if unknown:
        raise UsageError(f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {unknown}: choose from {','.join(FAMILIES)}")
    if config.solvers:
        chosen = {name: registry.get("solver", name) for name in config.solvers}
    else:
        chosen = {name: p.obj for name, p in sorted(registry.solvers.items())}
    return {name: cls for name, cls in chosen.items() if cls.family in config.families}


def environment() -> dict[str, Any]:
    """Package versions (read from metadata, nothing imported) and the machine."""
    packages = {}
    for dist in ("dlbench", "numpy", "pandas", "scikit-learn", "tensorflow", "keras", "keras-tuner", "xgboost"):
        try:
            packages[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            try:
                packages[dist] = metadata.version(f"{dist}-cpu")
            except metadata.PackageNotFoundError:
                packages[dist] = None
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gb = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": _cpu_model() or platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "memory_gb": memory_gb,
        "packages": packages,
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def new_run_dir(out: str | Path, tasks: list[str]) -> Path:
    stem = "-".join(Path(t).stem.split(":")[0] for t in tasks)[:40] or "run"
    base = Path(out) / f"{datetime.now():%Y%m%d-%H%M%S}-{stem}"
    run_dir, n = base, 1
    while run_dir.exists():
        n += 1
        run_dir = base.with_name(f"{base.name}-{n}")
    run_dir.mkdir(parents=True)
    return run_dir


def task_spec(spec: str, config: RunConfig, task_names) -> dict[str, Any]:
    """What a remote worker needs to re-create a task (paths made absolute)."""
    return {
        "task": str(Path(spec).resolve()) if is_data_path(spec, task_names) else spec,
        "target": config.target, "text_column": config.text_column,
        "test": str(Path(config.test).resolve()) if config.test else None,
        "tasks_dir": config.tasks_dir,
    }


@functools.lru_cache(maxsize=4)
def _worker_task(spec_json: str):
    spec = json.loads(spec_json)
    registry = discover(spec["tasks_dir"])
    config = RunConfig(tasks=[spec["task"]], target=spec["target"], text_column=spec["text_column"],
                       test=spec["test"])
    task = resolve_task(spec["task"], registry, config)
    return registry, task, task.load()


@functools.lru_cache(maxsize=16)
def _worker_order(spec_json: str, seed: int) -> np.ndarray:
    return nested_order(_worker_task(spec_json)[2].y_train, seed)


def load_for_worker(spec: dict, solver: str, train_size: int, seed: int) -> Job:
    """A job re-created on a remote worker; data loaded once per worker and task."""
    spec_json = json.dumps(spec, sort_keys=True)
    registry, task, dataset = _worker_task(spec_json)
    solver_cls = registry.get("solver", solver)
    idx = np.sort(_worker_order(spec_json, seed)[:train_size])
    return Job(Cell(task.name, solver, train_size, seed), solver_cls, solver_cls.for_task(task), dataset, idx, spec)


class Run:
    """Plans the grid of (task, solver, size, seed) cells, runs them and writes the run folder."""

    def __init__(self, config: RunConfig, registry: Registry, console=None, run_dir: str | Path | None = None):
        from rich.console import Console

        self.config = config
        self.registry = registry
        self.console = console or Console(stderr=True)
        # Resolve everything before any work, so a typo fails in a second, not after an hour.
        self.tasks = [resolve_task(spec, registry, config) for spec in config.tasks]
        self.solvers = select_solvers(registry, config)
        if not self.solvers:
            raise UsageError("no solver matches --families/--solvers; see `dlbench list solvers`")
        self.resumed = run_dir is not None
        self.run_dir = Path(run_dir) if run_dir else new_run_dir(config.out, config.tasks)
        self.store = ResultsStore(self.run_dir / "results.db")
        self.not_run: list[Job] = []

    @classmethod
    def resume(cls, run_dir: str | Path, registry_for, console=None) -> "Run":
        run_dir = Path(run_dir)
        info_path = run_dir / "run.json"
        if not (info_path.exists() and (run_dir / "results.db").exists()):
            raise UsageError(f"{run_dir} is not a dlbench run folder (no run.json/results.db): give OUT/<run-id>")
        config = RunConfig.from_json(json.loads(info_path.read_text(encoding="utf-8"))["config"])
        return cls(config, registry_for(config.tasks_dir), console=console, run_dir=run_dir)

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
        from dlbench.audit import audit

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
            remote = task_spec(spec, self.config, self.registry.tasks)
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
        settings = self.config.settings(self.run_dir)
        if self.config.executor == "local":
            return LocalExecutor(settings, self.config.cell_timeout)
        if self.config.executor == "dask":
            return DaskExecutor(settings, self.config.workers, self.config.cell_timeout, self.config.scheduler)
        return ProcessExecutor(settings, self.config.workers, self.config.cell_timeout)

    def _preload(self, jobs: list[Job]) -> None:
        """Import what the cells need once, before forking: children inherit it for free.

        Importing TensorFlow is fork-safe; running TensorFlow operations is not, and this
        process never runs any.
        """
        import importlib

        modules = ["sklearn.metrics", "sklearn.pipeline", "threadpoolctl"]
        if self.config.trials > 1:
            modules.append("keras_tuner")
        if any(job.solver_cls.family == "deep" for job in jobs):
            modules.append("keras")
        for module in modules:
            if module in ("keras", "keras_tuner"):
                from dlbench.solvers.deep import _quiet_import

                _quiet_import(module)
            else:
                importlib.import_module(module)

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
                if self.config.executor == "processes":
                    self._preload(jobs)
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
        """Export the CSV files and the report from whatever the store holds."""
        from dlbench.report import write_report

        rows = export(self.store, self.run_dir)
        write_report(self.run_dir, rows)
        self.store.close()
