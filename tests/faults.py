"""What the fault tests share: how a bad outcome is judged, data writers, dlbench called in-process.

The fault tests (``test_faults_*.py``) feed dlbench bad options, bad or dirty data, broken plugins,
broken run folders, hostile names and interruptions. Each expects exactly one outcome:

- ``assert_exit2_one_line``: exit code 2 and exactly one non-empty stderr line, starting with
  ``error:`` (lines starting with ``warning:`` are ignored), never a traceback;
- ``assert_ok_no_failed``: exit code 0 and a ``results.csv`` without ``failed``/``timeout`` rows;
- ``assert_failed_row_run_goes_on``: exit code 0, a ``failed``/``timeout`` row and an ``ok`` row.

Most cases need no fresh process: :func:`call_main` runs ``dlbench.cli.main`` in this process
(seconds saved per case, the import of dlbench paid once) and turns an exception that would have
been a traceback into exit code 1 with ``Traceback`` on stderr, as the real entry point would.
Cases about a real process (signals, kills, plugins found through ``PYTHONPATH``) run
``python -m dlbench`` with ``conftest.run_cli``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import traceback
from dataclasses import dataclass
from pathlib import Path

def usage_error(path, **kwargs) -> str:
    """The one-line message of the UsageError that ``task_from_path(...).load()`` raises."""
    import pytest

    from dlbench import UsageError
    from dlbench.data.byod import task_from_path

    with pytest.raises(UsageError) as info:
        task_from_path(path, **kwargs).load()
    message = str(info.value)
    assert "\n" not in message
    return message


#: The smallest run: two cheap solvers, one size, one seed, no tuning.
TINY = ["--solvers", "majority,logreg", "--sizes", "20", "--seeds", "1", "--trials", "1"]


@dataclass
class Proc:
    """What a dlbench command left: exit code, stdout and stderr (a CompletedProcess has the same)."""

    returncode: int | None
    stdout: str
    stderr: str


def call_main(args, cwd=None) -> Proc:
    """``dlbench ARGS`` in this process, in ``cwd`` (default: the current folder): exit code and output.

    An exception that escapes ``main`` becomes exit code 1 and a traceback on stderr, as a real
    process; the folder, the environment and the ``dlbench`` logger are put back afterwards.
    """
    import logging

    from dlbench.cli import main

    out, err, environ, here = io.StringIO(), io.StringIO(), dict(os.environ), os.getcwd()
    logger = logging.getLogger("dlbench")  # main() installs the CLI's warning handler
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    code: int | None = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # noqa: BLE001 - what a real process would print as a traceback
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(environ)
        logger.handlers, logger.propagate, logger.level = handlers, propagate, level
    return Proc(code, out.getvalue(), err.getvalue())


# --- judging ---------------------------------------------------------------------------------


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("warning:")]


def is_traceback(proc) -> bool:
    return proc.returncode == 1 and "Traceback" in proc.stderr


def assert_exit2_one_line(proc, expected: str = "") -> str:
    """Exit code 2 and one ``error:`` line (``warning:`` lines aside), holding ``expected``; the line."""
    lines = error_lines(proc.stderr)
    assert not is_traceback(proc), proc.stderr[-2000:]
    assert proc.returncode == 2, f"exit {proc.returncode}, stderr:\n{proc.stderr[-2000:]}"
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr[-2000:]
    assert expected in lines[0], lines[0]
    return lines[0]


def run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in Path(out).glob("*") if p.is_dir()) if Path(out).is_dir() else []


def rows(where) -> list[dict]:
    """Every ``results.csv`` row of a run folder, or of every run folder in an ``--out`` folder."""
    where = Path(where)
    found = [where] if (where / "results.csv").exists() else run_dirs(where)
    table = []
    for run_dir in found:
        if (run_dir / "results.csv").exists():
            with (run_dir / "results.csv").open(encoding="utf-8", newline="") as fh:
                table += list(csv.DictReader(fh))
    return table


def _hint(proc) -> str:
    return proc.stderr[-2000:]


def assert_ok_no_failed(proc, out: Path) -> list[dict]:
    """Exit code 0 and result rows, none ``failed`` or ``timeout``; the rows."""
    assert proc.returncode == 0, _hint(proc)
    table = rows(out)
    assert table, f"no results.csv rows\n{_hint(proc)}"
    bad = [r for r in table if r["status"] in ("failed", "timeout")]
    assert not bad, f"{len(bad)} {bad[0]['status']}: {bad[0]['solver']}: {bad[0]['error'][:300]}"
    return table


def assert_failed_row_run_goes_on(proc, out: Path) -> list[dict]:
    """Exit code 0, a ``failed``/``timeout`` row and an ``ok`` row; the rows."""
    assert proc.returncode == 0, _hint(proc)
    table = rows(out)
    statuses = {r["status"] for r in table}
    assert statuses & {"failed", "timeout"} and "ok" in statuses, statuses
    return table


# --- data writers ----------------------------------------------------------------------------


def write_csv(path: Path, header, table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(table)
    return path


IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def iris_rows(n: int = 60, seed: int = 0, labels=("setosa", "versicolor", "virginica")):
    """An iris-like table: four numbers whose means depend on the class, and the class."""
    rng = random.Random(seed)
    table = []
    for i in range(n):
        k = i % len(labels)
        table.append([round(rng.gauss(5 + k, 0.6), 2), round(rng.gauss(3 + 0.3 * k, 0.4), 2),
                      round(rng.gauss(1.5 + 2 * k, 0.5), 2), round(rng.gauss(0.3 + k, 0.2), 2), labels[k]])
    return table


def iris(folder: Path, name: str = "iris.csv", **kw) -> Path:
    return write_csv(folder / name, IRIS, iris_rows(**kw))


def images(root: Path, classes: dict[str, int], size=(8, 8), mode="L") -> Path:
    """A folder of small PNG images, one sub-folder per class."""
    from PIL import Image

    rng = random.Random(0)
    for label, n in classes.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shade = (40 + 60 * (hash(label) % 3) + rng.randint(0, 20)) % 256
            color = shade if mode == "L" else (shade, 255 - shade, 128)
            Image.new(mode, size, color).save(root / label / f"{i}.png")
    return root


def task_file(folder: Path, name: str, code: str) -> None:
    (folder / "tasks").mkdir(exist_ok=True)
    (folder / "tasks" / f"{name}.py").write_text(code, encoding="utf-8")


GOOD_TASK = '''
from dlbench import Dataset, Task


class {cls}(Task):
    name = "{name}"
    modality = "tabular"
    description = "two noisy blobs"

    def load(self):
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(0)
        y = np.array(["a", "b"] * 60)
        X = pd.DataFrame({{"u": rng.normal(size=120) + (y == "a"), "v": rng.normal(size=120)}})
        {body}
        return Dataset(X[:90], y[:90], X[90:], y[90:], "tabular")
'''


def good_task(name="blobs", body="pass", cls="Blobs") -> str:
    return GOOD_TASK.format(name=name, body=body, cls=cls)
