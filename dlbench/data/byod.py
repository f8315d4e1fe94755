"""Bring-your-own-data tasks: a CSV file, a folder of images, a ``.npz`` or a UCR/UEA ``.ts`` file given as a path.

Owns turning ``dlbench run data.csv --target y`` (or an image folder) into a :class:`Task`:
tables (tabular, or text with ``--text-column``) and one-sub-folder-per-class image trees,
inferring column types and a common image size and channel count, the fixed test set (a seeded
stratified split, or the user's ``--test`` path) and one-line :class:`UsageError` messages for
bad input (a regression-like target, ...). ``.npz`` arrays, ``.ts`` series and CSV files with one
series per row (``--modality signal``) are dispatched to ``series_files``. Dirty but valid data
loads: unlabelled training rows and (without ``--test``) classes with one example are dropped,
tables are tidied (``audit.tidy_table``), each change a note in ``Dataset.notes`` and a warning;
rows of a ``--test`` file are never dropped or reordered. It does not own the CLI options,
reading CSV text (``csvfiles``), the task class and split of a path (``pathtask``), the split
algorithm (``splits``) or the checks every :class:`Dataset` makes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.task import Dataset, Task, column_kinds, label_type_of_text
from dlbench.data.audit import check_target, names, tidy_table
from dlbench.data.csvfiles import (  # noqa: F401 - read_table and read_text are used as byod's by models.inputs
    _check_column, _read_columns, _read_labelled_table, read_table, read_text)
from dlbench.data.pathtask import TEST_FRACTION, PathTask, _existing, _note, _split_dataset, _task  # noqa: F401
from dlbench.data.series_files import SERIES_SUFFIXES, _series_task, _signal_csv_task

log = logging.getLogger("dlbench")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
#: Images are resized to the median height and width of the training images, capped per side.
MAX_IMAGE_SIDE = 64
_GREY_BANDS = {"1", "L", "I", "F"}  # first band of Pillow's grey modes (L, LA, I;16, ...)


def task_from_path(path, *, target=None, text_column=None, test=None, name=None, modality=None) -> Task:
    """A task for the CSV file, image folder, ``.npz`` or ``.ts`` file at ``path`` (``test``: a fixed
    test set of the same form).

    ``.npz``: arrays ``X`` and ``y`` (and optionally ``X_test``/``y_test`` instead of ``test``); a
    ``uint8`` ``X`` of shape ``(N, H, W)`` or ``(N, H, W, C)`` is an ``image`` task (a channel axis is
    added to ``(N, H, W)``), numbers ``(N, T)`` or ``(N, T, C)`` a ``signal`` task. ``.ts``: a UCR/UEA
    series file (``signal``). A CSV with ``modality="signal"``: one series per row, the values in
    the columns besides ``target``, in column order.

    The data is loaded and checked here, so bad input stops a run before any work (one
    :class:`UsageError`); the loaded data is kept for the task's own ``load()`` while the files
    are unchanged.
    """
    root = _existing(path, "data")
    test_root = _existing(test, "test") if test is not None else None
    if test_root is not None and test_root.is_dir() != root.is_dir():
        kind = "an image folder" if root.is_dir() else "a CSV file"
        raise UsageError(f"--test {test} must be the same kind of data as {path}: {kind}")
    if modality not in (None, "signal"):
        raise UsageError(f"--modality {modality} is not a modality dlbench reads from files: give signal, or leave "
                         "it out (a CSV is a table, with --text-column a text task)")
    suffix = root.suffix.lower() if root.is_file() else ""
    if suffix in SERIES_SUFFIXES:
        task = _series_task(root, test_root, target, text_column, modality)
    elif root.is_dir():
        if modality:
            raise UsageError(f"{root} is an image folder: --modality signal applies to a CSV file")
        task = _image_task(root, test_root, target, text_column)
    elif modality == "signal":
        task = _signal_csv_task(root, test_root, target, text_column)
    else:
        task = _csv_task(root, test_root, target, text_column)
    if name:
        type(task).name = name
    task.load()
    return task


# --- CSV files --------------------------------------------------------------------------------


class CSVTask(PathTask):
    """A table from a CSV file: tabular features, or one text column with ``text_column``."""

    def read(self) -> Dataset:
        path, notes, dropped = Path(self.path), [], []
        X, y = _read_labelled_table(path, self.target, self.text_column, notes=notes)
        where = f"column {self.target!r} of {self.path}"
        check_target(y, where)
        if self.text_column:
            if not any(t.strip() for t in X):
                raise UsageError(f"the text column {self.text_column!r} of {path} is empty in every row: "
                                 "give --text-column the column that holds the text")
        else:
            X, dropped, tidied = tidy_table(X, path.name)
            _note(notes, *tidied)
            if X.shape[1] == 0:
                raise UsageError(f"{path} has no usable feature column besides {self.target!r} (every other "
                                 "column is empty or constant): add columns the class can be predicted from")
        if self.test is None:
            return _split_dataset(X, y, self.modality, where, notes, label_type_of_text(y))
        test = Path(self.test)
        str_columns = [] if self.text_column else [c for c, k in column_kinds(X).items() if k == "categorical"]
        X_test, y_test = _read_labelled_table(test, self.target, self.text_column, str_columns, notes=None)
        if not self.text_column:
            X_test, _, tidied = tidy_table(X_test, f"the test file {test.name}", drop=dropped)
            _note(notes, *tidied)
            X_test = _align_test_columns(X, X_test, self.path, self.test)
        return Dataset(X, y, X_test, y_test, self.modality, notes=notes,
                       label_type=label_type_of_text(np.concatenate([y, y_test])))


def _csv_task(root: Path, test_root: Path | None, target, text_column) -> Task:
    columns = _read_columns(root)
    if target is None:
        raise UsageError(f"{root} is a table: give --target COLUMN; the columns are: {names(columns, 20)}")
    _check_column(target, columns, root)
    if text_column is not None:
        _check_column(text_column, columns, root)
        if text_column == target:
            raise UsageError(f"--text-column and --target are both {target!r}: the text must be another column")
    elif len(columns) < 2:
        raise UsageError(f"{root} has no columns besides the target {target!r}: add feature columns")
    if test_root is not None:
        test_columns = _read_columns(test_root)
        for column in (target, text_column):
            if column is not None:
                _check_column(column, test_columns, test_root)
    if text_column is None:
        modality, description = "tabular", f"Your table {root}: predict {target!r} from the other columns."
    else:
        modality, description = "text", f"Your table {root}: predict {target!r} from the text in {text_column!r}."
    return _task(CSVTask, root, test_root, modality, description, target=target, text_column=text_column)


def _align_test_columns(X, X_test, train_path: str, test_path: str):
    """The test features in the training order; a different column set or type is an error."""
    import pandas as pd

    missing = [c for c in X.columns if c not in X_test.columns]
    extra = [c for c in X_test.columns if c not in X.columns]
    if missing or extra:
        diff = "; ".join(f"{what}: {names(cols, 5)}" for what, cols in (("missing", missing), ("extra", extra))
                         if cols)
        raise UsageError(f"the test file {test_path} has other columns than {train_path} ({diff}): "
                         "give both the same columns")
    X_test = X_test[list(X.columns)]
    test_kinds = column_kinds(X_test)
    for column, kind in column_kinds(X).items():
        if kind == "numeric" and test_kinds[column] != "numeric":
            values = X_test[column]
            bad = values[values.notna() & pd.to_numeric(values, errors="coerce").isna()]
            raise UsageError(f"column {column!r} is numeric in {train_path} but not in {test_path} "
                             f"(e.g. {bad.iloc[0]!r}): fix those values or leave them empty")
    return X_test


# --- image folders ----------------------------------------------------------------------------


class ImageFolderTask(PathTask):
    """Images in one sub-folder per class; grey if every training image is grey, else RGB."""

    def read(self) -> Dataset:
        root = Path(self.path)
        files = _image_files(root)
        mode, size = _common_format(root, files)
        notes: list[str] = []
        X, y = _read_images(root, files, mode, size, notes)
        if self.test is None:
            return _split_dataset(X, y, self.modality, f"the image folder {root}", notes)
        test_root = Path(self.test)
        X_test, y_test = _read_images(test_root, _image_files(test_root), mode, size, notes)
        return Dataset(X, y, X_test, y_test, self.modality, notes=notes)


def _image_task(root: Path, test_root: Path | None, target, text_column) -> Task:
    if target is not None or text_column is not None:
        raise UsageError(f"{root} is an image folder, whose sub-folder names are the classes: "
                         "drop --target and --text-column")
    files = _image_files(root, quiet=True)
    if test_root is not None:
        _image_files(test_root, quiet=True)
    description = f"Your images in {root}: {len(files)} classes, one sub-folder each."
    return _task(ImageFolderTask, root, test_root, "image", description)


def _image_files(root: Path, quiet: bool = False) -> dict[str, list[Path]]:
    """Image paths by class (sub-folder name); images may sit in nested folders of a class."""
    classes: dict[str, list[Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(f for f in folder.rglob("*")
                       if f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith(".") and f.is_file())
        if files:
            classes[folder.name] = files
        elif not quiet:
            log.warning("ignored the folder %s: it holds no images", folder)
    if not classes:
        raise UsageError(f"found no images in sub-folders of {root}: expected one sub-folder per class with "
                         f"images inside, e.g. {root.name}/cat/1.png")
    return classes


def unreadable_errors():
    from PIL import Image

    return (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


def _common_format(root: Path, files: dict[str, list[Path]]) -> tuple[str, tuple[int, int]]:
    """Pillow mode (``L`` if every image is grey, else ``RGB``) and ``(width, height)``.

    The size is the median width and height over the images, each capped at MAX_IMAGE_SIDE.
    Only headers are read here; unreadable files are reported by :func:`_read_images`.
    """
    from PIL import Image

    grey, widths, heights = True, [], []
    for path in (p for paths in files.values() for p in paths):
        try:
            with Image.open(path) as image:
                grey = grey and image.getbands()[0] in _GREY_BANDS
                widths.append(image.width)
                heights.append(image.height)
        except unreadable_errors():
            continue
    if not widths:
        raise UsageError(f"none of the images in {root} can be read: check they are valid image files")

    def side(values):
        return int(min(MAX_IMAGE_SIDE, max(1, round(float(np.median(values))))))

    return ("L" if grey else "RGB"), (side(widths), side(heights))


def load_image(path: Path, mode: str, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert(mode)
        return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)


def _read_images(root: Path, files: dict[str, list[Path]], mode: str, size: tuple[int, int], notes: list[str]):
    """``uint8`` images ``(N, H, W, C)`` and their labels; unreadable files are skipped with a warning."""
    images, labels, skipped = [], [], []
    for label, paths in files.items():
        for path in paths:
            try:
                images.append(load_image(path, mode, size))
            except unreadable_errors():
                skipped.append(path)
                continue
            labels.append(label)
    if skipped:
        _note(notes, f"skipped {len(skipped)} unreadable image{'' if len(skipped) == 1 else 's'} in "
                     f"{root.name}, e.g. {skipped[0].relative_to(root).as_posix()}")
    if not images:
        raise UsageError(f"none of the images in {root} can be read: check they are valid image files")
    X = np.stack(images)
    return (X[..., None] if X.ndim == 3 else X), np.array(labels)
