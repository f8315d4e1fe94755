"""The ``local`` executor: cells one after another in this process, fits included (for debugging).

No process isolation: a time limit cannot stop a running fit and a crash ends the run.
"""

from __future__ import annotations

from dataclasses import replace

from dlbench.engine.cell import CellSettings, run_cell
from dlbench.engine.executors.job import ExecutorOptions, Job, OnResult, Pending
from dlbench.engine.executors.registry import register


@register("local")
class LocalExecutor:
    def __init__(self, settings: CellSettings, options: ExecutorOptions):
        self.settings = replace(settings, isolate=False)

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        import time

        pending = Pending.of(jobs)
        while pending:
            if deadline is not None and time.time() >= deadline:
                return list(pending)
            job = pending.next()
            if on_start(job) is False:  # not admitted: recorded as skipped
                continue
            on_result(job, *run_cell(job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                                     self.settings))
        return []
