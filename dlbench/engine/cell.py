"""One cell of the experiment: tune a solver on a training subset, refit, score once on test.

Owns the life of a cell: tuning inside the training subset (``tuning``), refitting the best
and the default configuration on the whole subset, the single use of the test set, the
compute measurements (wall and CPU time, prediction latency, peak memory, size) and turning
any failure into a row. It does not choose cells, store rows or decide where a cell runs.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np

from dlbench.core import schema
from dlbench.core.folder import RunFolder
from dlbench.core.solver import at_scale
from dlbench.engine import isolation
from dlbench.data.splits import take
from dlbench.core.task import Dataset
from dlbench.engine.tuning import TuneConfig, predict_once, tune
from dlbench.models import files


@dataclass(frozen=True)
class Cell:
    task: str
    solver: str
    train_size: int
    seed: int
    untuned: bool = False  # run the defaults only (a --budget run securing a full-size model first)
    scale: float = 1.0  # the model-size multiplier (--scales)

    @property
    def key(self) -> schema.CellKey:
        return schema.CellKey(self.task, self.solver, float(self.scale), self.train_size, self.seed)

    @property
    def identity(self) -> tuple:
        """What seeds the tuner and names its folder: without the scale at scale 1, as before the axis."""
        return self.key if self.scale != 1 else (self.task, self.solver, self.train_size, self.seed)

    def at_full_size(self, full_size: int | None) -> bool:
        """Whether this is a cell at its task's largest training size (``full_size``) and the
        solvers' own model size: the cells ensembles are built from and models exported from."""
        return self.train_size == full_size and float(self.scale) == schema.REFERENCE_SCALE

    @property
    def label(self) -> str:
        scale = f" · {schema.scale_label(self.scale)}" if self.scale != 1 else ""
        return f"{self.task} · {self.solver}{scale} · n={self.train_size} · seed {self.seed}"


@dataclass
class CellSettings:
    """How every cell of a run is computed (the same for all solvers)."""

    tuning: TuneConfig = field(default_factory=TuneConfig)
    isolate: bool = True  # fit in forked children (hard time limits, exact peak memory)
    threads: int | None = None  # CPU threads per fit; None lets the libraries decide
    workdir: str = "."  # keras-tuner's files go under WORKDIR/tuning/, kept models under WORKDIR/models/
    keep_models: bool = True  # save the fitted solver of full-size cells at scale 1, for export
    full_sizes: dict[str, int] = field(default_factory=dict)  # task -> its largest training size


def scores(y_true, y_pred, classes) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", labels=classes, zero_division=0)),
        "confusion": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }


#: Solver parameters that set a fit's threads (scikit-learn's ``n_jobs``, the Keras solvers'
#: ``n_threads``): the run's ``threads`` goes there, since an explicit ``n_jobs=-1`` asks for
#: every core whatever the thread pools are capped at.
THREAD_PARAMS = ("n_jobs", "n_threads")


def limit_threads(threads: int | None) -> None:
    """Cap the BLAS/OpenMP and TensorFlow threads of this (cell's) process at ``threads``.

    Libraries loaded later (XGBoost's OpenMP, say) read the environment variables set here.
    """
    if not threads:
        return
    import os
    import sys

    from threadpoolctl import threadpool_limits

    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(threads)
    threadpool_limits(threads)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:  # the runtime is already initialised in this process
            pass


def encode(labels, classes) -> np.ndarray:
    """Class names as their positions in ``classes`` (the task's class list)."""
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[str(v)] for v in np.asarray(labels).astype(str)], dtype=np.int16)


@dataclass
class Fit:
    """One fit scored once on the test set: its result columns (scores, times, size) and its
    test predictions (class codes into the task's classes, probabilities where the solver has them)."""

    columns: dict[str, Any]
    test_pred: np.ndarray
    test_proba: np.ndarray | None


def fit_and_evaluate(solver_cls, params, X_train, y_train, dataset: Dataset,
                     keep_in: str | None = None) -> Fit:
    """Fit on the training subset, predict the test set once; scores, times, size and predictions.

    ``keep_in``: a folder where the fitted solver is saved for export (full-size cells). It runs on
    the thread caps :func:`run_cell` set first (a forked child inherits them).
    """
    from dlbench.analysis.stats import wilson_interval

    solver = solver_cls(**params)
    wall, cpu = time.perf_counter(), time.process_time()
    solver.fit(X_train, y_train)
    result = {"fit_seconds": time.perf_counter() - wall, "fit_cpu_seconds": time.process_time() - cpu,
              "epochs_trained": getattr(solver, "epochs_run_", None), "device": getattr(solver, "device_", "cpu")}
    classes = list(dataset.classes)
    y_pred, test_proba, predict_seconds = predict_once(solver, dataset.X_test, classes)
    result["predict_seconds"] = predict_seconds
    result["predict_seconds_per_1k"] = 1000 * predict_seconds / max(1, len(dataset.y_test))
    result.update(scores(dataset.y_test, y_pred, classes))
    n = len(dataset.y_test)
    result["accuracy_low"], result["accuracy_high"] = wilson_interval(int(round(result["accuracy"] * n)), n)
    result.update(solver.model_size())
    if result.get("flops") and result["epochs_trained"]:
        result["train_flops"] = 3 * int(result["flops"]) * len(y_train) * int(result["epochs_trained"])
    if keep_in is not None:
        files.stage(solver, keep_in)
    return Fit(result, encode(y_pred, classes), test_proba)


def _refit(params, X_train, y_train, solver_cls, dataset, settings: CellSettings, keep_in=None) -> Fit:
    """Fit and evaluate on the whole training subset.

    Refits come last in a cell, so nothing forks after them: they run in the cell's own process
    (saving a fork each) unless ``--trial-timeout`` asks for a hard limit on them too, which
    needs a child. ``--cell-timeout`` bounds them either way.
    """
    timeout = settings.tuning.trial_timeout
    outcome = isolation.call(
        fit_and_evaluate, solver_cls, params, X_train, y_train, dataset, keep_in,
        timeout=timeout, isolate=settings.isolate and timeout is not None,
    )
    outcome.value.columns["peak_memory_mb"] = outcome.peak_memory_mb
    return outcome.value


def derived_seed(*parts: Any) -> int:
    """A seed in [1, 2**31 - 1] from the cell's identity: never 0, which keras-tuner reads as "random"."""
    return zlib.crc32(repr(parts).encode()) % (2**31 - 2) + 1


def _failure(exc: isolation.IsolationError) -> dict[str, Any]:
    if isinstance(exc, isolation.Timeout):
        return {"status": "timeout", "error": str(exc)}
    if isinstance(exc, isolation.ChildError) and exc.kind == "SolverUnavailable":
        return {"status": "skipped", "error": str(exc).split(": ", 1)[-1]}
    return {"status": "failed", "error": str(exc), "traceback": getattr(exc, "trace", None)}


def base_row(cell: Cell, solver_cls: type, dataset: Dataset) -> schema.CellRow:
    """The identifying columns every result row has, whatever became of the cell."""
    return schema.CellRow(
        task=cell.task, modality=dataset.modality, solver=cell.solver, family=solver_cls.family,
        scale=float(cell.scale), train_size=cell.train_size, seed=cell.seed, n_test=len(dataset.y_test),
        classes=list(dataset.classes),
    )


def run_cell(cell: Cell, solver_cls: type, extra_params: dict, dataset: Dataset, train_idx: np.ndarray,
             settings: CellSettings) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """Tune, refit on all n examples and evaluate one cell: its result row, trial rows and predictions.

    Predictions are the test set's (class codes into the task's classes, and probabilities where
    the solver has them) and the validation predictions of the chosen configuration.
    """
    row = base_row(cell, solver_cls, dataset)
    trial_rows: list[dict[str, Any]] = []
    predictions = None
    try:
        limit_threads(settings.threads)  # before tuning: its trials are most of the cell's fits
        defaults = solver_cls(**extra_params).get_params(deep=False)
        if "seed" in defaults:
            defaults["seed"] = cell.seed
        if settings.threads:
            defaults.update({p: settings.threads for p in THREAD_PARAMS if p in defaults and p not in extra_params})
        X_train, y_train = take(dataset.X_train, train_idx), dataset.y_train[train_idx]
        name = "-".join(str(k) for k in cell.identity)
        tuning = replace(settings.tuning, trials=1) if cell.untuned else settings.tuning
        tuned = tune(
            solver_cls, defaults, X_train, y_train, modality=dataset.modality, config=tuning,
            seed=cell.seed, workdir=RunFolder(settings.workdir).tuning, name=name, isolate=settings.isolate,
            oracle_seed=derived_seed(*cell.identity), classes=list(dataset.classes), scale=cell.scale,
        )
        defaults = at_scale(solver_cls, defaults, cell.scale)
        trial_rows = [{**dict(zip(schema.KEY, cell.key)), **_trial_row(t)} for t in tuned.trials]
        row.update(tune_seconds=tuned.seconds, trials=len(tuned.trials), val_score=tuned.val_score,
                   selection_score=tuned.selection_score, best_params=_public(tuned.best_params),
                   tuned_on=tuned.tuned_on, rungs=" ".join(f"{k}@{n:,}" for n, k in tuned.rungs) or None)
        args = (X_train, y_train, solver_cls, dataset, settings)
        best_epochs = tuned.best.epochs_trained if tuned.best else None
        keep = settings.keep_models and cell.at_full_size(settings.full_sizes.get(cell.task))
        keep_in = str(files.staged_dir(settings.workdir, cell.task, cell.solver, cell.seed)) if keep else None
        fit = _refit(solver_cls.refit_params(tuned.best_params, best_epochs), *args, keep_in=keep_in)
        classes = list(dataset.classes)
        predictions = {"test_true": encode(dataset.y_test, classes), "test_pred": fit.test_pred,
                       "test_proba": fit.test_proba}
        if tuned.best is not None and tuned.best.pred is not None:
            predictions.update(val_true=encode(y_train[tuned.val_idx], classes),
                               val_pred=encode(tuned.best.pred, classes), val_proba=tuned.best.proba)
        row.update(**fit.columns, status="ok", untuned=1 if cell.untuned and settings.tuning.trials > 1 else 0)
        if tuned.best_params == defaults:
            row.default_accuracy = row.accuracy
        elif tuned.rungs or settings.full_sizes.get(cell.task, cell.train_size) != cell.train_size:
            # Only the full size's shows what tuning bought (the leaderboard); elsewhere, and in a
            # large cell, another fit on all n only for this column would cost a third of the cell.
            row.default_accuracy = None
        else:
            default_epochs = tuned.default.epochs_trained if tuned.default else None
            try:
                row.default_accuracy = _refit(solver_cls.refit_params(defaults, default_epochs), *args).columns["accuracy"]
            except isolation.IsolationError:
                row.default_accuracy = None
    except isolation.IsolationError as exc:
        row.update(**_failure(exc))
    except Exception as exc:  # noqa: BLE001 - a failing solver is a row, not the end of the run
        row.update(status="failed", error=isolation.one_line(exc))
    return finish_row(row), trial_rows, predictions


def _trial_row(trial) -> dict[str, Any]:
    return {k: v for k, v in asdict(trial).items() if k not in ("pred", "proba", "budget")}


def _public(params: dict) -> dict:
    """Hyperparameters as JSON-friendly values (callables such as task rules by name)."""
    return {k: (getattr(v, "__qualname__", repr(v)) if callable(v) else v) for k, v in params.items()}


def finish_row(row: schema.CellRow) -> dict[str, Any]:
    """The row as the store takes it, stamped with the time the cell finished."""
    return row.update(finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds")).as_dict()
