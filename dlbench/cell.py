"""One cell of the experiment: fit a solver on a training subset, score it once on the test set.

Owns timing (wall and CPU), the metrics and turning any exception into a ``failed`` row.
It does not choose cells, store rows or decide where the cell runs.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from dlbench.splits import take
from dlbench.task import Dataset


@dataclass(frozen=True)
class Cell:
    task: str
    solver: str
    train_size: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        return f"{self.task} · {self.solver} · n={self.train_size} · seed {self.seed}"


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return " ".join(text.split())[:500]


def scores(y_true, y_pred, classes) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=classes, zero_division=0)),
        "confusion": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }


def run_cell(cell: Cell, solver_cls: type, dataset: Dataset, train_idx: np.ndarray) -> dict[str, Any]:
    """Fit ``solver_cls(**cell.params)`` on ``train_idx`` of the train pool; one result row."""
    row: dict[str, Any] = {
        "task": cell.task,
        "modality": dataset.modality,
        "solver": cell.solver,
        "family": solver_cls.family,
        "train_size": cell.train_size,
        "seed": cell.seed,
        "n_test": len(dataset.y_test),
        "classes": list(dataset.classes),
    }
    try:
        solver = solver_cls(**cell.params)
        if "seed" in solver.get_params():
            solver.set_params(seed=cell.seed)
        row["params"] = solver.get_params()
        X_train, y_train = take(dataset.X_train, train_idx), dataset.y_train[train_idx]
        wall, cpu = time.perf_counter(), time.process_time()
        solver.fit(X_train, y_train)
        row["fit_seconds"] = time.perf_counter() - wall
        row["fit_cpu_seconds"] = time.process_time() - cpu
        wall = time.perf_counter()
        y_pred = np.asarray(solver.predict(dataset.X_test)).astype(str)
        row["predict_seconds"] = time.perf_counter() - wall
        row["predict_seconds_per_1k"] = 1000 * row["predict_seconds"] / max(1, len(dataset.y_test))
        row.update(scores(dataset.y_test, y_pred, list(dataset.classes)))
        row.update(solver.model_size())
        row["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failing solver is a row, not the end of the run
        row["status"] = "failed"
        row["error"] = _one_line(exc)
        row["traceback"] = traceback.format_exc()
    row["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return row
