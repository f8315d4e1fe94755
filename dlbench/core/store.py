"""The results store: one SQLite row per finished cell, written the moment the cell ends.

Owns the database file and the CSV export; the columns come from ``core.schema``. A killed
run loses at most the cells in flight. It knows nothing about solvers, engines or reports.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from dlbench.core import schema

KEY = schema.KEY


class ResultsStore:
    """Cells and tuning trials in ``<run>/results.db``; each finished cell is one commit."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.row_factory = sqlite3.Row
        cells = ", ".join(f"{c.name} {c.sql}" for c in schema.CELL)
        trials = ", ".join(f"{c.name} {c.sql}" for c in schema.TRIAL)
        with self._db:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS cells ({cells}, PRIMARY KEY ({', '.join(KEY)}))")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS trials ({trials})")

    def add(self, row: dict[str, Any], trials: Iterable[dict[str, Any]] = ()) -> None:
        """Store a finished cell and its trials atomically (replacing an earlier attempt)."""
        key = [row.get(k) for k in KEY]
        with self._db:
            self._db.execute(f"DELETE FROM trials WHERE {' AND '.join(f'{k} = ?' for k in KEY)}", key)
            _insert(self._db, "cells", schema.names(schema.CELL), [row], replace=True)
            _insert(self._db, "trials", schema.names(schema.TRIAL), trials)

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


def _insert(db, table: str, names: list[str], rows: Iterable[dict[str, Any]], replace: bool = False) -> None:
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


def write_csv(rows: Iterable[dict[str, Any]], path: str | Path, columns: list[str] = schema.CSV_COLUMNS) -> Path:
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
    write_csv(store.trials(), run_dir / "trials.csv", schema.TRIAL_CSV_COLUMNS)
    return rows
