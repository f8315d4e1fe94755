"""Reading CSV files for your own data: UTF-8 text, the delimiter, a unique header, labelled rows.

Owns the one-line :class:`UsageError` messages of a CSV that cannot be read (binary, not UTF-8,
duplicated column names, a missing column) and dropping or refusing rows without a label. It does
not own what the columns become (``byod`` for tables and text, ``series_files`` for series).
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
from dlbench.data.audit import names
from dlbench.data.pathtask import _note

log = logging.getLogger("dlbench")


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
