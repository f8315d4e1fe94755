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
