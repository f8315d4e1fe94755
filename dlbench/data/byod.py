"""Bring-your-own-data tasks: a CSV file or a folder of images given as a path.

Owns turning ``dlbench run data.csv --target y`` (or an image folder) into a :class:`Task`:
reading CSV/TSV tables (tabular, or text with ``--text-column``) and one-sub-folder-per-class
image trees, inferring column types and a common image size and channel count, the fixed test
set (a seeded stratified split, or the user's ``--test`` path) and one-line :class:`UsageError`
messages for bad input. It does not own the CLI options, the split algorithm (``splits``) or
the checks every :class:`Dataset` makes (empty data, a single class, unseen test labels).
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.data.splits import stratified_split, take
from dlbench.core.task import Dataset, Task, column_kinds

log = logging.getLogger("dlbench")

TEST_FRACTION = 0.25
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
#: Images are resized to the median height and width of the training images, capped per side.
MAX_IMAGE_SIDE = 64
_GREY_BANDS = {"1", "L", "I", "F"}  # first band of Pillow's grey modes (L, LA, I;16, ...)


def task_from_path(path, *, target=None, text_column=None, test=None) -> Task:
    """A task for the CSV file or image folder at ``path`` (``test``: a fixed test set of the same form).

    Cheap checks happen here (paths exist, CSV readable, columns present, folder layout);
    images are decoded and the data fully checked in ``load()``.
    """
    root = _existing(path, "data")
    test_root = _existing(test, "test") if test is not None else None
    if test_root is not None and test_root.is_dir() != root.is_dir():
        kind = "an image folder" if root.is_dir() else "a CSV file"
        raise UsageError(f"--test {test} must be the same kind of data as {path}: {kind}")
    if root.is_dir():
        return _image_task(root, test_root, target, text_column)
    return _csv_task(root, test_root, target, text_column)


class PathTask(Task):
    """A task read from user files; its ``__init__`` arguments are the task's parameters.

    ``task_from_path`` returns an instance of a per-path subclass of :class:`CSVTask` or
    :class:`ImageFolderTask` that holds the metadata (name, modality, description, source).
    """

    license = "user data"

    def __init__(self, path: str, target: str | None = None, text_column: str | None = None,
                 test: str | None = None):
        self.path = path
        self.target = target
        self.text_column = text_column
        self.test = test


def _task(cls: type, root: Path, test_root: Path | None, modality: str, description: str, **params) -> Task:
    # The metadata goes on a per-path subclass: the runner reads ``type(task).metadata()`` and
    # records ``vars(task)`` as the task's parameters.
    name = root.resolve().name if root.is_dir() else root.stem
    if test_root is not None:
        description += f" Test set: {test_root}."
    attrs = {"name": name, "modality": modality, "description": description, "source": str(root)}
    subclass = type(cls.__name__, (cls,), attrs)
    return subclass(str(root), test=None if test_root is None else str(test_root), **params)


def _existing(path, role: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(
            f"{role} path {str(path)!r} does not exist: check the spelling, or give a CSV file "
            "or a folder with one sub-folder of images per class"
        )
    return p


def _split_dataset(X, y, modality: str, where: str) -> Dataset:
    """The seeded stratified split (it never changes between runs) of one labelled pool."""
    _check_splittable(y, where)
    train, test = stratified_split(y, test_fraction=TEST_FRACTION)
    return Dataset(take(X, train), y[train], take(X, test), y[test], modality)


def _check_splittable(y, where: str) -> None:
    counts = Counter(y.tolist())
    few = sorted(label for label, n in counts.items() if n < 2)
    if not few:
        return
    if len(counts) > 20 and len(few) > len(counts) / 2:
        raise UsageError(
            f"{where} has {len(counts)} distinct values in {len(y)} examples and most occur once: "
            "dlbench does classification, so pick a target with a few classes"
        )
    named = ", ".join(repr(c) for c in few[:5]) + (f" and {len(few) - 5} more" if len(few) > 5 else "")
    raise UsageError(
        f"class {named} in {where} has only 1 example, too few to split off a test set: "
        "give at least 2 examples per class, remove the class, or pass --test PATH"
    )


# --- CSV files --------------------------------------------------------------------------------


class CSVTask(PathTask):
    """A table from a CSV file: tabular features, or one text column with ``text_column``."""

    def load(self) -> Dataset:
        X, y = _read_labelled_table(Path(self.path), self.target, self.text_column)
        where = f"column {self.target!r} of {self.path}"
        if self.test is None:
            return _split_dataset(X, y, self.modality, where)
        str_columns = [] if self.text_column else _categorical_columns(X)
        X_test, y_test = _read_labelled_table(Path(self.test), self.target, self.text_column, str_columns)
        if not self.text_column:
            X_test = _align_test_columns(X, X_test, self.path, self.test)
        return Dataset(X, y, X_test, y_test, self.modality)


def _csv_task(root: Path, test_root: Path | None, target, text_column) -> Task:
    columns = _read_columns(root)
    if target is None:
        raise UsageError(f"{root} is a table: give --target COLUMN; the columns are: {_listing(columns)}")
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


def _read_text(path: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped); binary or other encodings are user errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror}): check the file's permissions") from None
    if b"\x00" in data[:65536]:
        raise UsageError(
            f"{path} is not a plain-text CSV (it holds binary data: a spreadsheet? UTF-16?): "
            "export it as 'CSV UTF-8'"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(
            f"{path} is not UTF-8 text (bad byte at offset {exc.start}, line {line}): "
            "re-save the file as UTF-8, e.g. 'CSV UTF-8' in Excel or `iconv -f latin1 -t utf-8`"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise UsageError(f"{path} is empty: give a CSV with a header row and one row per example")
    return text


def _delimiter(path: Path, text: str) -> str:
    """Tab for .tsv/.tab files, else sniffed from the first lines (comma if unsure)."""
    if path.suffix.lower() in {".tsv", ".tab"}:
        return "\t"
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _parse_csv(path: Path, text: str, **kwargs):
    import pandas as pd

    try:
        # index_col=False: a row with extra fields must not silently turn column 1 into an index.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=_delimiter(path, text), index_col=False, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:  # EmptyDataError is a ValueError
        reason = " ".join(str(exc).split())
        raise UsageError(
            f"cannot parse {path} as CSV ({reason}): give a header row and the same number of fields on every line"
        ) from None
    for warning in caught:
        log.warning("while reading %s: %s", path, warning.message)
    return frame


def _read_columns(path: Path) -> list[str]:
    return [str(c) for c in _parse_csv(path, _read_text(path), nrows=0).columns]


def _read_table(path: Path, str_columns=()):
    """The whole CSV; ``str_columns`` are read as text (so labels like 1 never become 1.0)."""
    frame = _parse_csv(path, _read_text(path), dtype={c: str for c in str_columns})
    frame.columns = [str(c) for c in frame.columns]
    if frame.empty:
        raise UsageError(f"{path} has a header but no rows: add one row per example")
    return frame


def _read_labelled_table(path: Path, target: str, text_column: str | None, str_columns=()):
    """Inputs and string labels; rows without a label are dropped with a warning."""
    frame = _read_table(path, [target, *([text_column] if text_column else []), *str_columns])
    _check_column(target, list(frame.columns), path)
    missing = frame[target].isna()
    if missing.all():
        raise UsageError(f"column {target!r} of {path} is empty: give every example a class label")
    if missing.any():
        n = int(missing.sum())
        log.warning("dropped %d row%s of %s with no value in the target column %r",
                    n, "" if n == 1 else "s", path, target)
        frame = frame[~missing].reset_index(drop=True)
    y = frame[target].astype(str).to_numpy()
    if text_column is None:
        return frame.drop(columns=[target]), y
    _check_column(text_column, list(frame.columns), path)
    return frame[text_column].fillna("").astype(str).to_numpy(dtype=object), y


def _check_column(name: str, columns: list[str], path: Path) -> None:
    if name in columns:
        return
    by_lower = {c.lower(): c for c in columns}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f"did you mean {by_lower[close[0]]!r}? " if close else ""
    raise UsageError(f"{path} has no column {name!r}: {hint}the columns are: {_listing(columns)}")


def _listing(columns: list[str], limit: int = 20) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f" ... ({len(columns) - limit} more)" if len(columns) > limit else "")


def _categorical_columns(X) -> list[str]:
    return [c for c, kind in column_kinds(X).items() if kind == "categorical"]


def _align_test_columns(X, X_test, train_path: str, test_path: str):
    """The test features in the training order; a different column set or type is an error."""
    import pandas as pd

    missing = [c for c in X.columns if c not in X_test.columns]
    extra = [c for c in X_test.columns if c not in X.columns]
    if missing or extra:
        diff = "; ".join(
            f"{what}: {_listing(cols, 5)}" for what, cols in (("missing", missing), ("extra", extra)) if cols
        )
        raise UsageError(
            f"the test file {test_path} has other columns than {train_path} ({diff}): give both the same columns"
        )
    X_test = X_test[list(X.columns)]
    test_kinds = column_kinds(X_test)
    for column, kind in column_kinds(X).items():
        if kind == "numeric" and test_kinds[column] != "numeric":
            values = X_test[column]
            bad = values[values.notna() & pd.to_numeric(values, errors="coerce").isna()]
            raise UsageError(
                f"column {column!r} is numeric in {train_path} but not in {test_path} "
                f"(e.g. {bad.iloc[0]!r}): fix those values or leave them empty"
            )
    return X_test


# --- image folders ----------------------------------------------------------------------------


class ImageFolderTask(PathTask):
    """Images in one sub-folder per class; grey if every training image is grey, else RGB."""

    def load(self) -> Dataset:
        root = Path(self.path)
        files = _image_files(root)
        mode, size = _common_format(root, files)
        X, y = _read_images(root, files, mode, size)
        if self.test is None:
            return _split_dataset(X, y, self.modality, f"the image folder {root}")
        test_root = Path(self.test)
        X_test, y_test = _read_images(test_root, _image_files(test_root), mode, size)
        return Dataset(X, y, X_test, y_test, self.modality)


def _image_task(root: Path, test_root: Path | None, target, text_column) -> Task:
    if target is not None or text_column is not None:
        raise UsageError(
            f"{root} is an image folder, whose sub-folder names are the classes: drop --target and --text-column"
        )
    files = _image_files(root)
    if test_root is not None:
        _image_files(test_root)
    description = f"Your images in {root}: {len(files)} classes, one sub-folder each."
    return _task(ImageFolderTask, root, test_root, "image", description)


def _image_files(root: Path) -> dict[str, list[Path]]:
    """Image paths by class (sub-folder name); images may sit in nested folders of a class."""
    classes: dict[str, list[Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            f for f in folder.rglob("*")
            if f.suffix.lower() in IMAGE_SUFFIXES and not f.name.startswith(".") and f.is_file()
        )
        if files:
            classes[folder.name] = files
        else:
            log.warning("ignored the folder %s: it holds no images", folder)
    if not classes:
        raise UsageError(
            f"found no images in sub-folders of {root}: expected one sub-folder per class with images "
            f"inside, e.g. {root.name}/cat/1.png"
        )
    return classes


def _unreadable():
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
        except _unreadable():
            continue
    if not widths:
        raise UsageError(f"none of the images in {root} can be read: check they are valid image files")

    def side(values):
        return int(min(MAX_IMAGE_SIDE, max(1, round(float(np.median(values))))))

    return ("L" if grey else "RGB"), (side(widths), side(heights))


def _load_image(path: Path, mode: str, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert(mode)
        return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)


def _read_images(root: Path, files: dict[str, list[Path]], mode: str, size: tuple[int, int]):
    """``uint8`` images ``(N, H, W, C)`` and their labels; unreadable files are skipped with a warning."""
    images, labels, skipped = [], [], []
    for label, paths in files.items():
        for path in paths:
            try:
                images.append(_load_image(path, mode, size))
            except _unreadable():
                skipped.append(path)
                continue
            labels.append(label)
    if skipped:
        n = len(skipped)
        log.warning("skipped %d unreadable image%s in %s, e.g. %s",
                    n, "" if n == 1 else "s", root, skipped[0].relative_to(root).as_posix())
    if not images:
        raise UsageError(f"none of the images in {root} can be read: check they are valid image files")
    X = np.stack(images)
    return (X[..., None] if X.ndim == 3 else X), np.array(labels)
