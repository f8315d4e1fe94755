"""Data audit of a task's dataset: class balance and exact duplicates, as JSON-ready numbers.

Owns :func:`audit`, which the runner calls once per task and stores in ``run.json`` under
``audit`` -> ``{task: audit_dict}``; the report reads that dict (the report itself never loads
data). Rows are compared by content: tables through ``pandas.util.hash_pandas_object``
(``index=False``), text by the string, images by their bytes. It knows nothing about solvers.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any

MAX_EXAMPLES = 5
MAX_CHARS = 80


def _hashes(X, modality: str) -> list[str]:
    """One content hash per row (equal rows, equal hashes)."""
    if modality == "tabular":
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        return [format(int(h), "x") for h in pd.util.hash_pandas_object(frame, index=False)]
    if modality == "text":
        return [hashlib.sha1(str(t).encode("utf-8", "surrogatepass")).hexdigest() for t in X]
    import numpy as np

    arr = np.ascontiguousarray(X)
    return [hashlib.sha1(arr[i].tobytes()).hexdigest() for i in range(len(arr))]


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _show(X, i: int, modality: str) -> str:
    """A short, human-readable form of row ``i``: the text, a table row, or the image index."""
    if modality == "text":
        return _short(X[i])
    if modality == "tabular":
        row = X.iloc[i] if hasattr(X, "iloc") else X[i]
        items = row.items() if hasattr(row, "items") else enumerate(row)
        return _short(", ".join(f"{k}={v}" for k, v in items))
    return f"image #{i}"


def _counts(y) -> dict[str, int]:
    return {str(k): int(v) for k, v in sorted(Counter(str(v) for v in y).items())}


def audit(dataset) -> dict[str, Any]:
    """Class balance and exact duplicates of a :class:`~dlbench.core.task.Dataset`.

    Returns (all JSON-serialisable):

    - ``modality``, ``n_train``, ``n_test``; ``train_counts`` / ``test_counts``: examples per class;
    - ``n_duplicates_in_train``: training rows equal to an earlier training row;
      ``n_conflicting_in_train``: groups of equal training rows carrying different labels;
    - ``n_test_in_train``: test rows whose input also occurs in the training pool, of which
      ``n_test_in_train_other_label`` carry a different label there;
    - ``duplicate_examples`` (one per group of equal rows) / ``test_in_train_examples``: up to 5
      each, with indices and a short
      form (text cut to 80 characters, a table row as ``col=value, ...``, an image by index).
    """
    modality = dataset.modality
    y_train, y_test = [str(v) for v in dataset.y_train], [str(v) for v in dataset.y_test]
    h_train, h_test = _hashes(dataset.X_train, modality), _hashes(dataset.X_test, modality)

    first: dict[str, int] = {}
    labels: dict[str, set[str]] = defaultdict(set)
    duplicates = []
    for i, h in enumerate(h_train):
        labels[h].add(y_train[i])
        if h in first:
            duplicates.append((first[h], i))
        else:
            first[h] = i
    leaks = [(i, first[h]) for i, h in enumerate(h_test) if h in first]
    shown = list({i: (i, j) for i, j in reversed(duplicates)}.values())[::-1]  # one per group
    shown.sort(key=lambda pair: pair[1])
    return {
        "modality": modality,
        "n_train": len(y_train),
        "n_test": len(y_test),
        "train_counts": _counts(y_train),
        "test_counts": _counts(y_test),
        "n_duplicates_in_train": len(duplicates),
        "n_conflicting_in_train": sum(len(v) > 1 for v in labels.values()),
        "n_test_in_train": len(leaks),
        "n_test_in_train_other_label": sum(y_test[i] not in labels[h_test[i]] for i, _ in leaks),
        "duplicate_examples": [
            {"train_index": int(j), "first_train_index": int(i), "label": y_train[j],
             "example": _show(dataset.X_train, j, modality)}
            for i, j in shown[:MAX_EXAMPLES]
        ],
        "test_in_train_examples": [
            {"test_index": int(i), "train_index": int(j), "test_label": y_test[i], "train_label": y_train[j],
             "example": _show(dataset.X_test, i, modality)}
            for i, j in leaks[:MAX_EXAMPLES]
        ],
    }
