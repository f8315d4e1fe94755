"""Where cells run: in process, in forked worker processes, or on a Dask cluster.

Owns scheduling and the failure modes of a worker: an exception, a crashed process or a cell
that overruns ``--cell-timeout`` becomes a ``failed``/``timeout`` row and the run goes on.
Every executor honours the run's deadline (``--budget``) by not starting cells after it and
by giving running cells at most the time left. It does not decide which cells exist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dlbench import isolation
from dlbench.cell import Cell, CellSettings, base_row, finish_row, run_cell
from dlbench.task import Dataset

EXECUTORS = ("processes", "local", "dask")
OnResult = Callable[["Job", dict, list], None]


@dataclass
class Job:
    """A cell with what it needs: the solver class, data (in the parent) and a task spec."""

    cell: Cell
    solver_cls: type
    extra_params: dict
    dataset: Dataset
    train_idx: np.ndarray
    spec: dict = field(default_factory=dict)  # how a remote worker re-creates the task


def failure_row(job: Job, status: str, error: str) -> dict[str, Any]:
    """The row of a cell that produced none itself (killed, timed out, never started)."""
    return finish_row({**base_row(job.cell, job.solver_cls, job.dataset), "status": status, "error": error})


BUDGET_SPENT = "not run: the run's --budget was used up (run again with --resume to finish)"


def _time_limit(cell_timeout: float | None, deadline: float | None) -> float | None:
    """Seconds a cell may take: its own limit, and no later than the run's deadline (epoch s)."""
    limits = [t for t in (cell_timeout, deadline and deadline - time.time()) if t is not None]
    return max(0.0, min(limits)) if limits else None


class LocalExecutor:
    """Cells one after another in this process, fits included (for debugging).

    No process isolation: a time limit cannot stop a running fit and a crash ends the run.
    """

    def __init__(self, settings: CellSettings, cell_timeout: float | None = None):
        self.settings = CellSettings(**{**settings.__dict__, "isolate": False})

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        for i, job in enumerate(jobs):
            if deadline is not None and time.time() >= deadline:
                return jobs[i:]
            on_start(job)
            row, trials = run_cell(job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                                   self.settings)
            on_result(job, row, trials)
        return []


class ProcessExecutor:
    """Each cell in its own forked worker process, up to ``workers`` at a time."""

    def __init__(self, settings: CellSettings, workers: int = 1, cell_timeout: float | None = None):
        self.settings = settings
        self.workers = max(1, workers)
        self.cell_timeout = cell_timeout

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        from multiprocessing.connection import wait

        pending, running = list(jobs), {}
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    if deadline is not None and time.time() >= deadline:
                        break
                    job = pending.pop(0)
                    on_start(job)
                    handle = isolation.start(
                        run_cell, job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                        self.settings, timeout=_time_limit(self.cell_timeout, deadline),
                    )
                    running[handle.connection] = (job, handle)
                if not running:
                    break
                deadlines = [h.deadline for _, h in running.values() if h.deadline is not None]
                wait_for = max(0.0, min(deadlines) - time.perf_counter()) if deadlines else None
                ready = set(wait(list(running), timeout=wait_for))
                for conn, (job, handle) in list(running.items()):
                    if conn in ready or handle.expired():
                        del running[conn]
                        on_result(job, *self._collect(job, handle))
        finally:
            for _, handle in running.values():
                handle.stop()
        return pending

    @staticmethod
    def _collect(job: Job, handle: isolation.Running) -> tuple[dict, list]:
        try:
            return handle.result().value
        except isolation.Timeout as exc:
            return failure_row(job, "timeout", f"cell {exc}"), []
        except isolation.Crashed as exc:
            return failure_row(job, "failed", f"the cell's worker died: {exc}"), []
        except isolation.ChildError as exc:
            return failure_row(job, "failed", str(exc)), []


def remote_cell(spec: dict, solver: str, train_size: int, seed: int, settings: CellSettings,
                cell_timeout: float | None, deadline: float | None):
    """Run one cell on a Dask worker: re-create the task there (data loaded once per worker)."""
    from dlbench.runner import load_for_worker

    job = load_for_worker(spec, solver, train_size, seed)
    limit = _time_limit(cell_timeout, deadline)
    if limit is not None and limit <= 0:
        return failure_row(job, "skipped", BUDGET_SPENT), []
    try:
        outcome = isolation.call(
            run_cell, job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx, settings,
            timeout=limit,
        )
        return outcome.value
    except isolation.Timeout as exc:
        return failure_row(job, "timeout", f"cell {exc}"), []
    except isolation.IsolationError as exc:
        return failure_row(job, "failed", str(exc)), []


class DaskExecutor:
    """The same cells on a Dask ``distributed`` cluster (a local one when no address is given)."""

    def __init__(self, settings: CellSettings, workers: int = 1, cell_timeout: float | None = None,
                 scheduler: str | None = None):
        self.settings = settings
        self.workers = max(1, workers)
        self.cell_timeout = cell_timeout
        self.scheduler = scheduler

    def _client(self):
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            return Client(self.scheduler, timeout="20s"), None
        # Non-daemonic workers may fork, so fits get hard time limits there too.
        dask.config.set({"distributed.worker.daemon": False})
        cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        return Client(cluster), cluster

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        from distributed import as_completed

        try:
            client, cluster = self._client()
        except OSError as exc:
            from dlbench.errors import UsageError

            raise UsageError(f"cannot reach the Dask scheduler {self.scheduler}: {exc}; start it or fix --scheduler") from None
        futures = {}
        try:
            for job in jobs:
                on_start(job)
                future = client.submit(
                    remote_cell, job.spec, job.cell.solver, job.cell.train_size, job.cell.seed, self.settings,
                    self.cell_timeout, deadline, pure=False, retries=0,
                )
                futures[future] = job
            for future in as_completed(list(futures)):
                job = futures[future]
                try:
                    row, trials = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker is a failed cell
                    row, trials = failure_row(job, "failed", f"Dask worker error: {isolation.one_line(exc)}"), []
                on_result(job, row, trials)
        finally:
            for future in futures:
                future.cancel()
            client.close()
            if cluster is not None:
                cluster.close()
        return []
