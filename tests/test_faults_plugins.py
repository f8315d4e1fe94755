"""Broken plugins and broken run folders: the run goes on past what it does not need, or one error line.

dlbench runs in this process (:func:`faults.call_main`); a fake installed package is found
through ``sys.path`` for the length of its test.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import sys

import pytest

from faults import (TINY, assert_exit2_one_line, assert_ok_no_failed, call_main, good_task, iris, run_dirs,
                    task_file)

BROKEN = {
    "raises": ("raise RuntimeError('boom at import')\n", "boom at import"),
    "sys-exit": ("import sys\nsys.exit(3)\n", "sys.exit(3)"),
    "syntax-error": ("def broken(:\n", "syntax_error.py"),
    "base-exception": ("class Odd(BaseException):\n    pass\n\nraise Odd('odd')\n", "base_exception.py"),
    "missing-import": ("import not_a_real_module_xyz\n", "not_a_real_module_xyz"),
}


def assert_warns_once_about(proc, name: str) -> None:
    warned = [line for line in proc.stderr.splitlines() if line.startswith("warning:") and name in line]
    assert len(warned) == 1, f"{len(warned)} warning lines naming {name!r}:\n{proc.stderr[-2000:]}"


@pytest.mark.parametrize("key", BROKEN)
def test_a_broken_task_file_is_skipped_with_one_warning_and_another_task_runs(key, tmp_path, dlbench_main):
    file = key.replace("-", "_")
    task_file(tmp_path, file, BROKEN[key][0])
    proc = dlbench_main("run", "wine", *TINY, "--out", tmp_path / "out")
    assert_ok_no_failed(proc, tmp_path / "out")
    assert_warns_once_about(proc, file)


@pytest.mark.parametrize("key", BROKEN)
def test_a_broken_task_file_asked_for_is_one_error_line(key, tmp_path, dlbench_main):
    file = key.replace("-", "_")
    task_file(tmp_path, file, BROKEN[key][0])
    line = assert_exit2_one_line(dlbench_main("run", file, *TINY, "--out", tmp_path / "out"), BROKEN[key][1])
    assert f"{file}.py" in line


def test_a_task_file_that_prints_at_import_runs(tmp_path, dlbench_main):
    task_file(tmp_path, "noisy", "print('hello from a plugin')\n" + good_task("noisy"))
    assert_ok_no_failed(dlbench_main("run", "noisy", *TINY, "--out", tmp_path / "out"), tmp_path / "out")


@pytest.mark.parametrize("body, expected", [
    pytest.param("raise RuntimeError('cannot load')", "cannot load", id="raises"),
    pytest.param("import sys; sys.exit(4)", "'loader'", id="sys-exit"),
    pytest.param("return [1, 2, 3]", "'loader'", id="returns-a-list"),
    pytest.param("raise MemoryError()", "'loader'", id="memory-error"),
    pytest.param("y = np.array(['a', None] * 60, dtype=object)", "missing values", id="bad-labels"),
])
def test_a_task_whose_load_fails_is_one_error_line(body, expected, tmp_path, dlbench_main):
    task_file(tmp_path, "loader", good_task("loader", body))
    assert_exit2_one_line(dlbench_main("run", "loader", *TINY, "--out", tmp_path / "out"), expected)


def test_a_task_whose_init_raises_is_one_error_line(tmp_path, dlbench_main):
    code = good_task("picky").replace(
        "    def load(self):", "    def __init__(self):\n        raise ValueError('needs a licence key')\n\n    def load(self):")
    task_file(tmp_path, "picky", code)
    assert_exit2_one_line(dlbench_main("run", "picky", *TINY), "needs a licence key")


def test_two_tasks_of_one_name_is_one_error_line(tmp_path, dlbench_main):
    task_file(tmp_path, "clash", good_task("wine"))
    assert_exit2_one_line(dlbench_main("run", "wine", *TINY), "clash.py")


def test_a_broken_solver_file_asked_for_is_one_error_line(tmp_path, dlbench_main):
    task_file(tmp_path, "mysolver", "raise RuntimeError('solver deps missing')\n")
    assert_exit2_one_line(dlbench_main("run", "wine", "--solvers", "mysolver", "--sizes", "20", "--seeds", "1",
                                       "--trials", "1"), "solver deps missing")


@pytest.fixture
def fake_distribution(tmp_path, monkeypatch):
    """A package with a ``dlbench.tasks`` entry point ``ep-task = VALUE``, importable for this test."""

    def install(value: str, module_code: str = "") -> None:
        site = tmp_path / "site"
        (site / "faultsplugin").mkdir(parents=True)
        (site / "faultsplugin" / "__init__.py").write_text(module_code, encoding="utf-8")
        dist = site / "faultsplugin-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: faultsplugin\nVersion: 0.1\n")
        (dist / "entry_points.txt").write_text(f"[dlbench.tasks]\nep-task = {value}\n")
        monkeypatch.syspath_prepend(str(site))

    yield install
    sys.modules.pop("faultsplugin", None)


def test_an_entry_point_that_raises_is_skipped_with_one_warning(tmp_path, fake_distribution, dlbench_main):
    fake_distribution("faultsplugin:Task", "raise ImportError('plugin needs torch')\n")
    proc = dlbench_main("run", "wine", *TINY, "--out", tmp_path / "out")
    assert_ok_no_failed(proc, tmp_path / "out")
    assert_warns_once_about(proc, "ep-task")


@pytest.mark.parametrize("value, code, expected", [
    pytest.param("faultsplugin:Task", "import sys\nsys.exit(5)\n", "ep-task", id="raises-is-asked-for"),
    pytest.param("faultsplugin:Missing", "", "Missing", id="names-a-missing-class"),
])
def test_a_broken_entry_point_asked_for_is_one_error_line(value, code, expected, tmp_path, fake_distribution,
                                                          dlbench_main):
    fake_distribution(value, code)
    assert_exit2_one_line(dlbench_main("run", "ep-task", *TINY, "--out", tmp_path / "out"), expected)


# --- broken run folders ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One finished tiny run folder, copied by each test that breaks it."""
    folder = tmp_path_factory.mktemp("finished")
    proc = call_main(["run", "wine", *TINY, "--solvers", "majority", "--out", folder / "out"], cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return run_dirs(folder / "out")[-1]


def _break(kind: str, run_dir, d):
    """A run folder (a copy of ``run_dir`` in ``d``) with a given fault."""
    if kind == "missing":
        return d / "no-such-run"
    if kind == "empty-folder":
        (d / "empty").mkdir()
        return d / "empty"
    if kind == "no-db":
        (d / "plain").mkdir()
        (d / "plain" / "run.json").write_text("{}")
        return d / "plain"
    copy = d / "out" / run_dir.name
    shutil.copytree(run_dir, copy)
    db = copy / "results.db"
    if kind.startswith("corrupt-db"):
        db.write_bytes(random.Random(1).randbytes(8192))
    elif kind.startswith("empty-db"):
        db.write_bytes(b"")
    elif kind == "garbage-db":
        db.write_bytes(b"\x00garbage" * 100)
    elif kind == "db-is-a-folder":
        db.unlink()
        db.mkdir()
    elif kind == "foreign-sqlite":
        db.unlink()
        with sqlite3.connect(db) as con:
            con.execute("CREATE TABLE invoices (id INTEGER, amount REAL)")
            con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    if kind.endswith("broken-run-json") or kind == "garbage-db":
        (copy / "run.json").write_text("{ this is not json")
    elif kind == "run-json-without-config":
        (copy / "run.json").write_text('{"run_id": "x"}')
    return copy


NOT_A_STORE = "not a dlbench results database"
FOLDER_FAULTS = [
    # (kind, for `report`, for `run --resume`): what the error line says, None where not a case
    ("missing", "does not exist", ""),
    ("empty-folder", None, "not a dlbench run folder"),
    ("no-db", "", ""),
    ("corrupt-db", "", ""),
    ("empty-db", NOT_A_STORE, NOT_A_STORE),
    ("garbage-db", "", ""),  # and run.json broken too
    ("empty-db-and-broken-run-json", "", ""),
    ("db-is-a-folder", "", None),
    ("foreign-sqlite", NOT_A_STORE, NOT_A_STORE),
    ("broken-run-json", "", ""),
    ("run-json-without-config", None, ""),
]


@pytest.mark.parametrize("kind, expected", [pytest.param(k, e, id=k) for k, e, _ in FOLDER_FAULTS if e is not None])
def test_report_of_a_broken_run_folder_is_one_error_line(kind, expected, finished_run, tmp_path, dlbench_main):
    assert_exit2_one_line(dlbench_main("report", _break(kind, finished_run, tmp_path)), expected)


@pytest.mark.parametrize("kind, expected", [pytest.param(k, e, id=k) for k, _, e in FOLDER_FAULTS if e is not None])
def test_resume_of_a_broken_run_folder_is_one_error_line(kind, expected, finished_run, tmp_path, dlbench_main):
    assert_exit2_one_line(dlbench_main("run", "--resume", _break(kind, finished_run, tmp_path)), expected)


def test_report_of_a_file_is_one_error_line(tmp_path, dlbench_main):
    (tmp_path / "f.txt").write_text("x")
    assert_exit2_one_line(dlbench_main("report", tmp_path / "f.txt"))


def test_resume_after_the_data_file_is_gone_is_one_error_line(tmp_path, dlbench_main):
    path = iris(tmp_path, "gone.csv")
    proc = dlbench_main("run", path, "--target", "species", *TINY, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    path.unlink()
    assert_exit2_one_line(dlbench_main("run", "--resume", run_dirs(tmp_path / "out")[-1]), "gone.csv")
