"""Bring-your-own-data tasks: a CSV file, a folder of images, a ``.npz`` or a UCR/UEA ``.ts`` file given as a path.

Owns turning ``dlbench run data.csv --target y`` (or an image folder) into a :class:`Task`:
reading CSV/TSV tables (tabular, or text with ``--text-column``) and one-sub-folder-per-class
image trees, ``.npz`` arrays (series or images) and ``.ts`` series, and CSV files with one series
per row (``--modality signal``), inferring column types and a common image size and channel count, the fixed test
set (a seeded stratified split, or the user's ``--test`` path) and one-line :class:`UsageError`
messages for bad input (duplicated column names, a regression-like target, ...). Dirty but
valid data loads: unlabelled training rows and (without ``--test``) classes with one example
are dropped, tables are tidied (``audit.tidy_table``), each change a note in ``Dataset.notes``
and a warning; rows of a ``--test`` file are never dropped or reordered. It does not own the
CLI options, the split algorithm (``splits``) or the checks every :class:`Dataset` makes.
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
from dlbench.core.task import Dataset, Task, column_kinds
from dlbench.data import signals
from dlbench.data.naming import task_name
from dlbench.data.audit import check_target, names, rare_classes, tidy_table
from dlbench.data.splits import stratified_split, take

log = logging.getLogger("dlbench")

TEST_FRACTION = 0.25
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


class PathTask(Task):
    """A task read from user files; its ``__init__`` arguments are the task's parameters.

    ``task_from_path`` returns an instance of a per-path subclass of :class:`CSVTask` or
    :class:`ImageFolderTask` that holds the metadata (name, modality, description, source).
    """

    license = "user data"

    def __init__(self, path: str, target: str | None = None, text_column: str | None = None,
                 test: str | None = None):
        self.path, self.target, self.text_column, self.test = path, target, text_column, test

    def load(self) -> Dataset:
        """The data, read once per process while the files stay unchanged (see :meth:`read`)."""
        key = (type(self).__qualname__, self.read.__qualname__, self.path, self.target, self.text_column, self.test,
               _fingerprint(self.path), _fingerprint(self.test))
        if key not in _LOADED:
            data = self.read()
            while len(_LOADED) >= MAX_LOADED:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = data
        return _LOADED[key]

    def read(self) -> Dataset:
        raise NotImplementedError


#: Datasets read by ``PathTask.load``, by task parameters and file fingerprints (oldest first).
_LOADED: dict[tuple, Dataset] = {}
MAX_LOADED = 4


def _fingerprint(path: str | None):
    """Sizes and modification times of a file, or of every file in a folder."""
    if path is None:
        return None
    p = Path(path)
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    return hash(tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))


def _task(cls: type, root: Path, test_root: Path | None, modality: str, description: str, **params) -> Task:
    # The metadata goes on a per-path subclass: the runner reads ``type(task).metadata()`` and
    # records ``vars(task)`` as the task's parameters.
    name = root.resolve().name if root.is_dir() else task_name(root)
    if test_root is not None:
        description += f" Test set: {test_root}."
    attrs = {"name": name, "modality": modality, "description": description, "source": str(root)}
    subclass = type(cls.__name__, (cls,), attrs)
    return subclass(str(root), test=None if test_root is None else str(test_root), **params)


def _existing(path, role: str) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(f"{role} path {str(path)!r} does not exist: check the spelling, or give a CSV file "
                         "or a folder with one sub-folder of images per class")
    return p


def _note(notes: list[str], *texts: str) -> None:
    """Record changes made to the data (for the audit) and warn about them."""
    for text in texts:
        notes.append(text)
        log.warning("%s", text)


def _split_dataset(X, y, modality: str, where: str, notes: list[str]) -> Dataset:
    """The seeded stratified split (it never changes between runs) of one labelled pool."""
    few = rare_classes(y, where, split=True)
    if few:
        keep = np.flatnonzero(~np.isin(y, few))
        X, y = take(X, keep), y[keep]
        _note(notes, f"dropped {len(few)} class{'es' if len(few) > 1 else ''} of {where} with a single example "
                     f"(too few to split off a test set; --test PATH keeps them): {names([repr(c) for c in few])}")
    train, test = stratified_split(y, test_fraction=TEST_FRACTION)
    return Dataset(take(X, train), y[train], take(X, test), y[test], modality, notes=notes)


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
            return _split_dataset(X, y, self.modality, where, notes)
        test = Path(self.test)
        str_columns = [] if self.text_column else [c for c, k in column_kinds(X).items() if k == "categorical"]
        X_test, y_test = _read_labelled_table(test, self.target, self.text_column, str_columns, notes=None)
        if not self.text_column:
            X_test, _, tidied = tidy_table(X_test, f"the test file {test.name}", drop=dropped)
            _note(notes, *tidied)
            X_test = _align_test_columns(X, X_test, self.path, self.test)
        return Dataset(X, y, X_test, y_test, self.modality, notes=notes)


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


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped); binary or other encodings are user errors."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror}): check the file's permissions") from None
    if b"\x00" in data[:65536]:
        raise UsageError(f"{path} is not a plain-text CSV (it holds binary data: a spreadsheet? UTF-16?): "
                         "export it as 'CSV UTF-8'")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path} is not UTF-8 text (bad byte at offset {exc.start}, line {line}): re-save the "
                         "file as UTF-8, e.g. 'CSV UTF-8' in Excel or `iconv -f latin1 -t utf-8`") from None
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


def _parse_csv(path: Path, text: str, quiet: bool = False, **kwargs):
    import pandas as pd

    sep = _delimiter(path, text)
    _check_header(path, text, sep)
    try:
        # index_col=False: a row with extra fields must not silently turn column 1 into an index;
        # low_memory=False: a column's type is inferred from all its values, not chunk by chunk.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=sep, index_col=False, low_memory=False, **kwargs)
    except (ValueError, pd.errors.ParserError, csv.Error, OverflowError) as exc:  # EmptyDataError: a ValueError
        reason = " ".join(str(exc).split())
        raise UsageError(f"cannot parse {path} as CSV ({reason}): give a header row and the same number of "
                         "fields on every line") from None
    for warning in caught if not quiet else ():
        log.warning("while reading %s: %s", path, " ".join(str(warning.message).split()))
    return frame


def _check_header(path: Path, text: str, sep: str) -> None:
    """Column names must be unique: pandas would rename a repeat ``x.1``, and a repeated target
    column would leak the label into the features."""
    try:
        header = next(csv.reader(io.StringIO(text[: 1 << 20]), delimiter=sep), [])
    except csv.Error:
        return  # pandas reports what is wrong with the file
    repeated = {name: n for name, n in Counter(header).items() if n > 1 and name.strip()}
    if repeated:
        listed = names([f"{name!r} ({n} times)" for name, n in repeated.items()])
        raise UsageError(f"{path} has duplicated column names: {listed}: rename or remove the repeated "
                         "columns so that every column name is unique")


def _read_columns(path: Path) -> list[str]:
    return [str(c) for c in _parse_csv(path, read_text(path), quiet=True, nrows=0).columns]


def read_table(path: Path, str_columns=(), **kwargs):
    """The whole CSV; ``str_columns`` are read as text (so labels like 1 never become 1.0)."""
    frame = _parse_csv(path, read_text(path), dtype={c: str for c in str_columns}, **kwargs)
    frame.columns = [str(c) for c in frame.columns]
    if frame.empty:
        raise UsageError(f"{path} has a header but no rows: add one row per example")
    return frame


def _read_labelled_table(path: Path, target: str, text_column: str | None, str_columns=(), *, notes):
    """Inputs and string labels. Rows without a label are dropped with a note (``notes``), or,
    for a test file (``notes=None``), refused: its rows are never dropped."""
    frame = read_table(path, [target, *([text_column] if text_column else []), *str_columns])
    _check_column(target, list(frame.columns), path)
    missing, y = _labels(frame[target], path, target, test_file=notes is None)
    if missing.any():
        n = int(missing.sum())
        _note(notes, f"dropped {n} row{'' if n == 1 else 's'} of {path.name} with no value in the target "
                     f"column {target!r}")
        frame = frame[~missing].reset_index(drop=True)
    if text_column is None:
        return frame.drop(columns=[target]), y
    _check_column(text_column, list(frame.columns), path)
    return frame[text_column].fillna("").astype(str).to_numpy(dtype=object), y


def _labels(values, path: Path, target: str, *, test_file: bool):
    """``(rows without a label, labels of the other rows)`` of a target column, as strings."""
    missing = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    if missing.all():
        raise UsageError(f"column {target!r} of {path} is empty: give every example a class label")
    if test_file and missing.any():
        n, rows = int(missing.sum()), ", ".join(str(i + 1) for i in np.flatnonzero(missing)[:5])
        raise UsageError(f"{n} row{'' if n == 1 else 's'} of the test file {path} (data row {rows}) "
                         f"{'has' if n == 1 else 'have'} no value in the target column {target!r}: "
                         "give every test row its label (test rows are never dropped)")
    return missing, values[~missing].astype(str).to_numpy()


def _check_column(name: str, columns: list[str], path: Path) -> None:
    if name in columns:
        return
    by_lower = {c.lower(): c for c in columns}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    hint = f"did you mean {by_lower[close[0]]!r}? " if close else ""
    raise UsageError(f"{path} has no column {name!r}: {hint}the columns are: {names(columns, 20)}")


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


# --- series: .npz, .ts and CSV files with one series per row ------------------------------------

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
    import pandas as pd

    X, y = _read_labelled_table(path, target, None, notes=notes)
    values = X.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & X.notna()
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise UsageError(f"{path}: column {X.columns[col]!r} of data row {row + 1} holds {X.iat[row, col]!r}, not a "
                         "number: a series CSV holds numbers besides the target column")
    return signals.as_series(values.to_numpy(dtype=np.float64), where=str(path)), y


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
