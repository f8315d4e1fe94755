"""The rows of ``summary.csv``: one per (task, solver), from a run's findings.

Owns the columns (:data:`SUMMARY_COLUMNS`) and how each finding becomes a cell: the learning
curve at its largest size, the extrapolation with its intervals, the examples needed, the cost
of a model (``BoardRow.cost``) and the ensemble's gain, and each crossover against the other families. It computes
no finding (``findings``) and writes no file (``report``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from dlbench.analysis.records import Crossover, Need
from dlbench.analysis.task_findings import Findings
from dlbench.analysis.tables import FAMILY_ORDER
from dlbench.core.solver import ENSEMBLE

FAMILIES = tuple(FAMILY_ORDER)

SUMMARY_COLUMNS = [
    "task", "solver", "family", "n_sizes", "n_min", "n_max", "seeds", "score_at_n_max", "score_low_at_n_max",
    "score_high_at_n_max", "val_score_at_n_max", "vs_best_at_n_max",
    "fit_form", "fit_params", "ill_behaved", "extrapolates", "extrapolation_note",
    "ceiling_score", "ceiling_low", "ceiling_high", "pred_score_10x", "pred_score_10x_low", "pred_score_10x_high",
    "target_score", "n_for_target", "n_for_target_low", "n_for_target_high", "n_for_target_source", "auc_log_n",
    "cheapest_tied_with_best", "cost_at_n_max", "gain_vs_best_single", "gain_low", "gain_high",
    "cost_ratio_vs_best_single",
    *[f"crossover_vs_{f}_{part}" for f in FAMILIES for part in ("kind", "n", "low", "high")],
]


def summary_rows(findings: Findings) -> list[dict[str, Any]]:
    """One row per (task, solver) for ``summary.csv`` (columns: :data:`SUMMARY_COLUMNS`)."""
    out = []
    for t in findings.tasks:
        cheapest, gain = t.cheapest_tied.solver if t.cheapest_tied else None, t.ensemble_gain
        board = {r.solver: r for r in t.board}
        for solver in sorted(t.curves, key=lambda s: (FAMILY_ORDER.get(t.families.get(s), 9), s)):
            curve = t.curves[solver]
            sc = t.scaling.get(solver)
            need = sc.need if sc else Need()
            fit = {k: getattr(sc, k) if sc else None for k in ("floor", "floor_low", "floor_high", "pred_10x",
                                                               "pred_10x_low", "pred_10x_high", "auc")}
            row = {
                "task": t.task, "solver": solver, "family": t.families.get(solver),
                "n_sizes": len(curve.sizes), "n_min": min(curve.sizes), "n_max": max(curve.sizes),
                "seeds": curve.seeds, "score_at_n_max": curve.means[-1], "score_low_at_n_max": curve.lows[-1],
                "score_high_at_n_max": curve.highs[-1],
                "vs_best_at_n_max": "best" if solver == t.winner else next(
                    (c.standing for c in t.tests if c.solver == solver), None),
                "val_score_at_n_max": next((r.val_score for r in t.board if r.solver == solver
                                            and r.train_size == max(curve.sizes)), None),
                "fit_form": sc.form if sc else None,
                "fit_params": json.dumps({k: _round(v) for k, v in sc.params.items()}) if sc and sc.params else None,
                "ill_behaved": sc.ill_behaved if sc else None, "extrapolates": sc.extrapolates if sc else False,
                "extrapolation_note": sc.check if sc else "measured at one size: no learning curve",
                "ceiling_score": fit["floor"], "ceiling_low": fit["floor_low"],
                "ceiling_high": fit["floor_high"], "pred_score_10x": fit["pred_10x"],
                "pred_score_10x_low": fit["pred_10x_low"], "pred_score_10x_high": fit["pred_10x_high"],
                "target_score": t.target, "n_for_target": need.n, "n_for_target_low": need.low,
                "n_for_target_high": need.high, "n_for_target_source": need.source,
                "auc_log_n": fit["auc"], "cheapest_tied_with_best": solver == cheapest,
                "cost_at_n_max": board[solver].cost if solver in board else None,
                **({"gain_vs_best_single": gain.diff if gain else None, "gain_low": gain.low if gain else None,
                    "gain_high": gain.high if gain else None,
                    "cost_ratio_vs_best_single": gain.cost_ratio if gain else None} if solver == ENSEMBLE else {}),
            }
            for family, result in t.solver_crossovers.get(solver, {}).items():
                row.update(_crossover_columns(family, result))
            out.append({k: _round(v) for k, v in row.items()})
    return out


def _round(v):
    """Floats to 6 significant digits (the CSV stays readable; no precision that is not there)."""
    return float(f"{v:.6g}") if isinstance(v, float) and math.isfinite(v) else v


def _crossover_columns(family: str, r: Crossover) -> dict[str, Any]:
    kind, n, low, high = r.kind, r.n, r.low, r.high
    ext = r.extrapolated
    if r.source is None and ext is not None and ext.n is not None and not math.isinf(ext.n):
        kind = "overtakes-fitted" if r.kind == "behind" else "overtaken-fitted"
        n, low, high = ext.n, ext.low, ext.high
    return {f"crossover_vs_{family}_kind": kind, f"crossover_vs_{family}_n": n,
            f"crossover_vs_{family}_low": low, f"crossover_vs_{family}_high": high}
