"""A benchmark run: load its tasks, run the planned cells on an executor, keep every result.

Owns the run's life: loading and checking its tasks, the budget's deadline, stopping on a
signal at a cell boundary, storing each row as its cell ends (probabilities exactly at a task's
full training size, compactly elsewhere), the size of ``results.db``, the ensembles and exported
models, and telling a :class:`~dlbench.engine.events.Listener` what happens. Planning is
``engine.planner``; every file name and every write of ``run.json`` is ``core.folder``. The
CSV files are exported and ``on_finish`` (the API writes the report there) is called even when
the run stops early (an error, Ctrl-C, the budget), so nothing computed is lost. It never
imports the report and never prints.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.folder import RunFolder
from dlbench.core.registry import Registry
from dlbench.core.schema import BUDGET_SPENT, CellKey
from dlbench.core.store import ResultsStore, export
from dlbench.core.task import Task
from dlbench.engine import events, executors
from dlbench.engine.admission import Admission
from dlbench.engine.config import RunConfig, select_solvers
from dlbench.engine.ensembles import NAME as ENSEMBLE
from dlbench.engine.environment import environment
from dlbench.engine.executors.job import Job, Pending, failure_row
from dlbench.engine.planner import TaskPlan, plan, sizes_of

#: Called with the run folder and the stored rows once a run ends, however it ends.
OnFinish = Callable[[Path, list], None]


def fingerprint(dataset) -> str:
    """A hash of a task's data (inputs and labels of both parts): resume refuses changed data."""
    import hashlib

    digest = hashlib.sha256()
    for part in (dataset.X_train, dataset.y_train, dataset.X_test, dataset.y_test):
        if hasattr(part, "to_csv"):
            digest.update(part.to_csv(index=False).encode("utf-8", "replace"))
        else:
            array = np.asarray(part)
            digest.update(array.astype(str).tobytes() if array.dtype == object else array.tobytes())
    return digest.hexdigest()


class Run:
    """Runs the planned (task, solver, size, seed) cells of one configuration and fills its run folder.

    ``folder``: a run folder made beforehand (data given in memory is written there first); None
    makes a fresh one once planning succeeded. ``resumed``: ``folder`` holds an unfinished run.
    """

    def __init__(self, config: RunConfig, registry: Registry, *, folder: RunFolder | None = None,
                 resumed: bool = False, listener: events.Listener = events.ignore, on_finish: OnFinish | None = None,
                 since: float | None = None):
        """``since``: the ``time.perf_counter()`` at which the caller's work began (an API call in a
        long-lived notebook); None: the process's start (a command)."""
        self.config = config
        self.registry = registry
        self.emit = listener
        # Resolve everything before any work, so a typo fails in a second, not after an hour.
        self.tasks = [config.resolve(spec, registry) for spec in config.tasks]
        self.solvers = select_solvers(registry, config)
        if not self.solvers:
            raise UsageError("no solver matches --families/--solvers; see `dlbench list solvers`")
        self.resumed = resumed
        self.folder = folder
        self.store: ResultsStore | None = None
        self.lock = None
        self.not_run: list[Job] = []
        self.on_finish = on_finish
        self.timings: dict[str, float] = {}
        self.stopped: str | None = None  # why the run ended early, for run.json and the report
        # Set by the signal handler: its KeyboardInterrupt can be swallowed (raised inside a fork
        # handler or a finaliser), so the run also stops at the next cell boundary.
        self.stop_requested = False
        self.datasets: dict = {}  # task name -> its loaded data, for ensembles and exported models
        self.sizes: dict[str, list[int]] = {}
        self.exported: list[dict] = []
        self.left_out = ""  # what the --budget left out, said at the end
        self._created = time.perf_counter()
        self._since = since

    def _age(self) -> float:
        return process_age() if self._since is None else time.perf_counter() - self._since

    @property
    def run_dir(self) -> Path | None:
        return self.folder.path if self.folder else None

    @classmethod
    def resume(cls, run_dir: str | Path, registry_for, *, listener: events.Listener = events.ignore,
               on_finish: OnFinish | None = None, overrides: dict | None = None, since: float | None = None) -> "Run":
        """The run of ``run_dir``, to be finished. ``overrides`` replace its limits (a new ``--budget``,
        ``--cell-timeout``, ...) or where cells run; everything that decides results stays as it was."""
        folder = RunFolder.existing(run_dir)
        try:
            saved = folder.read_info()["config"]
            # The old --budget was for the old invocation: a resume finishes the run unless given a new one.
            config = RunConfig.from_json({**saved, "budget": None, **(overrides or {})})
        except (KeyError, TypeError) as exc:
            raise UsageError(f"{folder.info} is damaged ({type(exc).__name__}: {exc}); it cannot be resumed") from None
        return cls(config, registry_for(config.tasks_dir), folder=folder, resumed=True, listener=listener,
                   on_finish=on_finish, since=since)

    def _solvers_for(self, task: Task) -> dict[str, type]:
        return {n: cls for n, cls in self.solvers.items() if cls.accepts(task)}

    def load(self) -> tuple[list[TaskPlan], dict[str, dict], dict[str, str]]:
        """Each task's data, loaded and checked once: what the planner needs, each data audit and fingerprint.

        On resume, a task whose data changed since the run began is refused.
        """
        from dlbench.data.audit import audit

        known = (self.folder.read_info().get("fingerprints") or {}) if self.resumed else {}
        loaded, audits, prints = [], {}, {}
        for spec, task in zip(self.config.tasks, self.tasks):
            solvers = self._solvers_for(task)
            if not solvers:
                names = ", ".join(sorted(self.solvers))
                if len(self.tasks) == 1:
                    raise UsageError(f"no selected solver accepts {task.modality} data (task {task.name}; selected: "
                                     f"{names}); see `dlbench list solvers`")
                self.emit(events.Note("warning", f"no selected solver accepts the task {task.name} ({task.modality})"))
                continue
            self.emit(events.Loading(task.name))
            dataset = task.load()
            self.datasets[task.name] = dataset
            prints[task.name] = fingerprint(dataset)
            if task.name in known and known[task.name] != prints[task.name]:
                raise UsageError(f"the data of task {task.name} changed since {self.run_dir} began; resuming would "
                                 "mix results of two datasets: start a new run")
            self.sizes[task.name] = sizes_of(self.config, dataset)
            audits[task.name] = audit(dataset)
            loaded.append(TaskPlan(task, dataset, solvers, self.config.task_spec(spec, self.registry.tasks)))
        return loaded, audits, prints

    def _write_run_json(self, audits: dict[str, dict], fingerprints: dict[str, str], planned: dict[str, int]) -> None:
        now = datetime.now().astimezone().isoformat(timespec="seconds")
        info = {
            "run_id": self.folder.name,
            "started": now,
            "command": " ".join(["dlbench" if Path(sys.argv[0]).name in ("__main__.py", "-m") else Path(sys.argv[0]).name,
                                 *sys.argv[1:]]),
            "config": asdict(self.config),
            "sizes": self.sizes,
            "audit": audits,
            "fingerprints": fingerprints,
            "planned": planned,  # cells per task this run set out to finish (a resume: those still to do)
            "tasks": [{**type(t).metadata(), "name": t.name, "params": vars(t)} for t in self.tasks],
            "solvers": {name: cls.metadata() for name, cls in self.solvers.items()},
            "environment": environment(),
        }
        previous = self.folder.read_info() if self.resumed else {}
        if previous:
            info["started"] = previous.get("started", now)
            info["resumed"] = previous.get("resumed", []) + [now]
        self.folder.write_info(info)

    def _executor(self):
        from dataclasses import replace

        settings = replace(self.config.settings(self.run_dir), keep_models=self.config.export != "none",
                           full_sizes={t: sizes[-1] for t, sizes in self.sizes.items() if sizes})
        return executors.get(self.config.executor)(settings, self.config.executor_options())

    def _open(self) -> None:
        """Create (or reopen) the run folder, take its lock and open the store."""
        if self.folder is None:
            self.folder = RunFolder.create(self.config.out, self.config.tasks)
        self.lock = self.folder.lock()
        try:
            self.store = self.folder.store(must_exist=self.resumed)
        except UsageError:
            self.lock.release()
            raise

    def _close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.lock.release()
            self.store = None

    def execute(self) -> Path:
        """Plan, run every cell, write the run folder; a new folder exists only once planning succeeded.

        SIGINT and SIGTERM (Ctrl-C, a notebook's interrupt, a batch scheduler's stop) end the run
        at once, keeping every finished cell: the CSV files, models and report are still written.
        """
        with self._stop_on_signals():
            return self._execute()

    def _execute(self) -> Path:
        deadline = None
        if self.config.budget:  # the whole command's: start-up so far, and the ensembles, models and report after
            deadline = time.time() + self.config.budget - self._age() - finishing_reserve(self.config.budget)
        started = time.perf_counter()
        if self.resumed:
            self._open()
        try:
            loaded, audits, prints = self.load()
            jobs = plan(self.config, loaded, self.store.finished_keys() if self.store else set())
        except BaseException:
            self._close()  # a resumed run that cannot go on: its folder stays as it was
            raise
        if not self.resumed:
            self._open()
        self.timings.update(startup=self._age() - (time.perf_counter() - self._created),
                            data=time.perf_counter() - started)
        try:
            planned: dict[str, int] = {}
            for job in jobs:
                planned[job.cell.task] = planned.get(job.cell.task, 0) + 1
            for key in self.store.finished_keys():
                if key.solver != ENSEMBLE:  # derived rows, not cells of the grid
                    planned[key.task] = planned.get(key.task, 0) + 1
            self._write_run_json(audits, prints, {t: planned.get(t, 0) for t in self.sizes})
            cells_started = time.perf_counter()
            self.emit(events.Planned(jobs, self.config.workers, self.run_dir))
            try:
                self._run_cells(jobs, deadline)
            finally:
                self.emit(events.CellsDone("interrupted" if self.stop_requested else None))
            self.timings["cells"] = time.perf_counter() - cells_started
        except BaseException as exc:
            self.stopped = "interrupted (Ctrl-C or SIGTERM)" if isinstance(exc, KeyboardInterrupt) else \
                f"stopped by an error ({type(exc).__name__})"
            raise
        finally:
            if self.not_run and not self.stopped:
                self.stopped = f"the --budget was used up: {self.left_out}"
            self.finish()
        if self.not_run:
            self.emit(events.Note("warning", f"budget used up: {self.left_out}; finish them with "
                                             f"`dlbench run --resume {self.run_dir}`"))
        self.emit(events.RunEnded(self.run_dir, self.stopped))
        return self.run_dir

    def _run_cells(self, jobs: list[Job], deadline: float | None) -> None:
        admission = Admission(self.sizes, self.config.seed, limit=self.config.cell_limit(),
                              discard=self.config.discard)
        for row in self.store.rows():  # a resumed run: the curves and costs so far
            admission.done(row, sum(row.get(k) or 0.0 for k in ("tune_seconds", "fit_seconds", "predict_seconds")))
        began: dict[CellKey, float] = {}

        def on_start(job: Job) -> bool:
            self._check_stop()
            why = admission.reason(job, time_left=deadline - time.time() if deadline else None)
            if why:
                row = failure_row(job, "skipped", why)
                self.store.add(row)
                admission.done(row)
                self.emit(events.CellFinished(job, row))
                return False
            began[job.cell.key] = time.perf_counter()
            self.emit(events.CellStarted(job))
            return True

        def on_result(job: Job, row: dict, trials: list, predictions: dict | None = None) -> None:
            if not (job.cell.untuned and job.cell.key in self.store.finished_keys()):  # never over a tuned row
                # Ensembles and exported models are built from full-size cells: those stay exact.
                full = job.cell.at_full_size((self.sizes.get(job.cell.task) or [None])[-1])
                self.store.add(row, trials, predictions, compact=not full)
            started = began.pop(job.cell.key, None)
            admission.done(row, time.perf_counter() - started if started is not None else None)
            self.emit(events.CellFinished(job, row))
            self._check_stop()

        queue = Pending(jobs, choose=admission.choose if self.config.budget else None)
        pending = list(self._executor().run(queue, on_start, on_result, deadline))
        self._check_stop()
        stored = self.store.rows()
        kept = {CellKey.of(r) for r in stored if r["status"] == "ok"}
        for job in pending:
            if job.cell.key not in kept:  # an untuned full-size model stays; --resume tunes it
                self.store.add(failure_row(job, "skipped", BUDGET_SPENT))
        self.not_run = pending + admission.over_budget
        if self.not_run:
            self.left_out = self._left_out(stored, kept)

    def _left_out(self, rows: list[dict], ok: set[CellKey]) -> str:
        """What the budget left out, in a few words: cells not run (by size) and cells left untuned.

        ``rows``: the stored cells; ``ok``: the keys of those that finished."""
        skipped = {j.cell.key for j in self.not_run} - ok
        sizes = sorted({key.train_size for key in skipped})
        text = f"{len(skipped)} cells not run" + (f" (sizes {', '.join(f'{n:,}' for n in sizes[:6])}"
                                                  f"{', ...' if len(sizes) > 6 else ''})" if sizes else "")
        untuned = sum(1 for r in rows if r.get("untuned"))
        return text + (f", {untuned} full-size cells ran their defaults only (untuned)" if untuned else "")

    def _check_stop(self) -> None:
        if self.stop_requested:
            raise KeyboardInterrupt

    @contextmanager
    def _stop_on_signals(self):
        """While the run executes, SIGINT/SIGTERM stop it at once and at the next cell boundary
        (only the main thread may handle signals: elsewhere the caller's own handling stays)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def terminate(signum, frame) -> None:
            self.stop_requested = True
            raise KeyboardInterrupt  # unwinds: the store, CSV files and report are written

        def unraisable(info) -> None:  # the interrupt landed in a fork handler: the run stops at the next cell
            if not (self.stop_requested and isinstance(info.exc_value, KeyboardInterrupt)):
                previous_hook(info)

        previous = {sig: signal.signal(sig, terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
        previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
        try:
            yield
        finally:
            sys.unraisablehook = previous_hook
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def finish(self) -> None:
        """Export the CSV files from whatever the store holds, hand them to ``on_finish``, release the lock."""
        if self.store is None:
            return
        try:
            start = time.perf_counter()
            self._add_ensembles()
            rows = export(self.store, self.run_dir)
            self.timings["export"] = time.perf_counter() - start
            start = time.perf_counter()
            self._export_models(rows)
            self.timings["models"] = time.perf_counter() - start
            if self.on_finish is not None:
                start = time.perf_counter()
                self.on_finish(self.run_dir, rows)
                self.timings["report"] = time.perf_counter() - start
            self.timings["total"] = self._age()
            self.folder.update_info(timings={k: round(v, 3) for k, v in self.timings.items()}, stopped=self.stopped,
                                    results_db_bytes=self.store.size_bytes,
                                    finished=datetime.now().astimezone().isoformat(timespec="seconds"))
        finally:
            self._close()

    def _add_ensembles(self) -> None:
        """The ``ensemble`` rows, from the stored predictions; a failure is a warning, never a lost run."""
        from dlbench.engine.ensembles import add_ensembles

        try:
            add_ensembles(self.store, self.datasets, self.sizes)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            self.emit(events.Note("warning", f"no ensemble was built ({type(exc).__name__}: {exc})"))

    def _export_models(self, rows: list[dict]) -> None:
        """Save the winners (``--export``); a failure here is a warning, never a lost report."""
        if not self.datasets or self.config.export == "none":
            return
        final = not self.stopped and not self.not_run
        try:
            from dlbench.models.export import export_run

            self.exported = export_run(
                self.run_dir, rows, self.store.predictions(), self.datasets, self.folder.read_info(),
                self.config.export, self.solvers, final, on_model=lambda m: self.emit(events.Exporting(m)))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            self.emit(events.Note("warning", f"the models could not be exported ({type(exc).__name__}: {exc})"))
        for entry in self.exported:
            if not entry["saved"]:
                self.emit(events.Note("note", f"{entry['task']} · {entry['solver']} was not exported: "
                                              f"{entry['reason']}"))


def finishing_reserve(budget: float) -> float:
    """Seconds of a ``--budget`` kept for what follows the cells (ensembles, exported models, the
    report): 5% of it, at most 2 minutes."""
    return min(120.0, 0.05 * budget)


def process_age() -> float:
    """Seconds since this process started (Linux; elsewhere since this module was imported)."""
    try:
        import os

        with open("/proc/self/stat", encoding="ascii") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()
