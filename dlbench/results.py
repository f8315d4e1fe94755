"""The results store: one SQLite row per finished cell, written the moment the cell ends.

Owns the column list (the schema of ``results.csv``), the database file and the CSV export.
A killed run loses at most the cells in flight. It knows nothing about solvers or reports.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

#: ``results.csv`` columns, in order, with their SQLite types (see the README for meanings).
COLUMNS: list[tuple[str, str]] = [
    ("task", "TEXT"),
    ("modality", "TEXT"),
    ("solver", "TEXT"),
    ("family", "TEXT"),
    ("train_size", "INTEGER"),
    ("seed", "INTEGER"),
    ("status", "TEXT"),
    ("accuracy", "REAL"),
    ("macro_f1", "REAL"),
    ("default_accuracy", "REAL"),
    ("val_score", "REAL"),
    ("fit_seconds", "REAL"),
    ("fit_cpu_seconds", "REAL"),
    ("tune_seconds", "REAL"),
    ("trials", "INTEGER"),
    ("predict_seconds", "REAL"),
    ("predict_seconds_per_1k", "REAL"),
    ("peak_memory_mb", "REAL"),
    ("n_params", "INTEGER"),
    ("model_bytes", "INTEGER"),
    ("flops", "INTEGER"),
    ("n_test", "INTEGER"),
    ("best_params", "TEXT"),
    ("error", "TEXT"),
    ("finished_at", "TEXT"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
#: Stored per cell but kept out of the flat CSV (nested or long data).
EXTRA_COLUMNS = [("classes", "TEXT"), ("confusion", "TEXT"), ("traceback", "TEXT")]
TRIAL_COLUMNS: list[tuple[str, str]] = [
    ("task", "TEXT"),
    ("solver", "TEXT"),
    ("train_size", "INTEGER"),
    ("seed", "INTEGER"),
    ("trial_id", "TEXT"),
    ("status", "TEXT"),
    ("val_score", "REAL"),
    ("seconds", "REAL"),
    ("params", "TEXT"),
    ("error", "TEXT"),
]
KEY = ("task", "solver", "train_size", "seed")


class ResultsStore:
    """Cells and tuning trials in ``<run>/results.db``; each finished cell is one commit."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.row_factory = sqlite3.Row
        cells = ", ".join(f"{name} {kind}" for name, kind in COLUMNS + EXTRA_COLUMNS)
        trials = ", ".join(f"{name} {kind}" for name, kind in TRIAL_COLUMNS)
        with self._db:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS cells ({cells}, PRIMARY KEY ({', '.join(KEY)}))")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS trials ({trials})")

    def add(self, row: dict[str, Any], trials: Iterable[dict[str, Any]] = ()) -> None:
        """Store a finished cell and its trials atomically (replacing an earlier attempt)."""
        key = [row.get(k) for k in KEY]
        with self._db:
            self._db.execute(f"DELETE FROM trials WHERE {' AND '.join(f'{k} = ?' for k in KEY)}", key)
            _insert(self._db, "cells", COLUMNS + EXTRA_COLUMNS, [row], replace=True)
            _insert(self._db, "trials", TRIAL_COLUMNS, trials)

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.execute("SELECT * FROM cells ORDER BY rowid")]

    def trials(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._db.execute("SELECT * FROM trials ORDER BY rowid")]

    def finished_keys(self) -> set[tuple]:
        """Cells that need no rerun on resume: finished, failed or timed out (not skipped)."""
        query = f"SELECT {', '.join(KEY)} FROM cells WHERE status IN ('ok', 'failed', 'timeout')"
        return {tuple(r) for r in self._db.execute(query)}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _insert(db, table: str, columns, rows: Iterable[dict[str, Any]], replace: bool = False) -> None:
    names = [name for name, _ in columns]
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    db.executemany(
        f"{verb} INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [[_sql_value(row.get(name)) for name in names] for row in rows],
    )


def _sql_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_csv(rows: Iterable[dict[str, Any]], path: str | Path, columns: list[str] = COLUMN_NAMES) -> Path:
    """Export ``rows`` with exactly ``columns`` (default: the ``results.csv`` schema)."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return path


def export(store: ResultsStore, run_dir: str | Path) -> list[dict[str, Any]]:
    """Write ``results.csv`` and ``trials.csv`` from the store; returns the cell rows."""
    run_dir = Path(run_dir)
    rows = store.rows()
    write_csv(rows, run_dir / "results.csv")
    write_csv(store.trials(), run_dir / "trials.csv", [name for name, _ in TRIAL_COLUMNS])
    return rows
