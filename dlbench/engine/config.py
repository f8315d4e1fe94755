"""What a run asks for, resolved: the configuration, its tasks and its solvers.

Owns :class:`RunConfig` (everything ``run.json`` keeps to repeat or resume a run), the
settings every cell and executor gets from it, and choosing the solvers. Turning a task spec
into a task is ``engine.tasks``. It does not run anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dlbench.core.errors import UsageError
from dlbench.core.registry import Registry
from dlbench.core.solver import FAMILIES
from dlbench.core.task import Task
from dlbench.engine import executors
from dlbench.engine.admission import BUDGET_SHARE, DEFAULT_CELL_LIMIT
from dlbench.engine.cell import CellSettings
from dlbench.engine.executors.job import ExecutorOptions
from dlbench.engine.plan import PRESETS
from dlbench.engine.tasks import is_data_path, resolve_task
from dlbench.engine.tuning import TUNERS, TuneConfig
from dlbench.models.files import EXPORT_MODES


@dataclass
class RunConfig:
    """Everything a run needs to be repeated or resumed (saved in ``run.json``)."""

    tasks: list[str]
    families: list[str] = field(default_factory=lambda: list(FAMILIES))
    solvers: list[str] = field(default_factory=list)
    out: str = "reports"
    seed: int = 0
    # Your own data: the label column, the text column and a fixed test set, for every task or
    # per task spec (``dlbench.run`` on a list of data in memory gives each its own).
    target: str | dict[str, str] | None = None
    text_column: str | dict[str, str] | None = None
    modality: str | None = None  # --modality signal: a CSV with one series per row
    test: str | dict[str, str] | None = None
    name: str | None = None  # the task name of your own data (default: from the file or folder)
    tasks_dir: str | None = None
    preset: str = "default"
    sizes: list[int | str] | None = None  # None: the preset's geometric ladder
    scales: list[float] = field(default_factory=lambda: [1.0])  # model-size factors (--scales)
    seeds: int | None = None
    trials: int | None = None
    tuner: str | None = None
    tune_time: float | None = None
    trial_timeout: float | None = None
    budget: float | None = None
    cell_timeout: float | None = None
    target_score: float | None = None  # for the report; None: 95% of the best observed
    executor: str = "processes"
    workers: int | None = None  # None: the cores this process may use
    threads: int = 1  # CPU threads of every fit, the same for every solver whatever --workers says
    scheduler: str | None = None
    export: str = "families"  # which models to save: none | winner | families | all
    discard: bool = True  # stop a solver whose learning curve cannot catch up, skip seeds that add little

    def __post_init__(self) -> None:
        preset = PRESETS[self.preset]
        self.seeds = self.seeds or preset.seeds
        self.trials = self.trials or preset.trials
        self.tuner = self.tuner or preset.tuner
        self.tune_time = self.tune_time or preset.tune_time
        if self.tuner not in TUNERS:
            raise UsageError(f"unknown --tuner {self.tuner!r}: choose from {', '.join(TUNERS)}")
        if self.executor not in executors.names():
            raise UsageError(f"unknown --executor {self.executor!r}: choose from {', '.join(executors.names())}")
        self.workers = self.workers or usable_cores()
        if self.scheduler and self.executor != "dask":
            raise UsageError(f"--scheduler is for --executor dask (this run uses {self.executor}): add --executor dask "
                             "or drop --scheduler")
        if self.export not in EXPORT_MODES:
            raise UsageError(f"unknown --export {self.export!r}: choose from {', '.join(EXPORT_MODES)}")
        if self.tasks_dir:
            self.tasks_dir = str(Path(self.tasks_dir).resolve())

    @classmethod
    def from_json(cls, data: dict) -> "RunConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def cell_limit(self) -> float:
        """Seconds one cell may take: ``--cell-timeout``, else a share of ``--budget``, else the default."""
        if self.cell_timeout:
            return self.cell_timeout
        return self.budget * BUDGET_SHARE if self.budget else DEFAULT_CELL_LIMIT

    def executor_options(self) -> ExecutorOptions:
        return ExecutorOptions(workers=self.workers, cell_timeout=self.cell_limit(), scheduler=self.scheduler,
                               trials=self.trials)

    def task_spec(self, spec: str, task_names) -> dict[str, Any]:
        """What a remote worker needs to re-create a task (paths made absolute)."""
        return {
            "task": str(Path(spec).resolve()) if is_data_path(spec, task_names) else spec,
            "target": _of(self.target, spec), "text_column": _of(self.text_column, spec), "name": self.name,
            "modality": self.modality,
            "test": str(Path(_of(self.test, spec)).resolve()) if _of(self.test, spec) else None,
            "tasks_dir": self.tasks_dir,
        }

    def resolve(self, spec: str, registry: Registry) -> Task:
        return resolve_task(spec, registry, target=_of(self.target, spec), text_column=_of(self.text_column, spec),
                            test=_of(self.test, spec),
                            task_name=self.name, modality=self.modality)

    def settings(self, run_dir: Path) -> CellSettings:
        return CellSettings(
            tuning=TuneConfig(tuner=self.tuner, trials=self.trials, tune_time=self.tune_time,
                              trial_timeout=self.trial_timeout),
            threads=self.threads,
            workdir=str(run_dir),
        )


def _of(value, spec: str):
    """An option of your own data for the task ``spec``: the same for every task, or one per spec."""
    return value.get(spec) if isinstance(value, dict) else value


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def select_solvers(registry: Registry, config: RunConfig) -> dict[str, type]:
    unknown = sorted(set(config.families) - set(FAMILIES))
    if unknown:
        raise UsageError(f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}: "
                         f"choose from {', '.join(FAMILIES)}")
    if config.solvers:
        chosen = {name: registry.get("solver", name) for name in config.solvers}
    else:
        chosen = {name: p.obj for name, p in sorted(registry.solvers.items())}
    return {name: cls for name, cls in chosen.items() if cls.family in config.families}


