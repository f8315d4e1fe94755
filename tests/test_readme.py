"""The README's plugin examples work as written: a task file and a solver dropped into ./tasks/."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_task_and_solver_examples_run(tmp_path, cli):
    task_code = next(b for b in python_blocks() if "class Xor(Task)" in b)
    solver_code = next(b for b in python_blocks() if "class NearestCentroid(Solver)" in b)
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "xor.py").write_text(task_code)
    (tmp_path / "tasks" / "centroid.py").write_text(solver_code)
    tasks = json.loads(cli("list", "--json", cwd=tmp_path).stdout)
    solvers = json.loads(cli("list", "solvers", "--json", cwd=tmp_path).stdout)
    assert any(t["name"] == "xor" for t in tasks)
    assert any(s["name"] == "nearest-centroid" and s["family"] == "shallow" for s in solvers)
    proc = cli("run", "xor:n=400", "--solvers", "majority,nearest-centroid", "--sizes", "full", "--seeds", "1", "--trials", "3",
               "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = next(l.split(": ", 1)[1] for l in proc.stdout.splitlines() if l.startswith("run folder: "))
    with open(Path(run_dir) / "results.csv", encoding="utf-8") as fh:
        rows = {r["solver"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"majority", "nearest-centroid", "ensemble"}
    assert all(r["status"] == "ok" and r["train_size"] == "300" for r in rows.values())


def test_readme_quick_start_matches_ci():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    command = 'pip install -e ".[test]" && pytest'
    assert command in README and command in ci
    assert "pip install -e . && dlbench run digits" in README
