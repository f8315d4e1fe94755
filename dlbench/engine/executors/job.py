"""What every executor handles: a job (a cell and its data), its options and the rows of cells that produced none.

Owns :class:`Job`, :class:`ExecutorOptions`, the row of a cell that was killed, timed out or
never started, the time a cell may still take under the run's deadline, and re-creating a job
on a remote worker from a task spec (data loaded once per worker and task).
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dlbench.core.registry import discover
from dlbench.core.task import Dataset
from dlbench.data.splits import nested_order
from dlbench.engine.cell import Cell, base_row, finish_row
from dlbench.engine.tasks import resolve_task

#: ``on_start(job)`` before a cell starts; it returns False when the cell is not to start (the
#: caller recorded why). ``on_result(job, row, trials, predictions=None)``: a cell ended.
OnResult = Callable[..., None]


@dataclass
class Job:
    """A cell with what it needs: the solver class, data (in the parent) and a task spec."""

    cell: Cell
    solver_cls: type
    extra_params: dict
    dataset: Dataset
    train_idx: np.ndarray
    spec: dict = field(default_factory=dict)  # how a remote worker re-creates the task


class Pending(list):
    """Jobs not started yet, in plan order; :meth:`next` takes the one to start now.

    ``choose(pending) -> index`` (the runner's) may pick another than the first, from what the
    cells finished so far measured; without it the plan's order holds. An executor that starts
    cells one by one takes them with ``next``; one that submits them all at once keeps the order.
    """

    def __init__(self, jobs=(), choose: Callable[[list], int] | None = None):
        super().__init__(jobs)
        self.choose = choose

    @classmethod
    def of(cls, jobs) -> "Pending":
        return jobs if isinstance(jobs, Pending) else cls(jobs)

    def next(self) -> Job:
        return self.pop(self.choose(self) if self.choose else 0)


@dataclass
class ExecutorOptions:
    """The run options an executor may use: how many cells at once, their time limit, a cluster."""

    workers: int = 1
    cell_timeout: float | None = None
    scheduler: str | None = None
    trials: int = 1


def failure_row(job: Job, status: str, error: str) -> dict[str, Any]:
    """The row of a cell that produced none itself (killed, timed out, never started)."""
    return finish_row(base_row(job.cell, job.solver_cls, job.dataset).update(status=status, error=error))


def time_limit(cell_timeout: float | None, deadline: float | None) -> float | None:
    """Seconds a cell may take: its own limit, and no later than the run's deadline (epoch s)."""
    limits = [t for t in (cell_timeout, deadline and deadline - time.time()) if t is not None]
    return max(0.0, min(limits)) if limits else None


@functools.lru_cache(maxsize=4)
def _worker_task(spec_json: str):
    spec = json.loads(spec_json)
    registry = discover(spec["tasks_dir"])
    task = resolve_task(spec["task"], registry, target=spec["target"], text_column=spec["text_column"],
                        test=spec["test"], task_name=spec.get("name"), modality=spec.get("modality"))
    return registry, task, task.load()


@functools.lru_cache(maxsize=16)
def _worker_order(spec_json: str, seed: int) -> np.ndarray:
    return nested_order(_worker_task(spec_json)[2].y_train, seed)


def job_from_spec(spec: dict, solver: str, train_size: int, seed: int, untuned: bool = False,
                  scale: float = 1.0) -> Job:
    """A job re-created on a remote worker; data loaded once per worker and task."""
    spec_json = json.dumps(spec, sort_keys=True)
    registry, task, dataset = _worker_task(spec_json)
    solver_cls = registry.get("solver", solver)
    idx = np.sort(_worker_order(spec_json, seed)[:train_size])
    return Job(Cell(task.name, solver, train_size, seed, untuned, scale), solver_cls, solver_cls.for_task(task), dataset, idx, spec)
