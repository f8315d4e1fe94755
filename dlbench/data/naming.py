"""What your own data is called: a task name from a data path.

Owns the rule that a generic file name (``train.csv``, ``data.csv``) gives way to its folder's.
"""

from __future__ import annotations

from pathlib import Path


#: File names that say nothing about the data: the task takes its folder's name instead.
GENERIC_STEMS = {"train", "training", "data", "dataset", "test", "all", "full", "input", "raw", "df", "table"}


def task_name(path: Path) -> str:
    """A meaningful task name for a data file: its name, or its folder's when the name is generic
    (``churn/train.csv`` is ``churn``, not ``train``)."""
    stem = path.stem
    base = stem.lower().replace("-", "_").split("_")[0]
    if stem.lower() in GENERIC_STEMS or base in GENERIC_STEMS:
        folder = path.resolve().parent.name
        return folder or stem
    return stem
