"""The ``ensemble`` rows of a run: one per task and seed at the task's largest training size.

Owns turning the stored predictions of the solvers that finished a (task, largest size, seed)
group into a row of family ``ensemble`` (its members and weights as ``best_params``, its
cross-fitted validation score, its test scores with their interval, and the members' summed
costs) and storing it with its test predictions, so the report, the paired tests and the
export treat it like any other solver. The selection itself is ``analysis.ensemble``. It fits
nothing.
"""

from __future__ import annotations

import time

import numpy as np

from dlbench.analysis import ensemble
from dlbench.analysis.stats import wilson_interval
from dlbench.core import schema
from dlbench.core.solver import ENSEMBLE
from dlbench.engine.cell import finish_row, scores

NAME = FAMILY = ENSEMBLE
#: Member costs that add up in an ensemble (it fits and predicts with every member).
SUMMED = ("fit_seconds", "fit_cpu_seconds", "tune_seconds", "predict_seconds", "predict_seconds_per_1k",
          "n_params", "model_bytes", "flops")


def add_ensembles(store, datasets: dict, sizes: dict[str, list[int]]) -> int:
    """Build and store the ensemble of every (task, largest size, seed) with 2 or more finished members."""
    rows, predictions, added = schema.reference_rows(store.rows()), schema.reference_predictions(store.predictions()), 0
    for task, task_sizes in sizes.items():
        if not task_sizes or task not in datasets:
            continue
        dataset, largest = datasets[task], task_sizes[-1]
        group = [r for r in rows if r["task"] == task and r["train_size"] == largest and r["status"] == "ok"
                 and r["family"] != FAMILY]
        for seed in sorted({r["seed"] for r in group}):
            members = {r["solver"]: r for r in group if r["seed"] == seed and (task, r["solver"], largest, seed)
                       in predictions}
            start = time.perf_counter()
            built = ensemble.build({s: predictions[(task, s, largest, seed)] for s in members}, dataset.n_classes,
                                   seed)
            if built is None:
                continue
            row = _row(dataset, task, largest, seed, built, [members[m] for m in built["weights"]])
            row["tune_seconds"] = (row["tune_seconds"] or 0.0) + time.perf_counter() - start
            codes = predictions[(task, next(iter(members)), largest, seed)]["test_true"]
            # Nothing is built from an ensemble's probabilities (its classes are stored exactly): compact.
            store.add(row, [], {"test_true": codes, "test_pred": built["test_pred"], "test_proba": built["test_proba"]},
                      compact=True)
            added += 1
    return added


def _row(dataset, task: str, size: int, seed: int, built: dict, members: list[dict]) -> dict:
    classes = list(dataset.classes)
    predicted = np.asarray(classes)[built["test_pred"]]
    row = schema.CellRow(task=task, modality=dataset.modality, solver=NAME, family=FAMILY, train_size=size, seed=seed,
                         n_test=len(dataset.y_test), classes=classes)
    row.update(**scores(dataset.y_test, predicted, classes))
    n = len(dataset.y_test)
    row.accuracy_low, row.accuracy_high = wilson_interval(int(round(row.accuracy * n)), n)
    row.update(status="ok", val_score=built["val_score"], selection_score=built["selection_score"], trials=0,
               best_params={"members": built["weights"]})
    for column in SUMMED:
        values = [m.get(column) for m in members]
        row.update(**{column: None if any(v is None for v in values) else sum(values)})
    memory = [m.get("peak_memory_mb") for m in members if m.get("peak_memory_mb") is not None]
    row.peak_memory_mb = max(memory) if memory else None
    row.device = " + ".join(sorted({m.get("device") or "cpu" for m in members}))
    return finish_row(row)
