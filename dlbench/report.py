"""The run report: ``index.html`` (self-contained) and ``summary.csv`` from the results store.

Owns turning stored rows and ``run.json`` into files a person reads: it asks ``summary`` for the
findings, ``figures`` for inline SVG, and renders ``templates/report.html`` with the styles of
``templates/report.css`` inlined. It reads results only: it never imports solvers, tasks or Keras.
The page is deterministic (same database, same bytes): no clock, sorted iteration, fixed SVG ids.
Every user-supplied name is escaped by Jinja's autoescape; only SVG made by matplotlib (which
escapes its text) and the package's own CSS are inserted as markup.
"""

from __future__ import annotations

import json
import logging
import math
from importlib import resources
from pathlib import Path
from typing import Any

from dlbench.results import ResultsStore, export, write_csv

CONFUSION_TABLE_LIMIT = 30  # classes; above it the report lists the largest confusions instead


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
    return "" if _num(v) == "" else f"{float(v):+.{digits}f}"


def _bytes(v) -> str:
    """``512 B``, ``3.1 kB``, ``12.4 MB`` (powers of 1,000)."""
    if _num(v) == "":
        return ""
    v = float(v)
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if v >= size:
            return f"{v / size:.1f} {unit}"
    return f"{v:.0f} B"


def _pvalue(p) -> str:
    if p is None:
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    from dlbench.scaling import fmt_n
    from dlbench.tables import FAMILY_LABEL

    env = Environment(loader=PackageLoader("dlbench", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=_num, int=_int, signed=_signed, p=_pvalue, n=fmt_n, bytes=_bytes,
                       family=lambda f: FAMILY_LABEL.get(f, f or ""))
    return env


# -- view models: findings shaped for the template (numbers stay numbers, names stay text) --------

def _confusion_view(conf: dict[str, Any] | None) -> dict[str, Any] | None:
    if conf is None:
        return None
    rows = []
    for label, counts in zip(conf["classes"], conf["matrix"]):
        total = sum(counts)
        cells = [{"value": v, "alpha": f"{(v / total if total else 0):.2f}", "diag": i == len(rows)}
                 for i, v in enumerate(counts)]
        rows.append({"label": label, "cells": cells, "total": total,
                     "recall": counts[len(rows)] / total if total else None})
    confusions = sorted(((v, conf["classes"][i], conf["classes"][j]) for i, r in enumerate(conf["matrix"])
                         for j, v in enumerate(r) if i != j and v), key=lambda t: (-t[0], t[1], t[2]))
    return {**conf, "rows": rows, "as_table": len(conf["classes"]) <= CONFUSION_TABLE_LIMIT,
            "top": [{"count": v, "true": a, "predicted": b} for v, a, b in confusions[:20]]}


def _audit_view(audit: dict[str, Any] | None) -> dict[str, Any] | None:
    if not audit:
        return None
    train, test = audit.get("train_counts") or {}, audit.get("test_counts") or {}
    n_train, n_test = sum(train.values()) or 1, sum(test.values()) or 1
    classes = sorted(set(train) | set(test))
    return {**audit, "classes": [{"name": c, "train": train.get(c, 0), "train_share": train.get(c, 0) / n_train,
                                  "test": test.get(c, 0), "test_share": test.get(c, 0) / n_test} for c in classes]}


def _figures(found: dict[str, Any]) -> dict[str, Any]:
    """The task's figures as markup (matplotlib escaped the text); a figure that fails is left out
    with its error, so one bad figure never costs the run its report."""
    from markupsafe import Markup

    from dlbench import figures

    makers = {"curves": figures.learning_curves, "scaling": figures.scaling_laws,
              "compute": figures.compute_tradeoffs}
    made, errors = {}, {}
    for name, make in makers.items():
        try:
            svg = make(found)
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the log
            logging.getLogger("dlbench").warning("report: could not draw the %s figure of %s: %s", name,
                                                 found["task"], exc)
            svg, errors[name] = None, f"{type(exc).__name__}: {exc}"
        made[name] = Markup(svg) if svg else None
    made["errors"] = errors
    return made


def _section(index: int, found: dict[str, Any], rows_of_task: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **found,
        "anchor": f"task-{index + 1}",
        "figures": _figures(found),
        "scaling_rows": [found["scaling"][s] for s in _family_sorted(found["curves"], found["families"])],
        "confusion_view": _confusion_view(found["confusion"]),
        "audit_view": _audit_view(found["audit"]),
        "cells": rows_of_task,
        "pareto_any": {s for front in found["pareto"]["fronts"].values() for s in front},
    }


def _family_sorted(solvers, families) -> list[str]:
    from dlbench.tables import FAMILY_ORDER

    return sorted(solvers, key=lambda s: (FAMILY_ORDER.get(families.get(s), 9), s))


def _cells_by_task(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    from dlbench.tables import FAMILY_ORDER

    out: dict[str, list[dict[str, Any]]] = {}
    key = lambda r: (r.get("train_size") or 0, FAMILY_ORDER.get(r.get("family"), 9), str(r.get("solver")),  # noqa: E731
                     r.get("seed") or 0)
    for r in sorted(rows, key=key):
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
        out.setdefault(str(r.get("task")), []).append(clean)
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
    }


def render(rows: list[dict[str, Any]], run_info: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The page and the ``summary.csv`` rows for ``rows`` (cells) and ``run_info`` (run.json)."""
    from markupsafe import Markup

    from dlbench import figures, summary
    from dlbench.stats import MIN_WILCOXON_PAIRS

    findings = summary.analyse(rows, run_info)
    by_task = _cells_by_task(rows)
    sections = [_section(i, f, by_task.get(f["task"], [])) for i, f in enumerate(findings["tasks"])]
    across = findings["across"]
    cd_svg = figures.cd_diagram(across) if across else None
    css = resources.files("dlbench").joinpath("templates/report.css").read_text(encoding="utf-8")
    html = _environment().get_template("report.html").render(
        run=run_info, sections=sections, across=across, cd_svg=Markup(cd_svg) if cd_svg else None,
        css=Markup(css), run_view=_run_view(run_info), min_wilcoxon=MIN_WILCOXON_PAIRS,
    )
    return html, summary.summary_rows(findings)


def write_report(run_dir: str | Path, rows: list[dict[str, Any]]) -> Path:
    """Write ``index.html`` and ``summary.csv`` into ``run_dir``; returns the HTML path."""
    from dlbench.summary import SUMMARY_COLUMNS

    run_dir = Path(run_dir)
    run_info_path = run_dir / "run.json"
    run_info = json.loads(run_info_path.read_text(encoding="utf-8")) if run_info_path.exists() else {}
    html, summary_rows = render(rows, run_info)
    write_csv(summary_rows, run_dir / "summary.csv", SUMMARY_COLUMNS)
    path = run_dir / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def rebuild(run_dir: str | Path) -> Path:
    """Regenerate the CSV files and ``index.html`` of a run from its database."""
    run_dir = Path(run_dir)
    with ResultsStore(run_dir / "results.db") as store:
        rows = export(store, run_dir)
    return write_report(run_dir, rows)
