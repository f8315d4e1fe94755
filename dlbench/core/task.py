"""The task contract: what a benchmark problem declares and what its ``load()`` returns.

Owns :class:`Task` (metadata plus a loader) and :class:`Dataset` (a fixed train pool and
held-out test set, validated once). A subclass's ``load()`` and ``__init__`` are wrapped so
that a failure in them (or a ``load()`` result that is not a :class:`Dataset`) becomes one
:class:`UsageError` line naming the task, never a traceback (``TypeError`` from ``__init__``
stays: the caller reports bad task options). It does not own where tasks come from (``registry``),
how they are split into training subsets (``splits``) or how they are solved (``solvers``).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dlbench.core.errors import UsageError

MODALITIES = ("tabular", "image", "text", "signal")


@dataclass
class Dataset:
    """A train pool and a fixed test set for one task.

    Inputs by modality: ``tabular`` is a :class:`pandas.DataFrame`, ``image`` a ``uint8``
    array ``(N, H, W, C)``, ``text`` a 1-D array of ``str``, ``signal`` a ``float32`` array
    ``(N, T, C)`` (a 2-D array is taken as one channel; series of different lengths are
    resampled to the training set's longest, see :mod:`dlbench.core.series`). Labels are stored as strings,
    so every solver, report and CSV sees the same class names; missing labels (``None``,
    NaN, empty strings) are refused. ``label_type`` records what the labels were before that
    (``int``, ``float``, ``bool`` or ``str``), so exported models give labels back in the type
    the data had. ``notes`` say what loading changed in the data (dropped columns, replaced
    values); the data audit records them. ``bayes_accuracy``: for generated data whose labels
    come from known probabilities, the expected test accuracy of the best possible classifier
    (the report draws it as the floor of the error curves).
    """

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    modality: str
    classes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    label_type: str = ""
    bayes_accuracy: float | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise ValueError(f"modality must be one of {MODALITIES}, got {self.modality!r}")
        for part, y in (("training", self.y_train), ("test", self.y_test)):
            n = _n_missing(y)
            if n:
                raise UsageError(
                    f"the {part} labels hold {n} missing value{'' if n == 1 else 's'} (None, NaN or empty): "
                    "give every example a class label, or drop the unlabelled examples"
                )
        raw_types = {_label_type(self.y_train), _label_type(self.y_test)}
        self.y_train = _labels(self.y_train)
        self.y_test = _labels(self.y_test)
        if not self.label_type:
            self.label_type = raw_types.pop() if len(raw_types) == 1 else "str"
        if self.modality == "text":
            self.X_train = np.asarray(self.X_train, dtype=object)
            self.X_test = np.asarray(self.X_test, dtype=object)
        if self.modality == "signal":
            from dlbench.core.series import as_series

            self.X_train = as_series(self.X_train, where="the training series")
            self.X_test = as_series(self.X_test, self.X_train.shape[1], where="the test series")
            if self.X_test.shape[2] != self.X_train.shape[2]:
                raise UsageError(f"the test series have {self.X_test.shape[2]} channels, the training series "
                                 f"{self.X_train.shape[2]}: give both the same channels")
        for part, X, y in (("training", self.X_train, self.y_train), ("test", self.X_test, self.y_test)):
            if not hasattr(X, "__len__"):
                raise UsageError(f"the {part} inputs are {type(X).__name__}, not a table, array or list of examples")
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
        elif self.modality == "signal":
            stats["series_length"] = int(self.X_train.shape[1])
            stats["channels"] = int(self.X_train.shape[2])
        else:
            lengths = [len(t.split()) for t in self.X_train]
            stats["median_words"] = float(np.median(lengths))
        return stats


def _labels(y) -> np.ndarray:
    """Labels as a 1-D array of strings (a column vector ``(N, 1)`` is flattened)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise UsageError(f"labels must be one value per example, got an array of shape {y.shape}")
    return y.astype(str)


def _label_type(y) -> str:
    """``int``, ``float``, ``bool`` or ``str``: the kind of labels ``y`` holds before they become strings."""
    values = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    kind = values.dtype.kind
    if kind == "O" and len(values):  # a list of Python ints or bools
        kinds = {np.asarray(v).dtype.kind for v in values}
        kind = kinds.pop() if len(kinds) == 1 else "O"
    return {"i": "int", "u": "int", "f": "float", "b": "bool"}.get(kind, "str")


def label_type_of_text(y) -> str:
    """``int`` or ``bool`` where every label read from a file is one written out (``"3"``, ``"True"``),
    so models predict labels of that type; else ``""`` (strings)."""
    values = [str(v) for v in np.unique(np.asarray(y, dtype=str))]
    if values and all(v.lstrip("-").isdigit() and str(int(v)) == v for v in values):
        return "int"
    if values and set(values) <= {"True", "False"}:
        return "bool"
    return ""


def typed_labels(labels, label_type: str) -> np.ndarray:
    """String labels back in ``label_type`` (see :class:`Dataset`); left as strings where that would change one."""
    labels = np.asarray(labels).astype(str)
    convert = {"int": int, "float": float, "bool": lambda s: {"True": True, "False": False}[s]}.get(label_type)
    if convert is None or not len(labels):
        return labels
    try:
        values = np.array([convert(s) for s in labels])
    except (KeyError, ValueError):
        return labels
    if not np.array_equal(values.astype(str), labels):  # "01" or "1e3" would not come back as written
        return labels
    return values


def _n_missing(y) -> int:
    """How many labels are ``None``, NaN (``float``, ``numpy``, ``pandas.NA``/``NaT``) or blank strings."""
    if hasattr(y, "to_numpy"):  # pandas
        values = y.to_numpy(dtype=object)
    else:  # a list mixing str and NaN must not become the string "nan"
        values = y if isinstance(y, np.ndarray) else np.asarray(y, dtype=object)
    kind = values.dtype.kind
    if kind in "biu":
        return 0
    if kind == "f":
        return int(np.isnan(values).sum())
    if kind in "SU":
        return int((np.char.strip(values.astype(str)) == "").sum())

    def missing(v) -> bool:
        if v is None or (isinstance(v, str) and not v.strip()):
            return True
        try:
            return bool(v != v)  # NaN, NaT
        except (TypeError, ValueError):
            return True  # pandas.NA: its truth value is undefined

    return sum(missing(v) for v in values.ravel())


def _reason(exc: BaseException) -> str:
    """``Type: message`` of an exception on one line, at most 300 characters."""
    text = " ".join(str(exc).split())
    return (type(exc).__name__ + (f": {text}" if text else ""))[:300]


def _checked_load(load):
    """``load`` with a plugin's failure turned into one line (a :class:`UsageError`), no traceback."""
    if getattr(load, "_dlbench_checked", False):
        return load

    @functools.wraps(load)
    def checked(self, *args, **kwargs):
        try:
            data = load(self, *args, **kwargs)
        except (UsageError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: a task's bug must not end the run silently
            raise UsageError(f"task {self.name!r} failed to load its data ({_reason(exc)}): fix its load() "
                             f"or tell its author ({type(self).__module__})") from exc
        if not isinstance(data, Dataset):
            raise UsageError(f"task {self.name!r}: load() returned {type(data).__name__}, not a dlbench.Dataset")
        return data

    checked._dlbench_checked = True
    return checked


def _checked_init(init):
    """``__init__`` with a failure other than bad arguments (``TypeError``) turned into one line."""
    if getattr(init, "_dlbench_checked", False):
        return init

    @functools.wraps(init)
    def checked(self, *args, **kwargs):
        try:
            init(self, *args, **kwargs)
        except (UsageError, TypeError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # noqa: BLE001
            raise UsageError(f"task {type(self).name!r} cannot be created ({_reason(exc)}): check its parameters, "
                             "or fix its __init__()") from exc

    checked._dlbench_checked = True
    return checked


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "load" in cls.__dict__:
            cls.load = _checked_load(cls.__dict__["load"])
        if "__init__" in cls.__dict__:
            cls.__init__ = _checked_init(cls.__dict__["__init__"])

    def load(self) -> Dataset:
        raise UsageError(f"task {self.name!r} has no load() method: implement load() returning a dlbench.Dataset")

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
