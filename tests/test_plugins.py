"""Tasks from a separate package (entry point) and from a local ./tasks/ file: listed and run."""

from __future__ import annotations

import json
import os
import textwrap

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
    proc = cli("run", *args, "--solvers", "majority,logreg", "--sizes", "full", "--trials", "1", "--out", cwd / "out",
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
    assert {r["solver"] for r in rows} == {"majority", "logreg"} and rows[0]["task"] == "xor-plugin"


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


def test_local_task_file_keeps_listing_light(tmp_path):
    import subprocess
    import sys

    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "x.py").write_text(textwrap.dedent(PLUGIN_TASK.format(name="light")))
    code = ("import sys; from dlbench.core.registry import discover; discover();"
            "print(sorted(m for m in ('tensorflow','keras','xgboost','sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
