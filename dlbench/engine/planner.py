"""Planning a run: from its configuration and its loaded tasks to the ordered list of cells to run.

Owns :func:`plan`, a pure function (no files, no clock, no printing): for each task the
training sizes, the nested subsets of every seed, the solvers that accept the task and every
model size, minus the cells already finished, in the order they run (``plan.run_order``; under
``--budget`` every family's full-size model first, :func:`order`). It does not load data, open the run
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
from dlbench.engine import admission
from dlbench.engine.cell import Cell
from dlbench.engine.config import RunConfig
from dlbench.engine.executors.job import Job
from dlbench.engine.plan import PRESETS, full_size_first, resolve_sizes, run_order, stage_order
from dlbench.engine.tuning import TuneConfig, rungs


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
    """:func:`~dlbench.engine.plan.run_order` (a task whose full size is large enough for cells to be
    stopped or seeds left out, ``engine.admission``, runs its curve first); under ``--budget`` every family's full-size model of
    the first seed goes first, the families taking turns, then the rest of the first seed's
    learning curve, then the other seeds: what the budget leaves out is what matters least.

    A task whose full-size cells tune on subsets (:func:`~dlbench.engine.tuning.rungs`) first runs
    its two smallest sizes (seconds) to measure how every solver's cost grows, so a full-size cell
    predicted to overrun is skipped, not started; its full-size cells run tuned. A smaller task's full-size
    cells first run their defaults only (``untuned``; cheap next to tuning on all the data) and
    come again, tuned, in the plan.
    """
    if not config.budget:
        curve_first = {task for task, ladder in sizes.items() if ladder[-1] >= admission.SAVE_FROM}
        return run_order(jobs, sizes, config.seed, config.seeds, curve_first)
    ordered = stage_order(jobs, sizes, config.seed, seeds_last=True)
    tuning = TuneConfig()
    full, rest = full_size_first(ordered, sizes, config.seed, default_scale_only=True)
    large = {task for task, ladder in sizes.items()
             if len(rungs(int(ladder[-1] * (1 - tuning.val_fraction)), 2, config.trials, tuning.fidelity_from)) > 1}
    pilot = [j for j in rest if j.cell.task in large and j.cell.seed == config.seed
             and j.cell.train_size in sizes[j.cell.task][:2]]
    first, small = [j for j in full if j.cell.task in large], [j for j in full if j.cell.task not in large]
    if config.trials > 1:  # the small tasks' full-size cells come again, tuned, in the plan
        first, then = first + [replace(j, cell=replace(j.cell, untuned=True)) for j in small], ordered
    else:
        first, then = first + small, rest
    taken = {j.cell.key for j in pilot + first if not j.cell.untuned}
    return pilot + first + [j for j in then if j.cell.key not in taken]
