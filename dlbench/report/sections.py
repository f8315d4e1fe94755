"""The sections of a task's part of the report: one template and one function each, in one list.

Owns :data:`SECTIONS`, the order they appear in, and each section's view: the figure it draws or
the extra names its template reads. The tables come shaped from ``analysis``
(``TaskFindings.card``, ``problem_groups``, ``audit_classes``, ``confusion.rows``): this module
computes nothing. A new section is one template in
``templates/sections/`` plus one :class:`Section` appended to :data:`SECTIONS`. It does not
compute findings (``analysis``) or lay out the page (``html``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from dlbench.analysis.task_findings import TaskFindings
from dlbench.report.series_figure import series_by_class
from dlbench.report import figures
from dlbench.report.model_sizes import model_sizes

CONFUSION_TABLE_LIMIT = 30  # classes; above it the report lists the largest confusions instead


@dataclass
class TaskPage:
    """A task's findings where the page shows them: the :class:`~dlbench.analysis.records.TaskFindings`
    (read through, as ``s.best``), its anchor, its stored cells, its exported models and, once
    rendered, its section blocks."""

    findings: TaskFindings
    anchor: str
    cells: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    blocks: list = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        if name == "findings":  # not set yet (copying): no findings to read through
            raise AttributeError(name)
        return getattr(self.findings, name)


@dataclass
class Section:
    """``template``: a file name in ``templates/sections/`` or an absolute path. ``build(s)`` gets the
    task's :class:`TaskPage` (``s`` in the template) and returns the template's extra names, or
    ``None`` to leave the section out for this task."""

    name: str
    template: str
    build: Callable[[TaskPage], dict[str, Any] | None] = lambda s: {}
    title: str = ""  # the section's heading (none for the headline)
    folded: bool = False  # shown closed (``<details>``): the first screen keeps the answer


def _figure(make: Callable[[TaskPage], str | None]) -> Callable[[TaskPage], dict[str, Any]]:
    """A section view holding one figure; a figure that fails is left out with its error, so one bad
    figure never costs the run its report."""
    from markupsafe import Markup

    def build(found: TaskPage) -> dict[str, Any]:
        try:
            svg = make(found)
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the log
            logging.getLogger("dlbench").warning("report: could not draw the %s figure of %s: %s", make.__name__,
                                                 found.task, exc)
            return {"figure": None, "figure_error": f"{type(exc).__name__}: {exc}"}
        return {"figure": Markup(svg) if svg else None, "figure_error": None}

    return build


def _scaling(found: TaskPage) -> dict[str, Any]:
    from dlbench.analysis.extrapolation import MAX_HORIZON, MIN_SIZES

    return {**_figure(figures.scaling_laws)(found), "max_horizon": MAX_HORIZON, "min_sizes": MIN_SIZES,
            "scaling_rows": found.scaling_rows}


def _headline(found: TaskPage) -> dict[str, Any]:
    """The answer card (``TaskFindings.card``), with a link to each exported model."""
    exported = {m["solver"]: m["path"] for m in found.models if m.get("saved")}
    return {"card": found.card, "exported": exported, "any_model": bool(exported), "gain": found.ensemble_gain,
            "cheapest": found.cheapest_tied}


def _confusion(found: TaskPage) -> dict[str, Any]:
    conf = found.confusion
    return {"cm": conf, "as_table": conf is not None and len(conf.classes) <= CONFUSION_TABLE_LIMIT}


SECTIONS: list[Section] = [
    Section("headline", "headline.html", _headline),
    Section("curves", "curves.html", _figure(figures.learning_curves), "Learning curves"),
    Section("problems", "problems.html", lambda s: {"problem_groups": s.problem_groups} if s.problem_groups else None,
            "Cells that did not finish"),
    Section("leaderboard", "leaderboard.html", lambda s: {"pareto": set(s.pareto.front) if s.pareto else set()},
            "Leaderboard at the largest size", folded=True),
    Section("models", "models.html", lambda s: {"models": s.models} if s.models else None,
            "Exported models", folded=True),
    Section("tests", "tests.html", title="Paired tests", folded=True),
    Section("crossovers", "crossovers.html", title="Crossovers", folded=True),
    Section("scaling", "scaling.html", _scaling, "Scaling laws", folded=True),
    Section("model-sizes", "model_sizes.html",
            lambda s: _figure(model_sizes)(s) if s.capacity else None, "Model size"),
    Section("compute", "compute.html", _figure(figures.compute_tradeoffs), "Accuracy against compute", folded=True),
    Section("series", "series.html",
            lambda s: _figure(series_by_class)(s) if (s.audit or {}).get("series_examples") else None,
            "Training series by class"),
    Section("confusion", "confusion.html", _confusion, "Confusion matrix of the best solver", folded=True),
    Section("audit", "audit.html", lambda s: {"a": s.audit}, "Data audit", folded=True),
    Section("cells", "cells.html", title="All cells", folded=True),
]
