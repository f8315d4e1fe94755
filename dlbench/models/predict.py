"""``dlbench predict``: an exported model applied to a data file, written as a CSV.

Owns the predictions file (``prediction`` plus one ``proba_<class>`` column per class, a
``file`` column first for images, rows in the input's order) and, when the file still holds
the target column, the accuracy on it. It does not load models (``loaded``) or parse inputs
(``inputs``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.errors import InputWarning, UsageError
from dlbench.core.store import write_csv
from dlbench.models.inputs import read_inputs
from dlbench.models.loaded import load_model


def predict_file(source: str | Path, data: str | Path, out: str | Path, task: str | None = None,
                 text_column: str | None = None) -> dict[str, Any]:
    """Predict every example of ``data`` with the model of ``source``; what was done, for the CLI."""
    model = load_model(source, task)
    notes: list[str] = []
    X, names = read_inputs(Path(data), model.card["inputs"], text_column, notes)
    if len(X) == 0:
        raise UsageError(f"{data} holds no example to predict")
    with warnings.catch_warnings():  # said once, as notes, below
        warnings.simplefilter("ignore", InputWarning)
        proba = model.predict_proba(X)
        notes = [*notes, *model.notes]
        predicted = model.predict_names(X)
    classes = model.class_names
    columns = [*(["file"] if names is not None else []), "prediction", *(f"proba_{c}" for c in classes)]
    rows = []
    for i, label in enumerate(predicted):
        row = {"prediction": label, **{f"proba_{c}": f"{p:.6g}" for c, p in zip(classes, proba[i])}}
        if names is not None:
            row["file"] = names[i]
        rows.append(row)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_csv(rows, out, columns)
    except OSError as exc:
        raise UsageError(f"cannot write {out} ({exc.strerror or exc}): choose another --out") from None
    summary = {"model": model, "n": len(rows), "out": out, "notes": notes, "accuracy": None}
    target = model.card["inputs"].get("target")
    if target and hasattr(X, "columns") and target in X.columns:
        truth = X[target].astype(str).to_numpy()
        known = X[target].notna().to_numpy()
        if known.any():
            summary["accuracy"] = float(np.mean(predicted[known] == truth[known]))
    return summary
