"""Tables computed from result rows: what the terminal summary and the report both show.

Owns aggregation over seeds (pandas): the leaderboard at the largest size, learning curves per
solver, and the honest choice of a best solver (by validation score, never by test score). It
reads rows, never solvers or models. The findings built on these tables live in ``summary``.
"""

from __future__ import annotations

from typing import Any

from dlbench.core import schema
from dlbench.core.solver import ENSEMBLE

FAMILY_ORDER = {"rule": 0, "shallow": 1, "deep": 2}
FAMILY_LABEL = {"rule": "rule-based", "shallow": "shallow ML", "deep": "deep learning", ENSEMBLE: "ensemble"}


def frame(rows):
    """Rows (dicts or a DataFrame) as a DataFrame with numeric columns as numbers.

    Missing columns are added (NaN or None), so partial or fabricated rows work everywhere.
    """
    import pandas as pd

    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    for col in ("task", "solver", "family", "status", "error"):
        if col not in df:
            df[col] = None
    for col in schema.NUMERIC:
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df else float("nan")
    return df


def ok_cells(cells):
    """Cells that finished with a test score."""
    return cells[(cells["status"] == "ok") & cells["accuracy"].notna()]


def leaderboard(cells, task: str, evidence=None):
    """One row per solver at the task's largest training size, ranked by validation score.

    The ranking uses the cross-fitted validation score measured inside the training data, never
    the test score: the maximum of many test scores is an optimistic estimate. Ties are broken
    by the shorter fit time, then by name. ``accuracy_low``/``accuracy_high`` bound the mean test
    accuracy with a 95% interval over test examples (and seeds, when there are several), from
    ``evidence`` (an :class:`~dlbench.analysis.evidence.Evidence`).
    """
    from dlbench.analysis.evidence import Evidence

    cells = frame(cells)
    evidence = evidence or Evidence(rows=cells.to_dict("records"))
    cells = cells[cells["task"] == task]
    largest = cells[cells["train_size"] == cells["train_size"].max()]
    board = largest.groupby(["solver", "family"], as_index=False).agg(
        train_size=("train_size", "max"),
        seeds=("seed", "nunique"),
        val_score=("val_score", "mean"),
        accuracy=("accuracy", "mean"),
        accuracy_std=("accuracy", "std"),
        macro_f1=("macro_f1", "mean"),
        default_accuracy=("default_accuracy", "mean"),
        fit_seconds=("fit_seconds", "mean"),
        tune_seconds=("tune_seconds", "mean"),
        trials=("trials", "mean"),
        predict_seconds_per_1k=("predict_seconds_per_1k", "mean"),
        peak_memory_mb=("peak_memory_mb", "mean"),
        n_params=("n_params", "mean"),
        model_bytes=("model_bytes", "mean"),
        flops=("flops", "mean"),
        untuned=("untuned", "max"),
        tuned_on=("tuned_on", "min"),
        status=("status", lambda s: ", ".join(sorted(set(map(str, s))))),
    )
    size = int(largest["train_size"].max()) if len(largest) else 0
    intervals = {solver: evidence.interval(task, solver, size)
                 for solver in largest[largest["status"] == "ok"]["solver"].unique()}
    board["ok_seeds"] = [intervals.get(s, {}).get("seeds", 0) for s in board["solver"]]
    board["accuracy_low"] = [intervals.get(s, {}).get("low") for s in board["solver"]]
    board["accuracy_high"] = [intervals.get(s, {}).get("high") for s in board["solver"]]
    board["tuning_gain"] = board["accuracy"] - board["default_accuracy"]
    board = board.sort_values(["val_score", "fit_seconds", "solver"], ascending=[False, True, True],
                              na_position="last")
    return board.reset_index(drop=True)


def sizes_of(cells, task: str) -> list[int]:
    """The task's training sizes that have at least one finished cell, ascending."""
    mine = ok_cells(cells[cells["task"] == task])
    return sorted(int(n) for n in mine["train_size"].unique())


def solver_families(cells, task: str) -> dict[str, str]:
    mine = cells[cells["task"] == task]
    return {str(s): str(f) for s, f in sorted(set(zip(mine["solver"], mine["family"])))}


def curves(cells, task: str, evidence=None) -> dict[str, Any]:
    """Learning curve of every solver of a task: per-size mean and its 95% band (from ``evidence``)."""
    from dlbench.analysis.evidence import Evidence
    from dlbench.analysis.scaling import Curve

    evidence = evidence or Evidence(rows=cells.to_dict("records"))
    mine = ok_cells(cells[cells["task"] == task])
    out = {}
    for solver in sorted(mine["solver"].unique()):
        rows = mine[mine["solver"] == solver].sort_values(["train_size", "seed"])
        curve = Curve(sizes=[], means=[])
        for size, group in rows.groupby("train_size", sort=True):
            ci = evidence.interval(task, solver, int(size))
            curve.sizes.append(int(size))
            curve.means.append(float(group["accuracy"].mean()))
            curve.lows.append(ci["low"])
            curve.highs.append(ci["high"])
            curve.by_seed[int(size)] = {int(s): float(a) for s, a in zip(group["seed"], group["accuracy"])}
        out[str(solver)] = curve
    return out


def selection_scores(cells, task: str, size: int) -> dict[str, float]:
    """Mean validation score per solver at one size (only solvers that finished and have one)."""
    mine = ok_cells(cells[(cells["task"] == task) & (cells["train_size"] == size)])
    mine = mine[mine["val_score"].notna()]
    return {str(s): float(v) for s, v in mine.groupby("solver")["val_score"].mean().items()}


def test_scores(cells, task: str, size: int) -> dict[str, float]:
    mine = ok_cells(cells[(cells["task"] == task) & (cells["train_size"] == size)])
    return {str(s): float(v) for s, v in mine.groupby("solver")["accuracy"].mean().items()}


def fit_times(cells, task: str, size: int) -> dict[str, float]:
    mine = ok_cells(cells[(cells["task"] == task) & (cells["train_size"] == size)])
    return {str(s): float(v) for s, v in mine.groupby("solver")["fit_seconds"].mean().fillna(0).items()}


def pick_best(candidates: list[str], val: dict[str, float], fit_seconds: dict[str, float]) -> str | None:
    """The candidate with the highest validation score (ties: shorter fit time, then name)."""
    scored = [s for s in candidates if s in val]
    if not scored:
        return None
    return min(scored, key=lambda s: (-val[s], fit_seconds.get(s, 0.0), s))


def problem_cells(cells, task: str):
    """Cells that did not finish (failed, timeout, skipped), in grid order."""
    mine = cells[(cells["task"] == task) & (cells["status"] != "ok")]
    return mine.sort_values(["train_size", "solver", "seed"])
