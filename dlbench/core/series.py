"""Series as the ``signal`` modality holds them: ``float32 (N, T, C)``, other lengths resampled.

Owns the one form every signal solver takes and the checks a :class:`~dlbench.core.task.Dataset`
and new inputs for a model go through (numbers, 2 or 3 axes, one channel count, no NaN). Series
of different lengths are *resampled* by linear interpolation to one length, the longest of the
training set: every solver then sees the whole series, start to end, on the same time axis.
Padding with zeros and a mask would make the length itself a feature and needs every solver to
honour the mask; resampling needs none. Reading series files is :mod:`dlbench.data.signals`'s.
"""

from __future__ import annotations

import numpy as np

from dlbench.core.errors import UsageError


def resample(series: np.ndarray, length: int) -> np.ndarray:
    """One series ``(T, C)`` linearly interpolated to ``(length, C)``."""
    series = np.asarray(series, dtype=np.float64)
    if len(series) == length:
        return series
    if len(series) == 1:
        return np.repeat(series, length, axis=0)
    old = np.linspace(0.0, 1.0, len(series))
    new = np.linspace(0.0, 1.0, length)
    return np.column_stack([np.interp(new, old, series[:, c]) for c in range(series.shape[1])])


def as_series(X, length: int | None = None, where: str = "the data") -> np.ndarray:
    """``X`` as ``float32 (N, T, C)``: a 2-D array is one channel; a list of ``(T_i, C)`` series of
    different lengths is resampled to ``length`` (default: the longest). NaN or infinite values,
    or a channel count that differs between series, are a :class:`UsageError`."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        arr = X
        if arr.dtype.kind not in "biuf":
            raise UsageError(f"{where} must hold numbers, got an array of {arr.dtype}")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise UsageError(f"{where} must be an array (N, T) or (N, T, C) of series, got shape {arr.shape}")
        if length is not None and arr.shape[1] != length:
            arr = np.stack([resample(s, length) for s in arr]) if len(arr) else arr.reshape(0, length, arr.shape[2])
        items = None
    else:
        items = [np.asarray(s, dtype=np.float64) for s in X]
        items = [s[:, None] if s.ndim == 1 else s for s in items]
        bad = [s.shape for s in items if s.ndim != 2]
        if bad:
            raise UsageError(f"each series of {where} must be (T,) or (T, C), got one of shape {bad[0]}")
        channels = {s.shape[1] for s in items}
        if len(channels) > 1:
            raise UsageError(f"the series of {where} have different channel counts {sorted(channels)}: give every "
                             "series the same channels")
        if any(len(s) == 0 for s in items):
            raise UsageError(f"{where} holds an empty series: give every series at least one value")
        target = length or max((len(s) for s in items), default=1)
        arr = np.stack([resample(s, target) for s in items]) if items else np.zeros((0, target, 1))
    arr = np.asarray(arr, dtype=np.float32)
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise UsageError(f"{where} has series of shape {arr.shape[1:]}: give at least one time step and channel")
    finite = np.isfinite(arr)
    if not finite.all():
        n = int((~finite.reshape(len(arr), -1)).any(axis=1).sum())
        raise UsageError(f"{where} holds NaN or infinite values in {n} series: fill or drop them first "
                         "(missing values in series are not supported)")
    return arr
