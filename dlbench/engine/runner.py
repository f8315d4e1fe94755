"""A benchmark run: plan the grid of cells, run them on an executor, keep every result.

Owns the run folder (``results.db``, ``results.csv``, ``trials.csv``, ``run.json``), the order
of cells, the run's budget, resume and progress. Rows are stored as each cell ends; the CSV
files are exported and the ``on_finish`` callback (the CLI writes the report there) is called
even when the run stops early (an error, Ctrl-C, the budget), so nothing computed is lost. It
never imports the report.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.registry import Registry
from dlbench.core.schema import KEY
from dlbench.core.solver import scales_for
from dlbench.core.store import ResultsStore, export, write_atomic
from dlbench.core.task import Task
from dlbench.data.splits import nested_order
from dlbench.engine import executors
from dlbench.engine.cell import Cell
from dlbench.engine.config import RunConfig, select_solvers
from dlbench.engine.ensembles import NAME as ENSEMBLE
from dlbench.engine.environment import environment
from dlbench.engine.executors.job import BUDGET_SPENT, Job, failure_row
from dlbench.engine.lock import RunLock
from dlbench.engine.plan import PRESETS, full_size_first, resolve_sizes, run_order, stage_order

#: Called with the run folder and the stored rows once a run ends, however it ends.
OnFinish = Callable[[Path, list], None]


def new_run_dir(out: str | Path, tasks: list[str]) -> Path:
    """A fresh run folder ``OUT/<time>-<tasks>`` (created here, only once the run can start)."""
    stem = "-".join(Path(t).stem.split(":")[0] for t in tasks)[:40] or "run"
    base = Path(out) / f"{datetime.now():%Y%m%d-%H%M%S}-{stem}"
    run_dir, n = base, 1
    while True:
        try:
            run_dir.mkdir(parents=True)
            return run_dir
        except FileExistsError:
            n += 1
            run_dir = base.with_name(f"{base.name}-{n}")
        except OSError as exc:
            raise UsageError(f"cannot create the run folder in {out}: {exc.strerror or exc}; "
                             "choose another --out") from None


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
    """Plans the grid of (task, solver, size, seed) cells, runs them and writes the run folder."""

    def __init__(self, config: RunConfig, registry: Registry, console=None, run_dir: str | Path | None = None,
                 on_finish: OnFinish | None = None):
        from rich.console import Console

        self.config = config
        self.registry = registry
        self.console = console or Console(stderr=True)
        # Resolve everything before any work, so a typo fails in a second, not after an hour.
        self.tasks = [config.resolve(spec, registry) for spec in config.tasks]
        self.solvers = select_solvers(registry, config)
        if not self.solvers:
            raise UsageError("no solver matches --families/--solvers; see `dlbench list solvers`")
        self.resumed = run_dir is not None
        self.run_dir: Path | None = Path(run_dir) if run_dir else None  # a new run's folder: made in execute
        self.store: ResultsStore | None = None
        self.lock: RunLock | None = None
        self.not_run: list[Job] = []
        self.on_finish = on_finish
        self.timings: dict[str, float] = {}
        self.stopped: str | None = None  # why the run ended early, for run.json and the report
        # Set by a signal handler: its KeyboardInterrupt can be swallowed (raised inside a fork
        # handler or a finaliser), so the run also stops at the next cell boundary.
        self.stop_requested = False
        self.datasets: dict = {}  # task name -> its loaded data, for exporting models
        self.sizes: dict[str, list[int]] = {}
        self.exported: list[dict] = []
        self.left_out = ""  # what the --budget left out, said at the end
        self._created = time.perf_counter()

    @classmethod
    def resume(cls, run_dir: str | Path, registry_for, console=None, on_finish: OnFinish | None = None,
               overrides: dict | None = None) -> "Run":
        """The run of ``run_dir``, to be finished. ``overrides`` replace its limits (a new ``--budget``,
        ``--cell-timeout``, ...) or where cells run; everything that decides results stays as it was."""
        run_dir = Path(run_dir)
        info_path = run_dir / "run.json"
        if not (info_path.exists() and (run_dir / "results.db").exists()):
            raise UsageError(f"{run_dir} is not a dlbench run folder (no run.json/results.db): give OUT/<run-id>")
        try:
            saved = json.loads(info_path.read_text(encoding="utf-8"))["config"]
            # The old --budget was for the old invocation: a resume finishes the run unless given a new one.
            config = RunConfig.from_json({**saved, "budget": None, **(overrides or {})})
        except (ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{info_path} is damaged ({type(exc).__name__}: {exc}); it cannot be resumed") from None
        return cls(config, registry_for(config.tasks_dir), console=console, run_dir=run_dir, on_finish=on_finish)

    def _solvers_for(self, task: Task) -> dict[str, type]:
        return {n: cls for n, cls in self.solvers.items() if cls.accepts(task)}

    def _write_run_json(self, sizes: dict[str, list[int]], audits: dict[str, dict],
                        fingerprints: dict[str, str], planned: dict[str, int]) -> None:
        info = {
            "run_id": self.run_dir.name,
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join(["dlbench" if Path(sys.argv[0]).name in ("__main__.py", "-m") else Path(sys.argv[0]).name,
                                 *sys.argv[1:]]),
            "config": asdict(self.config),
            "sizes": sizes,
            "audit": audits,
            "fingerprints": fingerprints,
            "planned": planned,  # cells per task this run set out to finish (a resume: those still to do)
            "tasks": [{**type(t).metadata(), "name": t.name, "params": vars(t)} for t in self.tasks],
            "solvers": {name: cls.metadata() for name, cls in self.solvers.items()},
            "environment": environment(),
        }
        path = self.run_dir / "run.json"
        if self.resumed and path.exists():
            previous = json.loads(path.read_text(encoding="utf-8"))
            info["started"] = previous.get("started", info["started"])
            info["resumed"] = previous.get("resumed", []) + [datetime.now().astimezone().isoformat(timespec="seconds")]
        write_atomic(path, json.dumps(info, indent=2, default=str))

    def _previous(self) -> dict:
        path = self.run_dir / "run.json" if self.run_dir else None
        return json.loads(path.read_text(encoding="utf-8")) if self.resumed and path.exists() else {}

    def plan(self, on_load=lambda task: None):
        """Every cell not finished yet in the order they run (:meth:`_order`), each task's data audit
        and fingerprint.

        Loads each task once; its nested subsets are drawn once per seed. On resume, a task whose
        data changed since the run began is refused.
        """
        from dlbench.data.audit import audit

        done = self.store.finished_keys() if self.store else set()
        known = self._previous().get("fingerprints") or {}
        preset = PRESETS[self.config.preset]
        jobs, all_sizes, audits, prints = [], {}, {}, {}
        for spec, task in zip(self.config.tasks, self.tasks):
            solvers = self._solvers_for(task)
            if not solvers:
                names = ", ".join(sorted(self.solvers))
                if len(self.tasks) == 1:
                    raise UsageError(f"no selected solver accepts {task.modality} data (task {task.name}; selected: "
                                     f"{names}); see `dlbench list solvers`")
                self.console.print(f"[yellow]warning:[/] no selected solver accepts the task {task.name} ({task.modality})")
                continue
            on_load(task)
            dataset = task.load()
            self.datasets[task.name] = dataset
            prints[task.name] = fingerprint(dataset)
            if task.name in known and known[task.name] != prints[task.name]:
                raise UsageError(f"the data of task {task.name} changed since {self.run_dir} began; resuming would "
                                 "mix results of two datasets: start a new run")
            sizes = resolve_sizes(self.config.sizes, len(dataset.y_train), dataset.n_classes, preset.n_sizes)
            all_sizes[task.name] = sizes
            audits[task.name] = audit(dataset)
            remote = self.config.task_spec(spec, self.registry.tasks)
            for seed in range(self.config.seed, self.config.seed + self.config.seeds):
                order = nested_order(dataset.y_train, seed)
                for size in sizes:
                    idx = np.sort(order[:size])
                    for name, cls in solvers.items():
                        for scale in scales_for(cls, self.config.scales, task.modality):
                            cell = Cell(task.name, name, size, seed, scale=float(scale))
                            if cell.key in done:
                                continue
                            jobs.append(Job(cell, cls, cls.for_task(task), dataset, idx, remote))
        self.sizes = all_sizes
        return self._order(jobs), all_sizes, audits, prints

    def _order(self, jobs: list[Job]) -> list[Job]:
        """:func:`run_order`; under ``--budget`` the first seed's full-size cells go first at any
        number of seeds, so that every family has a scored (and exportable) full-size model before
        the budget goes to the learning curve and to tuning. With tuning on, those first cells run
        their defaults only (``untuned``) and come again, tuned, in the plan."""
        if not self.config.budget:
            return run_order(jobs, self.sizes, self.config.seed, self.config.seeds)
        ordered = stage_order(jobs, self.sizes)
        full, rest = full_size_first(ordered, self.sizes, self.config.seed, default_scale_only=True)
        if self.config.trials > 1:
            return [replace(j, cell=replace(j.cell, untuned=True)) for j in full] + ordered
        return full + rest

    def _executor(self):
        settings = replace(self.config.settings(self.run_dir), keep_models=self.config.export != "none",
                           full_sizes={t: sizes[-1] for t, sizes in self.sizes.items() if sizes})
        return executors.get(self.config.executor)(settings, self.config.executor_options())

    def _open(self) -> None:
        """Create (or reopen) the run folder, take its lock and open the store."""
        if self.run_dir is None:
            self.run_dir = new_run_dir(self.config.out, self.config.tasks)
        self.lock = RunLock(self.run_dir)
        try:
            self.store = ResultsStore(self.run_dir / "results.db", must_exist=self.resumed)
        except UsageError:
            self.lock.release()
            raise

    def execute(self) -> Path:
        """Plan, run every cell, write the run folder; the folder exists only once planning succeeded."""
        from dlbench.engine.progress import RunProgress

        deadline = time.time() + self.config.budget if self.config.budget else None
        started = time.perf_counter()
        if self.resumed:
            self._open()
        try:
            with self.console.status("planning") as status:
                jobs, sizes, audits, prints = self.plan(lambda t: status.update(f"loading {t.name}"))
        except BaseException:
            if self.store is not None:  # a resumed run that cannot go on: leave its folder as it was
                self.store.close()
                self.lock.release()
                self.store = None
            raise
        if not self.resumed:
            self._open()
        self.timings.update(startup=process_age() - (time.perf_counter() - self._created),
                            data=time.perf_counter() - started)
        try:
            planned: dict[str, int] = {}
            for job in jobs:
                planned[job.cell.task] = planned.get(job.cell.task, 0) + 1
            done = {}
            for key in self.store.finished_keys():
                if key[1] != ENSEMBLE:  # derived rows, not cells of the grid
                    done[key[0]] = done.get(key[0], 0) + 1
            self._write_run_json(sizes, audits, prints, {t: planned.get(t, 0) + done.get(t, 0) for t in sizes})
            cells_started = time.perf_counter()
            with RunProgress(self.console, jobs, self.config.workers) as progress:
                def on_start(job: Job) -> None:
                    self._check_stop()
                    progress.started(job)

                def on_result(job: Job, row: dict, trials: list, predictions: dict | None = None) -> None:
                    if not (job.cell.untuned and job.cell.key in self.store.finished_keys()):  # never over a tuned row
                        self.store.add(row, trials, predictions)
                    progress.finished(job, row)
                    self._check_stop()

                self.not_run = self._executor().run(jobs, on_start, on_result, deadline)
                self._check_stop()
                stored = self.store.rows()
                kept = {tuple(r[k] for k in KEY) for r in stored if r["status"] == "ok"}
                for job in self.not_run:
                    if job.cell.key not in kept:  # an untuned full-size model stays; --resume tunes it
                        self.store.add(failure_row(job, "skipped", BUDGET_SPENT))
                if self.not_run:
                    self.left_out = self._left_out(stored, kept)
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
            self.console.print(f"[yellow]budget used up:[/] {self.left_out}; "
                               f"finish them with `dlbench run --resume {self.run_dir}`")
        return self.run_dir

    def _left_out(self, rows: list[dict], ok: set[tuple]) -> str:
        """What the budget left out, in a few words: cells not run (by size) and cells left untuned.

        ``rows``: the stored cells; ``ok``: the keys of those that finished."""
        skipped = {j.cell.key for j in self.not_run} - ok
        sizes = sorted({key[KEY.index("train_size")] for key in skipped})
        text = f"{len(skipped)} cells not run" + (f" (sizes {', '.join(f'{n:,}' for n in sizes[:6])}"
                                                  f"{', ...' if len(sizes) > 6 else ''})" if sizes else "")
        untuned = sum(1 for r in rows if r.get("untuned"))
        return text + (f", {untuned} full-size cells ran their defaults only (untuned)" if untuned else "")

    def _check_stop(self) -> None:
        if self.stop_requested:
            raise KeyboardInterrupt

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
            self.timings["total"] = process_age()
            self._record_timings()
        finally:
            self.store.close()
            self.lock.release()

    def _add_ensembles(self) -> None:
        """The ``ensemble`` rows, from the stored predictions; a failure is a warning, never a lost run."""
        from dlbench.engine.ensembles import add_ensembles

        try:
            add_ensembles(self.store, self.datasets, self.sizes)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            self.console.print(f"[yellow]warning:[/] no ensemble was built ({type(exc).__name__}: {exc})")

    def _export_models(self, rows: list[dict]) -> None:
        """Save the winners (``--export``); a failure here is a warning, never a lost report."""
        if not self.datasets or self.config.export == "none":
            return
        final = not self.stopped and not self.not_run
        try:
            from dlbench.models.export import export_run

            with self.console.status("exporting models") as status:
                self.exported = export_run(
                    self.run_dir, rows, self.store.predictions(), self.datasets, self._previous_or_current(),
                    self.config.export, self.solvers, final, on_model=lambda m: status.update(f"exporting {m}"))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            self.console.print(f"[yellow]warning:[/] the models could not be exported ({type(exc).__name__}: {exc})")
        for entry in self.exported:
            if not entry["saved"]:
                self.console.print(f"[yellow]note:[/] {entry['task']} · {entry['solver']} was not exported: "
                                   f"{entry['reason']}")

    def _previous_or_current(self) -> dict:
        path = self.run_dir / "run.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _record_timings(self) -> None:
        path = self.run_dir / "run.json"
        if path.exists():
            info = json.loads(path.read_text(encoding="utf-8"))
            info["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
            info["stopped"] = self.stopped
            info["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
            write_atomic(path, json.dumps(info, indent=2, default=str))


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
