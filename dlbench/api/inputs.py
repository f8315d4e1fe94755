"""Data given in memory, written into the run folder as the files a run reads.

Owns turning what ``dlbench.run`` accepts besides a task name or a path (a DataFrame with a
label column, ``(X, y)`` arrays, texts with labels, a ``uint8`` image array with labels, a
:class:`~dlbench.core.task.Dataset`) into a CSV or ``.npz`` file under ``RUN/data/<name>/``.
The run then reads them exactly as it reads a user's files (the same checks, tidying and
split), a worker on another machine can load them, and ``--resume`` finds them again. It does
not check the data beyond its shape: that is ``data.byod``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dlbench.core.errors import UsageError

#: The label column of data given as ``(X, y)`` arrays when ``target`` is not given.
LABEL = "target"
#: The text column of texts given with their labels.
TEXT = "text"


@dataclass(frozen=True)
class Written:
    """Where one in-memory task went: its training file, its test file (or None) and how to read them."""

    train: Path
    test: Path | None
    target: str | None
    text_column: str | None


def in_memory(data: Any) -> bool:
    """Whether ``data`` is data itself rather than a task name or a path."""
    return not isinstance(data, (str, Path))


def safe_name(name: str) -> str:
    """A task name that is also a folder name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-.") or "data"


def write(data: Any, test: Any, *, target: str | None, name: str, into: Path) -> Written:
    """Write ``data`` (and ``test``, the same kind of thing) to ``into/<name>/``."""
    folder = Path(into) / safe_name(name)
    folder.mkdir(parents=True, exist_ok=True)
    kind, train_part, label = _table_or_arrays(data, target, "data")
    test_part = None
    if test is not None:
        test_kind, test_part, _ = _table_or_arrays(test, label, "test")
        if test_kind != kind:
            raise UsageError(f"test must be the same kind of data as data: {_KINDS[kind]}, not {_KINDS[test_kind]}")
    if kind == "arrays":
        train = _save_npz(folder / "train.npz", *train_part)
        return Written(train, None if test_part is None else _save_npz(folder / "test.npz", *test_part), None, None)
    train_part.to_csv(folder / "train.csv", index=False)
    test_path = None
    if test_part is not None:
        test_part.to_csv(folder / "test.csv", index=False)
        test_path = folder / "test.csv"
    return Written(folder / "train.csv", test_path, label, TEXT if kind == "text" else None)


_KINDS = {"table": "a table", "text": "texts with labels", "arrays": "an array of images or series with labels"}


def _table_or_arrays(data: Any, target: str | None, role: str) -> tuple[str, Any, str | None]:
    """(``table`` | ``text`` | ``arrays``, a DataFrame or ``(X, y)``, the label column)."""
    import pandas as pd

    from dlbench.core.task import Dataset

    if isinstance(data, Dataset):
        raise UsageError(f"{role}: give a Dataset as data, with its own test set (test=None)")
    if isinstance(data, pd.DataFrame):
        label = target or (LABEL if LABEL in data.columns else None)
        columns = [str(c) for c in data.columns]
        if label is None:
            raise UsageError(f"give target= the label column of the DataFrame; its columns are: {', '.join(columns[:20])}")
        if label not in columns:
            raise UsageError(f"the {role} DataFrame has no column {label!r}: give target= one of {', '.join(columns[:20])}")
        frame = data.copy()
        frame.columns = columns
        return "table", frame, label
    if isinstance(data, tuple) and len(data) == 2:
        X, y = data
        y = np.asarray(y)
        if y.ndim != 1:
            raise UsageError(f"the labels of {role} must be one label per example (a 1-D array), not shape {y.shape}")
        if len(X) != len(y):
            raise UsageError(f"{role} has {len(X):,} examples but {len(y):,} labels: give one label per example")
        label = target or LABEL
        if isinstance(X, pd.DataFrame):
            if label in X.columns:
                raise UsageError(f"the {role} DataFrame already has a column {label!r}: give target= another name "
                                 "for the labels")
            frame = X.copy()
            frame.columns = [str(c) for c in frame.columns]
            frame[label] = y
            return "table", frame, label
        if _texts(X):
            return "text", pd.DataFrame({TEXT: [str(t) for t in X], label: y}), label
        array = np.asarray(X)
        if array.ndim == 2 and array.dtype != object:
            frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
            frame[label] = y
            return "table", frame, label
        if array.ndim in (3, 4):
            return "arrays", (array, y), None
        raise UsageError(f"cannot read {role}'s X of shape {array.shape} and type {array.dtype}: give a table (N, "
                         "features), texts, uint8 images (N, H, W[, C]) or series (N, T[, C])")
    raise UsageError(f"cannot read {role} of type {type(data).__name__}: give a task name, a path, a DataFrame with "
                     "its label column, (X, y) arrays, (texts, labels) or a Dataset")


def _texts(X: Any) -> bool:
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and X.dtype.kind in "OUS" and len(X) > 0 and isinstance(X.flat[0], str)
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(t, str) for t in X)


def _save_npz(path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    np.savez_compressed(path, X=X, y=y)
    return path


def write_dataset(dataset, *, name: str, into: Path) -> Written:
    """Write a :class:`~dlbench.core.task.Dataset` (train and its own test set) to ``into/<name>/``."""
    import pandas as pd

    parts = []
    for X, y in ((dataset.X_train, dataset.y_train), (dataset.X_test, dataset.y_test)):
        if isinstance(X, pd.DataFrame):
            frame = X.copy()
            frame[LABEL] = np.asarray(y)
            parts.append(frame)
        elif dataset.modality == "text":
            parts.append(pd.DataFrame({TEXT: list(X), LABEL: np.asarray(y)}))
        else:
            parts.append((np.asarray(X), np.asarray(y)))
    return write(parts[0], parts[1], target=LABEL, name=name, into=into)
