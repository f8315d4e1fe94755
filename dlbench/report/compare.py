"""``dlbench compare RUN_A RUN_B [RUN_C...] --out DIR``: one page and one CSV comparing finished runs.

Owns reading run folders (``results.db`` and ``run.json``, read only), checking that they can be
compared (at least two, each a run folder, none given twice), and writing ``DIR/index.html`` and
``DIR/compare.csv`` atomically. The numbers, tests and verdicts come from
``analysis.comparison``; this module only reads, lays out and writes. The page is
self-contained (inline CSS from ``templates/report.css``, no script, no external address) and
deterministic; every user-supplied name is escaped by Jinja's autoescape. It never imports the
engine, solvers or Keras, and writes nothing into the run folders it reads (opening a store of
an older version adds its missing columns, as every dlbench command does).
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

from dlbench.analysis.comparison import COLUMNS, compare_runs, csv_rows
from dlbench.core.errors import UsageError
from dlbench.core.folder import RunFolder
from dlbench.core.store import write_atomic, write_csv


def _ratio(v) -> str:
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return ""
    return f"×{v:.2f}" if v < 10 else f"×{v:,.0f}"


def _duration(seconds) -> str:
    """``42.0 s``, ``3 min 27 s``, ``1 h 05 min``."""
    if seconds is None or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _names(run_dirs: list[Path]) -> list[str]:
    """Each run's folder name, with as many parent folders as it takes to tell equal names apart."""
    depth = 1
    while True:
        names = ["/".join(d.resolve().parts[-depth:]) for d in run_dirs]
        if len(set(names)) == len(names) or depth >= max(len(d.resolve().parts) for d in run_dirs):
            return names
        depth += 1


def load_run(run_dir: str | Path, name: str | None = None) -> dict[str, Any]:
    """A run folder as ``compare_runs`` wants it: ``{"name", "rows", "predictions", "info"}``."""
    folder = RunFolder.existing(run_dir)
    info = folder.read_info()
    if not isinstance(info, dict):
        raise UsageError(f"{folder.info} is damaged (not a JSON object); compare needs each run's {folder.INFO}")
    with folder.store(must_exist=True) as store:
        rows, predictions = store.rows(), store.predictions(probabilities=False)
    return {"name": name or folder.path.resolve().name, "rows": rows, "predictions": predictions, "info": info}


def render(result: dict[str, Any]) -> str:
    """The comparison page for the result of ``compare_runs``."""
    from markupsafe import Markup

    from dlbench.report.html import _environment

    env = _environment()
    env.filters.update(ratio=_ratio, duration=_duration)
    css = resources.files("dlbench.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    runs = result["runs"]
    others = runs[1:]
    return env.get_template("compare.html").render(
        r=result, runs=runs, base=runs[0], others=others, css=Markup(css),
        differs=[e for e in result["config"] if e["differs"]], same=[e for e in result["config"] if not e["differs"]],
        full=csv_rows(result), only_base=sum(c["only_in"] == runs[0]["name"] for c in result["only"]),
    )


def write_comparison(run_dirs: list[Path], out: Path) -> Path:
    """Compare the runs in ``run_dirs`` (the first is the baseline); write ``out/index.html`` and
    ``out/compare.csv``; return the HTML path.

    Raises ``UsageError`` (one line) for fewer than two runs, a folder without ``results.db`` or
    ``run.json``, the same run given twice, or runs that share no task.
    """
    run_dirs = [Path(d) for d in run_dirs]
    if len(run_dirs) < 2:
        raise UsageError("compare needs at least two run folders: dlbench compare RUN_A RUN_B [RUN_C...] --out DIR")
    for run_dir in run_dirs:
        RunFolder.existing(run_dir)
    seen: dict[Path, Path] = {}
    for run_dir in run_dirs:
        key = run_dir.resolve()
        if key in seen:
            raise UsageError(f"{run_dir} is given twice (as {seen[key]} and {run_dir}): give each run once")
        seen[key] = run_dir
    runs = [load_run(d, name) for d, name in zip(run_dirs, _names(run_dirs))]
    result = compare_runs(runs)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out} ({exc.strerror or exc}): give --out a writable "
                         "folder") from None
    write_csv(csv_rows(result), out / "compare.csv", COLUMNS)
    return write_atomic(out / "index.html", render(result))
