"""The run report: ``index.html`` (self-contained) and ``summary.csv`` from the results store.

Owns turning stored rows and ``run.json`` into files a person reads: it asks ``analysis`` for the
findings, renders each task's ``sections`` in order inside ``templates/report.html`` and inlines
``templates/report.css``. It reads results only: it never imports the engine, solvers or Keras.
The page is deterministic (same database, same bytes): no clock, sorted iteration, fixed SVG ids.
Every user-supplied name is escaped by Jinja's autoescape; only SVG made by matplotlib (which
escapes its text) and the package's own CSS are inserted as markup.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlbench.analysis.records import clean_row
from dlbench.analysis.task_findings import Findings
from dlbench.core.folder import RunFolder
from dlbench.core.store import export, write_atomic, write_csv

if TYPE_CHECKING:  # sections draws figures: matplotlib is imported where a page is rendered
    from dlbench.report.sections import TaskPage


def _num(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    try:
        return f"{float(v):.{digits}f}"
    except (TypeError, ValueError):
        return ""


def _int(v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    try:
        return f"{int(round(float(v))):,}"
    except (TypeError, ValueError):
        return ""


def _signed(v, digits: int = 3) -> str:
    """``+0.012``; a value that rounds to zero has no sign (never ``-0.0``)."""
    if _num(v) == "":
        return ""
    text = f"{float(v):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _seconds(v) -> str:
    """``0.8 ms``, ``42 ms``, ``3.1 s``, ``2.5 min``."""
    if _num(v) == "":
        return ""
    v = float(v)
    if v < 1:
        return f"{v * 1000:.2g} ms" if v < 0.01 else f"{v * 1000:.0f} ms"
    return f"{v:.1f} s" if v < 120 else f"{v / 60:.1f} min"


def _bytes(v) -> str:
    """``512 B``, ``3.1 kB``, ``12.4 MB`` (powers of 1,000)."""
    if _num(v) == "":
        return ""
    v = float(v)
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if v >= size:
            return f"{v / size:.1f} {unit}"
    return f"{v:.0f} B"


def _times(v) -> str:
    """``107×``, ``5.1×``, ``0.42×``."""
    return "" if _num(v) == "" else f"{float(v):.3g}×" if float(v) < 10 else f"{float(v):,.0f}×"


def _pvalue(p) -> str:
    if p is None:
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    from dlbench.analysis.extrapolation import printable
    from dlbench.analysis.scaling import fmt_n
    from dlbench.analysis.sentences import short_error
    from dlbench.analysis.tables import FAMILY_LABEL
    from dlbench.report.figures import compact

    env = Environment(loader=PackageLoader("dlbench.report", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(seconds=_seconds, num=_num, int=_int, signed=_signed, p=_pvalue, n=fmt_n, bytes=_bytes,
                       score=printable, short_error=short_error, times=_times,
                       compact=lambda v: "" if _num(v) == "" else compact(float(v)), family=lambda f: FAMILY_LABEL.get(f, f or ""))
    return env


def _cells_by_task(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    from dlbench.analysis.tables import FAMILY_ORDER

    out: dict[str, list[dict[str, Any]]] = {}
    key = lambda r: (r.get("train_size") or 0, FAMILY_ORDER.get(r.get("family"), 9), str(r.get("solver")),  # noqa: E731
                     r.get("scale") or 1.0, r.get("seed") or 0)
    for r in sorted(rows, key=key):
        out.setdefault(str(r.get("task")), []).append(clean_row(r))
    return out


def _run_view(run_info: dict[str, Any]) -> dict[str, Any]:
    env = run_info.get("environment") or {}
    packages = env.get("packages") or {}
    machine = {k: v for k, v in env.items() if k != "packages"}
    config = run_info.get("config") or {}
    return {
        "config": [(k, json.dumps(v) if not isinstance(v, str) else v) for k, v in config.items()],
        "packages": sorted((str(k), "" if v is None else str(v)) for k, v in packages.items()),
        "machine": [(k, "" if v is None else str(v)) for k, v in machine.items()],
        "sizes": run_info.get("sizes") or {},
        "results_db_bytes": run_info.get("results_db_bytes"),
    }


def _blocks(env, found: TaskPage, page: dict[str, Any]) -> list:
    """The task's sections, rendered in the order of :data:`~dlbench.report.sections.SECTIONS`."""
    from markupsafe import Markup, escape

    from dlbench.report.sections import SECTIONS

    out = []
    for section in SECTIONS:
        extra = section.build(found)
        if extra is None:
            continue
        path = Path(section.template)
        template = (env.from_string(path.read_text(encoding="utf-8")) if path.is_absolute()
                    else env.get_template(f"sections/{section.template}"))
        body = template.render(s=found, **page, **extra)
        title = escape(section.title)
        if section.folded:
            body = f'<details class="section" id="{found.anchor}-{section.name}"><summary>{title}</summary>\n{body}</details>'
        elif section.title:
            body = f"<h3>{title}</h3>\n{body}"
        out.append(Markup(body))
    return out


def render(rows: list[dict[str, Any]], run_info: dict[str, Any],
           predictions: dict[tuple, dict[str, Any]] | None = None,
           models: list[dict[str, Any]] | None = None) -> tuple[str, list[dict[str, Any]], Findings]:
    """The page, the ``summary.csv`` rows and the findings for ``rows`` (cells), ``run_info``
    (run.json), the cells' stored ``predictions`` and the exported ``models`` (``models/index.json``)."""
    from markupsafe import Markup

    from dlbench.analysis import findings, summary
    from dlbench.report import figures
    from dlbench.report.sections import TaskPage

    found = findings.analyse(rows, run_info, predictions)
    by_task = _cells_by_task(rows)
    env = _environment()
    page = {"run": run_info}
    tasks = []
    for i, t in enumerate(found.tasks):
        task = TaskPage(t, anchor=f"task-{i + 1}", cells=by_task.get(t.task, []),
                        models=[m for m in models or [] if m.get("task") == t.task])
        task.blocks = _blocks(env, task, page)
        tasks.append(task)
    across = found.across
    cd_svg = figures.cd_diagram(across) if across and across.rejects else None
    css = resources.files("dlbench.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    html = env.get_template("report.html").render(
        sections=tasks, across=across, cd_svg=Markup(cd_svg) if cd_svg else None,
        css=Markup(css), run_view=_run_view(run_info), devices=found.devices, **page,
    )
    return html, summary.summary_rows(found), found


def write_report(run_dir: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``index.html`` and ``summary.csv`` into ``run_dir``; returns the HTML path."""
    return report_and_findings(run_dir, rows)[0]


def report_and_findings(run_dir: str | Path, rows: list[dict[str, Any]]) -> tuple[Path, Findings]:
    """:func:`write_report`, also returning the findings it computed (the terminal shows them too)."""
    from dlbench.analysis.summary import SUMMARY_COLUMNS

    folder = RunFolder(run_dir)
    run_info = folder.read_info()
    predictions = {}
    if folder.db.exists():
        with folder.store() as store:
            predictions = store.predictions(probabilities=False)  # the page reads class codes only
            run_info = {**run_info, "results_db_bytes": store.size_bytes}  # as the folder is now
    html, summary_rows, found = render(rows, run_info, predictions, folder.exported_models())
    write_csv(summary_rows, folder.summary_csv, SUMMARY_COLUMNS)
    return write_atomic(folder.report, html), found


def rebuild(run_dir: str | Path) -> Path:
    """Regenerate the CSV files and ``index.html`` of a run from its database."""
    folder = RunFolder(run_dir)
    with folder.store(must_exist=True) as store:
        rows = export(store, folder.path)
    return write_report(folder.path, rows)


def answer_card(found: Findings, run_info: dict[str, Any], models: list[dict[str, Any]], base: str) -> str:
    """Every task's answer card (the report's first section) as a small page of its own, its links
    relative to ``base`` (the run folder's URL): what a notebook shows for a run."""
    from markupsafe import escape

    from dlbench.report.sections import SECTIONS, TaskPage

    env, headline = _environment(), next(s for s in SECTIONS if s.name == "headline")
    parts = []
    for t in found.tasks:
        task = TaskPage(t, anchor="card", cells=[], models=[m for m in models if m.get("task") == t.task])
        parts.append(f"<h2>{escape(t.task)}</h2>" + env.get_template(f"sections/{headline.template}").render(
            s=task, run=run_info, **(headline.build(task) or {})))
    css = resources.files("dlbench.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    return (f'<!doctype html><html><head><meta charset="utf-8"><base href="{escape(base)}"><style>{css}</style>'
            f'</head><body><main>{"".join(parts)}</main></body></html>')
