"""The ``processes`` executor (the default): each cell in its own forked worker, up to ``workers`` at once.

Owns the failure modes of a worker: an exception, a crashed process or a cell that overruns
``--cell-timeout`` becomes a ``failed``/``timeout`` row and the run goes on. It honours the
run's deadline (``--budget``) by not starting cells after it and by giving running cells at
most the time left.
"""

from __future__ import annotations

import importlib
import time

from dlbench.core.folder import RunFolder
from dlbench.engine import isolation
from dlbench.engine.cell import CellSettings, run_cell
from dlbench.engine.executors.job import ExecutorOptions, Job, OnResult, Pending, failure_row, time_limit
from dlbench.engine.executors.registry import register


@register("processes")
class ProcessExecutor:
    def __init__(self, settings: CellSettings, options: ExecutorOptions):
        self.settings = settings
        self.workers = max(1, options.workers)
        self.cell_timeout = options.cell_timeout
        self.trials = options.trials

    def _preload(self, jobs: list[Job]) -> str:
        """Import what the cells need once, before forking: children inherit it for free. Returns
        how cells start: ``fork``, or ``forkserver`` where this process has run TensorFlow.

        Importing TensorFlow is fork-safe; running TensorFlow operations is not, and a dlbench
        command never runs any here. A notebook may have: its cells then fork from a fresh
        server process that imported the same modules.
        """
        import multiprocessing

        from dlbench.solvers.deep.runtime import quiet_import

        modules = ["sklearn.metrics", "sklearn.pipeline", "threadpoolctl"]
        if self.settings.keep_models:
            modules.append("skops.io")  # ~1 s per full-size cell otherwise: it saves the model
        if isolation.tensorflow_started():
            multiprocessing.get_context("forkserver").set_forkserver_preload(["dlbench.engine.cell", *modules])
            return "forkserver"
        for module in modules:
            importlib.import_module(module)
        if self.trials > 1:
            quiet_import("keras_tuner")
        if any(job.solver_cls.family == "deep" for job in jobs):
            quiet_import("keras")
        return "fork"

    def run(self, jobs: list[Job], on_start, on_result: OnResult, deadline: float | None) -> list[Job]:
        from multiprocessing.connection import wait

        method = self._preload(jobs)
        log_path = RunFolder(self.settings.workdir).cell_log  # library noise stays off the terminal
        log_path.parent.mkdir(parents=True, exist_ok=True)
        pending, running = Pending.of(jobs), {}
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    if deadline is not None and time.time() >= deadline:
                        break
                    job = pending.next()
                    if on_start(job) is False:  # not admitted: recorded as skipped
                        continue
                    handle = isolation.start(
                        run_cell, job.cell, job.solver_cls, job.extra_params, job.dataset, job.train_idx,
                        self.settings, timeout=time_limit(self.cell_timeout, deadline), log_path=str(log_path),
                        method=method,
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
