"""The task of user files given as a path: its class, its per-path metadata and the fixed test split.

Owns :class:`PathTask` (reading once per process while the files are unchanged), the per-path
subclass that carries a task's name and description, the seeded stratified split of one labelled
pool (``TEST_FRACTION`` held out) and the notes on what loading changed. It does not own reading
any file format: ``byod`` (tables, images), ``csvfiles`` and ``series_files`` do.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.task import Dataset, Task
from dlbench.data.audit import names, rare_classes
from dlbench.data.naming import task_name
from dlbench.data.splits import stratified_split, take

log = logging.getLogger("dlbench")

TEST_FRACTION = 0.25


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


def _split_dataset(X, y, modality: str, where: str, notes: list[str], label_type: str = "") -> Dataset:
    """The seeded stratified split (it never changes between runs) of one labelled pool."""
    few = rare_classes(y, where, split=True)
    if few:
        keep = np.flatnonzero(~np.isin(y, few))
        X, y = take(X, keep), y[keep]
        _note(notes, f"dropped {len(few)} class{'es' if len(few) > 1 else ''} of {where} with a single example "
                     f"(too few to split off a test set; --test PATH keeps them): {names([repr(c) for c in few])}")
    train, test = stratified_split(y, test_fraction=TEST_FRACTION)
    return Dataset(take(X, train), y[train], take(X, test), y[test], modality, notes=notes, label_type=label_type)
