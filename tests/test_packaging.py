"""The wheel: built from the checkout as a release would be, it holds dlbench whole and nothing else.

CI and the README's quick start use an editable install, which finds every module in the
source tree whatever the package list says; only a built wheel shows what ``pip install .``
really installs. ``.ci/run`` also installs this wheel into a fresh venv and runs it.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _checkout_files() -> list[str]:
    """The files a clean checkout would have: tracked ones plus new ones git does not ignore."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the files of a clean checkout are unknown")
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[zipfile.ZipFile, list[str]]:
    source, dist = tmp_path_factory.mktemp("checkout"), tmp_path_factory.mktemp("dist")
    files = _checkout_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist),
                           str(source)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "WARNING" not in proc.stdout + proc.stderr, proc.stdout[-3000:]  # e.g. a folder left out of `packages`
    (built,) = dist.glob("dlbench-*.whl")
    return zipfile.ZipFile(built), files


def test_every_module_template_and_data_file_is_in_the_wheel(wheel):
    archive, files = wheel
    names = set(archive.namelist())
    modules = [f for f in files if f.startswith("dlbench/") and f.endswith(".py")]
    assert "dlbench/models/loaded.py" in modules and len(modules) > 50
    assert [m for m in modules if m not in names] == []
    assert [f"dlbench_tasks/{f[len('tasks/'):]}" for f in files if f.startswith("tasks/")
            and f"dlbench_tasks/{f[len('tasks/'):]}" not in names] == []  # task modules and the SMS data
    assert "dlbench_tasks/data/sms_spam/SMSSpamCollection.tsv.gz" in names
    templates = [f for f in files if f.startswith("dlbench/report/templates/")]
    assert len(templates) > 10 and set(templates) <= names


def test_the_wheel_holds_no_stray_top_level_package(wheel):
    archive, _ = wheel
    top = {name.split("/")[0] for name in archive.namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"dlbench", "dlbench_tasks"}
    assert not any(n.startswith(("tests/", "tasks/", "benchmarks/", "reports/")) for n in archive.namelist())


def test_the_metadata_and_entry_points_point_at_what_the_wheel_holds(wheel):
    archive, _ = wheel
    names = set(archive.namelist())
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
    assert metadata["License-Expression"] == "MIT" and f"{info}/licenses/LICENSE" in names
    points = configparser.ConfigParser(delimiters=("=",))
    points.optionxform = str
    points.read_string(archive.read(f"{info}/entry_points.txt").decode())
    assert points["console_scripts"]["dlbench"] == "dlbench.cli:main"
    targets = [*points["dlbench.tasks"].values(), *points["dlbench.solvers"].values()]
    assert len(targets) > 20
    for target in targets:
        module = target.split(":")[0].replace(".", "/")
        assert f"{module}.py" in names or f"{module}/__init__.py" in names, target
