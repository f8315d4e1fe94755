"""dlbench from Python: ``run``, ``resume``, ``load_run`` and ``compare``, returning objects.

Owns the public object model that notebooks, scripts and the ``dlbench`` command share: a run
from a task name, a path or data in memory, with the command's options as keyword arguments,
and its result as a :class:`~dlbench.api.result.RunResult`. A bad value raises
:class:`~dlbench.core.errors.UsageError` with the one line the command prints; nothing here
exits the process. It does not parse command lines (``cli``) or compute statistics
(``analysis``).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from dlbench.core.errors import UsageError

__all__ = ["run", "resume", "load_run", "compare"]


def run(data: Any = None, *, target: str | None = None, test: Any = None, name: str | None = None,
        problem: str | None = None, families=None, solvers=None, sizes=None, seeds: int | None = None, seed: int = 0,
        trials: int | None = None, tuner: str | None = None, tune_time=None, budget=None, preset: str = "default",
        executor: str | None = None, workers: int | None = None, export: str = "families", out="reports",
        text_column: str | None = None, modality: str | None = None, scales=None, threads: int = 1, trial_timeout=None, cell_timeout=None,
        discard: bool = True, scheduler: str | None = None, target_score: float | None = None, tasks_dir=None, progress=None):
    """Run rule-based, shallow and deep solvers on ``data`` at growing training-set sizes; returns a RunResult.

    ``data``: a task name (``"digits"``, ``"circles:noise=0.2"``) or a path (a CSV file, an image
    folder); a DataFrame with its label column (``target``, default a column called ``target``);
    ``(X, y)`` arrays (a 2-D table, texts, ``uint8`` images ``(N, H, W[, C])``); a ``Dataset``;
    or a list of these, one per task. ``test``: a fixed test set of the same kind (with several
    tasks, a list: one per task, None where a task has none).
    Lists are Python lists (or comma-separated text); durations are seconds or text such as
    ``"10m"``; ``preset`` is ``"quick"``, ``"default"`` or ``"thorough"``. ``progress``: None shows
    a notebook bar in Jupyter and the terminal display elsewhere; False shows nothing; or a
    callable receiving each :mod:`dlbench.engine.events` event. ``discard=False`` runs every
    cell (the command's ``--no-discard``).
    """
    since = time.perf_counter()
    if problem not in (None, "classification"):
        raise UsageError(f"problem {problem!r} is not supported: dlbench runs classification tasks "
                         "(problem='classification')")
    if data is None:
        raise UsageError("give at least one task name or data path, e.g. `dlbench run digits`")
    many = isinstance(data, list)  # a list is tasks; data with its labels is a tuple
    items = list(data) if many else [data]
    if not items:
        raise UsageError("give at least one task name or data path, e.g. `dlbench run digits`")
    options = dict(families=families, solvers=solvers, sizes=sizes, scales=scales, seeds=seeds, seed=seed,
                   trials=trials, tuner=tuner, tune_time=tune_time, trial_timeout=trial_timeout, budget=budget,
                   cell_timeout=cell_timeout, discard=discard, preset=preset, executor=executor, workers=workers, threads=threads,
                   scheduler=scheduler, target_score=target_score, export=export, out=out, tasks_dir=tasks_dir)
    from dlbench.api import inputs
    from dlbench.api.options import run_config
    from dlbench.engine.runner import Run

    folder = None
    try:
        if any(inputs.in_memory(d) for d in items):
            from dlbench.core.folder import RunFolder

            if many and test is not None and not (isinstance(test, list) and len(test) == len(items)):
                raise UsageError(f"with {len(items)} tasks, test= is a list of {len(items)} test sets (None where a "
                                 "task has none)")
            names = [name or "data"] if not many else [f"{name or 'data'}-{i + 1}" for i in range(len(items))]
            folder = RunFolder.create(out, [n if inputs.in_memory(d) else str(d) for n, d in zip(names, items)])
            specs, target, text_column, test = _write_all(items, test, target, names, folder.data, text_column)
            name = name if not many else None
        else:
            specs = [str(d) for d in items]
        config = run_config(tasks=specs, target=target, text_column=text_column, modality=modality, test=test,
                            name=name, **options)
        return _execute(lambda registry_for, **kw: Run(config, registry_for(config.tasks_dir), folder=folder, **kw),
                        progress, since)
    except BaseException:
        if folder is not None and not folder.db.exists():
            shutil.rmtree(folder.path, ignore_errors=True)  # nothing ran: no empty run folder left behind
        raise


def _write_all(items: list, test: Any, target, names: list[str], into: Path, text_column):
    """Write the in-memory items to ``into``; the task specs and the options that read them back
    (target, text column and test set: one value for one task, one per task spec for several)."""
    from dlbench.api import inputs
    from dlbench.core.task import Dataset

    specs, per_task = [], {"target": {}, "text_column": {}, "test": {}}
    for item, item_name, item_test in zip(items, names, test if len(items) > 1 and test else [test] * len(items)):
        if not inputs.in_memory(item):
            specs.append(str(item))
            per_task["test"][specs[-1]] = None if item_test is None else str(item_test)
            continue
        if isinstance(item, Dataset):
            if item_test is not None:
                raise UsageError("a Dataset holds its own test set: give it no test=")
            written = inputs.write_dataset(item, name=item_name, into=into)
        else:
            written = inputs.write(item, item_test, target=target, name=item_name, into=into)
        specs.append(str(written.train))
        per_task["target"][specs[-1]] = written.target
        per_task["text_column"][specs[-1]] = written.text_column or text_column
        per_task["test"][specs[-1]] = None if written.test is None else str(written.test)
    if len(items) == 1:
        return specs, *(per_task[k].get(specs[0]) for k in ("target", "text_column", "test"))
    return specs, *({s: v for s, v in per_task[k].items() if v is not None} or None
                    for k in ("target", "text_column", "test"))


def _listener(progress):
    """(the listener, a function closing it) for ``progress`` (see :func:`run`)."""
    from dlbench.engine import events

    if progress is False:
        return events.ignore, lambda: None
    if callable(progress):
        return progress, lambda: None
    from dlbench.api.notebook import NotebookProgress, in_notebook

    if in_notebook():
        shown = NotebookProgress()
    else:
        from rich.console import Console

        from dlbench.engine.progress import RunProgress

        shown = RunProgress(Console(stderr=True, highlight=False))
    return shown, shown.close


def _execute(make_run, progress, since: float):
    """Run what ``make_run(registry_for, listener=, on_finish=, since=)`` makes, showing ``progress``; its RunResult."""
    from dlbench.api.result import RunResult
    from dlbench.core.registry import discover

    found: dict = {}

    def reported(run_dir, rows) -> None:
        from dlbench.report.html import report_and_findings

        found["findings"] = report_and_findings(run_dir, rows)[1]

    listener, close = _listener(progress)
    try:
        run_dir = make_run(discover, listener=listener, on_finish=reported, since=since).execute()
    finally:
        close()
    return RunResult(run_dir, findings=found.get("findings"))


def resume(path, *, progress=None, **changes):
    """Finish the interrupted run in ``path`` without recomputing its finished cells; returns a RunResult.

    ``changes`` may set new limits (``budget``, ``cell_timeout``, ``trial_timeout``, ``tune_time``)
    or where cells run (``executor``, ``workers``, ``scheduler``) and ``export``; anything that
    decides results stays as the run began.
    """
    from dlbench.api.options import resume_overrides
    from dlbench.engine.runner import Run

    overrides = resume_overrides({k: v for k, v in changes.items() if v is not None})
    return _execute(lambda registry_for, **kw: Run.resume(path, registry_for, overrides=overrides, **kw), progress,
                    time.perf_counter())


def load_run(path):
    """The run folder at ``path`` (finished, interrupted or resumed) as a RunResult."""
    from dlbench.api.result import RunResult

    return RunResult(path)


def compare(runs, out):
    """Compare runs of the same tasks (folders or RunResults; the first is the baseline); writes
    ``out/index.html`` and ``out/compare.csv`` and returns a :class:`~dlbench.api.result.Comparison`."""
    from dlbench.api.result import Comparison, RunResult
    from dlbench.report.compare import write_comparison

    folders = [r.path if isinstance(r, RunResult) else Path(r) for r in runs]
    return Comparison(Path(out), write_comparison(folders, Path(out)))
