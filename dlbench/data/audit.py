"""Data audit of a task's dataset: class balance, exact duplicates and what loading changed.

Owns :func:`audit`, which the runner calls once per task and stores in ``run.json`` under
``audit`` -> ``{task: audit_dict}``; the report reads that dict (the report itself never loads
data). Rows are compared by content: tables through ``pandas.util.hash_pandas_object``
(``index=False``), text by the string, images by their bytes. Also owns :func:`tidy_table`,
the repairs of dirty but valid tables (infinities, empty and constant columns, mixed types),
each recorded as a note that the audit carries, and the checks of a classification target
(:func:`check_target`: not regression-like; :func:`rare_classes`). It knows nothing about solvers.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any

from dlbench.core.errors import UsageError

MAX_EXAMPLES = 5
MAX_CHARS = 80
MAX_NAMES = 10
#: A table target is refused as regression-like with more distinct values than this and fewer
#: than MIN_PER_CLASS examples per value on average, with more than HALF_UNIQUE distinct values
#: that are most of the rows, or with more than FLOAT_CLASSES distinct fractional numbers.
MAX_CLASSES, MIN_PER_CLASS, HALF_UNIQUE, FLOAT_CLASSES = 100, 10, 20, 10


def names(columns, limit: int = MAX_NAMES) -> str:
    """Column or class names for a one-line message: printable ones as written, others quoted."""
    shown = [str(c) if str(c).isprintable() else repr(str(c)) for c in list(columns)[:limit]]
    more = len(columns) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check_target(y, where: str) -> None:
    """A target for classification: not continuous numbers, not (almost) one value per row."""
    import pandas as pd

    distinct = pd.unique(y)
    n, n_rows = len(distinct), len(y)
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    continuous = bool(numbers.notna().all() and (numbers % 1 != 0).any() and n > FLOAT_CLASSES)
    if continuous or (n > MAX_CLASSES and n > n_rows / MIN_PER_CLASS) or (n > HALF_UNIQUE and n > n_rows / 2):
        kind = " (continuous numbers)" if continuous else ""
        raise UsageError(f"{where} has {n} distinct values in {n_rows} examples{kind}, too many for classification: "
                         "regression is not supported yet, so pick a target with a few classes or bin the values")


def rare_classes(y, where: str, split: bool) -> list[str]:
    """Classes with a single example (with ``split``: they cannot be on both sides of a test split,
    so they are dropped); an error when the labels cannot make a classification task."""
    counts = Counter(y.tolist())
    if len(counts) < 2:
        raise UsageError(f"the training data has only one class ({sorted(counts)[:1]}): "
                         "a classification task needs at least two")
    few = sorted(label for label, n in counts.items() if n < 2) if split else []
    if few and len(counts) > HALF_UNIQUE and len(few) > len(counts) / 2:
        raise UsageError(f"{where} has {len(counts)} distinct values in {len(y)} examples and most occur once: "
                         "dlbench does classification (regression is not supported yet), so pick a target with "
                         "a few classes")
    if few and len(counts) - len(few) < 2:
        raise UsageError(f"class {names([repr(c) for c in few])} in {where} has only 1 example, too few to split "
                         "off a test set: give at least 2 examples per class, remove the class, or pass --test PATH")
    return few


def tidy_table(X, where: str, drop: list | None = None):
    """A table cleaned for learning: ``(X, dropped_columns, notes)``.

    Infinite numbers become missing values; text columns hold ``str`` (a column mixing numbers
    and text is read as text categories); empty (all missing) and constant columns are dropped,
    or, for a test table, the columns in ``drop`` (those dropped from its training table). Rows
    are never dropped or reordered. ``notes`` say what was done, for the audit.
    """
    import numpy as np
    import pandas as pd

    X, notes, n_inf, mixed = X.copy(), [], 0, []
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_float_dtype(values):
            infinite = np.isinf(values.to_numpy(dtype=float))
            if infinite.any():
                n_inf += int(infinite.sum())
                X[column] = values.mask(infinite)
        elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            present = values.notna()
            as_text = values[present].astype(str)
            n_numbers = int(pd.to_numeric(as_text, errors="coerce").notna().sum())
            if 0 < n_numbers < len(as_text):
                mixed.append(column)
            if pd.api.types.is_object_dtype(values):
                X[column] = values.where(~present, values.astype(str))
    if n_inf:
        notes.append(f"replaced {_plural(n_inf, 'infinite value')} with missing values in {where}")
    if mixed and drop is None:
        notes.append(f"read {_plural(len(mixed), 'column')} mixing numbers and text in {where} "
                     f"as text categories: {names(mixed)}")
    if drop is None:
        empty = [c for c in X.columns if X[c].isna().all()]
        constant = [c for c in X.columns if c not in empty and X[c].nunique(dropna=False) <= 1]
        for kind, columns in (("empty", empty), ("constant", constant)):
            if columns:
                notes.append(f"dropped {_plural(len(columns), kind + ' column')} of {where}: {names(columns)}")
        drop = empty + constant
    return X.drop(columns=[c for c in drop if c in X.columns]), list(drop), notes


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


#: Series the audit keeps for the report's figure: per class, classes, points per series, channels.
SERIES_PER_CLASS, SERIES_CLASSES, SERIES_POINTS, SERIES_CHANNELS = 3, 12, 200, 3


def _series_examples(X, y: list[str]) -> dict[str, list]:
    import numpy as np

    X = np.asarray(X)
    step = max(1, int(np.ceil(X.shape[1] / SERIES_POINTS)))
    out: dict[str, list] = {}
    for label in sorted(set(y))[:SERIES_CLASSES]:
        rows = [i for i, v in enumerate(y) if v == label][:SERIES_PER_CLASS]
        out[label] = [[[round(float(v), 4) for v in X[i, ::step, c]] for c in range(min(X.shape[2], SERIES_CHANNELS))]
                      for i in rows]
    return out


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _show(X, i: int, modality: str) -> str:
    """A short, human-readable form of row ``i``: the text, a table row, or the image or series index."""
    if modality == "text":
        return _short(X[i])
    if modality == "tabular":
        row = X.iloc[i] if hasattr(X, "iloc") else X[i]
        items = row.items() if hasattr(row, "items") else enumerate(row)
        return _short(", ".join(f"{k}={v}" for k, v in items))
    return f"{'series' if modality == 'signal' else 'image'} #{i}"


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
      form (text cut to 80 characters, a table row as ``col=value, ...``, an image by index);
    - ``notes``: what loading changed in the data (``Dataset.notes``), e.g. ``"dropped 2
      constant columns of d.csv: a, b"``; an empty list when nothing was changed;
    - ``bayes_accuracy``: the best possible test accuracy where the task knows it (generated
      data), else None.
    - for series only, ``series_examples``: the first :data:`SERIES_PER_CLASS` training series of
      each of the first :data:`SERIES_CLASSES` classes, channel by channel, each cut to at most
      :data:`SERIES_POINTS` points (``{class: [[channel values, ...], ...]}``), for the report's figure.
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
    extra = {"series_examples": _series_examples(dataset.X_train, y_train)} if modality == "signal" else {}
    return {
        **extra,
        "modality": modality,
        "notes": [str(note) for note in getattr(dataset, "notes", None) or []],
        "bayes_accuracy": getattr(dataset, "bayes_accuracy", None),
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
