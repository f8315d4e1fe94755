"""The sections of a task's part of the report: one template and one function each, in one list.

Owns :data:`SECTIONS`, the order they appear in, and each section's view: the figure it draws or
the table it shapes from the task's findings. A new section is one template in
``templates/sections/`` plus one :class:`Section` appended to :data:`SECTIONS`. It does not
compute findings (``analysis``) or lay out the page (``html``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from dlbench.analysis.tables import FAMILY_ORDER
from dlbench.core.solver import ENSEMBLE
from dlbench.report import figures
from dlbench.report.model_sizes import model_sizes

CONFUSION_TABLE_LIMIT = 30  # classes; above it the report lists the largest confusions instead


@dataclass
class Section:
    """``template``: a file name in ``templates/sections/`` or an absolute path. ``build(s)`` gets the
    task's findings (``s`` in the template) and returns the template's extra names, or ``None``
    to leave the section out for this task."""

    name: str
    template: str
    build: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda s: {}
    title: str = ""  # the section's heading (none for the headline)
    folded: bool = False  # shown closed (``<details>``): the first screen keeps the answer


def _figure(make: Callable[[dict[str, Any]], str | None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A section view holding one figure; a figure that fails is left out with its error, so one bad
    figure never costs the run its report."""
    from markupsafe import Markup

    def build(found: dict[str, Any]) -> dict[str, Any]:
        try:
            svg = make(found)
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the log
            logging.getLogger("dlbench").warning("report: could not draw the %s figure of %s: %s", make.__name__,
                                                 found["task"], exc)
            return {"figure": None, "figure_error": f"{type(exc).__name__}: {exc}"}
        return {"figure": Markup(svg) if svg else None, "figure_error": None}

    return build


def _scaling(found: dict[str, Any]) -> dict[str, Any]:
    from dlbench.analysis.extrapolation import MAX_HORIZON, MIN_SIZES

    return {**_figure(figures.scaling_laws)(found), "max_horizon": MAX_HORIZON, "min_sizes": MIN_SIZES,
            "scaling_rows": [found["scaling"][s] for s in _family_sorted(found["scaling"], found["families"])]}


def _headline(found: dict[str, Any]) -> dict[str, Any]:
    """The answer card: the best single solver of each family (the best single one first), then the ensemble,
    each with interval, standing against the winner and cost; the ensemble's gain and the cheapest tied solver."""
    best = found["best"]
    if best is None:
        return {"card": []}
    board = {r["solver"]: r for r in found["board"] if r["train_size"] == found["largest"]}
    standing = {t["solver"]: t["standing"] for t in found["tests"]}
    single = found["best_single"]
    singles = [single] + [b for f, b in sorted(found["family_best"].items(), key=lambda kv: FAMILY_ORDER[kv[0]])
                          if b != single]
    ensembles = [s for s in sorted(board) if found["families"].get(s) == ENSEMBLE]
    exported = {m["solver"]: m["path"] for m in found.get("models") or [] if m.get("saved")}
    cheapest = (found["cheapest_tied"] or {}).get("solver")
    card = []
    for solver in [s for s in singles if s] + ensembles:
        r = board.get(solver, {})
        card.append({"solver": solver, "family": found["families"].get(solver), "winner": solver == best["solver"],
                     "best_single": solver == single and single != best["solver"], "cheapest": solver == cheapest,
                     "ensemble": solver in ensembles,
                     "test": r.get("accuracy"), "low": r.get("accuracy_low"), "high": r.get("accuracy_high"),
                     "verdict": standing.get(solver),
                     "fit_seconds": r.get("fit_seconds"), "latency": r.get("predict_seconds_per_1k"),
                     "n_params": r.get("n_params"), "model_bytes": r.get("model_bytes"),
                     "model": exported.get(solver), "untuned": (r.get("untuned") or 0) > 0})
    return {"card": card, "any_model": bool(exported), "gain": found["ensemble_gain"],
            "cheapest": found["cheapest_tied"]}


def _problems(found: dict[str, Any]) -> dict[str, Any] | None:
    """Cells that did not finish, one row per solver, status and reason (not one per cell)."""
    if not found["problems"]:
        return None
    groups: dict[tuple, dict[str, Any]] = {}
    for r in found["problems"]:
        key = (r.get("solver"), r.get("status"), r.get("error") or "")
        g = groups.setdefault(key, {"solver": key[0], "status": key[1], "error": key[2], "count": 0,
                                    "sizes": set(), "seeds": set()})
        g["count"] += 1
        g["sizes"].add(int(r["train_size"]))
        g["seeds"].add(int(r["seed"]))
    rows = [{**g, "sizes": [f"{n:,}" for n in sorted(g["sizes"])], "seeds": sorted(g["seeds"])}
            for g in groups.values()]
    return {"problem_groups": sorted(rows, key=lambda g: (g["status"] == "skipped", str(g["solver"])))}


def _leaderboard(found: dict[str, Any]) -> dict[str, Any]:
    return {"pareto": set(found["pareto"]["front"])}


def _confusion(found: dict[str, Any]) -> dict[str, Any]:
    conf = found["confusion"]
    if conf is None:
        return {"cm": None}
    rows = []
    for label, counts in zip(conf["classes"], conf["matrix"]):
        total = sum(counts)
        cells = [{"value": v, "alpha": f"{(v / total if total else 0):.2f}", "diag": i == len(rows)}
                 for i, v in enumerate(counts)]
        rows.append({"label": label, "cells": cells, "total": total,
                     "recall": counts[len(rows)] / total if total else None})
    confusions = sorted(((v, conf["classes"][i], conf["classes"][j]) for i, r in enumerate(conf["matrix"])
                         for j, v in enumerate(r) if i != j and v), key=lambda t: (-t[0], t[1], t[2]))
    return {"cm": {**conf, "rows": rows, "as_table": len(conf["classes"]) <= CONFUSION_TABLE_LIMIT,
            "top": [{"count": v, "true": a, "predicted": b} for v, a, b in confusions[:20]]}}


def _audit(found: dict[str, Any]) -> dict[str, Any]:
    audit = found["audit"]
    if not audit:
        return {"a": None}
    train, test = audit.get("train_counts") or {}, audit.get("test_counts") or {}
    n_train, n_test = sum(train.values()) or 1, sum(test.values()) or 1
    classes = sorted(set(train) | set(test))
    return {"a": {**audit, "classes": [{"name": c, "train": train.get(c, 0), "train_share": train.get(c, 0) / n_train,
                                  "test": test.get(c, 0), "test_share": test.get(c, 0) / n_test} for c in classes]}}


def _family_sorted(solvers, families) -> list[str]:
    return sorted(solvers, key=lambda s: (FAMILY_ORDER.get(families.get(s), 9), s))


SECTIONS: list[Section] = [
    Section("headline", "headline.html", _headline),
    Section("curves", "curves.html", _figure(figures.learning_curves), "Learning curves"),
    Section("problems", "problems.html", _problems, "Cells that did not finish"),
    Section("leaderboard", "leaderboard.html", _leaderboard, "Leaderboard at the largest size", folded=True),
    Section("models", "models.html", lambda s: {"models": s["models"]} if s.get("models") else None,
            "Exported models", folded=True),
    Section("tests", "tests.html", title="Paired tests", folded=True),
    Section("crossovers", "crossovers.html", title="Crossovers", folded=True),
    Section("scaling", "scaling.html", _scaling, "Scaling laws", folded=True),
    Section("model-sizes", "model_sizes.html",
            lambda s: _figure(model_sizes)(s) if s.get("capacity") else None, "Model size"),
    Section("compute", "compute.html", _figure(figures.compute_tradeoffs), "Accuracy against compute", folded=True),
    Section("series", "series.html",
            lambda s: _figure(figures.series_by_class)(s) if (s.get("audit") or {}).get("series_examples") else None,
            "Training series by class"),
    Section("confusion", "confusion.html", _confusion, "Confusion matrix of the best solver", folded=True),
    Section("audit", "audit.html", _audit, "Data audit", folded=True),
    Section("cells", "cells.html", title="All cells", folded=True),
]
