"""Learning-curve arithmetic: power-law fits, extrapolation, data needs, area, crossovers.

Owns the model ``error(n) = a * n**(-b) + c`` (error = 1 - score) fitted with
``scipy.optimize.curve_fit`` under bounds ``a >= 0``, ``0 <= b <= 2``, ``0 <= c <= 1``; when
a fit is trusted; what it predicts beyond the measured sizes; how many examples reach a target
score; the area under a curve over log n; and where one curve overtakes another. Curves come in
as plain numbers (sizes, per-seed points, per-size means with their intervals) and verdicts of
paired tests; nothing here reads rows or draws. A fit predicts beyond the data only when
:func:`check_extrapolation` allows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

#: A mean score falling by more than this between two sizes makes a curve non-monotone.
MONOTONE_TOLERANCE = 0.02
MIN_FIT_SIZES = 3
#: Sizes a curve needs before its fit may predict beyond the data (and pass the held-out check).
MIN_EXTRAPOLATION_SIZES = 5
#: Below this exponent the fitted curve is taken as flat: error = c, the mean error.
FLAT_EXPONENT = 0.02
#: Extrapolation horizons, as multiples of the largest measured size.
HORIZONS = (10, 100)
#: How far (multiple of the largest size) a fitted crossover or data need is still reported.
SEARCH_LIMIT = 1000
BOOTSTRAP_DRAWS = 200


@dataclass
class Curve:
    """A solver's measured learning curve: per-size means (and bands) plus every seed's point."""

    sizes: list[int]
    means: list[float]
    lows: list[float | None] = field(default_factory=list)
    highs: list[float | None] = field(default_factory=list)
    by_seed: dict[int, dict[int, float]] = field(default_factory=dict)  # size -> {seed: score}

    def mean_at(self, size: int) -> float | None:
        return self.means[self.sizes.index(size)] if size in self.sizes else None

    @property
    def points(self) -> list[tuple[int, float]]:
        """(size, score) of every seed, the data a power law is fitted to."""
        return [(n, v) for n in self.sizes for _, v in sorted(self.by_seed.get(n, {}).items())]

    @property
    def seeds(self) -> int:
        return max((len(v) for v in self.by_seed.values()), default=0)


@dataclass
class Fit:
    """A fitted power law, or the reason there is none (``reliable`` False, ``a`` None)."""

    a: float | None = None
    b: float | None = None
    c: float | None = None
    reliable: bool = False
    reason: str = ""
    n_max: int | None = None
    cov: Any = None  # covariance of (a * n0**-b, b, c), the parameters as fitted, for intervals
    n0: float = 1.0  # sizes are divided by n0 inside the fit for conditioning
    extrapolates: bool = False  # may predict beyond the measured sizes (see check_extrapolation)
    check: str = ""  # why it may not, or what the held-out check found

    def error(self, n: float) -> float:
        return self.a * n ** (-self.b) + self.c

    def score(self, n: float) -> float | None:
        if self.a is None:
            return None
        return 1.0 - self.error(n)

    @staticmethod
    def _error(n, a_scaled, b, c):
        return a_scaled * n ** (-b) + c


def fmt_n(n: float | None) -> str:
    """An estimated size in words: ``87``, ``540``, ``150,000`` (2 significant digits from 100 on)."""
    if n is None or not math.isfinite(n):
        return "?"
    if n >= 100:
        digits = int(math.floor(math.log10(n))) - 1
        n = round(n, -digits)
    return f"{int(round(n)):,}"


def non_monotone(curve: Curve, tolerance: float = MONOTONE_TOLERANCE) -> str | None:
    """Why a curve is not monotone (the largest drop between consecutive sizes), or None."""
    worst = None
    for (n1, m1), (n2, m2) in zip(zip(curve.sizes, curve.means), zip(curve.sizes[1:], curve.means[1:])):
        drop = m1 - m2
        if drop > tolerance and (worst is None or drop > worst[0]):
            worst = (drop, n1, n2)
    if worst is None:
        return None
    return f"non-monotone curve (the score drops by {worst[0]:.3f} from n={worst[1]:,} to n={worst[2]:,})"


def fit_power_law(curve: Curve) -> Fit:
    """Fit ``error = a * n**-b + c`` to every seed's point; say why when it is not reliable."""
    fit = Fit(n_max=max(curve.sizes) if curve.sizes else None)
    if len(curve.sizes) < MIN_FIT_SIZES:
        fit.reason = f"fewer than {MIN_FIT_SIZES} sizes ({len(curve.sizes)})"
        return fit
    import numpy as np
    from scipy.optimize import curve_fit

    n = np.array([p[0] for p in curve.points], dtype=float)
    err = 1.0 - np.array([p[1] for p in curve.points], dtype=float)
    n0 = float(min(curve.sizes))
    x = n / n0
    e_small = float(np.mean(err[n == n.min()]))
    e_large = float(np.mean(err[n == n.max()]))
    c0 = min(max(e_large * 0.8, 0.0), 1.0)
    p0 = (max(e_small - c0, 1e-3), 0.5, c0)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            popt, pcov = curve_fit(Fit._error, x, err, p0=p0, bounds=([0, 0, 0], [np.inf, 2, 1]),
                                   maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        fit.reason = f"fit failed ({str(exc).split('.')[0]})"
        return fit
    if not np.all(np.isfinite(popt)):
        fit.reason = "fit failed (non-finite parameters)"
        return fit
    a_scaled, b, c = (float(v) for v in popt)
    fit.a, fit.b, fit.c, fit.n0 = a_scaled * n0 ** b, b, c, n0
    fit.cov = pcov if np.all(np.isfinite(pcov)) else None
    if b < FLAT_EXPONENT:  # a * n**-b is then a constant: a and c are not identifiable, say "flat"
        se2 = float(err.var(ddof=1) / len(err)) if len(err) > 1 else 0.0
        fit.a, fit.b, fit.c = 0.0, 0.0, float(min(max(err.mean(), 0.0), 1.0))
        fit.cov = np.diag([0.0, 0.0, se2])
    reason = non_monotone(curve)
    fit.reliable = reason is None
    fit.reason = reason or ""
    return fit


def check_extrapolation(curve: Curve, fit: Fit) -> Fit:
    """Allow ``fit`` to predict beyond the data only when the data support it.

    It needs a reliable fit over at least :data:`MIN_EXTRAPOLATION_SIZES` sizes, and a held-out
    check: the same law fitted without the largest size must predict the score measured there
    within that score's 95% interval (``curve.lows``/``curve.highs``). Sets ``fit.extrapolates``
    and ``fit.check`` (the reason in words) and returns ``fit``.
    """
    if not fit.reliable:
        fit.check = fit.reason or "no reliable fit"
        return fit
    if len(curve.sizes) < MIN_EXTRAPOLATION_SIZES:
        fit.check = (f"{len(curve.sizes)} measured sizes: extrapolation needs at least "
                     f"{MIN_EXTRAPOLATION_SIZES}")
        return fit
    low, high = (curve.lows[-1] if curve.lows else None), (curve.highs[-1] if curve.highs else None)
    if low is None or high is None:
        fit.check = "no interval at the largest size to check a held-out prediction against"
        return fit
    largest = curve.sizes[-1]
    keep = curve.sizes[:-1]
    held_out = Curve(sizes=keep, means=curve.means[:-1], by_seed={n: curve.by_seed.get(n, {}) for n in keep})
    partial = fit_power_law(held_out)
    predicted = partial.score(largest)
    if not partial.reliable or predicted is None:
        fit.check = f"the fit without n={largest:,} is not reliable ({partial.reason})"
        return fit
    if not low <= predicted <= high:
        fit.check = (f"held-out check failed: fitted without n={largest:,} it predicts {predicted:.3f} there, "
                     f"outside the measured interval {low:.3f}–{high:.3f}")
        return fit
    fit.extrapolates = True
    fit.check = (f"held-out check passed: fitted without n={largest:,} it predicts {predicted:.3f}, "
                 f"inside the measured {low:.3f}–{high:.3f}")
    return fit


def predictions(fit: Fit, horizons: Sequence[int] = HORIZONS) -> dict[int, float | None]:
    """Predicted score at each multiple of the largest measured size (None unless the fit extrapolates)."""
    if not fit.extrapolates or fit.n_max is None:
        return {h: None for h in horizons}
    return {h: fit.score(h * fit.n_max) for h in horizons}


def _log_interp(n1: float, y1: float, n2: float, y2: float, target: float) -> float:
    """The n between n1 and n2 where the straight line on (log n, y) reaches ``target``."""
    if y2 == y1:
        return n1
    t = (target - y1) / (y2 - y1)
    return math.exp(math.log(n1) + t * (math.log(n2) - math.log(n1)))


def n_for_target(curve: Curve, fit: Fit, target: float) -> dict[str, Any]:
    """Examples needed to reach ``target``: from the measured curve, else the fitted one.

    ``source`` is ``measured`` (first crossing, interpolated on log n), ``fitted``
    (solving the power law beyond the data), ``unreachable`` (the fitted plateau ``1 - c`` is
    below the target, or the need exceeds :data:`SEARCH_LIMIT` times the data) or ``unknown``.
    """
    for i, (n, m) in enumerate(zip(curve.sizes, curve.means)):
        if m >= target:
            if i == 0:
                return {"n": float(n), "source": "measured", "note": f"reached at the smallest size (n={n:,})"}
            n_prev, m_prev = curve.sizes[i - 1], curve.means[i - 1]
            return {"n": _log_interp(n_prev, m_prev, n, m, target), "source": "measured", "note": ""}
    if not fit.extrapolates:
        return {"n": None, "source": "unknown", "note": f"not reached at the measured sizes; no extrapolation: {fit.check}"}
    gap = (1.0 - target) - fit.c
    if fit.a <= 0 or fit.b <= 0:
        return {"n": None, "source": "unreachable", "note": f"the fitted curve is flat at {1 - fit.c:.3f}"}
    if gap <= 0:
        return {"n": None, "source": "unreachable", "note": f"the fitted curve levels off at {1 - fit.c:.3f}"}
    log_need = math.log(fit.a / gap) / fit.b  # solved in logs: a nearly flat curve overflows otherwise
    if log_need > math.log(SEARCH_LIMIT * fit.n_max):
        return {"n": None, "source": "unreachable",
                "note": f"needs more than {SEARCH_LIMIT:,}x the data, n={fmt_n(SEARCH_LIMIT * fit.n_max)}"}
    return {"n": math.exp(log_need), "source": "fitted", "note": ""}


def area_under_curve(curve: Curve) -> float | None:
    """Mean score over log n (trapezoids), normalised by the log range: a number in [0, 1]."""
    if len(curve.sizes) < 2:
        return None
    logs = [math.log(n) for n in curve.sizes]
    area = sum((logs[i + 1] - logs[i]) * (curve.means[i] + curve.means[i + 1]) / 2 for i in range(len(logs) - 1))
    return area / (logs[-1] - logs[0])


# -- crossovers ---------------------------------------------------------------------------------

def _sign(x: float, eps: float = 1e-9) -> int:
    return 0 if abs(x) <= eps else (1 if x > 0 else -1)


def crossover(sizes: list[int], verdicts: list[str], diffs: list[float], fit_a: Fit, fit_b: Fit) -> dict[str, Any]:
    """Whether ``a`` overtakes ``b``, decided by the paired test at each size both were measured at.

    ``verdicts`` (``ahead``/``behind``/``tied``/``untested``, seen from ``a``, multiple-testing
    corrected) and mean differences ``diffs`` are given per size in ``sizes`` (ascending).
    ``kind``: ``overtakes`` when ``a`` is significantly behind at a smaller size and
    significantly ahead at a larger one (``overtaken`` the other way round; the last such change
    counts), with ``n`` interpolated on log n where the mean difference changes sign between the
    two sizes ``low``/``high``; ``ahead``/``behind`` when it is significantly ahead (behind) at
    some size and never the other way, in which case fits that may extrapolate are searched for
    a crossing beyond the data (``extrapolated``); ``tied`` when no size shows a significant
    difference; ``none`` when they share no measured size.
    """
    out: dict[str, Any] = {"kind": "none" if not sizes else "tied", "source": None, "n": None, "low": None,
                           "high": None, "sizes": list(sizes), "extrapolated": None,
                           "diff_last": diffs[-1] if diffs else None,
                           "significant": [n for n, v in zip(sizes, verdicts) if v in ("ahead", "behind")]}
    marked = [(i, v) for i, v in enumerate(verdicts) if v in ("ahead", "behind")]
    if not marked:
        return out
    change = None
    for (i1, v1), (i2, v2) in zip(marked, marked[1:]):
        if v1 != v2:
            change = (i1, i2, v2)
    if change is not None:
        i1, i2, after = change
        cross = next(((sizes[k], diffs[k], sizes[k + 1], diffs[k + 1]) for k in range(i2 - 1, i1 - 1, -1)
                      if _sign(diffs[k]) != _sign(diffs[k + 1])), None)
        n = _log_interp(*cross, 0.0) if cross else math.sqrt(sizes[i1] * sizes[i2])
        out.update(kind="overtakes" if after == "ahead" else "overtaken", source="measured", n=n,
                   low=sizes[i1], high=sizes[i2])
        return out
    final = marked[-1][1]
    out["kind"] = final
    if marked[-1][0] == len(sizes) - 1:  # still significant at the largest shared size
        out["extrapolated"] = fitted_crossover(fit_a, fit_b, 1 if final == "ahead" else -1)
    return out


def _fitted_diff_crossing(fa, fb, n_max: float, sign: int, limit: float) -> float | None:
    """First n in (n_max, limit * n_max] where the fitted difference leaves ``sign``; log-grid search."""
    import numpy as np

    grid = np.geomspace(n_max, limit * n_max, 241)
    d = (fb[0] * grid ** (-fb[1]) + fb[2]) - (fa[0] * grid ** (-fa[1]) + fa[2])  # score_a - score_b
    s = np.sign(np.where(np.abs(d) < 1e-12, 0, d))
    if s[0] != sign:
        return None
    idx = np.nonzero(s != sign)[0]
    if len(idx) == 0:
        return math.inf
    i = int(idx[0])
    return _log_interp(float(grid[i - 1]), float(d[i - 1]), float(grid[i]), float(d[i]), 0.0)


def fitted_crossover(fit_a: Fit, fit_b: Fit, sign: int) -> dict[str, Any] | None:
    """Crossing of two fits beyond the data, with a 95% parametric-bootstrap interval.

    Returns None unless both fits may extrapolate, or when the fits disagree with the measured
    leader at the largest size. ``n`` is ``inf`` when they do not cross within :data:`SEARCH_LIMIT`x.
    """
    if not (fit_a.extrapolates and fit_b.extrapolates):
        return None
    n_max = float(max(fit_a.n_max, fit_b.n_max))
    params = [(f.a, f.b, f.c) for f in (fit_a, fit_b)]
    n = _fitted_diff_crossing(params[0], params[1], n_max, sign, SEARCH_LIMIT)
    if n is None:
        return None
    low, high = _bootstrap_interval(fit_a, fit_b, n_max, sign)
    return {"n": n, "low": low, "high": high}


def _rng(fit: Fit):
    """A generator seeded by the fit itself: the same draws whichever side of a pair it is on."""
    import zlib

    import numpy as np

    return np.random.default_rng(zlib.crc32(repr((round(fit.a, 9), round(fit.b, 9), round(fit.c, 9))).encode()))


def _draws(fit: Fit, rng, count: int):
    import numpy as np

    scaled = np.array([fit.a * fit.n0 ** (-fit.b), fit.b, fit.c])
    if fit.cov is None:
        return None
    draws = rng.multivariate_normal(scaled, fit.cov, size=count, check_valid="ignore")
    draws = np.clip(draws, [0, 0, 0], [np.inf, 2, 1])
    draws[:, 0] = draws[:, 0] * fit.n0 ** draws[:, 1]  # back to a for n in examples
    return draws


def _bootstrap_interval(fit_a: Fit, fit_b: Fit, n_max: float, sign: int) -> tuple[float | None, float | None]:
    """2.5% and 97.5% quantiles of the crossing over draws from both fits' covariances.

    ``inf`` stands for "no crossing within the search limit"; (None, None) when a covariance
    is not available (a fit with no spare degrees of freedom).
    """
    import numpy as np

    da, db = _draws(fit_a, _rng(fit_a), BOOTSTRAP_DRAWS), _draws(fit_b, _rng(fit_b), BOOTSTRAP_DRAWS)
    if da is None or db is None:
        return None, None
    beyond = 10.0 * SEARCH_LIMIT * n_max  # stands for "no crossing within the limit"
    found = []
    for pa, pb in zip(da, db):
        n = _fitted_diff_crossing(tuple(pa), tuple(pb), n_max, sign, SEARCH_LIMIT)
        found.append(n_max if n is None else min(n, beyond))  # None: already crossed at n_max
    lo, hi = (float(q) for q in np.quantile(np.array(found), [0.025, 0.975]))
    return (math.inf if lo >= beyond else lo), (math.inf if hi >= beyond else hi)
