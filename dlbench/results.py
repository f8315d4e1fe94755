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
    ("fit_seconds", "REAL"),
    ("fit_cpu_seconds", "REAL"),
    ("predict_seconds", "REAL"),
    ("predict_seconds_per_1k", "REAL"),
    ("n_params", "INTEGER"),
    ("model_bytes", "INTEGER"),
    ("n_test", "INTEGER"),
    ("params", "TEXT"),
    ("error", "TEXT"),
    ("finished_at", "TEXT"),
]
COLUMN_NAMES = [name for name, _ in COLUMNS]
#: Stored per cell but kept out of the flat CSV (nested data).
EXTRA_COLUMNS = [("classes", "TEXT"), ("confusion", "TEXT")]
KEY = ("task", "solver", "train_size", "seed")


class ResultsStore:
    """An append-only table of cells in ``<run>/results.db``; each write is its own commit."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS + EXTRA_COLUMNS)
        with self._db:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS cells ({columns}, PRIMARY KEY ({', '.join(KEY)}))")

    def add(self, row: dict[str, Any]) -> None:
        names = [name for name, _ in COLUMNS + EXTRA_COLUMNS]
        values = [_sql_value(row.get(name)) for name in names]
        with self._db:
            self._db.execute(
                f"INSERT OR REPLACE INTO cells ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                values,
            )

    def rows(self) -> list[dict[str, Any]]:
        self._db.row_factory = sqlite3.Row
        try:
            cursor = self._db.execute("SELECT rowid, * FROM cells ORDER BY rowid")
            return [dict(r) for r in cursor]
        finally:
            self._db.row_factory = None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _sql_value(value):
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_csv(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Export ``rows`` with exactly :data:`COLUMN_NAMES` as columns."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMN_NAMES, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMN_NAMES})
    return path
