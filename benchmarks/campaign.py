"""Robustness campaign: bad input, dirty data, broken plugins, broken run folders, hostile names, faults.

Runs every case against the installed ``dlbench`` command, each in a fresh temporary folder
(``DLBENCH_OFFLINE=1``, ``MPLCONFIGDIR``/``KERAS_HOME`` inside it, a timeout), and prints one
line per case and the totals:

    PASS|FAIL  category  case-name  expected=...  observed=...

Each case expects exactly one outcome:

- ``exit2-one-line``: exit code 2 and exactly one non-empty stderr line, starting with
  ``error:`` (lines starting with ``warning:`` are ignored);
- ``ok-no-failed``: exit code 0 and a ``results.csv`` without ``failed``/``timeout`` rows (plus
  the case's own check, e.g. that ``<script>`` is escaped in ``index.html``);
- ``failed-row-run-goes-on``: exit code 0, a ``failed``/``timeout`` row and an ``ok`` row;
- ``nothing-lost``: after a signal, a kill or a second run, the run folder holds every finished
  cell (``results.db``, ``results.csv``, ``index.html``), and a resumed run ends with exactly
  one row per cell.

A traceback is exit code 1 with ``Traceback`` in stderr; a wrong result is any other FAIL.
Cases with an ``owner`` test behaviour decided outside the data, plan and registry code (the
CLI, the engine, the store, the report): their FAILs are information for those modules.

    python benchmarks/campaign.py [--quick] [--only CATEGORY[,CATEGORY]] [--list] [--jobs N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

EXPECTATIONS = ("exit2-one-line", "ok-no-failed", "failed-row-run-goes-on", "nothing-lost")
CATEGORIES = ("bad-option", "bad-data", "dirty-data", "bad-plugin", "bad-run-folder", "hostile-names", "faults")
TINY = ["--solvers", "majority,logreg", "--sizes", "20", "--seeds", "1", "--trials", "1"]
TIMEOUT = 240
CLI = "cli.py (click's own usage errors)"
LOADING = "engine/runner.py + cli.py (output around an error raised while loading data)"


# --- running dlbench -------------------------------------------------------------------------


@dataclass
class Proc:
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False


class Context:
    """One case's temporary folder, environment and ways to call dlbench there."""

    def __init__(self, folder: Path):
        self.dir = folder
        self.out = folder / "out"
        self.env = {k: v for k, v in os.environ.items() if k not in ("DLBENCH_TASKS_DIR", "DLBENCH_MIRROR")}
        self.env.update(DLBENCH_OFFLINE="1", MPLCONFIGDIR=str(folder / ".mpl"), KERAS_HOME=str(folder / ".keras"),
                        DLBENCH_DATA=str(folder / ".data"), TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
        exe = shutil.which("dlbench")
        self.command = [exe] if exe else [sys.executable, "-m", "dlbench"]

    def run(self, args, timeout: float = TIMEOUT) -> Proc:
        try:
            done = subprocess.run([*self.command, *map(str, args)], cwd=self.dir, env=self.env, capture_output=True,
                                  text=True, timeout=timeout, errors="replace")
            return Proc(done.returncode, done.stdout, done.stderr)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
            return Proc(None, out, err, timed_out=True)

    def popen(self, args) -> subprocess.Popen:
        return subprocess.Popen([*self.command, *map(str, args)], cwd=self.dir, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)

    def run_dirs(self) -> list[Path]:
        return sorted(p for p in self.out.glob("*") if p.is_dir()) if self.out.is_dir() else []


# --- data writers ------------------------------------------------------------------------------


def write_csv(path: Path, header, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def iris_rows(n: int = 60, seed: int = 0, labels=("setosa", "versicolor", "virginica")):
    """An iris-like table: four numbers whose means depend on the class, and the class."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = i % len(labels)
        rows.append([round(rng.gauss(5 + k, 0.6), 2), round(rng.gauss(3 + 0.3 * k, 0.4), 2),
                     round(rng.gauss(1.5 + 2 * k, 0.5), 2), round(rng.gauss(0.3 + k, 0.2), 2), labels[k]])
    return rows


IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]


def iris(ctx: Context, name: str = "iris.csv", **kw) -> Path:
    return write_csv(ctx.dir / name, IRIS, iris_rows(**kw))


def images(root: Path, classes: dict[str, int], size=(8, 8), mode="L") -> Path:
    from PIL import Image

    rng = random.Random(0)
    for label, n in classes.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            shade = (40 + 60 * (hash(label) % 3) + rng.randint(0, 20)) % 256
            color = shade if mode == "L" else (shade, 255 - shade, 128)
            Image.new(mode, size, color).save(root / label / f"{i}.png")
    return root


def task_file(ctx: Context, name: str, code: str) -> None:
    (ctx.dir / "tasks").mkdir(exist_ok=True)
    (ctx.dir / "tasks" / f"{name}.py").write_text(code, encoding="utf-8")


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

SOLVERS = '''
import os, signal, sys, time
import numpy as np
from dlbench import Solver


class _Base(Solver):
    family = "rule"
    modalities = ("tabular", "image", "text")

    def __init__(self, seed: int = 0):
        self.seed = seed

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.misbehave()
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


class Raises(_Base):
    name = "raises"
    def misbehave(self):
        raise RuntimeError("this solver always fails")


class Exits(_Base):
    name = "exits"
    def misbehave(self):
        sys.exit(7)


class Dies(_Base):
    name = "dies"
    def misbehave(self):
        os.kill(os.getpid(), signal.SIGKILL)


class Sleeps(_Base):
    name = "sleeps"
    def misbehave(self):
        time.sleep(600)


class Slow(_Base):
    name = "slow"
    def misbehave(self):
        time.sleep(0.4)
'''


def good_task(name="blobs", body="pass", cls="Blobs") -> str:
    return GOOD_TASK.format(name=name, body=body, cls=cls)


def fake_distribution(ctx: Context, value: str, module_code: str = "") -> None:
    """A package with a ``dlbench.tasks`` entry point, importable through PYTHONPATH."""
    site = ctx.dir / "site"
    (site / "campaignplugin").mkdir(parents=True)
    (site / "campaignplugin" / "__init__.py").write_text(module_code, encoding="utf-8")
    dist = site / "campaignplugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: campaignplugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[dlbench.tasks]\nep-task = {value}\n")
    ctx.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), ctx.env.get("PYTHONPATH")]))


def real_run(ctx: Context) -> Path:
    """A finished tiny run folder to break (in ``ctx.out``)."""
    proc = ctx.run(["run", "wine", *TINY, "--solvers", "majority", "--out", ctx.out])
    if proc.returncode != 0 or not ctx.run_dirs():
        raise RuntimeError(f"could not make a run folder: {proc.stderr.strip()[-300:]}")
    return ctx.run_dirs()[-1]


# --- cases -------------------------------------------------------------------------------------


@dataclass
class Case:
    category: str
    name: str
    expected: str
    setup: Callable[[Context], list]  # writes the case's files, returns dlbench's arguments
    check: Callable[[Context, Proc], str | None] | None = None  # a further problem, or None
    drive: Callable[[Context], tuple[bool, str]] | None = None  # runs the case itself (faults)
    slow: bool = False
    owner: str = ""  # whose behaviour decides the case, when not data/, engine/plan.py or core/registry.py

    def __post_init__(self):
        assert self.expected in EXPECTATIONS and self.category in CATEGORIES, (self.expected, self.category)


CASES: list[Case] = []


def case(category, name, expected, setup=None, **kw) -> None:
    CASES.append(Case(category, name, expected, setup or (lambda ctx: []), **kw))


def run_wine(*args):
    return lambda ctx: ["run", "wine", *TINY, *args, "--out", ctx.out]


def with_args(args, *extra):
    """``TINY`` with some of its options replaced by ``extra`` (same option names)."""
    merged, i, names = [], 0, set(extra[::2])
    while i < len(args):
        if args[i] in names:
            i += 2
            continue
        merged.append(args[i])
        i += 1
    return [*merged, *extra]


def run_with(*extra):
    return lambda ctx: ["run", "wine", *with_args(TINY, *extra), "--out", ctx.out]


# bad-option: every one is exit 2 with one line
for value in ("nan", "NaN", "inf", "-inf", "1e400", "-5", "0", "10x", "", "soon"):
    if value:
        case("bad-option", f"budget={value}", "exit2-one-line", run_wine("--budget", value))
for option, value in (("--tune-time", "nan"), ("--tune-time", "0"), ("--trial-timeout", "-1s"),
                      ("--cell-timeout", "forever"), ("--cell-timeout", "inf"), ("--trial-timeout", "1.5.2m")):
    case("bad-option", f"{option[2:]}={value}", "exit2-one-line", run_wine(option, value))
for value in ("0", "-5", "1.5", "20,,40", "lots", ",", "1e3"):
    case("bad-option", f"sizes={value}", "exit2-one-line", run_with("--sizes", value))
case("bad-option", "sizes-smaller-than-classes", "exit2-one-line", run_with("--sizes", "2"), owner=LOADING)
case("bad-option", "sizes-beyond-pool", "exit2-one-line", run_with("--sizes", "100000"), owner=LOADING)
case("bad-option", "sizes-repeated-are-merged", "ok-no-failed", run_with("--sizes", "20,20,20"),
     check=lambda ctx, proc: _one_size(ctx))
for option, value in (("--seeds", "0"), ("--seeds", "-1"), ("--seed", "-1"), ("--seed", "abc"), ("--trials", "0"),
                      ("--workers", "0"), ("--target-score", "1.5")):
    case("bad-option", f"{option[2:]}={value}", "exit2-one-line", run_with(option, value), owner=CLI)
case("bad-option", "target-score=nan", "exit2-one-line", run_with("--target-score", "nan"), owner=CLI)
case("bad-option", "unknown-solver", "exit2-one-line", run_with("--solvers", "no-such-solver"))
case("bad-option", "unknown-family", "exit2-one-line", run_wine("--families", "rules"))
case("bad-option", "unknown-tuner", "exit2-one-line", run_wine("--tuner", "grid"))
case("bad-option", "unknown-executor", "exit2-one-line", run_wine("--executor", "threads"))
case("bad-option", "unknown-task", "exit2-one-line", lambda ctx: ["run", "digitz", *TINY])
case("bad-option", "no-solver-left-after-families", "exit2-one-line", run_wine("--families", "deep"))
case("bad-option", "no-task", "exit2-one-line", lambda ctx: ["run", *TINY])
case("bad-option", "task-and-resume", "exit2-one-line", run_wine("--resume", "somewhere"))
case("bad-option", "task-option-without-value", "exit2-one-line", lambda ctx: ["run", "circles:noise", *TINY])
case("bad-option", "task-option-unknown", "exit2-one-line", lambda ctx: ["run", "circles:colour=1", *TINY])
case("bad-option", "tasks-dir-missing", "exit2-one-line", lambda ctx: ["--tasks-dir", ctx.dir / "nope", "list"])
case("bad-option", "info-unknown-task", "exit2-one-line", lambda ctx: ["info", "wien"])
case("bad-option", "unknown-option", "exit2-one-line", run_wine("--bugdet", "10m"), owner=CLI)
case("bad-option", "list-unknown-kind", "exit2-one-line", lambda ctx: ["list", "models"], owner=CLI)
case("bad-option", "out-is-a-file", "exit2-one-line",
     lambda ctx: (ctx.dir / "f").write_text("x") and ["run", "wine", *TINY, "--out", ctx.dir / "f"], owner=CLI)
case("bad-option", "quick-and-thorough", "exit2-one-line", run_wine("--quick", "--thorough"), owner="cli.py")
case("bad-option", "data-options-on-a-registered-task", "exit2-one-line", run_wine("--target", "label"),
     owner="engine/tasks.py")
case("bad-option", "scheduler-without-dask", "exit2-one-line", run_wine("--scheduler", "tcp://127.0.0.1:1"),
     owner="engine/config.py")


def _one_size(ctx: Context) -> str | None:
    rows = _rows(ctx)
    sizes = {r["train_size"] for r in rows}
    rows = [r for r in rows if r["family"] != "ensemble"]  # the grid's cells; the ensemble row is derived
    return None if sizes == {"20"} and len(rows) == 2 else f"sizes {sorted(sizes)} in {len(rows)} rows"


# bad-data
def csv_case(name, header, rows, *args, owner="", test=None, target="label", file="data.csv"):
    def setup(ctx):
        path = write_csv(ctx.dir / file, header, rows)
        extra = [] if target is None else ["--target", target]
        if test is not None:
            extra += ["--test", write_csv(ctx.dir / "test.csv", *test)]
        return ["run", path, *extra, *TINY, *args, "--out", ctx.out]

    case("bad-data", name, "exit2-one-line", setup, owner=owner)


def bytes_case(name, data: bytes, owner=""):
    def setup(ctx):
        (ctx.dir / "data.csv").write_bytes(data)
        return ["run", ctx.dir / "data.csv", "--target", "label", *TINY, "--out", ctx.out]

    case("bad-data", name, "exit2-one-line", setup, owner=owner)


labels2 = ["a", "b"]
csv_case("duplicated-target-column", ["x", "label", "label"], [[i, labels2[i % 2], labels2[i % 2]] for i in range(40)])
csv_case("duplicated-feature-column", ["x", "x", "label"], [[i, -i, labels2[i % 2]] for i in range(40)])
csv_case("target-column-missing", IRIS, iris_rows(), target="label")
csv_case("target-option-missing", IRIS, iris_rows(), target=None)
csv_case("continuous-target", ["x", "price"], [[i, i * 1.37] for i in range(80)], target="price")
csv_case("too-many-classes", ["x", "code"], [[i, i % 150] for i in range(600)], target="code")
csv_case("id-like-target", ["x", "id"], [[i, f"row-{i}"] for i in range(60)], target="id")
csv_case("one-class", ["x", "label"], [[i, "same"] for i in range(30)])
csv_case("all-labels-missing", ["x", "label"], [[i, ""] for i in range(30)])
csv_case("only-the-target-column", ["label"], [[labels2[i % 2]] for i in range(30)])
csv_case("ragged-rows", ["x", "label"], [[1, "a"], [2, "b", 3, 4], [3, "a"], [4, "b"]])
csv_case("only-constant-or-empty-features", ["k", "e", "label"], [[1, "", labels2[i % 2]] for i in range(30)])
csv_case("singletons-leave-one-class", ["x", "label"], [[i, "big"] for i in range(20)] + [[99, "lonely"]])
csv_case("text-column-missing", ["msg", "label"], [[f"text {i}", labels2[i % 2]] for i in range(30)],
         "--text-column", "message")
csv_case("text-column-is-target", ["msg", "label"], [[f"text {i}", labels2[i % 2]] for i in range(30)],
         "--text-column", "label")
csv_case("text-column-empty", ["msg", "label"], [["", labels2[i % 2]] for i in range(30)], "--text-column", "msg")
csv_case("test-other-columns", IRIS, iris_rows(), target="species",
         test=(["sepal_length", "petal_length", "colour", "species"], [[5, 1, "red", "setosa"]]))
csv_case("test-unseen-label", IRIS, iris_rows(), target="species", test=(IRIS, [[5, 3, 1, 0.2, "rose"]]))
csv_case("test-unlabelled-rows", IRIS, iris_rows(), target="species", test=(IRIS, [[5, 3, 1, 0.2, "setosa"], [5, 3, 1, 0.2, ""]]))
csv_case("test-numeric-column-holds-text", IRIS, iris_rows(), target="species",
         test=(IRIS, [["tall", 3, 1, 0.2, "setosa"]]))
bytes_case("empty-file", b"")
bytes_case("blank-lines-only", b"\n \n\n")
bytes_case("header-only", b"x,label\n")
bytes_case("binary-xlsx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary\xff\xfe" * 20)
bytes_case("utf16", "x,label\n1,a\n2,b\n".encode("utf-16"))
bytes_case("latin1", "x,label\n1,caf\xe9\n2,th\xe9\n".encode("latin-1"))
case("bad-data", "data-path-missing", "exit2-one-line",
     lambda ctx: ["run", ctx.dir / "nope.csv", "--target", "label", *TINY])
case("bad-data", "test-path-missing", "exit2-one-line",
     lambda ctx: ["run", iris(ctx), "--target", "species", "--test", ctx.dir / "nope.csv", *TINY])
case("bad-data", "text-file-without-labels", "exit2-one-line", lambda ctx: (
    (ctx.dir / "notes.txt").write_text("just some prose\nwith no header\nand no labels at all\n") and
    ["run", ctx.dir / "notes.txt", "--target", "label", *TINY]))
case("bad-data", "text-file-without-target-option", "exit2-one-line", lambda ctx: (
    (ctx.dir / "notes.txt").write_text("just some prose\nwith no header\n") and ["run", ctx.dir / "notes.txt", *TINY]))
case("bad-data", "images-one-class", "exit2-one-line",
     lambda ctx: ["run", images(ctx.dir / "pets", {"cat": 12}), *TINY])
case("bad-data", "images-empty-folder", "exit2-one-line",
     lambda ctx: (ctx.dir / "empty").mkdir() or ["run", ctx.dir / "empty", *TINY])
def _flat_images(ctx: Context) -> list:
    images(ctx.dir / "tmp", {"x": 4})
    (ctx.dir / "tmp" / "x").rename(ctx.dir / "flat")  # images right in the folder, no class sub-folders
    return ["run", ctx.dir / "flat", *TINY]


case("bad-data", "images-without-class-folders", "exit2-one-line", _flat_images)
case("bad-data", "images-with-target-option", "exit2-one-line",
     lambda ctx: ["run", images(ctx.dir / "pets", {"cat": 6, "dog": 6}), "--target", "label", *TINY])


def _unreadable_images(ctx: Context) -> list:
    for label in ("cat", "dog"):
        (ctx.dir / "pets" / label).mkdir(parents=True)
        for i in range(5):
            (ctx.dir / "pets" / label / f"{i}.png").write_bytes(b"not a png at all")
    return ["run", ctx.dir / "pets", *TINY]


case("bad-data", "images-all-unreadable", "exit2-one-line", _unreadable_images)
case("bad-data", "images-test-class-unseen", "exit2-one-line", lambda ctx: [
    "run", images(ctx.dir / "train", {"cat": 6, "dog": 6}), "--test", images(ctx.dir / "test", {"cow": 2}), *TINY])
case("bad-data", "csv-train-image-test", "exit2-one-line", lambda ctx: [
    "run", iris(ctx), "--target", "species", "--test", images(ctx.dir / "test", {"a": 2}), *TINY])


# dirty-data: loads and runs without failed cells
def dirty(name, header, rows, *args, target="label", test=None, check=None, slow=False, file="data.csv",
          delimiter=None, raw: bytes | None = None, owner=""):
    def setup(ctx):
        path = ctx.dir / file
        if raw is not None:
            path.write_bytes(raw)
        elif delimiter:
            path.write_text("\n".join(delimiter.join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
        else:
            write_csv(path, header, rows)
        extra = ["--test", write_csv(ctx.dir / "test.csv", *test)] if test else []
        return ["run", path, "--target", target, *extra, *TINY, *args, "--out", ctx.out]

    case("dirty-data", name, "ok-no-failed", setup, check=check, slow=slow, owner=owner)


dirty("infinities", IRIS, [[("inf" if i % 7 == 0 else r[0]), ("-inf" if i % 11 == 0 else r[1]), *r[2:]]
                           for i, r in enumerate(iris_rows(90))], target="species")
dirty("empty-columns", [*IRIS, "blank1", "blank2"], [[*r, "", ""] for r in iris_rows(90)], target="species")
dirty("constant-columns", [*IRIS, "k", "one"], [[*r, "same", 1] for r in iris_rows(90)], target="species")
dirty("mixed-type-column", [*IRIS, "mixed"], [[*r, (i if i % 3 else "n/a")] for i, r in enumerate(iris_rows(90))],
      target="species")
dirty("duplicate-rows", IRIS, iris_rows(60) + iris_rows(60), target="species")
dirty("rare-class-with-one-example", IRIS, iris_rows(90) + [[9, 9, 9, 9, "unicorn"]], target="species")
dirty("some-labels-missing", IRIS, iris_rows(90) + [[1, 2, 3, 4, ""]] * 3, target="species")
dirty("missing-feature-values", IRIS, [[("" if (i + j) % 5 == 0 else v) for j, v in enumerate(r[:4])] + [r[4]]
                                       for i, r in enumerate(iris_rows(90))], target="species")
dirty("numbers-as-labels", ["x", "y", "label"], [[i % 10 + (i % 2) * 5, i % 3, i % 2] for i in range(80)])
dirty("bool-column", ["x", "flag", "label"], [[i, ["True", "False"][i % 2], labels2[i % 2]] for i in range(80)])
dirty("id-column", ["id", *IRIS], [[f"id-{i}", *r] for i, r in enumerate(iris_rows(90))], target="species")
dirty("huge-values", IRIS, [[r[0] * 1e300, *r[1:]] for r in iris_rows(90)], target="species", owner="solvers/")
dirty("many-columns", [f"c{j}" for j in range(150)] + ["label"],
      [[(i * j) % 7 + (i % 2) for j in range(150)] + [labels2[i % 2]] for i in range(60)])
dirty("semicolons", IRIS, iris_rows(90), target="species", delimiter=";")
dirty("tabs-in-a-tsv", IRIS, iris_rows(90), target="species", delimiter="\t", file="data.tsv")
dirty("trailing-delimiters", IRIS, [[*r, ""] for r in iris_rows(90)], target="species",
      raw=("\n".join(",".join(map(str, r)) + "," for r in [IRIS, *iris_rows(90)]) + "\n").encode())
dirty("utf8-bom-and-crlf", IRIS, iris_rows(90), target="species",
      raw=("\ufeff" + "\r\n".join(",".join(map(str, r)) for r in [IRIS, *iris_rows(90)]) + "\r\n").encode())
dirty("quoted-commas-and-newlines", ["note", *IRIS],
      [[f"a, b\nline {i % 4}", *r] for i, r in enumerate(iris_rows(90))], target="species")
dirty("whitespace-around-values", IRIS, [[f" {v} " for v in r[:4]] + [r[4]] for r in iris_rows(90)],
      target="species")
dirty("text-with-missing-texts", ["msg", "label"],
      [["" if i % 9 == 0 else f"{['win cash now', 'see you at lunch'][i % 2]} {i}", ["spam", "ham"][i % 2]]
       for i in range(80)], "--text-column", "msg")
dirty("test-file-dirty-and-reordered", IRIS, iris_rows(90), target="species",
      test=(IRIS[::-1], [[r[4], r[3], r[2], "inf" if i == 0 else r[1], r[0]] for i, r in enumerate(iris_rows(9, 5))]),
      check=lambda ctx, proc: _n_test(ctx, 9))
dirty("rare-class-kept-with-test-file", IRIS, iris_rows(90) + [[9, 9, 9, 9, "unicorn"]], target="species",
      test=(IRIS, iris_rows(9, 5) + [[9, 9, 9, 9, "unicorn"]]), check=lambda ctx, proc: _n_test(ctx, 10))
dirty("every-shallow-and-rule-solver-on-dirty-data", [*IRIS, "blank", "k", "mixed"],
      [[("inf" if i % 13 == 0 else r[0]), *r[1:], "", "same", (i if i % 3 else "?")]
       for i, r in enumerate(iris_rows(120) + iris_rows(30, 1))] + [[1, 1, 1, 1, "unicorn", "", "same", 1]],
      "--solvers", "", "--families", "rule,shallow", "--sizes", "30", target="species", slow=True)


def _images_dirty(ctx: Context) -> list:
    root = images(ctx.dir / "pets", {"cat": 16, "dog": 16}, size=(10, 12))
    images(root, {"cat": 3}, size=(16, 9), mode="RGB")  # overwrites 0..2 with colour images of another size
    (root / "cat" / "broken.png").write_bytes(b"junk")
    (root / "dog" / "readme.txt").write_text("not an image")
    (root / "empty-class").mkdir()
    return ["run", root, *TINY, "--out", ctx.out]


case("dirty-data", "images-unreadable-mixed-sizes-and-modes", "ok-no-failed", _images_dirty)


def _n_test(ctx: Context, n: int) -> str | None:
    counts = {r["n_test"] for r in _rows(ctx)}
    return None if counts == {str(n)} else f"n_test {sorted(counts)}, expected {n} (test rows dropped?)"


# bad-plugin
BROKEN = {
    "raises": "raise RuntimeError('boom at import')\n",
    "sys-exit": "import sys\nsys.exit(3)\n",
    "syntax-error": "def broken(:\n",
    "base-exception": "class Odd(BaseException):\n    pass\n\nraise Odd('odd')\n",
    "missing-import": "import not_a_real_module_xyz\n",
}


def _warns_about(name: str):
    def check(ctx: Context, proc: Proc) -> str | None:
        warned = [l for l in proc.stderr.splitlines() if l.startswith("warning:") and name in l]
        return None if len(warned) == 1 else f"{len(warned)} warning lines naming {name!r}"
    return check


for key, code in BROKEN.items():
    file = key.replace("-", "_")
    case("bad-plugin", f"task-file-{key}-other-task-runs", "ok-no-failed",
         lambda ctx, f=file, c=code: task_file(ctx, f, c) or ["run", "wine", *TINY, "--out", ctx.out],
         check=_warns_about(file))
    case("bad-plugin", f"task-file-{key}-is-asked-for", "exit2-one-line",
         lambda ctx, f=file, c=code: task_file(ctx, f, c) or ["run", f, *TINY, "--out", ctx.out])
case("bad-plugin", "task-file-prints-at-import", "ok-no-failed",
     lambda ctx: task_file(ctx, "noisy", "print('hello from a plugin')\n" + good_task("noisy")) or
     ["run", "noisy", *TINY, "--out", ctx.out])
for key, body in (("raises", "raise RuntimeError('cannot load')"), ("sys-exit", "import sys; sys.exit(4)"),
                  ("returns-a-list", "return [1, 2, 3]"), ("memory-error", "raise MemoryError()"),
                  ("bad-labels", "y = np.array(['a', None] * 60, dtype=object)")):
    case("bad-plugin", f"task-load-{key}", "exit2-one-line",
         lambda ctx, b=body: task_file(ctx, "loader", good_task("loader", b)) or
         ["run", "loader", *TINY, "--out", ctx.out], owner=LOADING)
case("bad-plugin", "task-init-raises", "exit2-one-line", lambda ctx: task_file(ctx, "picky", good_task("picky").replace(
    "    def load(self):", "    def __init__(self):\n        raise ValueError('needs a licence key')\n\n    def load(self):"))
    or ["run", "picky", *TINY], owner="engine/tasks.py")
case("bad-plugin", "two-tasks-one-name", "exit2-one-line",
     lambda ctx: task_file(ctx, "clash", good_task("wine")) or ["run", "wine", *TINY])
case("bad-plugin", "entry-point-raises-other-task-runs", "ok-no-failed",
     lambda ctx: fake_distribution(ctx, "campaignplugin:Task", "raise ImportError('plugin needs torch')\n") or
     ["run", "wine", *TINY, "--out", ctx.out], check=_warns_about("ep-task"))
case("bad-plugin", "entry-point-raises-is-asked-for", "exit2-one-line",
     lambda ctx: fake_distribution(ctx, "campaignplugin:Task", "import sys\nsys.exit(5)\n") or
     ["run", "ep-task", *TINY, "--out", ctx.out])
case("bad-plugin", "entry-point-names-a-missing-class", "exit2-one-line",
     lambda ctx: fake_distribution(ctx, "campaignplugin:Missing", "") or ["run", "ep-task", *TINY])
case("bad-plugin", "solver-fit-raises", "failed-row-run-goes-on",
     lambda ctx: task_file(ctx, "solvers", SOLVERS) or ["run", "wine", *with_args(TINY, "--solvers", "raises,majority"),
                                                        "--out", ctx.out])
case("bad-plugin", "solver-fit-sys-exit", "failed-row-run-goes-on",
     lambda ctx: task_file(ctx, "solvers", SOLVERS) or ["run", "wine", *with_args(TINY, "--solvers", "exits,majority"),
                                                        "--out", ctx.out])
case("bad-plugin", "solver-file-broken-solver-asked-for", "exit2-one-line",
     lambda ctx: task_file(ctx, "mysolver", "raise RuntimeError('solver deps missing')\n") or
     ["run", "wine", *with_args(TINY, "--solvers", "mysolver")])


# bad-run-folder
def _folder(kind: str):
    """Arguments and the broken folder: ``report`` or ``resume`` of a folder with a given fault."""
    def make(ctx: Context) -> Path:
        if kind == "missing":
            return ctx.dir / "no-such-run"
        if kind == "no-db":
            (ctx.dir / "plain").mkdir()
            (ctx.dir / "plain" / "run.json").write_text("{}")
            return ctx.dir / "plain"
        run_dir = real_run(ctx)
        db = run_dir / "results.db"
        if kind == "corrupt-db":
            db.write_bytes(random.Random(1).randbytes(8192))
        elif kind == "empty-db":
            db.write_bytes(b"")
        elif kind == "db-is-a-folder":
            db.unlink()
            db.mkdir()
        elif kind == "foreign-sqlite":
            db.unlink()
            with sqlite3.connect(db) as con:
                con.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
                con.execute("INSERT INTO invoices VALUES (1, 9.5)")
        elif kind == "broken-run-json":
            (run_dir / "run.json").write_text("{ this is not json")
        elif kind == "run-json-without-config":
            (run_dir / "run.json").write_text('{"run_id": "x"}')
        return run_dir
    return make


for kind in ("missing", "no-db", "corrupt-db", "empty-db", "db-is-a-folder", "foreign-sqlite", "broken-run-json"):
    owner = CLI if kind == "missing" else "core/store.py + report/ + cli.py"
    case("bad-run-folder", f"report-{kind}", "exit2-one-line",
         lambda ctx, k=kind: ["report", _folder(k)(ctx)], owner="" if kind == "no-db" else owner)
for kind in ("missing", "no-db", "corrupt-db", "empty-db", "foreign-sqlite", "broken-run-json",
             "run-json-without-config"):
    case("bad-run-folder", f"resume-{kind}", "exit2-one-line",
         lambda ctx, k=kind: ["run", "--resume", _folder(k)(ctx)],
         owner="" if kind in ("missing", "no-db") else "engine/runner.py + core/store.py")
case("bad-run-folder", "report-of-a-file", "exit2-one-line",
     lambda ctx: (ctx.dir / "f.txt").write_text("x") and ["report", ctx.dir / "f.txt"], owner=CLI)


def _resume_data_gone(ctx: Context) -> list:
    path = iris(ctx, "gone.csv")
    proc = ctx.run(["run", path, "--target", "species", *TINY, "--out", ctx.out])
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-300:])
    path.unlink()
    return ["run", "--resume", ctx.run_dirs()[-1]]


case("bad-run-folder", "resume-data-file-gone", "exit2-one-line", _resume_data_gone)


# hostile-names: runs, and the report escapes every name
SCRIPT = "<script>alert(1)</script>"


def _escaped(ctx: Context, proc: Proc) -> str | None:
    problems = []
    for run_dir in ctx.run_dirs():
        page = run_dir / "index.html"
        if not page.exists():
            problems.append("no index.html")
        elif "<script" in page.read_text(encoding="utf-8", errors="replace").lower():
            problems.append("unescaped <script> in index.html")
    return "; ".join(problems) or None


def _csv_safe(ctx: Context, proc: Proc) -> str | None:
    """No exported CSV cell may start like a spreadsheet formula (=, +, @, or - before a non-number)."""
    bad = []
    for run_dir in ctx.run_dirs():
        for name in ("results.csv", "trials.csv", "summary.csv"):
            if (run_dir / name).exists():
                with (run_dir / name).open(encoding="utf-8", newline="") as fh:
                    for row in csv.reader(fh):
                        bad += [f"{name}: {c[:20]!r}" for c in row if c and (c[0] in "=+@" or (
                                c[0] == "-" and c[1:2] not in ("", ".") and not c[1:2].isdigit()))]
    return f"formula-like CSV cells: {', '.join(bad[:3])}" if bad else None


def _both(*checks):
    return lambda ctx, proc: "; ".join(p for p in (c(ctx, proc) for c in checks) if p) or None


def hostile(name, header, rows, target, *args, file="data.csv", check=_escaped, owner="report/"):
    def setup(ctx):
        path = write_csv(ctx.dir / file, header, rows)
        return ["run", path, "--target", target, *TINY, *args, "--out", ctx.out]

    case("hostile-names", name, "ok-no-failed", setup, check=check, owner=owner)


FORMULA_LABELS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
hostile("formula-column-names", ["=HYPERLINK(\"x\")", "+1", "-1", "@a", "species"],
        [r[:4] + [r[4]] for r in iris_rows(90)], "species")
hostile("formula-class-labels", IRIS, iris_rows(120, labels=FORMULA_LABELS), "species")
hostile("script-column-name", [SCRIPT, *IRIS[1:]], iris_rows(90), "species")
hostile("script-class-label", IRIS, iris_rows(90, labels=(SCRIPT, "ok", "<b>bold</b>")), "species")
hostile("script-target-name", [*IRIS[:4], SCRIPT], iris_rows(90), SCRIPT)
hostile("quotes-in-names", ['say "hi"', "it's", *IRIS[2:]], iris_rows(90, labels=('"q"', "'s'", "`b`")), "species")
hostile("newlines-in-names", ["two\nlines", *IRIS[1:]], iris_rows(90, labels=("a\nb", "c\r\nd", "e")), "species")
hostile("unicode-names", ["größe 数据", "🌸 petal", "مرحبا", *IRIS[3:]],
        iris_rows(90, labels=("ñandú", "中文", "😀")), "species")
hostile("very-long-names", ["x" * 2000, *IRIS[1:]], iris_rows(90, labels=("L" * 1000, "M" * 1000, "s")), "species")
hostile("path-with-spaces-and-unicode", IRIS, iris_rows(90), "species", file="my data ünï 数据/train set é.csv",
        owner="")
hostile("script-in-file-name", IRIS, iris_rows(90), "species", file="<script>x</script>.csv")
hostile("formula-file-name-in-csv-exports", IRIS, iris_rows(90), "species", file="=1+2.csv", check=_csv_safe,
        owner="core/store.py (CSV export)")
hostile("formula-labels-in-csv-exports", IRIS, iris_rows(120, labels=FORMULA_LABELS), "species",
        check=_both(_escaped, _csv_safe), owner="core/store.py (CSV export)")


def _hostile_text(ctx: Context) -> list:
    rows = [[f"{SCRIPT} =cmd() message {i} {['free cash', 'lunch at 1'][i % 2]}", [SCRIPT, "=ham"][i % 2]]
            for i in range(80)]
    return ["run", write_csv(ctx.dir / "sms.csv", ["<i>text</i>", "=label"], rows), "--target", "=label",
            "--text-column", "<i>text</i>", *TINY, "--out", ctx.out]


def _hostile_images(ctx: Context) -> list:
    root = images(ctx.dir / "imgs", {"<script>cat</script>": 12, "=dog": 12, "ünïcode 猫": 12})
    return ["run", root, *TINY, "--out", ctx.out]


case("hostile-names", "script-in-text-and-labels", "ok-no-failed", _hostile_text, check=_escaped, owner="report/")
case("hostile-names", "script-in-image-class-folders", "ok-no-failed", _hostile_images, check=_escaped,
     owner="report/")


# faults
LONG_RUN = ["wine", "--solvers", "slow,majority", "--sizes", "20,40,60,80,full", "--seeds", "2", "--trials", "1"]
N_CELLS = 5 * 2 * 2


def _rows(ctx_or_dir) -> list[dict]:
    dirs = ctx_or_dir.run_dirs() if isinstance(ctx_or_dir, Context) else [ctx_or_dir]
    rows = []
    for run_dir in dirs:
        if (run_dir / "results.csv").exists():
            with (run_dir / "results.csv").open(encoding="utf-8", newline="") as fh:
                rows += list(csv.DictReader(fh))
    return rows


def _db_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            return con.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
    except sqlite3.Error:
        return 0


def _start_long_run(ctx: Context, min_rows: int = 3, extra=()) -> tuple[subprocess.Popen, Path | None]:
    task_file(ctx, "solvers", SOLVERS)
    proc = ctx.popen(["run", *LONG_RUN, *extra, "--out", ctx.out])
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        dirs = ctx.run_dirs()
        if dirs and (dirs[-1] / "results.db").exists() and _db_count(dirs[-1] / "results.db") >= min_rows:
            return proc, dirs[-1]
        time.sleep(0.2)
    return proc, (ctx.run_dirs() or [None])[-1]


def _finish(proc: subprocess.Popen, timeout: float = 60) -> Proc:
    try:
        out, err = proc.communicate(timeout=timeout)
        return Proc(proc.returncode, out, err)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return Proc(None, out, err, timed_out=True)


def _kept(run_dir: Path | None, proc: Proc) -> tuple[bool, str]:
    """Whether the folder of an interrupted run keeps every finished cell, exported."""
    if run_dir is None or not (run_dir / "results.db").exists():
        return False, "no results.db"
    missing = [n for n in ("results.csv", "index.html") if not (run_dir / n).exists()]
    stored, exported = _db_count(run_dir / "results.db"), len(_rows(run_dir))
    how = f"exit={proc.returncode} db={stored} rows csv={exported} rows"
    if proc.timed_out:
        return False, f"still running 60 s after the signal; {how}"
    if missing:
        return False, f"{how}, missing {', '.join(missing)}" + _traceback_hint(proc)
    if exported < stored:
        return False, f"{how}: results.csv lost cells"
    return True, how


def _signal_case(sig: int, group: bool):
    def drive(ctx: Context) -> tuple[bool, str]:
        proc, run_dir = _start_long_run(ctx)
        (os.killpg if group else os.kill)(proc.pid, sig)
        return _kept(run_dir, _finish(proc))
    return drive


def _one_row_per_cell(ctx: Context, run_dir: Path, resumed: Proc) -> tuple[bool, str]:
    rows = _rows(run_dir)
    keys = [(r["task"], r["solver"], r["train_size"], r["seed"]) for r in rows]
    statuses = sorted({r["status"] for r in rows})
    how = f"resume exit={resumed.returncode}, {len(rows)} rows, {len(set(keys))} cells, statuses {statuses}"
    ok = resumed.returncode == 0 and len(keys) == len(set(keys)) == N_CELLS and statuses == ["ok"]
    return ok, how + ("" if ok else _traceback_hint(resumed))


def _kill_then_resume(sig: int):
    def drive(ctx: Context) -> tuple[bool, str]:
        proc, run_dir = _start_long_run(ctx, min_rows=4)
        os.killpg(proc.pid, sig)
        _finish(proc)
        if run_dir is None:
            return False, "no run folder"
        return _one_row_per_cell(ctx, run_dir, ctx.run(["run", "--resume", run_dir]))
    return drive


def _budget_then_resume(ctx: Context) -> tuple[bool, str]:
    task_file(ctx, "solvers", SOLVERS)
    first = ctx.run(["run", *LONG_RUN, "--budget", "4s", "--out", ctx.out])
    if not ctx.run_dirs():
        return False, f"first run: exit={first.returncode}" + _traceback_hint(first)
    run_dir = ctx.run_dirs()[-1]
    skipped = sum(r["status"] == "skipped" for r in _rows(run_dir))
    ok, how = _one_row_per_cell(ctx, run_dir, ctx.run(["run", "--resume", run_dir]))
    return ok, f"budget run left {skipped} skipped; {how}"


def _two_resumes_at_once(ctx: Context) -> tuple[bool, str]:
    proc, run_dir = _start_long_run(ctx, min_rows=2)
    os.killpg(proc.pid, signal.SIGKILL)
    _finish(proc)
    if run_dir is None:
        return False, "no run folder"
    first = ctx.popen(["run", "--resume", run_dir])
    time.sleep(2)
    second = _finish(ctx.popen(["run", "--resume", run_dir]), timeout=180)
    done = _finish(first, timeout=180)
    refused = second.returncode == 2 and len(_error_lines(second.stderr)) == 1
    ok, how = _one_row_per_cell(ctx, run_dir, done)
    return ok and refused, f"second resume exit={second.returncode} ({'refused' if refused else 'not refused'}); {how}"


case("faults", "sigterm-while-running", "nothing-lost", drive=_signal_case(signal.SIGTERM, group=False), slow=True,
     owner="engine/runner.py + cli.py")
case("faults", "sigint-while-running", "nothing-lost", drive=_signal_case(signal.SIGINT, group=True), slow=True,
     owner="engine/runner.py + cli.py")
case("faults", "kill-9-then-resume", "nothing-lost", drive=_kill_then_resume(signal.SIGKILL), slow=True,
     owner="engine/runner.py")
case("faults", "sigterm-then-resume", "nothing-lost", drive=_kill_then_resume(signal.SIGTERM), slow=True,
     owner="engine/runner.py")
def _disk_full(ctx: Context) -> tuple[bool, str]:
    """--out on a 60 kB file system: a one-line error at the end, and the finished cells still readable."""
    mount = ctx.dir / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=60k", "tmpfs", str(mount)], capture_output=True).returncode:
        return True, "skipped: this machine cannot mount a small file system (needs root)"
    try:
        proc = ctx.run(["run", "wine", "--solvers", "majority,logreg", "--sizes", "30,60,full", "--seeds", "2",
                        "--trials", "1", "--out", mount / "out"])
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        dirs = sorted((mount / "out").glob("*/results.db"))
        rows = 0
        if dirs:
            import sqlite3

            with sqlite3.connect(dirs[0]) as con:
                rows = con.execute("SELECT count(*) FROM cells").fetchone()[0]
        ok = proc.returncode in (0, 2) and not is_traceback(proc) and rows >= 1 and \
            (proc.returncode == 0 or last.startswith("error: "))
        return ok, f"exit={proc.returncode}, {rows} cells kept, last line {last[:70]!r}"
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


case("faults", "disk-full", "nothing-lost", drive=_disk_full, slow=True)
case("faults", "budget-cut-then-resume", "nothing-lost", drive=_budget_then_resume, slow=True,
     owner="engine/runner.py")
case("faults", "two-resumes-of-one-folder", "nothing-lost", drive=_two_resumes_at_once, slow=True,
     owner="engine/runner.py (lock file)")
case("faults", "solver-kills-its-process", "failed-row-run-goes-on",
     lambda ctx: task_file(ctx, "solvers", SOLVERS) or ["run", "wine", *with_args(TINY, "--solvers", "dies,majority"),
                                                        "--out", ctx.out])
case("faults", "solver-overruns-cell-timeout", "failed-row-run-goes-on",
     lambda ctx: task_file(ctx, "solvers", SOLVERS) or ["run", "wine", *with_args(TINY, "--solvers", "sleeps,majority"),
                                                        "--cell-timeout", "3s", "--out", ctx.out])


# --- judging -----------------------------------------------------------------------------------


def _error_lines(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if l.strip() and not l.startswith("warning:")]


def _traceback_hint(proc: Proc) -> str:
    if "Traceback" in proc.stderr:
        last = [l for l in proc.stderr.strip().splitlines() if l.strip()][-1]
        return f" traceback: {last.strip()[:150]}"
    return ""


def is_traceback(proc: Proc) -> bool:
    return proc.returncode == 1 and "Traceback" in proc.stderr


def judge(case: Case, ctx: Context, proc: Proc) -> tuple[bool, str]:
    if proc.timed_out:
        return False, f"timed out after {TIMEOUT} s"
    lines = _error_lines(proc.stderr)
    if case.expected == "exit2-one-line":
        if proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"):
            return True, f"exit=2 {lines[0][:110]!r}"
        if is_traceback(proc):
            return False, f"exit=1{_traceback_hint(proc)}"
        first = lines[0][:110] if lines else ""
        return False, f"exit={proc.returncode} {len(lines)} stderr lines, first {first!r}"
    rows = _rows(ctx)
    bad = [r for r in rows if r["status"] in ("failed", "timeout")]
    how = f"exit={proc.returncode} {len(rows)} rows"
    if proc.returncode != 0:
        return False, how + (_traceback_hint(proc) or (f" {lines[-1][:110]!r}" if lines else ""))
    if case.expected == "ok-no-failed":
        if not rows:
            return False, f"{how}: no results.csv rows"
        if bad:
            return False, f"{how}, {len(bad)} {bad[0]['status']}: {bad[0]['solver']}: {bad[0]['error'][:100]}"
    elif case.expected == "failed-row-run-goes-on":
        if not bad or not any(r["status"] == "ok" for r in rows):
            return False, f"{how}, statuses {sorted({r['status'] for r in rows})}"
        how += f", {bad[0]['status']}: {bad[0]['error'][:60]}"
    problem = case.check(ctx, proc) if case.check else None
    return (False, f"{how}: {problem}") if problem else (True, how)


@dataclass
class Result:
    case: Case
    passed: bool
    observed: str
    traceback: bool
    seconds: float

    def line(self) -> str:
        c = self.case
        return f"{'PASS' if self.passed else 'FAIL'}  {c.category}  {c.name}  expected={c.expected}  observed={self.observed}"


def run_case(case: Case, keep: bool = False) -> Result:
    start = time.time()
    folder = Path(tempfile.mkdtemp(prefix=f"dlbench-{case.category}-"))
    ctx = Context(folder)
    traceback = False
    try:
        if case.drive is not None:
            passed, observed = case.drive(ctx)
            traceback = "traceback:" in observed
        else:
            proc = ctx.run(case.setup(ctx))
            passed, observed = judge(case, ctx, proc)
            traceback = is_traceback(proc)
    except Exception as exc:  # noqa: BLE001 - a broken case is a FAIL of that case, not of the campaign
        passed, observed = False, f"campaign error: {type(exc).__name__}: {exc}"
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    observed = " ".join(observed.split())
    return Result(case, passed, observed, traceback, time.time() - start)


def select(quick: bool = False, only: str | None = None) -> list[Case]:
    wanted = set(only.split(",")) if only else set(CATEGORIES)
    unknown = wanted - set(CATEGORIES)
    if unknown:
        raise SystemExit(f"error: unknown categories {sorted(unknown)}: choose from {', '.join(CATEGORIES)}")
    return [c for c in CASES if c.category in wanted and not (quick and c.slow)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow cases (faults, all-solver runs)")
    parser.add_argument("--only", help=f"comma-separated categories: {', '.join(CATEGORIES)}")
    parser.add_argument("--list", action="store_true", help="list the cases without running them")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at the same time (faults run alone)")
    parser.add_argument("--keep", action="store_true", help="keep each case's temporary folder")
    args = parser.parse_args(argv)
    cases = select(args.quick, args.only)
    if args.list:
        for c in cases:
            print(f"{c.category}  {c.name}  expected={c.expected}" + (f"  owner={c.owner}" if c.owner else ""))
        print(f"{len(cases)} cases")
        return 0
    results: list[Result] = []
    parallel = [c for c in cases if c.category != "faults"]
    serial = [c for c in cases if c.category == "faults"]

    def report(result: Result) -> None:
        results.append(result)
        print(result.line(), flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(lambda c: run_case(c, args.keep), parallel):
            report(result)
    for c in serial:
        report(run_case(c, args.keep))
    failed = [r for r in results if not r.passed]
    tracebacks = sum(r.traceback for r in failed)
    print(f"total: {len(results)} cases, {len(results) - len(failed)} passed, {len(failed)} failed "
          f"({tracebacks} tracebacks, {len(failed) - tracebacks} wrong results)")
    for category in CATEGORIES:
        mine = [r for r in results if r.case.category == category]
        if mine:
            print(f"  {category}: {sum(r.passed for r in mine)}/{len(mine)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
