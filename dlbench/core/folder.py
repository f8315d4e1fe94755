"""A run folder: every file name in it and every write to its ``run.json``.

Owns where a run's files live (``run.json``, ``results.db``, the CSV files, ``index.html``,
``models/``, the data given in memory, the tuner's and the cells' logs, the lock), creating a
fresh folder, telling a run folder from anything else, and reading and updating ``run.json``
(one atomic read-modify-write, never a partial file). It does not decide what a run computes
or what its files hold.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from dlbench.core.errors import UsageError
from dlbench.core.store import ResultsStore, write_atomic


class RunFolder:
    """The folder ``OUT/<run-id>/`` of one run, and the names of the files in it."""

    INFO, DB, REPORT = "run.json", "results.db", "index.html"
    RESULTS, TRIALS, SUMMARY = "results.csv", "trials.csv", "summary.csv"
    MODELS, DATA, TUNING, LOGS, LOCK = "models", "data", "tuning", "logs", ".lock"

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    @classmethod
    def create(cls, out: str | Path, tasks: list[str]) -> "RunFolder":
        """A fresh folder ``OUT/<time>-<tasks>`` (``-2``, ``-3``, ... when that name is taken)."""
        stem = "-".join(Path(str(t)).stem.split(":")[0] for t in tasks)[:40] or "run"
        base = Path(out) / f"{datetime.now():%Y%m%d-%H%M%S}-{stem}"
        path, n = base, 1
        while True:
            try:
                path.mkdir(parents=True)
                return cls(path)
            except FileExistsError:
                n += 1
                path = base.with_name(f"{base.name}-{n}")
            except OSError as exc:
                raise UsageError(f"cannot create the run folder in {out}: {exc.strerror or exc}; "
                                 "choose another --out") from None

    @classmethod
    def existing(cls, path: str | Path) -> "RunFolder":
        """The run folder at ``path``; anything else (no ``run.json`` or no ``results.db``) is a UsageError."""
        folder = cls(path)
        if not folder.path.is_dir():
            raise UsageError(f"{path} is not a dlbench run folder (no such folder): give a folder OUT/<run-id> "
                             "written by `dlbench run`")
        missing = [name for name in (cls.DB, cls.INFO) if not (folder.path / name).is_file()]
        if missing:
            raise UsageError(f"{path} is not a dlbench run folder (no {' or '.join(missing)}): "
                             "give a folder OUT/<run-id> written by `dlbench run`")
        return folder

    # --- the files ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def info(self) -> Path:
        return self.path / self.INFO

    @property
    def db(self) -> Path:
        return self.path / self.DB

    @property
    def report(self) -> Path:
        return self.path / self.REPORT

    @property
    def results_csv(self) -> Path:
        return self.path / self.RESULTS

    @property
    def trials_csv(self) -> Path:
        return self.path / self.TRIALS

    @property
    def summary_csv(self) -> Path:
        return self.path / self.SUMMARY

    @property
    def models(self) -> Path:
        return self.path / self.MODELS

    @property
    def model_index(self) -> Path:
        """The list of exported models (``models/index.json``, written by ``models.export``)."""
        return self.models / "index.json"

    def exported_models(self) -> list[dict[str, Any]]:
        """The entries of :attr:`model_index` (``[]`` without one, or with a damaged one)."""
        try:
            return json.loads(self.model_index.read_text(encoding="utf-8")) if self.model_index.exists() else []
        except ValueError:
            return []

    @property
    def data(self) -> Path:
        """Data given in memory (``dlbench.run(df, ...)``), written here so the run can be resumed."""
        return self.path / self.DATA

    @property
    def tuning(self) -> Path:
        return self.path / self.TUNING

    @property
    def cell_log(self) -> Path:
        """What the libraries print inside cells, kept off the terminal."""
        return self.path / self.LOGS / "cells.log"

    def lock(self):
        """Take the folder's lock (:class:`~dlbench.core.lock.RunLock`): one writer at a time."""
        from dlbench.core.lock import RunLock

        return RunLock(self.path / self.LOCK)

    def store(self, must_exist: bool = False) -> ResultsStore:
        return ResultsStore(self.db, must_exist=must_exist)

    # --- run.json -------------------------------------------------------------------------------

    def read_info(self) -> dict[str, Any]:
        """``run.json`` as a dict; ``{}`` when it does not exist (yet); a damaged one is a UsageError."""
        if not self.info.exists():
            return {}
        try:
            return json.loads(self.info.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"{self.info} is damaged ({exc}); its run cannot be read") from None

    def write_info(self, info: dict[str, Any]) -> None:
        write_atomic(self.info, json.dumps(info, indent=2, default=str))

    def update_info(self, **changes: Any) -> dict[str, Any]:
        """Set top-level keys of ``run.json`` (if it exists); returns the new contents."""
        info = self.read_info()
        if info:
            info.update(changes)
            self.write_info(info)
        return info
