"""Your own series: ``.npz`` arrays (series, or ``uint8`` images), UCR/UEA ``.ts`` files and CSV
files with one series per row (``--modality signal``).

Owns the tasks of those files and their one-line :class:`UsageError` messages (a missing ``X`` or
``y``, lengths that disagree, a wrong number of axes, NaN, text in a series CSV). The array form
and the ``.ts``/``.npz`` parsing are :mod:`dlbench.data.signals`'s; ``byod.task_from_path``
dispatches here. Without a test set, the same seeded stratified split as a CSV table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.task import Dataset, Task
from dlbench.data import signals
from dlbench.data.audit import check_target, names
from dlbench.data.csvfiles import _check_column, _read_columns, _read_labelled_table
from dlbench.data.pathtask import PathTask, _note, _split_dataset, _task

log = logging.getLogger("dlbench")


#: Files read as arrays rather than tables.
SERIES_SUFFIXES = (".npz", ".ts")


def _series_task(root: Path, test_root: Path | None, target, text_column, modality) -> Task:
    given = [opt for opt, value in (("--target", target), ("--text-column", text_column)) if value]
    if given:
        raise UsageError(f"{root} holds its labels itself (y in an .npz, the last field in a .ts file): "
                         f"drop {', '.join(given)}")
    suffix = root.suffix.lower()
    if test_root is not None and test_root.suffix.lower() != suffix:
        raise UsageError(f"--test {test_root} must be the same kind of file as {root}: a {suffix} file")
    if suffix == ".ts":
        description = f"Your series in {root} (UCR/UEA .ts)."
        return _task(TSTask, root, test_root, "signal", description)
    arrays = _npz_arrays(root)
    kind = signals.npz_modality(arrays["X"], f"X in {root}")
    if modality is not None and kind != modality:
        raise UsageError(f"X in {root} is uint8 {arrays['X'].shape}, read as images: give --modality signal only for "
                         "float series, or cast X to float")
    what = "images" if kind == "image" else "series"
    description = f"Your {what} in {root} (arrays X, y)."
    return _task(NPZTask, root, test_root, kind, description)


def _npz_arrays(path: Path, role: str = "") -> dict[str, np.ndarray]:
    """``X``, ``y`` (and ``X_test``/``y_test`` if there) of an .npz file, checked."""
    arrays = signals.read_npz(path)
    missing = [k for k in ("X", "y") if k not in arrays]
    if missing:
        raise UsageError(f"{path} has no array {' or '.join(missing)} (it holds {names(sorted(arrays)) or 'nothing'}): "
                         "save it with numpy.savez(path, X=inputs, y=labels)")
    pairs = [("X", "y")] + ([("X_test", "y_test")] if "X_test" in arrays or "y_test" in arrays else [])
    for x_key, y_key in pairs:
        if x_key not in arrays or y_key not in arrays:
            raise UsageError(f"{path} has {x_key if x_key in arrays else y_key} but not "
                             f"{y_key if x_key in arrays else x_key}: give both, or neither")
        X, y = arrays[x_key], arrays[y_key]
        if y.ndim == 2 and y.shape[1] == 1:
            arrays[y_key] = y = y[:, 0]
        if y.ndim != 1:
            raise UsageError(f"{y_key} in {path} must be one label per example, got shape {y.shape}")
        if X.ndim == 0 or len(X) != len(y):
            raise UsageError(f"{path}: {x_key} has {len(X) if X.ndim else 0} examples but {y_key} {len(y)} labels: "
                             "give one label per example")
    return arrays


class NPZTask(PathTask):
    """Arrays ``X``, ``y`` from an ``.npz`` file: series (``signal``) or ``uint8`` images (``image``)."""

    def read(self) -> Dataset:
        path, notes = Path(self.path), []
        arrays = _npz_arrays(path)
        X, y = self._inputs(arrays["X"], f"X in {path}"), arrays["y"]
        check_target(y.astype(str), f"y in {path}")
        test_pair = None
        if "X_test" in arrays:
            test_pair = arrays["X_test"], arrays["y_test"], f"X_test in {path}"
            if self.test is not None:
                raise UsageError(f"{path} holds X_test/y_test and --test {self.test} is given too: use one of them")
        elif self.test is not None:
            test = _npz_arrays(Path(self.test))
            test_pair = test["X"], test["y"], f"X in {self.test}"
        if test_pair is None:
            return _split_dataset(X, y, self.modality, f"y in {path}", notes)
        X_test = self._inputs(test_pair[0], test_pair[2])
        return Dataset(X, y, X_test, test_pair[1], self.modality, notes=notes)

    def _inputs(self, X: np.ndarray, where: str) -> np.ndarray:
        kind = signals.npz_modality(X, where)
        if kind != self.modality:
            raise UsageError(f"{where} is read as {kind} data but the training X as {self.modality}: give both as "
                             "uint8 images or both as float series")
        return signals.npz_images(X) if kind == "image" else signals.as_series(X, where=where)


class TSTask(PathTask):
    """Series from a UCR/UEA ``.ts`` file; unequal lengths are resampled (see :mod:`dlbench.data.signals`)."""

    def read(self) -> Dataset:
        path, notes = Path(self.path), []
        X, y, _ = signals.read_ts(path)
        if signals.lengths_differ(X):
            _note(notes, f"resampled the series of {path.name} (lengths {min(map(len, X))} to {max(map(len, X))}) to "
                         f"{max(map(len, X))} steps by linear interpolation")
        X = signals.as_series(X, where=str(path))
        check_target(y, f"the labels of {path}")
        if self.test is None:
            return _split_dataset(X, y, self.modality, f"the labels of {path}", notes)
        X_test, y_test, _ = signals.read_ts(Path(self.test))
        return Dataset(X, y, X_test, y_test, self.modality, notes=notes)


class SignalCSVTask(PathTask):
    """One series per CSV row: the label in ``target``, the values in every other column, in order."""

    def read(self) -> Dataset:
        path, notes = Path(self.path), []
        X, y = _series_rows(path, self.target, notes)
        check_target(y, f"column {self.target!r} of {path}")
        if self.test is None:
            return _split_dataset(X, y, self.modality, f"column {self.target!r} of {path}", notes)
        X_test, y_test = _series_rows(Path(self.test), self.target, None)
        if X_test.shape[1] != X.shape[1]:
            raise UsageError(f"the test file {self.test} has series of {X_test.shape[1]} values, {path} of "
                             f"{X.shape[1]}: give both the same length")
        return Dataset(X, y, X_test, y_test, self.modality, notes=notes)


def _series_rows(path: Path, target: str, notes):
    """``(N, T, 1)`` series and labels from a CSV with one series a row; a non-number is an error."""
    X, y = _read_labelled_table(path, target, None, notes=notes)
    values = signals.numbers(X, path, "a series CSV holds numbers besides the target column")
    return signals.as_series(values, where=str(path)), y


def _signal_csv_task(root: Path, test_root: Path | None, target, text_column) -> Task:
    if text_column is not None:
        raise UsageError("--text-column and --modality signal exclude each other: a series CSV holds numbers")
    columns = _read_columns(root)
    if target is None:
        raise UsageError(f"{root} is a table of series: give --target COLUMN (the label of each row); the columns are: "
                         f"{names(columns, 20)}")
    _check_column(target, columns, root)
    if len(columns) < 2:
        raise UsageError(f"{root} has no columns besides the target {target!r}: add the series' values")
    if test_root is not None:
        _check_column(target, _read_columns(test_root), test_root)
    description = f"Your series in {root}: one a row, predict {target!r} from the {len(columns) - 1} values."
    return _task(SignalCSVTask, root, test_root, "signal", description, target=target)
