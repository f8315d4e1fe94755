"""The task contract: what a benchmark problem declares and what its ``load()`` returns.

Owns :class:`Task` (metadata plus a loader) and :class:`Dataset` (a fixed train pool and
held-out test set, validated once). It does not own where tasks come from (``registry``),
how they are split into training subsets (``splits``) or how they are solved (``solvers``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dlbench.core.errors import UsageError

MODALITIES = ("tabular", "image", "text")


@dataclass
class Dataset:
    """A train pool and a fixed test set for one task.

    Inputs by modality: ``tabular`` is a :class:`pandas.DataFrame`, ``image`` a ``uint8``
    array ``(N, H, W, C)``, ``text`` a 1-D array of ``str``. Labels are stored as strings,
    so every solver, report and CSV sees the same class names.
    """

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    modality: str
    classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {self.modality!r}")
        self.y_train = np.asarray(self.y_train).astype(str)
        self.y_test = np.asarray(self.y_test).astype(str)
        if self.modality == "text":
            self.X_train = np.asarray(self.X_train, dtype=object)
            self.X_test = np.asarray(self.X_test, dtype=object)
        for part, X, y in (("training", self.X_train, self.y_train), ("test", self.X_test, self.y_test)):
            if len(X) != len(y):
                raise UsageError(f"the {part} data has {len(X)} examples but {len(y)} labels")
            if len(y) == 0:
                raise UsageError(f"the {part} data is empty: give at least one example per class")
        train_classes = sorted(set(self.y_train.tolist()))
        if len(train_classes) < 2:
            raise UsageError(
                f"the training data has only one class ({train_classes[0]!r}): "
                "a classification task needs at least two"
            )
        unseen = sorted(set(self.y_test.tolist()) - set(train_classes))
        if unseen:
            raise UsageError(f"test labels {unseen[:5]} never occur in the training data")
        if not self.classes:
            self.classes = train_classes

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def stats(self) -> dict[str, Any]:
        """Sizes, class balance and input shape, for ``dlbench info``."""
        stats: dict[str, Any] = {
            "train_examples": len(self.y_train),
            "test_examples": len(self.y_test),
            "classes": self.n_classes,
            "train_class_counts": dict(sorted(Counter(self.y_train.tolist()).items())),
            "test_class_counts": dict(sorted(Counter(self.y_test.tolist()).items())),
        }
        if self.modality == "tabular":
            kinds = column_kinds(self.X_train)
            stats["columns"] = len(kinds)
            stats["numeric_columns"] = sum(k == "numeric" for k in kinds.values())
            stats["categorical_columns"] = sum(k == "categorical" for k in kinds.values())
            stats["missing_values"] = int(self.X_train.isna().sum().sum())
        elif self.modality == "image":
            stats["image_shape"] = list(self.X_train.shape[1:])
        else:
            lengths = [len(t.split()) for t in self.X_train]
            stats["median_words"] = float(np.median(lengths))
        return stats


def column_kinds(frame) -> dict[str, str]:
    """``numeric`` or ``categorical`` for every column of a tabular input."""
    import pandas as pd

    return {
        str(col): "numeric"
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        else "categorical"
        for col in frame.columns
    }


class Task:
    """A benchmark problem: metadata as class attributes, data from :meth:`load`.

    Subclass it, set the attributes and implement :meth:`load`. Keep module-level imports
    light (no TensorFlow, scikit-learn or pandas at import time): ``dlbench list`` reads the
    attributes without loading any data. Keyword arguments of ``__init__`` are the task's
    parameters (``dlbench run circles:noise=0.2``).
    """

    name: ClassVar[str] = ""
    modality: ClassVar[str] = "tabular"
    problem: ClassVar[str] = "classification"
    metric: ClassVar[str] = "accuracy"
    description: ClassVar[str] = ""
    source: ClassVar[str] = ""
    license: ClassVar[str] = ""
    offline: ClassVar[bool] = True
    #: Declared sizes for listing without loading; ``None`` when they depend on parameters.
    n_examples: ClassVar[int | None] = None
    n_classes: ClassVar[int | None] = None
    #: For sentiment tasks, the ``(negative, positive)`` class names; lexicon solvers apply then.
    sentiment: ClassVar[tuple[str, str] | None] = None
    #: Hand-written rules: a method ``rules(self, X) -> labels`` (the "if snout is flat then cat"
    #: kind of program). ``None`` when the task ships none.
    rules = None

    def load(self) -> Dataset:
        raise NotImplementedError

    @classmethod
    def metadata(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "modality": cls.modality,
            "problem": cls.problem,
            "metric": cls.metric,
            "description": cls.description,
            "source": cls.source,
            "license": cls.license,
            "offline": cls.offline,
            "examples": cls.n_examples,
            "classes": cls.n_classes,
        }
