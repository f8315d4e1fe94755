"""The ``dlbench`` command line: parse options, call the Python API (``dlbench.api``) or the registry, print.

Owns the command's options, user-facing output and exit codes: a
:class:`~dlbench.core.errors.UsageError` becomes one line on stderr and exit code 2, never a
traceback. Heavy modules load only inside the commands.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from dlbench.core.errors import UsageError
from dlbench.core.folder import RunFolder
from dlbench.core.registry import TASKS_DIR_ENV, Registry, discover
from dlbench.models.files import EXPORT_MODES

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


class _WarningHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _registry(ctx: click.Context) -> Registry:
    return discover(ctx.obj["tasks_dir"])


def _report_broken(registry: Registry, kind: str) -> None:
    for plugin in registry.broken:
        if plugin.kind == kind:
            click.echo(f"warning: {kind} {plugin.name!r} failed to load from {plugin.source}: {plugin.error}", err=True)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="dlbench")
@click.option(
    "--tasks-dir", type=click.Path(file_okay=False), envvar=TASKS_DIR_ENV, default=None,
    help=f"Folder of local task files (default ./tasks; env {TASKS_DIR_ENV}).",
)
@click.pass_context
def cli(ctx: click.Context, tasks_dir: str | None) -> None:
    """Rules vs. shallow ML vs. deep learning: which wins on your task, at which data size and cost?"""
    if tasks_dir is not None and not os.path.isdir(tasks_dir):
        raise UsageError(f"task folder {tasks_dir} does not exist: create it or fix --tasks-dir/{TASKS_DIR_ENV}")
    ctx.obj = {"tasks_dir": tasks_dir}
    logger = logging.getLogger("dlbench")
    if not any(isinstance(h, _WarningHandler) for h in logger.handlers):
        logger.addHandler(_WarningHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False


@cli.command("list", context_settings=CONTEXT)
@click.argument("kind", type=click.Choice(["tasks", "solvers"]), default="tasks")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.pass_context
def list_cmd(ctx: click.Context, kind: str, as_json: bool) -> None:
    """List registered tasks (default) or solvers, without loading any data or model library."""
    registry = _registry(ctx)
    _report_broken(registry, kind[:-1])
    table = registry.tasks if kind == "tasks" else registry.solvers
    items = []
    for name, plugin in sorted(table.items()):
        meta = plugin.obj.metadata()
        meta["name"] = name
        meta["plugin"] = plugin.source
        items.append(meta)
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    from rich.table import Table

    if kind == "tasks":
        header = ("name", "modality", "examples", "classes", "data", "source")
        rows = [
            (m["name"], m["modality"], f"{m['examples']:,}" if m["examples"] else "?",
             str(m["classes"] or "?"), "offline" if m["offline"] else "online", m["source"] or "")
            for m in items
        ]
        title = "Tasks"
    else:
        header = ("name", "family", "modalities", "description")
        rows = [(m["name"], m["family"], ",".join(m["modalities"]), m["description"] or "") for m in items]
        title = "Solvers"
    # Every column but the last keeps its longest value whole; the last one is cut to fit the terminal.
    console = _console()
    widths = [max([len(column)] + [len(r[i]) for r in rows]) for i, column in enumerate(header)]
    room = max(10, console.width - sum(widths[:-1]) - 2 * (len(header) - 1))
    out = Table(title=title, box=None, pad_edge=False, show_edge=False, padding=(0, 1))
    for i, column in enumerate(header):
        out.add_column(column, no_wrap=True, min_width=widths[i] if i < len(header) - 1 else None)
    for row in rows:
        out.add_row(*row[:-1], _shorten(row[-1], room))
    console.print(out)


_data_options = [
    click.option("--target", help="Label column of a CSV file."),
    click.option("--text-column", help="Make a CSV a text task: the column holding the text."),
    click.option("--modality", type=click.Choice(["signal"]),
                 help="Read a CSV as series: one series per row, its values in the columns besides --target."),
    click.option("--test", "test_path", type=click.Path(), help="Fixed test file or folder for your own data."),
    click.option("--name", "task_name", help="Task name of your own data (default: the file's name, or its folder's "
                                             "when the file is called train.csv, data.csv, ...)."),
]


def data_options(fn):
    for option in reversed(_data_options):
        fn = option(fn)
    return fn


@cli.command(context_settings=CONTEXT)
@click.argument("task")
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def info(ctx: click.Context, task: str, target, text_column, modality, test_path, task_name, as_json: bool) -> None:
    """Show a task's metadata and dataset statistics (loads its data)."""
    from dlbench.engine.tasks import resolve_task

    instance = resolve_task(task, _registry(ctx), target=target, text_column=text_column, test=test_path,
                            task_name=task_name, modality=modality)
    details = {**type(instance).metadata(), "name": instance.name, "description": instance.description,
               "source": instance.source, **instance.load().stats()}
    if as_json:
        click.echo(json.dumps(details, indent=2, default=str))
        return
    width = max(len(k) for k in details)
    for key, value in details.items():
        click.echo(f"{key.ljust(width)}  {value}")


@cli.command(context_settings=CONTEXT)
@click.argument("tasks", nargs=-1, metavar="TASK_OR_PATH...")
@click.option("--families", default="rule,shallow,deep", show_default=True,
              help="Comma-separated solver families to run.")
@click.option("--solvers", default="", help="Comma-separated solver names (default: all that fit the data).")
@click.option("--quick", is_flag=True, help="3 sizes, 1 seed, 3 trials: a first look in minutes.")
@click.option("--thorough", is_flag=True,
              help="7 sizes, 5 seeds, 20 Bayesian-optimisation trials.")
@click.option("--sizes", help="Training-set sizes, e.g. 50,100,300,full (default: a geometric ladder).")
@click.option("--scales", help="Model-size factors, e.g. 0.25,1,4 (must include 1): every solver with a size "
                               "axis runs at each (default: 1).")
@click.option("--scaling-study", is_flag=True, help="Model sizes 0.25,1,4 (the same as --scales 0.25,1,4).")
@click.option("--seeds", type=click.IntRange(min=1), help="Seeds per size (repeats with other subsets).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="First random seed.")
@click.option("--trials", type=click.IntRange(min=1), help="Tuning trials per cell; 1 = defaults only.")
@click.option("--tuner", help="keras-tuner oracle: random, bayesian or hyperband (Hyperband applies to "
                                "epoch-based solvers; the others use random search).")
@click.option("--tune-time", help="Tuning time limit per cell, e.g. 60s or 2m.")
@click.option("--trial-timeout", help="Hard limit for one trial or refit, e.g. 30s.")
@click.option("--budget", help="Hard limit for the whole run, e.g. 10m or 1h.")
@click.option("--cell-timeout", help="Hard limit for one cell (tuning + refits), e.g. 5m (default: half the "
                                     "--budget, else 1h); a cell predicted to take longer is skipped, not started.")
@click.option("--no-discard", "no_discard", is_flag=True,
              help="Run every cell: no solver stopped by its learning curve, no seed left out by the seed rule.")
@click.option("--executor", default="processes", show_default=True,
              help="Where cells run: processes, local, dask (needs the dask extra), or a registered executor.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Cells run at the same time (processes, local Dask cluster); default: the usable cores.")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(min=1),
              help="CPU threads of every fit, the same for every solver (results do not depend on --workers).")
@click.option("--scheduler", help="Dask scheduler address (with --executor dask; default: a local cluster).")
@click.option("--target-score", type=click.FloatRange(0, 1, min_open=True),
              help="Score the report asks 'how many examples to reach?' (default: 95% of the best observed).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Finish an interrupted run folder without recomputing its finished cells.")
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder that receives the run folder OUT/<run-id>/.")
@click.option("--export", "export", default="families", show_default=True,
              type=click.Choice(EXPORT_MODES),
              help="Models saved under RUN/models/: the winner of each task, also the best of each family, or all.")
@data_options
@click.option("--open", "open_report", is_flag=True, help="Open the report in your browser when the run ends.")
@click.pass_context
def run(ctx: click.Context, tasks, families, solvers, quick, thorough, sizes, scales, scaling_study, seeds, seed, trials, tuner, tune_time,
        trial_timeout, budget, cell_timeout, no_discard, executor, workers, threads, scheduler, target_score, resume_dir,
        out, export, target, text_column, modality, test_path, task_name, open_report) -> None:
    """Train rule-based, shallow and deep solvers on each task, at growing training-set sizes.

    TASK_OR_PATH is a registered task name (parameters as name:key=value,...), a CSV file
    (with --target) or a folder of images with one sub-folder per class.
    """
    import dlbench.api as api
    from dlbench.engine.plan import SCALING_STUDY
    from dlbench.engine.progress import RunProgress

    if quick and thorough:
        raise UsageError("give --quick or --thorough, not both")
    if scales and scaling_study:
        raise UsageError("give --scales or --scaling-study, not both")
    display = _Display(RunProgress(_console(stderr=True)))
    try:
        if resume_dir:
            if tasks:
                raise UsageError("give either tasks or --resume RUN_DIR, not both: a resumed run keeps its own tasks")
            given = {n: ctx.params[n] for n in ctx.params if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE
                     and n not in ("resume_dir", "open_report")}
            result = api.resume(resume_dir, progress=display, **given)
        else:
            if not tasks:
                raise UsageError("give at least one task name or data path, e.g. `dlbench run digits`")
            result = api.run(
                list(tasks), families=families, solvers=solvers, out=out, seed=seed, target=target,
                text_column=text_column, modality=modality, test=test_path, name=task_name, tasks_dir=ctx.obj["tasks_dir"],
                preset="quick" if quick else "thorough" if thorough else "default", sizes=sizes,
                scales=list(SCALING_STUDY) if scaling_study else scales, seeds=seeds, trials=trials, tuner=tuner,
                tune_time=tune_time, trial_timeout=trial_timeout, budget=budget, cell_timeout=cell_timeout,
                discard=not no_discard, executor=executor, workers=workers, threads=threads, scheduler=scheduler, target_score=target_score,
                export=export, progress=display)
    finally:
        display.close()
        if display.run_dir is not None and sys.exc_info()[0] is not None:  # stopped: show what finished
            _summary(display.run_dir)
    devices = _summary(result.path, result)
    click.echo(f"run folder: {result.path}")
    _announce(result.report_path, open_report,
              f"deep solvers trained on {' and '.join(devices)}" if devices else None)


class _Display:
    """The terminal's run display, also noting the run folder once planned (to summarise a stopped run)."""

    def __init__(self, shown):
        self.shown, self.run_dir = shown, None

    def __call__(self, event) -> None:
        from dlbench.engine import events

        if isinstance(event, events.Planned):
            self.run_dir = event.run_dir
        self.shown(event)

    def close(self) -> None:
        self.shown.close()


def _summary(run_dir, result=None) -> list[str]:
    """Print the run's leaderboards and headline (:func:`dlbench.api.terminal.print_summary`)."""
    from dlbench.api.result import RunResult
    from dlbench.api.terminal import print_summary

    if not RunFolder(run_dir).db.exists():
        return []
    return print_summary(result or RunResult(run_dir), _console())


def _announce(page, open_it: bool, note: str | None = None) -> None:
    """The last line of a command that wrote a page: its file:// link (and ``note``); ``--open`` shows it."""
    uri = page.resolve().as_uri()
    click.echo(f"report: {uri}" + (f"  ({note})" if note else ""))
    if open_it:
        import webbrowser

        if not webbrowser.open(uri):
            click.echo("warning: no browser found to open the report; open the link above", err=True)


@cli.command(context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--open", "open_report", is_flag=True, help="Open the report in your browser.")
def report(run_dir: str, open_report: bool) -> None:
    """Rebuild a run's results.csv and index.html from its database (no retraining)."""
    from dlbench.report.html import rebuild

    if not RunFolder(run_dir).db.exists():
        raise UsageError(f"{run_dir} has no {RunFolder.DB}: give a run folder written by `dlbench run`")
    _announce(rebuild(run_dir), open_report)


@cli.command(context_settings=CONTEXT)
@click.argument("run_dirs", nargs=-1, type=click.Path(file_okay=False), metavar="RUN_A RUN_B [RUN_C...]")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder that receives the comparison's index.html and compare.csv.")
@click.option("--open", "open_report", is_flag=True, help="Open the comparison in your browser.")
def compare(run_dirs, out_dir: str, open_report: bool) -> None:
    """Compare runs of the same tasks: scores with intervals, paired differences, time ratios.

    The first run is the baseline; every other run is compared with it cell by cell.
    """
    from pathlib import Path

    from dlbench.report.compare import write_comparison

    _announce(write_comparison([Path(d) for d in run_dirs], Path(out_dir)), open_report)


#: Errors of the disk rather than of dlbench: a full, read-only or forbidden place to write.
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


@cli.command(context_settings=CONTEXT)
@click.argument("source", metavar="RUN_OR_MODEL_DIR", type=click.Path())
@click.argument("data", metavar="NEW_DATA", type=click.Path())
@click.option("--out", default="predictions.csv", show_default=True, type=click.Path(dir_okay=False),
              help="The CSV written: prediction plus one probability column per class.")
@click.option("--task", help="With a run folder of several tasks: whose winner predicts.")
@click.option("--text-column", help="With a text model and a CSV: the column holding the text.")
def predict(source: str, data: str, out: str, task: str | None, text_column: str | None) -> None:
    """Predict NEW_DATA (a CSV, a text file or an image folder) with an exported model.

    RUN_OR_MODEL_DIR is a model folder (RUN/models/<task>/<solver>) or a run folder (its winner).
    """
    from dlbench.models.predict import predict_file

    done = predict_file(source, data, out, task=task, text_column=text_column)
    for note in done["notes"]:
        click.echo(f"note: {note}", err=True)
    card = done["model"].card
    click.echo(f"{card['solver']} ({card['role']} of {card['task']}, test accuracy {card['scores']['test']['accuracy']:.3f}) "
               f"predicted {done['n']:,} examples")
    if done["accuracy"] is not None:
        click.echo(f"accuracy against the file's {card['inputs']['target']!r} column: {done['accuracy']:.4f}")
    click.echo(f"predictions: {Path(done['out']).resolve()}")


def main(argv: list[str] | None = None) -> None:
    try:
        code = cli.main(args=argv, prog_name="dlbench", standalone_mode=False)
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.UsageError as exc:  # click's own: a bad option value, an unknown option
        command = exc.ctx.command_path if exc.ctx else "dlbench"
        message = " ".join(exc.format_message().split())
        click.echo(f"error: {message[0].lower() + message[1:]} (see `{command} --help`)", err=True)
        sys.exit(2)
    except (OSError, sqlite3.OperationalError) as exc:
        if isinstance(exc, OSError) and exc.errno not in _DISK_ERRORS:
            raise
        where = f" writing {exc.filename}" if getattr(exc, "filename", None) else ""
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        click.echo(f"error: {reason}{where}: free some space or choose another --out "
                   "(cells that finished are kept in results.db)", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("interrupted: finished cells are kept in the run folder", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: finished cells are kept in the run folder", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
