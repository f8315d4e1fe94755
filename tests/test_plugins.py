"""Tasks from a separate package (entry point) and from a local ./tasks/ file: listed and run."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path

PLUGIN_TASK = '''
from dlbench import Dataset, Task


class Xor(Task):
    name = "{name}"
    modality = "tabular"
    description = "XOR of two noisy coordinates."
    source = "generated"
    license = "CC0"
    n_examples = 400
    n_classes = 2

    def load(self):
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(0)
        X = rng.uniform(-1, 1, size=(400, 2))
        y = np.where((X[:, 0] > 0) ^ (X[:, 1] > 0), "odd", "even")
        frame = pd.DataFrame(X, columns=["a", "b"])
        return Dataset(frame[:300], y[:300], frame[300:], y[300:], "tabular")
'''


def install_fake_distribution(root, name="xorplugin", task_name="xor-plugin", value=None):
    """A package plus its ``.dist-info`` with an entry point, importable through PYTHONPATH."""
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text(PLUGIN_TASK.format(name=task_name))
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[dlbench.tasks]\n{task_name} = {value or name + ':Xor'}\n")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}


def rows_of(cli, *args, cwd, env=None):
    proc = cli("run", *args, "--solvers", "majority,logreg", "--sizes", "full", "--seeds", "1", "--trials", "1", "--out", cwd / "out",
               cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stderr
    run_dir = next(l.split(": ", 1)[1] for l in proc.stdout.splitlines() if l.startswith("run folder: "))
    with open(os.path.join(run_dir, "results.csv"), encoding="utf-8") as fh:
        import csv

        return list(csv.DictReader(fh))


def test_entry_point_plugin_is_listed_and_runs(tmp_path, cli):
    env = install_fake_distribution(tmp_path / "site", task_name="xor-plugin")
    listed = json.loads(cli("list", "--json", cwd=tmp_path, env=env).stdout)
    plugin = next(t for t in listed if t["name"] == "xor-plugin")
    assert "xorplugin" in plugin["plugin"] and plugin["modality"] == "tabular"
    rows = rows_of(cli, "xor-plugin", cwd=tmp_path, env=env)
    assert {r["solver"] for r in rows} == {"majority", "logreg", "ensemble"} and rows[0]["task"] == "xor-plugin"


def test_local_task_file_is_listed_and_runs(tmp_path, cli):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "my_xor.py").write_text(PLUGIN_TASK.format(name="my-xor"))
    listed = json.loads(cli("list", "--json", cwd=tmp_path).stdout)
    assert any(t["name"] == "my-xor" and "my_xor.py" in t["plugin"] for t in listed)
    rows = rows_of(cli, "my-xor", cwd=tmp_path)
    assert all(r["status"] == "ok" for r in rows)


def test_tasks_dir_option_and_environment_variable(tmp_path, cli):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "xor.py").write_text(PLUGIN_TASK.format(name="far-xor"))
    by_option = json.loads(cli("--tasks-dir", folder, "list", "--json", cwd=tmp_path).stdout)
    by_env = json.loads(cli("list", "--json", cwd=tmp_path, env={"DLBENCH_TASKS_DIR": str(folder)}).stdout)
    assert "far-xor" in {t["name"] for t in by_option} and "far-xor" in {t["name"] for t in by_env}


def test_broken_plugin_is_reported_and_others_still_work(tmp_path, cli):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "broken.py").write_text("import not_a_real_module_xyz\n")
    env = install_fake_distribution(tmp_path / "site", value="xorplugin:Missing")
    proc = cli("list", "--json", cwd=tmp_path, env=env)
    assert proc.returncode == 0
    names = {t["name"] for t in json.loads(proc.stdout)}
    assert "digits" in names and "xor-plugin" not in names
    assert "broken" in proc.stderr and "not_a_real_module_xyz" in proc.stderr
    assert "xor-plugin" in proc.stderr and "Missing" in proc.stderr
    run = cli("run", "xor-plugin", cwd=tmp_path, env=env)
    assert run.returncode == 2 and "failed to load" in run.stderr and "Traceback" not in run.stderr


def test_two_tasks_with_one_name_is_an_error_naming_both(tmp_path, cli):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "clash.py").write_text(PLUGIN_TASK.format(name="wine"))
    proc = cli("list", cwd=tmp_path)
    assert proc.returncode == 2
    message = proc.stderr.strip()
    assert "'wine'" in message and "clash.py" in message and "dlbench_tasks.sklearn_sets:Wine" in message


def test_source_checkout_tasks_folder_is_not_registered_twice(cli):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = cli("list", "--json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert len({t["name"] for t in json.loads(proc.stdout)}) == len(json.loads(proc.stdout))


def test_another_checkout_of_dlbench_is_not_registered_twice_either(tmp_path, cli):
    """dlbench installed from one place (a wheel, another clone), run inside a clone: its tasks/ is a
    copy of the built-in tasks, not the user's own task files."""
    repo = Path(__file__).resolve().parents[1]
    clone = tmp_path / "clone"
    shutil.copytree(repo / "tasks", clone / "tasks", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copytree(repo / "dlbench", clone / "dlbench", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo / "pyproject.toml", clone / "pyproject.toml")
    proc = cli("list", "--json", cwd=clone)
    assert proc.returncode == 0, proc.stderr
    names = [t["name"] for t in json.loads(proc.stdout)]
    assert "mnist-5k" in names and len(set(names)) == len(names)
    (clone / "pyproject.toml").unlink()  # not a dlbench checkout: a folder of task files like any other
    proc = cli("list", cwd=clone)
    assert proc.returncode == 2 and "two tasks are named" in proc.stderr


def test_local_task_file_keeps_listing_light(tmp_path):
    import subprocess
    import sys

    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "x.py").write_text(textwrap.dedent(PLUGIN_TASK.format(name="light")))
    code = ("import sys; from dlbench.core.registry import discover; discover();"
            "print(sorted(m for m in ('tensorflow','keras','xgboost','sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


BROKEN_FILES = {
    "raises": "raise RuntimeError('boom\\nat import')\n",
    "exits": "import sys\nsys.exit(3)\n",
    "syntax": "def broken(:\n",
    "base_exc": "class Weird(BaseException):\n    pass\n\nraise Weird('odd')\n",
    "prints": "print('noise on stdout')\nraise ValueError('and then fails')\n",
}


def test_plugin_files_that_blow_up_at_import_are_kept_as_broken(tmp_path, capsys):
    from dlbench.core.registry import discover

    folder = tmp_path / "tasks"
    folder.mkdir()
    for name, code in BROKEN_FILES.items():
        (folder / f"{name}.py").write_text(code)
    (folder / "good_xor.py").write_text(PLUGIN_TASK.format(name="good-xor"))
    registry = discover(folder)
    broken = {p.name: p.error for p in registry.broken}
    assert set(broken) == set(BROKEN_FILES) and "good-xor" in registry.tasks
    assert "boom at import" in broken["raises"] and "\n" not in broken["raises"]
    assert "sys.exit(3)" in broken["exits"] and broken["syntax"].startswith("SyntaxError")
    assert broken["base_exc"].startswith("Weird") and "and then fails" in broken["prints"]
    assert "noise on stdout" not in capsys.readouterr().out  # `list --json` stays parseable


def test_ctrl_c_while_importing_a_plugin_is_not_swallowed(tmp_path):
    import pytest

    from dlbench.core.registry import discover

    (tmp_path / "ctrl_c.py").write_text("raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        discover(tmp_path)


def test_registry_get_names_the_broken_plugin_or_warns_once_about_it(tmp_path, caplog):
    import logging

    import pytest

    from dlbench import UsageError
    from dlbench.core import registry as reg

    (tmp_path / "my_xor.py").write_text("raise ImportError('no numpy here')\n")
    (tmp_path / "fine.py").write_text(PLUGIN_TASK.format(name="fine-xor"))
    registry = reg.discover(tmp_path)
    with pytest.raises(UsageError) as info:
        registry.get("task", "my-xor")  # the file's name, up to - and _
    assert "my_xor.py" in str(info.value) and "no numpy here" in str(info.value)
    with pytest.raises(UsageError) as info:
        registry.get("solver", "unheard-of")
    assert "unknown solver" in str(info.value) and "my_xor.py" in str(info.value)
    reg._warned.clear()
    with caplog.at_level(logging.WARNING, logger="dlbench"):
        assert registry.get("task", "fine-xor").name == "fine-xor"
        registry.get("task", "fine-xor")
    warnings = [r.getMessage() for r in caplog.records if "my_xor" in r.getMessage()]
    assert len(warnings) == 1 and "no numpy here" in warnings[0]


def test_run_goes_on_past_broken_plugins_and_stops_when_one_is_asked_for(tmp_path, cli):
    (tmp_path / "tasks").mkdir()
    for name in ("raises", "exits", "syntax"):
        (tmp_path / "tasks" / f"{name}.py").write_text(BROKEN_FILES[name])
    (tmp_path / "tasks" / "my_xor.py").write_text(PLUGIN_TASK.format(name="my-xor"))
    rows = rows_of(cli, "my-xor", cwd=tmp_path)
    assert {r["solver"] for r in rows} == {"majority", "logreg", "ensemble"}
    proc = cli("run", "exits", "--solvers", "majority", cwd=tmp_path)
    lines = [l for l in proc.stderr.splitlines() if l.strip() and not l.startswith("warning:")]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:")
    assert "exits.py" in lines[0] and "sys.exit(3)" in lines[0]


LOAD_FAILS = '''
from dlbench import Task


class Fails(Task):
    name = "fails"
    modality = "tabular"

    def load(self):
        return {what}
'''


def test_a_task_whose_load_fails_is_one_usage_error_line():
    import pytest

    from dlbench import Task, UsageError

    class Fails(Task):
        name = "fails"

        def load(self):
            raise ZeroDivisionError("division by zero in the loader")

    class Exits(Task):
        name = "exits"

        def load(self):
            raise SystemExit(1)

    class Returns(Task):
        name = "returns"

        def load(self):
            return [1, 2, 3]

    with pytest.raises(UsageError, match="task 'fails' failed to load its data.*ZeroDivisionError: division"):
        Fails().load()
    with pytest.raises(UsageError, match="task 'exits' failed to load its data.*SystemExit"):
        Exits().load()
    with pytest.raises(UsageError, match="returned list, not a dlbench.Dataset"):
        Returns().load()

    class Picky(Task):
        name = "picky"

        def __init__(self, level: int = 1):
            if level > 3:
                raise ValueError("level must be at most 3")
            self.level = level

    assert Picky(2).level == 2
    with pytest.raises(UsageError, match="task 'picky' cannot be created.*level must be at most 3"):
        Picky(5)
    with pytest.raises(TypeError):  # bad options: the caller names the task's parameters
        Picky(colour=1)
    import inspect

    assert list(inspect.signature(Picky).parameters) == ["level"]

    class Interrupted(Task):
        name = "interrupted"

        def load(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Interrupted().load()


def test_run_of_a_task_whose_load_raises_exits_2_with_one_line(tmp_path, cli):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "fails.py").write_text(LOAD_FAILS.format(what="1 / 0"))
    proc = cli("run", "fails", "--solvers", "majority", "--seeds", "1", "--trials", "1", "--out", tmp_path / "out", cwd=tmp_path)
    lines = [l for l in proc.stderr.splitlines() if l.strip() and not l.startswith("warning:")]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "task 'fails' failed to load its data" in lines[0] and "Traceback" not in proc.stderr
