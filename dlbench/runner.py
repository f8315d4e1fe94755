"""A benchmark run: resolve tasks and solvers, plan the cells, run them, keep every result.

Owns the run folder (``results.db``, ``results.csv``, ``run.json``, ``index.html``), the order
of cells and progress. Rows are stored as each cell ends, and the CSV and report are written
even when the run stops early (an error, Ctrl-C), so nothing computed is lost.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from dlbench.cell import Cell, run_cell
from dlbench.errors import UsageError
from dlbench.registry import Registry
from dlbench.results import ResultsStore, write_csv
from dlbench.solvers.base import FAMILIES
from dlbench.splits import nested_order
from dlbench.task import Task


@dataclass
class RunConfig:
    tasks: list[str]
    families: list[str] = field(default_factory=lambda: list(FAMILIES))
    solvers: list[str] = field(default_factory=list)
    out: str = "reports"
    seed: int = 0
    target: str | None = None
    text_column: str | None = None
    test: str | None = None
    tasks_dir: str | None = None


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or Path(spec).suffix != "" or Path(spec).exists()


def resolve_task(spec: str, registry: Registry, config: RunConfig) -> Task:
    """A task instance from a registered name (``circles:noise=0.2``) or a data path."""
    if ":" not in spec and _looks_like_path(spec):
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
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "memory_gb": memory_gb,
        "packages": packages,
    }


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
    """Runs every compatible (task, solver) cell in process and writes the run folder."""

    def __init__(self, config: RunConfig, registry: Registry, console=None):
        from rich.console import Console

        self.config = config
        self.registry = registry
        self.console = console or Console(stderr=True)
        # Resolve everything before any work, so a typo fails in a second, not after an hour.
        self.tasks = [resolve_task(spec, registry, config) for spec in config.tasks]
        self.solvers = select_solvers(registry, config)
        if not self.solvers:
            raise UsageError("no solver matches --families/--solvers; see `dlbench list solvers`")
        self.run_dir = new_run_dir(config.out, config.tasks)
        self.store = ResultsStore(self.run_dir / "results.db")

    def _solvers_for(self, task: Task) -> dict[str, type]:
        return {n: cls for n, cls in self.solvers.items() if task.modality in cls.modalities}

    def _write_run_json(self) -> None:
        info = {
            "run_id": self.run_dir.name,
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "config": asdict(self.config),
            "tasks": [{**type(t).metadata(), "name": t.name, "params": vars(t)} for t in self.tasks],
            "solvers": {name: cls.metadata() for name, cls in self.solvers.items()},
            "environment": environment(),
        }
        (self.run_dir / "run.json").write_text(json.dumps(info, indent=2, default=str), encoding="utf-8")

    def execute(self) -> Path:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._write_run_json()
        total = sum(len(self._solvers_for(t)) for t in self.tasks)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=self.console, transient=False) as progress:
                bar = progress.add_task("starting", total=total)
                for task in self.tasks:
                    solvers = self._solvers_for(task)
                    if not solvers:
                        self.console.print(f"[yellow]warning:[/] no selected solver accepts {task.modality} data ({task.name})")
                        continue
                    progress.update(bar, description=f"{task.name}: loading data")
                    dataset = task.load()
                    order = nested_order(dataset.y_train, self.config.seed)
                    for name, cls in solvers.items():
                        cell = Cell(task.name, name, len(order), self.config.seed)
                        progress.update(bar, description=f"{task.name} · {name}")
                        row = run_cell(cell, cls, dataset, order)
                        self.store.add(row)
                        if row["status"] != "ok":
                            progress.console.print(f"[red]failed:[/] {cell.label}: {row['error']}")
                        progress.advance(bar)
                progress.update(bar, description="done")
        finally:
            self.finish()
        return self.run_dir

    def finish(self) -> None:
        """Export the CSV and the report from whatever the store holds."""
        from dlbench.report import write_report

        rows = self.store.rows()
        write_csv(rows, self.run_dir / "results.csv")
        write_report(self.run_dir, rows)
        self.store.close()
