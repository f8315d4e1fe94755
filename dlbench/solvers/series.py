"""Hand-designed features and distances for series ``(N, T, C)``, in numpy.

Owns the signal modality's feature recipes for the shallow family: the raw values, summary
statistics (a catch22-style set of distribution, autocorrelation, spectral and run-length
features per channel) and MiniRocket-style random convolutional features (Dempster, Schmidt &
Webb, KDD 2021), plus dynamic time warping. They are written here, in numpy, rather than taken
from aeon: aeon 1.6 pins pandas and numba below what dlbench resolves to with TensorFlow (see the
``signals`` extra, which ``benchmarks/anchors.py`` uses to run aeon's own classifiers beside
these). Nothing here compiles code, so worker processes pay no warm-up. It does not own the
learners put after the features (``shallow``).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

#: Feature kinds of the shallow solvers' ``series_features`` parameter.
SERIES_FEATURES = ("raw", "summary", "minirocket")
#: Names of the per-channel statistics of :func:`summary_features`.
SUMMARY_STATS = ("mean", "std", "min", "max", "median", "q10", "q90", "skew", "kurtosis", "peak_at", "trough_at",
                 "acf1", "acf_zero", "dominant_freq", "spectral_centroid", "low_power", "mean_abs_diff",
                 "std_diff", "mean_crossings", "longest_above", "slope")


def raw_values(X) -> np.ndarray:
    """Series ``(N, T, C)`` flattened to ``(N, T*C)`` floats."""
    X = np.asarray(X, dtype=np.float32)
    return X.reshape(len(X), -1)


def summary_features(X) -> np.ndarray:
    """``len(SUMMARY_STATS)`` statistics per channel, ``(N, 21 * C)``: the distribution (moments,
    quantiles), where the peak and trough are, the autocorrelation at lag 1 and its first zero
    crossing, the dominant frequency, spectral centroid and low-band power share, the size and
    spread of steps, how often the mean is crossed, the longest stretch above the mean and the
    linear trend. A catch22-style set (Lubba et al. 2019), not catch22 itself."""
    X = np.asarray(X, dtype=np.float64)
    n, t, c = X.shape
    mean = X.mean(axis=1)
    std = X.std(axis=1)
    centred = X - mean[:, None]
    safe = np.where(std > 1e-12, std, 1.0)
    z = centred / safe[:, None]
    q10, median, q90 = np.quantile(X, [0.1, 0.5, 0.9], axis=1)
    skew = (z ** 3).mean(axis=1)
    kurt = (z ** 4).mean(axis=1) - 3.0
    span = max(t - 1, 1)
    spectrum = np.fft.rfft(centred, axis=1)
    # The ACF from the power spectrum (zero-padded: no circular wrap), normalised to 1 at lag 0.
    padded = np.fft.rfft(centred, n=2 * t, axis=1)
    acf = np.fft.irfft(np.abs(padded) ** 2, axis=1)[:, :t]
    acf = acf / np.where(acf[:, :1] > 1e-12, acf[:, :1], 1.0)
    acf1 = acf[:, 1] if t > 1 else np.zeros((n, c))
    below = acf <= 0
    acf_zero = np.where(below.any(axis=1), below.argmax(axis=1), t) / t
    power = np.abs(spectrum) ** 2
    freqs = np.arange(power.shape[1], dtype=np.float64)
    total = power[:, 1:].sum(axis=1)
    safe_total = np.where(total > 1e-12, total, 1.0)
    dominant = (power[:, 1:].argmax(axis=1) + 1) if power.shape[1] > 1 else np.zeros((n, c))
    centroid = (power[:, 1:] * freqs[1:, None]).sum(axis=1) / safe_total
    low = power[:, 1:max(2, power.shape[1] // 4)].sum(axis=1) / safe_total
    diff = np.diff(X, axis=1) if t > 1 else np.zeros((n, 1, c))
    above = centred > 0
    crossings = (above[:, 1:] != above[:, :-1]).mean(axis=1) if t > 1 else np.zeros((n, c))
    longest = _longest_run(above) / t
    times = np.arange(t, dtype=np.float64) - (t - 1) / 2
    slope = (centred * times[None, :, None]).sum(axis=1) / max((times ** 2).sum(), 1e-12)
    columns = [mean, std, X.min(axis=1), X.max(axis=1), median, q10, q90, skew, kurt, X.argmax(axis=1) / span,
               X.argmin(axis=1) / span, acf1, acf_zero, dominant.astype(np.float64), centroid, low,
               np.abs(diff).mean(axis=1), diff.std(axis=1), crossings, longest, slope]
    out = np.stack(columns, axis=2).reshape(n, c * len(columns))
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """Length of the longest run of True along axis 1 of ``(N, T, C)``."""
    n, t, c = mask.shape
    run = np.zeros((n, c))
    best = np.zeros((n, c))
    for i in range(t):
        run = np.where(mask[:, i], run + 1, 0)
        best = np.maximum(best, run)
    return best


# --- MiniRocket-style random convolutional features ----------------------------------------------

#: MiniRocket's 84 kernels: length 9, weight -1 everywhere and 2 at three of the nine positions.
_KERNELS = np.array(list(combinations(range(9), 3)))


class MiniRocketFeatures:
    """MiniRocket-style features: the proportion of positive values (PPV) of 84 fixed kernels at
    several dilations, against biases drawn from the training data's convolution outputs.

    As in MiniRocket: kernels of length 9 with weights -1 and 2 (three of them), dilations
    exponentially spaced up to the series length, about ``n_features`` features in all, biases
    from quantiles of the convolution of one random training series per kernel and dilation,
    and every other (kernel, dilation) computed on the unpadded part only. For several channels
    each (kernel, dilation) sums its outputs over a random subset of channels. ``seed`` fixes the
    draws. A scikit-learn transformer (dense output); fitting costs about one transform of a few
    series, transforming ``N x T x 84 x dilations``.
    """

    def __init__(self, n_features: int = 10000, seed: int = 0):
        self.n_features = n_features
        self.seed = seed

    def get_params(self, deep: bool = True):
        return {"n_features": self.n_features, "seed": self.seed}

    def set_params(self, **params):
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float32)
        n, t, c = X.shape
        rng = np.random.default_rng(self.seed)
        max_exponent = np.log2(max((t - 1) / 8, 1))
        n_dilations = int(min(32, max(1, self.n_features // 84)))
        dilations = np.unique(np.floor(2 ** np.linspace(0, max_exponent, n_dilations)).astype(int))
        per = max(1, int(self.n_features) // (84 * len(dilations)))
        self.dilations_ = dilations
        self.n_per_ = per
        n_channels = rng.integers(1, min(c, 9) + 1, size=(len(dilations), 84)) if c > 1 else np.ones(
            (len(dilations), 84), int)
        self.channels_ = [[rng.choice(c, size=k, replace=False) for k in row] for row in n_channels]
        quantiles = (np.arange(1, per + 1) * ((np.sqrt(5) + 1) / 2)) % 1
        self.biases_ = np.zeros((len(dilations), 84, per), dtype=np.float32)
        for d_i, dilation in enumerate(dilations):
            pick = rng.integers(0, n, size=84)
            outputs = self._convolve(X[pick], d_i, dilation)  # (84 examples, 84 kernels, T)
            for k in range(84):
                self.biases_[d_i, k] = np.quantile(outputs[k, k], quantiles)
        return self

    def _convolve(self, X, d_i: int, dilation: int) -> np.ndarray:
        """``(N, 84, T)`` outputs of every kernel at one dilation, zero-padded to the input length."""
        n, t, c = X.shape
        pad = 4 * dilation
        padded = np.zeros((n, t + 2 * pad, c), dtype=np.float32)
        padded[:, pad:pad + t] = X
        shifts = np.stack([padded[:, k * dilation:k * dilation + t] for k in range(9)])  # (9, N, T, C)
        alpha = -shifts.sum(axis=0)
        out = np.empty((n, 84, t), dtype=np.float32)
        for k, (a, b, d) in enumerate(_KERNELS):
            full = alpha + 3.0 * (shifts[a] + shifts[b] + shifts[d])
            out[:, k] = full[:, :, self.channels_[d_i][k]].sum(axis=2)
        return out

    def transform(self, X):
        X = np.asarray(X, dtype=np.float32)
        n, t, _ = X.shape
        out = np.empty((n, len(self.dilations_) * 84 * self.n_per_), dtype=np.float32)
        step = max(1, 2_000_000 // max(t * 84, 1))
        for start in range(0, n, step):
            chunk = X[start:start + step]
            columns = []
            for d_i, dilation in enumerate(self.dilations_):
                conv = self._convolve(chunk, d_i, dilation)
                pad = 4 * dilation
                for k in range(84):
                    values = conv[:, k]
                    if (d_i + k) % 2 == 1 and t > 2 * pad:
                        values = values[:, pad:t - pad]
                    columns.append((values[:, :, None] > self.biases_[d_i, k][None, None, :]).mean(axis=1))
            out[start:start + len(chunk)] = np.concatenate(columns, axis=1)
        return out

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)


def series_features(kind: str, n_features: int = 10000, seed: int = 0):
    """The unfitted transformer for ``kind``: ``raw``, ``summary`` or ``minirocket``."""
    from sklearn.preprocessing import FunctionTransformer

    if kind == "raw":
        return FunctionTransformer(raw_values)
    if kind == "summary":
        return FunctionTransformer(summary_features)
    if kind == "minirocket":
        return MiniRocketFeatures(n_features, seed)
    raise ValueError(f"series_features must be one of {SERIES_FEATURES}, got {kind!r}")


# --- dynamic time warping ----------------------------------------------------------------------


def dtw_cells(n_train: int, length: int, window: float) -> int:
    """DTW matrix cells computed to predict one series: ``n_train x T x`` the band's width."""
    band = length if window >= 1 else min(length, 2 * int(round(window * length)) + 1)
    return int(n_train) * int(length) * int(band)


def dtw_distances(A, B, window: float = 1.0, chunk_cells: int = 4_000_000) -> np.ndarray:
    """Dependent DTW distances ``(len(A), len(B))`` between series ``(n, T, C)`` and ``(m, T, C)``.

    Squared Euclidean point costs summed over channels, a Sakoe-Chiba band of ``window`` times
    the length on each side (1: no band), the square root of the path cost. Row by row, each row
    of the cost matrix for all pairs at once: with ``m_j = min(D[i-1, j], D[i-1, j-1])`` and
    ``S`` the running sum of row ``i``'s costs, ``D[i, j] = S_j + min_{k <= j}(m_k - S_{k-1})``,
    a cumulative minimum, so no Python loop runs over ``j``.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    n, t, channels = A.shape
    m = len(B)
    w = t if window >= 1 else int(round(window * t))
    outside = np.abs(np.arange(t)[None, :] - np.arange(t)[:, None]) > w  # (row i, column j)
    banded = bool(outside.any())
    out = np.empty((n, m))
    rows_per_chunk = max(1, chunk_cells // max(m * t, 1))
    for start in range(0, n, rows_per_chunk):
        a = A[start:start + rows_per_chunk]  # (p, T, C)
        p = len(a)
        prev = np.empty((p, m, t))
        reach = np.empty((p, m, t))
        for i in range(t):
            if channels == 1:
                cost = np.square(a[:, i, 0][:, None, None] - B[None, :, :, 0])  # (p, m, T)
            else:
                cost = np.square(a[:, None, None, i, :] - B[None]).sum(axis=3)
            if i == 0:
                reach.fill(np.inf)
                reach[:, :, 0] = 0.0
            else:
                reach[:, :, 0] = prev[:, :, 0]
                np.minimum(prev[:, :, 1:], prev[:, :, :-1], out=reach[:, :, 1:])
            if banded:
                reach[:, :, outside[i]] = np.inf
                cost[:, :, outside[i]] = 0.0
            running = np.cumsum(cost, axis=2)
            # S_{j-1} = S_j - c_j: D[i, j] = S_j + min_{k <= j}(m_k - S_k + c_k)
            reach -= running
            reach += cost
            np.minimum.accumulate(reach, axis=2, out=prev)
            prev += running
            if banded:
                prev[:, :, outside[i]] = np.inf
        out[start:start + p] = np.sqrt(prev[:, :, -1])
    return out
