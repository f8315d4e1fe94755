"""Shared fixtures: every test writes its caches under a temporary home, never the user's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_homes(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("KERAS_HOME", "keras"), ("SCIKIT_LEARN_DATA", "sklearn"), ("MPLCONFIGDIR", "mpl"),
                     ("DLBENCH_DATA", "dlbench")):
        os.environ[var] = str(home / sub)
    os.environ.pop("DLBENCH_TASKS_DIR", None)
    os.environ.pop("DLBENCH_MIRROR", None)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["DLBENCH_OFFLINE"] = "1"  # tests never touch the network
    yield


def run_cli(*args, cwd=None, env=None, timeout=600):
    """Run ``python -m dlbench ARGS`` in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dlbench", *map(str, args)],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def dlbench_main(tmp_path):
    """``dlbench ARGS`` in this process, in ``tmp_path``: a :class:`faults.Proc` (exit code, output).

    Seconds cheaper than :func:`run_cli` per call; use ``run_cli`` where the case is about a real
    process (signals, kills, exit codes of the entry point itself).
    """
    from faults import call_main

    return lambda *args: call_main(args, cwd=tmp_path)


MISBEHAVING = '''
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
    description = "raises in fit"

    def misbehave(self):
        raise RuntimeError("this solver always fails")


class Exits(_Base):
    name = "exits"
    description = "calls sys.exit in fit"

    def misbehave(self):
        sys.exit(7)


class Sleeps(_Base):
    name = "sleeps"
    description = "sleeps far past any time limit"

    def misbehave(self):
        time.sleep(600)


class Dies(_Base):
    name = "dies"
    description = "kills its own process"

    def misbehave(self):
        os.kill(os.getpid(), signal.SIGKILL)


class Slow(_Base):
    name = "slow"
    description = "takes half a second"

    def misbehave(self):
        time.sleep(0.5)
'''


@pytest.fixture
def misbehaving(tmp_path):
    """``tmp_path`` with ``tasks/misbehaving.py``: solvers that raise, exit, sleep, die or are slow."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "misbehaving.py").write_text(MISBEHAVING)
    return tmp_path
