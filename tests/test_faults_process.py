"""Interruptions of a real ``dlbench`` process: signals, a second resume, a full disk. Nothing is lost.

Each test starts ``python -m dlbench`` as a user or a batch scheduler would, on a run of the
``slow`` solver (half a second a cell, from the shared ``misbehaving`` fixture) long enough to be
interrupted. (``kill -9`` then resume, and a ``--budget`` cut then resume, are in test_grid.py;
solvers that raise, exit, die or overrun their time are in its failures test.)
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import run_cli
from faults import error_lines, rows, run_dirs

pytestmark = pytest.mark.slow

LONG_RUN = ["wine", "--solvers", "slow,majority", "--sizes", "20,40,60,80,full", "--seeds", "2", "--trials", "1"]
N_CELLS = 5 * 2 * 2


def _db_count(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            return con.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
    except sqlite3.Error:
        return 0


def _popen(folder, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dlbench", *map(str, args)], cwd=folder, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _start_long_run(folder, min_rows: int):
    """The long run, started, once ``min_rows`` cells are stored: the process and its run folder."""
    proc = _popen(folder, "run", *LONG_RUN, "--out", folder / "out")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        dirs = run_dirs(folder / "out")
        if dirs and (dirs[-1] / "results.db").exists() and _db_count(dirs[-1] / "results.db") >= min_rows:
            return proc, dirs[-1]
        time.sleep(0.2)
    _finish(proc, 5)
    pytest.fail(f"the run stored fewer than {min_rows} cells (exit {proc.returncode})")


def _finish(proc: subprocess.Popen, timeout: float = 60):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"still running {timeout} s after it was told to stop")
    return out, err


def assert_one_ok_row_per_cell(run_dir, resumed) -> None:
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    table = rows(run_dir)
    cells = [r for r in table if r["family"] != "ensemble"]
    keys = [(r["task"], r["solver"], r["train_size"], r["seed"]) for r in cells]
    assert len(keys) == len(set(keys)) == N_CELLS
    assert {r["status"] for r in table} == {"ok"}


@pytest.mark.parametrize("sig, group", [
    pytest.param(signal.SIGTERM, False, id="sigterm"),
    pytest.param(signal.SIGINT, True, id="sigint-to-the-process-group"),  # Ctrl-C in a terminal
])
def test_a_signal_keeps_every_finished_cell_and_resume_completes_the_grid(sig, group, misbehaving):
    proc, run_dir = _start_long_run(misbehaving, min_rows=3)
    (os.killpg if group else os.kill)(proc.pid, sig)
    _, stderr = _finish(proc)
    assert proc.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    stored = _db_count(run_dir / "results.db")  # the finished cells and the ensemble built from them
    assert 3 <= stored < N_CELLS and len(rows(run_dir)) == stored  # every one exported, none made up
    assert (run_dir / "index.html").stat().st_size > 1000
    assert not (run_dir / ".lock").exists()
    assert not list(run_dir.glob(".*.tmp"))  # every file was renamed into place
    assert_one_ok_row_per_cell(run_dir, run_cli("run", "--resume", run_dir, cwd=misbehaving, timeout=180))


def test_a_second_resume_of_one_folder_is_refused_and_the_first_completes(misbehaving):
    proc, run_dir = _start_long_run(misbehaving, min_rows=2)
    os.killpg(proc.pid, signal.SIGKILL)
    _finish(proc)
    first = _popen(misbehaving, "run", "--resume", run_dir)
    lock = run_dir / ".lock"  # left by the killed run: stale until the first resume takes it over

    def holder():
        try:
            return lock.read_text().strip()
        except OSError:
            return None

    deadline = time.time() + 60
    while holder() != str(first.pid) and time.time() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None and holder() == str(first.pid), "the first resume did not take the folder"
    second = run_cli("run", "--resume", run_dir, cwd=misbehaving, timeout=180)
    out, err = _finish(first, timeout=180)
    lines = error_lines(second.stderr)
    assert second.returncode == 2 and len(lines) == 1 and "in use by another dlbench run" in lines[0], second.stderr
    assert_one_ok_row_per_cell(run_dir, subprocess.CompletedProcess(first.args, first.returncode, out, err))


def test_a_full_disk_is_one_error_line_and_the_finished_cells_are_kept(tmp_path):
    """--out on a 100 kB file system, where the first cells fit and the rest do not: a one-line error at
    the end, and the finished cells still readable. (60 kB, the size this case once used, no longer
    holds one cell: the empty results.db alone takes 24 kB.)"""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("this machine cannot mount a small file system (needs root)")
    try:
        proc = run_cli("run", "wine", "--solvers", "majority,logreg", "--sizes", "30,60,full", "--seeds", "2",
                       "--trials", "1", "--out", mount / "out", cwd=tmp_path, timeout=240)
        dbs = sorted((mount / "out").glob("*/results.db"))
        stored = _db_count(dbs[0]) if dbs else 0
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)  # lazy: a worker may still hold a file
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 2), proc.stderr[-2000:]
    assert stored >= 1
    if proc.returncode == 2:
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("error: "), proc.stderr[-2000:]
