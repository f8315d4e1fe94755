"""The one declaration of a result row: every column of a cell and of a tuning trial.

Owns the column table (name, type, role, meaning). The SQLite tables (``core.store``), the CSV
columns, the numeric columns the report converts (``analysis.tables``) and the row a cell builds
(``engine.cell``) are all derived from it, so adding a column is one edit here. It does not
own storage, computation or display.

Roles: ``key`` identifies a cell, ``about`` describes it, ``status`` says what became of it,
``score`` and ``compute`` are measurements, ``tuning`` records the search, ``detail`` is
stored in the database but kept out of the flat CSV (nested or long values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, make_dataclass
from typing import Any, NamedTuple

SQL_TYPES = {"text": "TEXT", "int": "INTEGER", "float": "REAL", "json": "TEXT"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | int | float | json
    role: str  # key | about | status | score | compute | tuning | detail
    doc: str
    default: Any = None  # what rows of a store from an older version, which lacks the column, hold

    @property
    def sql(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def numeric(self) -> bool:
        return self.type in ("int", "float")

    @property
    def csv(self) -> bool:
        return self.role != "detail"


CELL: tuple[Column, ...] = (
    Column("task", "text", "key", "the task's name"),
    Column("modality", "text", "about", "tabular, image or text"),
    Column("solver", "text", "key", "the solver's name"),
    Column("family", "text", "about", "rule, shallow, deep, or ensemble (built from the others' predictions)"),
    Column("scale", "float", "key", "the model-size multiplier of --scales (1: the solver's own size)", 1.0),
    Column("train_size", "int", "key", "training examples the final model was fitted on"),
    Column("seed", "int", "key", "the seed of the training subset and the solver"),
    Column("status", "text", "status", "ok, failed, timeout or skipped"),
    Column("accuracy", "float", "score", "test accuracy of the tuned model"),
    Column("accuracy_low", "float", "score", "lower end of the 95% interval of accuracy over the test examples"),
    Column("accuracy_high", "float", "score", "upper end of that interval"),
    Column("macro_f1", "float", "score", "macro-averaged F1 on the test set"),
    Column("default_accuracy", "float", "score",
           "test accuracy of the solver's default configuration, at the task's full size (empty elsewhere and in "
           "cells tuned by successive halving, unless the defaults were chosen)"),
    Column("val_score", "float", "score",
           "validation accuracy of the chosen configuration, cross-fitted: not the number maximised to choose it"),
    Column("selection_score", "float", "tuning", "the validation accuracy that was maximised to choose it"),
    Column("fit_seconds", "float", "compute", "wall-clock seconds of the final fit"),
    Column("fit_cpu_seconds", "float", "compute", "CPU seconds of the final fit (all threads)"),
    Column("tune_seconds", "float", "compute", "seconds spent tuning"),
    Column("trials", "int", "tuning", "tuning trials run"),
    Column("tuned_on", "int", "tuning",
           "training examples the chosen configuration was last compared on: the inner training part, or (large "
           "cells, successive halving over data) the largest subset of it two or more configurations were fitted on; "
           "empty: one configuration only"),
    Column("rungs", "text", "tuning",
           "successive halving over data: configurations fitted at each subset size, e.g. 5@7,111 2@21,333 1@64,000"),
    Column("untuned", "int", "tuning",
           "1: the --budget ran out before this cell could be tuned, so it ran its defaults only (--resume tunes it)"),
    Column("epochs_trained", "int", "tuning", "epochs the final fit ran (epoch-based solvers)"),
    Column("predict_seconds", "float", "compute", "seconds to predict the whole test set"),
    Column("predict_seconds_per_1k", "float", "compute", "prediction seconds per 1,000 examples"),
    Column("peak_memory_mb", "float", "compute", "peak memory the final fit added (MiB)"),
    Column("n_params", "int", "compute", "learned parameters"),
    Column("model_bytes", "int", "compute", "size of the fitted model, serialized"),
    Column("flops", "int", "compute", "FLOPs per example of a Keras model's forward pass"),
    Column("train_flops", "int", "compute",
           "training FLOPs of the final fit: 3 x forward FLOPs (forward and backward pass) x examples x epochs"),
    Column("device", "text", "compute", "what ran the final fit: cpu, or the GPU a deep solver trained on (gpu:0 and its name)"),
    Column("n_test", "int", "about", "test examples"),
    Column("best_params", "json", "tuning", "the chosen hyperparameters"),
    Column("error", "text", "status", "why a cell failed, timed out or was skipped"),
    Column("finished_at", "text", "status", "when the cell finished (UTC)"),
    Column("classes", "json", "detail", "class names, in the order of the confusion matrix"),
    Column("confusion", "json", "detail", "the test confusion matrix"),
    Column("traceback", "text", "detail", "the traceback of a failed cell"),
)

TRIAL: tuple[Column, ...] = (
    Column("task", "text", "key", "the cell's task"),
    Column("solver", "text", "key", "the cell's solver"),
    Column("scale", "float", "key", "the cell's model-size multiplier", 1.0),
    Column("train_size", "int", "key", "the cell's training size"),
    Column("seed", "int", "key", "the cell's seed"),
    Column("trial_id", "text", "key", "keras-tuner's trial id; default for the solver's defaults"),
    Column("status", "text", "status", "ok, failed or timeout"),
    Column("val_score", "float", "score", "validation accuracy of this configuration"),
    Column("seconds", "float", "compute", "seconds the trial took, harness included"),
    Column("fit_seconds", "float", "compute", "seconds inside the solver's fit"),
    Column("predict_seconds", "float", "compute", "seconds inside the solver's predict"),
    Column("epochs_trained", "int", "tuning", "epochs the trial's fit ran (epoch-based solvers)"),
    Column("fit_size", "int", "tuning", "training examples the trial was fitted on (a subset under successive halving)"),
    Column("params", "json", "tuning", "the configuration tried"),
    Column("error", "text", "status", "why the trial failed"),
)


#: The reason of a cell a ``--budget`` left out (status ``skipped``; ``--resume`` runs it).
BUDGET_SPENT = "not run: the run's --budget was used up (run again with --resume to finish)"


def names(columns: tuple[Column, ...], csv_only: bool = False) -> list[str]:
    return [c.name for c in columns if c.csv or not csv_only]


KEY: tuple[str, ...] = tuple(c.name for c in CELL if c.role == "key")


class CellKey(NamedTuple):
    """The one shape of a cell's identity, in the order of :data:`KEY` (a row's key columns)."""

    task: str
    solver: str
    scale: float
    train_size: int
    seed: int

    @classmethod
    def of(cls, row) -> "CellKey":
        """The key of a result row (a dict or a database row; without a scale, from before the
        model-size axis: scale 1)."""
        scale = row["scale"] if "scale" in row.keys() else None
        return cls(row["task"], row["solver"], scale_value(scale), int(row["train_size"]), int(row["seed"]))


assert CellKey._fields == KEY, "CellKey must list the key columns of CELL in their order"
CSV_COLUMNS: list[str] = names(CELL, csv_only=True)
TRIAL_CSV_COLUMNS: list[str] = names(TRIAL, csv_only=True)
NUMERIC: tuple[str, ...] = tuple(c.name for c in CELL if c.numeric)


#: The model size every solver has without ``--scales``: the learning curves, comparisons,
#: ensembles and exported models use the cells at this scale; other scales feed the model-size study.
REFERENCE_SCALE = 1.0


def scale_label(scale: float) -> str:
    """``0.25`` -> ``0.25×``, ``4.0`` -> ``4×``."""
    return f"{float(scale):g}×"


def scale_value(value: Any) -> float:
    """A stored scale as a number; missing (a row or key from before the scale axis): the reference scale."""
    return REFERENCE_SCALE if value is None or value != value else float(value)


def scale_of(row: dict[str, Any]) -> float:
    """A row's scale."""
    return scale_value(row.get("scale"))


def reference_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows at the reference scale."""
    return [r for r in rows if scale_of(r) == REFERENCE_SCALE]


def reference_predictions(predictions: dict[tuple, Any] | None) -> dict[tuple, Any]:
    """Stored predictions at the reference scale, keyed ``(task, solver, train_size, seed)``.

    Keys without a scale (that shape already) are taken as they are.
    """
    at, out = KEY.index("scale"), {}
    for key, v in (predictions or {}).items():
        if len(key) == len(KEY) - 1:
            out[key] = v
        elif scale_value(key[at]) == REFERENCE_SCALE:
            out[key[:at] + key[at + 1:]] = v
    return out


_PYTHON_TYPES = {"text": str, "int": int, "float": float, "json": Any}


def _update(self, **values: Any) -> "CellRow":
    """Set columns by name (an unknown name is a bug, not data: ``KeyError``); returns the row."""
    for name, value in values.items():
        if name not in _CELL_NAMES:
            raise KeyError(f"not a result column: {name!r}")
        setattr(self, name, value)
    return self


#: A result row with every column of :data:`CELL` as a typed attribute (``None`` where not
#: measured); generated from the table above, so a new column is a new attribute. ``update``
#: sets columns by name; ``as_dict`` is the row the store writes.
CellRow = make_dataclass(
    "CellRow", [(c.name, _PYTHON_TYPES[c.type] | None, field(default=c.default)) for c in CELL], slots=True,
    namespace={"update": _update, "as_dict": lambda self: asdict(self), "__module__": __name__},
)
_CELL_NAMES = frozenset(c.name for c in CELL)


def cell_row(**values: Any) -> dict[str, Any]:
    """A result row as a dict with every column of :data:`CELL` (``None`` where not given).

    An unknown column name is a bug, not data: it raises ``KeyError``.
    """
    return CellRow().update(**values).as_dict()
