"""The run report: ``index.html`` (self-contained) and ``results.csv`` from the results store.

Owns turning stored rows and ``run.json`` into files a person reads. It reads results only:
it never imports solvers, tasks or Keras. Data, template and styles are kept apart.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from dlbench.results import ResultsStore, write_csv

FAMILY_ORDER = {"rule": 0, "shallow": 1, "deep": 2}


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("dlbench", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = lambda v, digits=3: "" if v is None else f"{v:.{digits}f}"
    env.filters["int"] = lambda v: "" if v is None else f"{int(v):,}"
    return env


def _sorted_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows,
        key=lambda r: (r["task"], FAMILY_ORDER.get(r["family"], 9), -(r.get("accuracy") or -1), r["solver"]),
    )


def best_rows(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The highest-accuracy ``ok`` row of each task."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["status"] == "ok" and (row["task"] not in best or row["accuracy"] > best[row["task"]]["accuracy"]):
            best[row["task"]] = row
    return best


def write_report(run_dir: str | Path, rows: list[dict[str, Any]]) -> Path:
    run_dir = Path(run_dir)
    run_info_path = run_dir / "run.json"
    run_info = json.loads(run_info_path.read_text(encoding="utf-8")) if run_info_path.exists() else {}
    css = resources.files("dlbench").joinpath("templates/report.css").read_text(encoding="utf-8")
    html = _environment().get_template("report.html").render(
        run=run_info,
        rows=_sorted_rows(rows),
        tasks=sorted({r["task"] for r in rows}),
        best=best_rows(rows),
        css=css,
        environment_json=json.dumps(run_info.get("environment", {}), indent=2),
    )
    path = run_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def rebuild(run_dir: str | Path) -> Path:
    """Regenerate ``results.csv`` and ``index.html`` of a run from its database."""
    run_dir = Path(run_dir)
    with ResultsStore(run_dir / "results.db") as store:
        rows = store.rows()
    write_csv(rows, run_dir / "results.csv")
    return write_report(run_dir, rows)
