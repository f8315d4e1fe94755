"""Series data: the ``signal`` modality's arrays, and reading UCR/UEA ``.ts`` and ``.npz`` files.

Owns turning series of any source into the one form every signal solver takes, a ``float32``
array ``(N, T, C)`` (T time steps, C channels), and the one-line :class:`UsageError` messages for
bad series files. Series of different lengths (JapaneseVowels) are *resampled* by linear
interpolation to one length, the longest of the training set: every solver here (random
convolutions, DTW, convolutional and recurrent networks) then sees the whole series, start to end,
on the same time axis. Padding with zeros and a mask would make the length itself a feature and
needs every solver to honour the mask; resampling needs none. It does not own the tasks or the
splits (``byod``, ``splits``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from dlbench.core.errors import UsageError
from dlbench.core.series import as_series, resample  # noqa: F401 - the modality's array form, re-exported


def numbers(frame, path, hint: str) -> np.ndarray:
    """The values of a table of series (one a row) as float64; a cell that is not a number is a
    one-line error naming it, ending with ``hint``."""
    import pandas as pd

    values = frame.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & frame.notna()
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise UsageError(f"{path}: column {frame.columns[col]!r} of data row {row + 1} holds {frame.iat[row, col]!r}, "
                         f"not a number: {hint}")
    return values.to_numpy(dtype=np.float64)


def lengths_differ(X) -> bool:
    return len({len(s) for s in X}) > 1


# --- UCR/UEA .ts files ------------------------------------------------------------------------


def _open_text(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror}): check the file's permissions") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff").splitlines()
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a UTF-8 text .ts file") from None


def read_ts(path) -> tuple[list[np.ndarray], np.ndarray, dict]:
    """Series ``[(T_i, C)]``, string labels and the header of a UCR/UEA ``.ts`` file.

    The format (sktime/aeon): ``@``-lines (``@problemName``, ``@univariate``, ``@classLabel true
    a b``, ...) then ``@data``, then one example a line, channels separated by ``:`` with the
    class label last, values by ``,``. Missing values (``?``) are refused. Unequal lengths are
    kept here; :func:`as_series` resamples them.
    """
    path = Path(path)
    lines = _open_text(path)
    header: dict = {}
    series, labels = [], []
    in_data = False
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not in_data:
            if not text.startswith("@"):
                raise UsageError(f"{path} line {number}: expected an @-header or @data before the values: is this a "
                                 "UCR/UEA .ts file?")
            key, _, value = text[1:].partition(" ")
            key = key.lower()
            if key == "data":
                in_data = True
            else:
                header[key] = value.strip()
            continue
        parts = text.split(":")
        if len(parts) < 2:
            raise UsageError(f"{path} line {number}: expected channels separated by ':' and the class label last")
        label = parts[-1].strip()
        if any("?" in p for p in parts[:-1]) or "nan" in text.lower():
            raise UsageError(f"{path} line {number}: missing values ('?' or NaN) are not supported: fill them first")
        try:
            channels = [np.array([float(v) for v in p.split(",") if v.strip()], dtype=np.float64) for p in parts[:-1]]
        except ValueError as exc:
            raise UsageError(f"{path} line {number}: {exc} (values must be numbers separated by ',')") from None
        if len({len(c) for c in channels}) > 1:
            raise UsageError(f"{path} line {number}: its channels have different lengths "
                             f"{sorted({len(c) for c in channels})}")
        if not label:
            raise UsageError(f"{path} line {number}: no class label after the last ':'")
        series.append(np.column_stack(channels))
        labels.append(label)
    if not in_data:
        raise UsageError(f"{path} has no @data line: is this a UCR/UEA .ts file?")
    if not series:
        raise UsageError(f"{path} has no examples after @data")
    if header.get("classlabel", "true").split()[0].lower() == "false":
        raise UsageError(f"{path} has no class labels (@classLabel false): dlbench needs labelled series")
    channels = {s.shape[1] for s in series}
    if len(channels) > 1:
        raise UsageError(f"{path}: the examples have different channel counts {sorted(channels)}")
    return series, np.array(labels), header


def write_ts(path, X, y, name: str = "data") -> None:
    """Write series ``(N, T, C)`` (or a list of ``(T_i, C)``) and labels as a ``.ts`` file (tests, examples)."""
    items = [np.asarray(s) for s in X]
    items = [s[:, None] if s.ndim == 1 else s for s in items]
    equal = len({len(s) for s in items}) == 1
    classes = " ".join(sorted(set(map(str, y))))
    head = [f"@problemName {name}", "@timeStamps false", "@missing false",
            f"@univariate {'true' if items[0].shape[1] == 1 else 'false'}",
            f"@dimensions {items[0].shape[1]}", f"@equalLength {'true' if equal else 'false'}",
            f"@seriesLength {len(items[0]) if equal else 0}", f"@classLabel true {classes}", "@data"]
    body = [":".join(",".join(repr(float(v)) for v in s[:, c]) for c in range(s.shape[1])) + f":{label}"
            for s, label in zip(items, y)]
    Path(path).write_text("\n".join(head + body) + "\n", encoding="utf-8")


# --- .npz files ---------------------------------------------------------------------------------


def read_npz(path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (no pickled objects), or a one-line :class:`UsageError`."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise UsageError(f"cannot read {path} ({exc.strerror}): check the file's permissions") from None
    if not magic.startswith(b"PK"):
        raise UsageError(f"cannot read {path} as .npz (not a zip archive of arrays): save it with "
                         "numpy.savez(path, X=..., y=...)")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise UsageError(f"{path} holds Python objects (pickled arrays), which dlbench does not load: save "
                             "numeric arrays X and y (labels as numbers or fixed-width strings)") from None
        raise UsageError(f"cannot read {path} as .npz ({' '.join(str(exc).split())})") from None
    except (OSError, EOFError) as exc:
        raise UsageError(f"cannot read {path} as .npz: {' '.join(str(exc).split()) or type(exc).__name__}: save it "
                         "with numpy.savez(path, X=..., y=...)") from None


def npz_modality(X: np.ndarray, where: str) -> str:
    """``image`` for uint8 ``(N, H, W)``/``(N, H, W, C)``, ``signal`` for numbers ``(N, T)``/``(N, T, C)``."""
    if X.dtype == np.uint8 and X.ndim in (3, 4):
        return "image"
    if X.dtype.kind in "biuf" and X.ndim in (2, 3):
        return "signal"
    if X.dtype.kind not in "biuf":
        raise UsageError(f"{where} must hold numbers, got {X.dtype}: series as floats (N, T) or (N, T, C), "
                         "images as uint8 (N, H, W) or (N, H, W, C)")
    raise UsageError(f"{where} has shape {X.shape}: give series as (N, T) or (N, T, C) numbers, or images as "
                     "uint8 (N, H, W) or (N, H, W, C)")


def npz_images(X: np.ndarray) -> np.ndarray:
    return X[..., None] if X.ndim == 3 else X


def summary_names(channels: int) -> list[str]:
    """Column names of :func:`summary_table` (and OneR's rules)."""
    stats = ("mean", "std", "min", "max", "peak_at", "dominant_freq")
    return [f"{s}[{c}]" if channels > 1 else s for c in range(channels) for s in stats]


def summary_table(X) -> "np.ndarray":
    """Simple per-channel statistics of series ``(N, T, C)``: mean, spread (std), min, peak (max),
    where the peak is (fraction of the length) and the dominant frequency (cycles per series,
    the largest non-zero FFT bin). ``(N, 6 * C)`` floats."""
    X = np.asarray(X, dtype=np.float64)
    n, t, c = X.shape
    power = np.abs(np.fft.rfft(X - X.mean(axis=1, keepdims=True), axis=1)) ** 2
    dominant = power[:, 1:].argmax(axis=1) + 1 if power.shape[1] > 1 else np.zeros((n, c))
    columns = [X.mean(axis=1), X.std(axis=1), X.min(axis=1), X.max(axis=1),
               X.argmax(axis=1) / max(t - 1, 1), dominant.astype(np.float64)]
    return np.stack(columns, axis=2).reshape(n, c * len(columns))
