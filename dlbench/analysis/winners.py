"""Who wins a task and what it costs: the models a run chooses, exports and names in its answer.

Owns the winner and the best of each family at a size (by validation score, never test score;
ties go to the faster fit), the best single solver when the ensemble wins, the cheapest solver
tied with the best, and the ensemble's gain over the best single solver with its cost ratio.
The report's answer and the exported models both read these, so they never disagree. It makes
no test itself: verdicts come in decided (``findings``).
"""

from __future__ import annotations

from typing import Any

from dlbench.analysis import tables
from dlbench.analysis.records import BoardRow, Cheapest, EnsembleGain, finite
from dlbench.analysis.tables import FAMILY_ORDER
from dlbench.core.solver import ENSEMBLE

FAMILIES = tuple(FAMILY_ORDER)


def chosen_models(cells, task: str) -> dict[str, str]:
    """Role -> solver at the task's largest size: ``winner`` and ``best-<family>``, by validation score.

    The report's winner and the models a run exports are these, so the two never disagree.
    """
    sizes = tables.sizes_of(cells, task)
    if not sizes:
        return {}
    bests = family_bests(cells, task, sizes[-1], tables.solver_families(cells, task))
    val = tables.selection_scores(cells, task, sizes[-1])
    winner = tables.pick_best(sorted(val), val, tables.fit_times(cells, task, sizes[-1]))
    return {**({"winner": winner} if winner else {}), **{f"best-{f}": b["solver"] for f, b in bests.items()}}


def family_bests(cells, task: str, size: int, families: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per family, the solver with the best validation score at ``size``, with its test score."""
    val = tables.selection_scores(cells, task, size)
    test = tables.test_scores(cells, task, size)
    times = tables.fit_times(cells, task, size)
    out = {}
    for family in FAMILIES:
        members = [s for s, f in families.items() if f == family]
        best = tables.pick_best(members, val, times)
        if best is not None:
            out[family] = {"solver": best, "val": val.get(best), "test": test.get(best)}
    return out


def best_single(cells, task: str, best: str | None, size: int | None, families) -> str | None:
    """The winner, or when the winner is the ensemble the best single solver by validation score."""
    if best is None or families.get(best) != ENSEMBLE:
        return best
    val = tables.selection_scores(cells, task, size)
    return tables.pick_best(sorted(s for s in val if families.get(s) != ENSEMBLE), val,
                            tables.fit_times(cells, task, size))


def cheapest_tied(solvers: list[str], board: list[BoardRow]) -> Cheapest | None:
    """Of the best and the solvers tied with it (the ensemble aside), the one cheapest to fit and use."""
    rows = [r for r in board if r.solver in solvers and r.family != ENSEMBLE and r.cost is not None]
    if not rows:
        return None
    row = min(rows, key=lambda r: (r.cost, r.solver))
    return Cheapest(solver=row.solver, family=row.family, cost=row.cost, fit_seconds=row.fit_seconds,
                    predict_seconds_per_1k=row.predict_seconds_per_1k, accuracy=row.accuracy)


def ensemble_gain(single: str | None, c: dict[str, Any] | None, board: list[BoardRow]) -> EnsembleGain | None:
    """The ensemble against the best single solver at the largest size (``c``: their decided comparison):
    gain with its interval, verdict, and ratios of its cost (fit + prediction time) and of its fit time."""
    if single is None or c is None:
        return None
    costs = {r.solver: r.cost for r in board}
    fits = {r.solver: finite(r.fit_seconds) for r in board}
    ratio = costs[ENSEMBLE] / costs[single] if costs.get(ENSEMBLE) and costs.get(single) else None
    fit_ratio = fits[ENSEMBLE] / fits[single] if fits.get(ENSEMBLE) and fits.get(single) else None
    return EnsembleGain(single=single, diff=c["diff"], low=c["low"], high=c["high"], verdict=c["verdict"],
                        kind=c.get("kind"), cost_ratio=ratio, fit_ratio=fit_ratio)
