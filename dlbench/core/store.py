"""The results store: one SQLite row per finished cell, written the moment the cell ends.

Owns the database file, the format of each cell's stored predictions and the CSV export; the
columns come from ``core.schema``. A killed run loses at most the cells in flight. It knows
nothing about solvers, engines or reports: the caller says whether a cell's probabilities may
be stored compactly.

Predictions are one compressed ``.npz`` blob per cell: class codes (``*_true``, ``*_pred``)
exact, in the smallest signed integer type that holds the classes; class probabilities
(``*_proba``) as float32, or as float16 for a ``compact`` cell (half the size; read back as
float32). Stores written before compact cells (int16 codes, float32 probabilities) read as
they always did.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable

from dlbench.core import schema
from dlbench.core.errors import UsageError

KEY = schema.KEY


class ResultsStore:
    """Cells and tuning trials in ``<run>/results.db``; each finished cell is one commit."""

    def __init__(self, path: str | Path, must_exist: bool = False):
        """Open (or create) the store; with ``must_exist`` a missing, empty or foreign file is refused."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if must_exist and (not self.path.is_file() or self.path.stat().st_size == 0):
                raise sqlite3.DatabaseError("the file is missing or empty")
            self._db = sqlite3.connect(self.path)
            self._db.row_factory = sqlite3.Row
            if must_exist and not self._db.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cells'").fetchone():
                self._db.close()
                raise sqlite3.DatabaseError("it holds no table of cells")
            self._create()
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{self.path} is not a dlbench results database ({exc}); give the results.db of a "
                             "run folder, or start a new run") from None

    def _create(self) -> None:
        cells = ", ".join(f"{c.name} {c.sql}" for c in schema.CELL)
        trials = ", ".join(f"{c.name} {c.sql}" for c in schema.TRIAL)
        with self._db:
            self._db.execute(f"CREATE TABLE IF NOT EXISTS cells ({cells}, PRIMARY KEY ({', '.join(KEY)}))")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS trials ({trials})")
            self._db.execute(f"CREATE TABLE IF NOT EXISTS predictions ({', '.join(f'{c.name} {c.sql}' for c in _KEYS)}, "
                             f"arrays BLOB, PRIMARY KEY ({', '.join(KEY)}))")
            for table, columns in (("cells", schema.CELL), ("trials", schema.TRIAL), ("predictions", _KEYS)):
                have = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                for c in columns:  # a store from an older version
                    if c.name not in have:
                        default = "" if c.default is None else f" DEFAULT {c.default!r}"
                        self._db.execute(f"ALTER TABLE {table} ADD COLUMN {c.name} {c.sql}{default}")

    def add(self, row: dict[str, Any], trials: Iterable[dict[str, Any]] = (),
            predictions: dict[str, Any] | None = None, compact: bool = False) -> None:
        """Store a finished cell, its trials and its predictions atomically (replacing an earlier attempt).

        A key column left out (``scale`` in a row built before the model-size axis) takes its default.
        ``compact``: store the probabilities as float16 (about 3 significant digits), for cells that
        no ensemble or exported model is built from; otherwise as float32, exactly as solvers give them.
        """
        row, trials = _keyed(row), [_keyed(t) for t in trials]
        key = [_sql_value(row.get(k)) for k in KEY]
        where = " AND ".join(f"{k} = ?" for k in KEY)
        with self._db:
            self._db.execute(f"DELETE FROM trials WHERE {where}", key)
            self._db.execute(f"DELETE FROM predictions WHERE {where}", key)
            _insert(self._db, "cells", schema.names(schema.CELL), [row], replace=True)
            _insert(self._db, "trials", schema.names(schema.TRIAL), trials)
            if predictions:
                self._db.execute(f"INSERT INTO predictions VALUES ({', '.join('?' * (len(KEY) + 1))})",
                                 [*key, _pack(predictions, compact)])

    def rows(self) -> list[dict[str, Any]]:
        """Every cell, sorted by its key (not by when it finished), so equal runs give equal files."""
        return [dict(r) for r in self._db.execute(f"SELECT * FROM cells ORDER BY {', '.join(KEY)}")]

    def trials(self) -> list[dict[str, Any]]:
        """Every trial, sorted by its cell's key, then in the order the cell ran them."""
        return [dict(r) for r in self._db.execute(f"SELECT * FROM trials ORDER BY {', '.join(KEY)}, rowid")]

    def predictions(self, probabilities: bool = True) -> dict[schema.CellKey, dict[str, Any]]:
        """Cell key -> its stored arrays (``test_true``, ``test_pred``, ``test_proba``, ``val_true``,
        ``val_pred``, ``val_proba``); without ``probabilities``, the class codes only (what the
        report reads: the probabilities are most of the bytes and are not decompressed)."""
        out = {}
        for r in self._db.execute(f"SELECT {', '.join(KEY)}, arrays FROM predictions"):
            out[schema.CellKey.of(r)] = _unpack(r["arrays"], probabilities)
        return out

    @property
    def size_bytes(self) -> int:
        """The size of the database file in bytes (0 before anything was written)."""
        return self.path.stat().st_size if self.path.exists() else 0

    def finished_keys(self) -> set[schema.CellKey]:
        """Cells that need no rerun on resume: finished or failed (not timed out, not skipped).

        A cell cut by a timeout or by the run's budget is run again, under the new limits.
        """
        query = f"SELECT {', '.join(KEY)} FROM cells WHERE status IN ('ok', 'failed') AND COALESCE(untuned, 0) = 0"
        return {schema.CellKey.of(r) for r in self._db.execute(query)}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_KEYS = tuple(c for c in schema.CELL if c.role == "key")
_KEY_DEFAULTS = {c.name: c.default for c in _KEYS if c.default is not None}


def _keyed(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its missing key columns at their defaults."""
    return {**row, **{k: v for k, v in _KEY_DEFAULTS.items() if row.get(k) is None}}


def _pack(arrays: dict[str, Any], compact: bool = False) -> bytes:
    """Arrays as one compressed ``.npz`` blob: class codes in the smallest integer type that holds
    the classes, probabilities as float32 (as solvers give them: an ensemble built from them
    predicts exactly as its exported members do) or, ``compact``, float16."""
    import io

    import numpy as np

    data = {k: np.asarray(v) for k, v in arrays.items() if v is not None}
    codes = [k for k, v in data.items() if _is_code(k) and np.issubdtype(v.dtype, np.integer)]
    if codes:
        width = max((v.shape[-1] for k, v in data.items() if k.endswith("proba") and v.ndim == 2), default=0)
        dtype = _code_dtype(min(int(data[k].min(initial=0)) for k in codes),
                            max(max(int(data[k].max(initial=0)) for k in codes), width - 1))
        data.update({k: data[k].astype(dtype) for k in codes})
    for k in data:
        if k.endswith("proba"):
            data[k] = data[k].astype(np.float16 if compact else np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **data)
    return buffer.getvalue()


def _is_code(name: str) -> bool:
    return name.endswith(("_true", "_pred"))


def _code_dtype(low: int, high: int):
    """The smallest signed integer type holding ``low``..``high`` (signed, as the int16 codes of older stores)."""
    import numpy as np

    for dtype in (np.int8, np.int16, np.int32):
        if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _unpack(blob: bytes, probabilities: bool = True) -> dict[str, Any]:
    """The arrays of a blob (float16 probabilities widened to float32, exactly); without
    ``probabilities``, the ``*_proba`` arrays are left out, undecompressed."""
    import io

    import numpy as np

    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        out = {k: data[k] for k in data.files if probabilities or not k.endswith("proba")}
    return {k: v.astype(np.float32) if v.dtype == np.float16 else v for k, v in out.items()}


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


#: A text cell starting with one of these is run as a formula by spreadsheets (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, escaped with a leading ``'``.

    Numbers (negative ones included) stay numbers; :func:`csv_unescape` undoes the escape.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_unescape(value: str) -> str:
    """The text :func:`csv_safe` escaped (dlbench's own readers use this)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``path`` and rename it: a reader never sees half a file."""
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a plain open() would have made it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(rows: Iterable[dict[str, Any]], path: str | Path, columns: list[str] = schema.CSV_COLUMNS) -> Path:
    """Export ``rows`` with exactly ``columns`` (default: the ``results.csv`` schema), atomically."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else csv_safe(_csv_text(row.get(k)))) for k in columns})
    return write_atomic(path, buffer.getvalue())


def _csv_text(value: Any) -> Any:
    return json.dumps(value, default=str) if isinstance(value, (dict, list, tuple)) else value


def export(store: ResultsStore, run_dir: str | Path) -> list[dict[str, Any]]:
    """Write ``results.csv`` and ``trials.csv`` from the store; returns the cell rows."""
    run_dir = Path(run_dir)
    rows = store.rows()
    write_csv(rows, run_dir / "results.csv")
    write_csv(store.trials(), run_dir / "trials.csv", schema.TRIAL_CSV_COLUMNS)
    return rows
