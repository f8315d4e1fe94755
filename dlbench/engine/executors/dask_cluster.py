"""The ``dask`` executor: the same cells on a Dask ``distributed`` cluster (a local one when no address is given).

Each worker re-creates the task from its spec (data loaded once per worker). Needs the
``dask`` extra: ``pip install -e ".[dask]"``.
"""

from __future__ import annotations

from dlbench.core.errors import UsageError
from dlbench.core.schema import BUDGET_SPENT
from dlbench.engine import isolation
from dlbench.engine.cell import CellSettings, run_cell
from dlbench.engine.executors.job import (ExecutorOptions, Job, OnResult, failure_row,
                                          job_from_spec, time_limit)
from dlbench.engine.executors.registry import register


def remote_cell(spec: dict, solver: str, train_size: int, seed: int, settings: CellSettings,
                cell_timeout: float | None, deadline: float | None, untuned: bool = False, scale: float = 1.0):
    """Run one cell on a Dask worker: re-create the task there (data loaded once per worker)."""
    job = job_from_spec(spec, solver, train_size, seed, untuned, scale)
    limit = time_limit(cell_timeout, deadline)
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


def _distributed():
    try:
        import dask
        import distributed
    except ImportError:
        raise UsageError('--executor dask needs Dask: pip install -e ".[dask]" (or pip install "dask[distributed]")') from None
    return dask, distributed


@register("dask")
class DaskExecutor:
    def __init__(self, settings: CellSettings, options: ExecutorOptions):
        self.settings = settings
        self.workers = max(1, options.workers)
        self.cell_timeout = options.cell_timeout
        self.scheduler = options.scheduler
        _distributed()  # fail before any work when Dask is missing

    def _client(self):
        dask, distributed = _distributed()
        if self.scheduler:
            return distributed.Client(self.scheduler, timeout="20s"), None
        # Non-daemonic workers may fork, so fits get hard time limits there too.
        dask.config.set({"distributed.worker.daemon": False})
        cluster = distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        return distributed.Client(cluster), cluster

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        _, distributed = _distributed()
        try:
            client, cluster = self._client()
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler {self.scheduler}: {exc}; start it or fix --scheduler") from None
        futures = {}
        try:
            for job in jobs:  # all submitted at once: only what is known before any cell ends decides
                if on_start(job) is False:  # not admitted: recorded as skipped
                    continue
                future = client.submit(
                    remote_cell, job.spec, job.cell.solver, job.cell.train_size, job.cell.seed, self.settings,
                    self.cell_timeout, deadline, job.cell.untuned, job.cell.scale, pure=False, retries=0,
                )
                futures[future] = job
            for future in distributed.as_completed(list(futures)):
                job = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker is a failed cell
                    result = failure_row(job, "failed", f"Dask worker error: {isolation.one_line(exc)}"), []
                on_result(job, *result)
        finally:
            for future in futures:
                future.cancel()
            client.close()
            if cluster is not None:
                cluster.close()
        return []
