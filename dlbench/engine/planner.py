"""Planning a run: from its configuration and its loaded tasks to the ordered list of cells to run.

Owns :func:`plan`, a pure function (no files, no clock, no printing): for each task the
training sizes, the nested subsets of every seed, the solvers that accept the task and every
model size, minus the cells already finished, in the order they run (``plan.run_order``; under
``--budget`` every family's full-size defaults first). It does not load data, open the run
folder or run anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dlbench.core.schema import CellKey
from dlbench.core.solver import scales_for
from dlbench.core.task import Dataset, Task
from dlbench.data.splits import nested_order
from dlbench.engine.cell import Cell
from dlbench.engine.config import RunConfig
from dlbench.engine.executors.job import Job
from dlbench.engine.plan import PRESETS, full_size_first, resolve_sizes, run_order, stage_order


@dataclass(frozen=True)
class TaskPlan:
    """One task of a run, loaded: its data, the solvers that accept it and how a worker re-creates it."""

    task: Task
    dataset: Dataset
    solvers: dict[str, type]
    spec: dict[str, Any]


def sizes_of(config: RunConfig, dataset: Dataset) -> list[int]:
    """The training sizes of one task: ``--sizes``, or the preset's geometric ladder up to the whole pool."""
    return resolve_sizes(config.sizes, len(dataset.y_train), dataset.n_classes, PRESETS[config.preset].n_sizes)


def plan(config: RunConfig, tasks: list[TaskPlan], done: set[CellKey] = frozenset()) -> list[Job]:
    """Every cell of ``tasks`` not in ``done``, in the order it runs (see :func:`order`)."""
    jobs, sizes = [], {}
    for item in tasks:
        task, dataset = item.task, item.dataset
        sizes[task.name] = sizes_of(config, dataset)
        for seed in range(config.seed, config.seed + config.seeds):
            subset = nested_order(dataset.y_train, seed)
            for size in sizes[task.name]:
                idx = np.sort(subset[:size])
                for name, cls in item.solvers.items():
                    for scale in scales_for(cls, config.scales, task.modality):
                        cell = Cell(task.name, name, size, seed, scale=float(scale))
                        if cell.key not in done:
                            jobs.append(Job(cell, cls, cls.for_task(task), dataset, idx, item.spec))
    return order(config, jobs, sizes)


def order(config: RunConfig, jobs: list[Job], sizes: dict[str, list[int]]) -> list[Job]:
    """:func:`~dlbench.engine.plan.run_order`; under ``--budget`` the first seed's full-size cells go
    first at any number of seeds, so that every family has a scored (and exportable) full-size
    model before the budget goes to the learning curve and to tuning. With tuning on, those first
    cells run their defaults only (``untuned``) and come again, tuned, in the plan."""
    if not config.budget:
        return run_order(jobs, sizes, config.seed, config.seeds)
    ordered = stage_order(jobs, sizes)
    full, rest = full_size_first(ordered, sizes, config.seed, default_scale_only=True)
    if config.trials > 1:
        return [replace(j, cell=replace(j.cell, untuned=True)) for j in full] + ordered
    return full + rest
