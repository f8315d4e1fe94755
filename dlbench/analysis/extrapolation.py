"""Learning-curve extrapolation: which curve form to trust, how far, and how sure.

Owns choosing a form (``curve_forms``: LCDB's pow3, pow4 and MMF) by its error at the
held-out largest size(s); refusing to extrapolate when the sizes are too few, the curve is
ill-behaved or cannot be resampled (``curve_checks``), the held-out check fails, the refits
are unstable or their 95% interval at :data:`MAX_HORIZON` x the data is wider than the
solver's own measured range; the intervals from the refits on the resamples; and the numbers
read off a fit: the score at n, the examples needed for a target score, and where two solvers'
curves cross. Nothing is predicted beyond :data:`MAX_HORIZON` times the largest measured size.

It does not read stores or result rows, write sentences for the report or draw; callers pass
per-size scores (and, where stored, per-example correctness) in and get plain objects out.
:func:`printable` is the one place a predicted score becomes text, so that no page claims a
score of 0.999 or more from a fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbench.analysis import curve_forms as forms
from dlbench.analysis import stats
from dlbench.analysis.curve_checks import DRAWS, Measured, bends, falls, resamples
from dlbench.analysis.curve_forms import FORMS, NAMES, PARAMS
from dlbench.analysis.scaling import fmt_n

#: Extrapolation horizon, in multiples of the largest measured size.
MAX_HORIZON = 10
#: A predicted score at or above this is never printed as a number (see :func:`printable`).
NEVER_PRINT = 0.999
#: More failed bootstrap refits than this share and nothing is extrapolated.
MAX_FAILED_SHARE = 0.2
#: Sizes the simplest curve form needs before anything is extrapolated (k + 2 for k parameters).
MIN_SIZES = min(PARAMS.values()) + 2
#: A fitted error floor (or exponent) within this of its lower bound 0 counts as at the bound.
AT_BOUND = 1e-4

#: Points on a log grid searched for a target score or a crossing, before refining.
_GRID = 241


# --------------------------------------------------------------------------- the result


@dataclass
class Extrapolation:
    """What a solver's learning curve supports beyond its largest measured size, and why.

    ``params`` and the rows of ``draws`` are the chosen form's parameters for n in examples
    (names in :data:`NAMES`, in error space). Row ``r`` of ``draws`` is the refit on resample
    ``r`` of :func:`resamples`, all NaN where that refit failed, so rows of two solvers of one
    task pair up. ``floor`` is the fitted score ceiling ``1 - c``.
    """

    solver: str
    sizes: list[int]
    form: str | None = None
    params: dict[str, float] = field(default_factory=dict)
    extrapolates: bool = False
    reason: str = ""
    held_out: dict[str, float] = field(default_factory=dict)
    floor: float | None = None
    floor_low: float | None = None
    floor_high: float | None = None
    ill_behaved: str | None = None
    pred_10x: float | None = None
    pred_10x_low: float | None = None
    pred_10x_high: float | None = None
    draws: np.ndarray | None = None

    @property
    def largest(self) -> int:
        return max(self.sizes)

    @property
    def horizon(self) -> float:
        """The largest size anything is predicted at."""
        return float(MAX_HORIZON * self.largest)

    @property
    def full(self) -> np.ndarray:
        """The full-data parameters as one row, (1, k)."""
        return np.array([[self.params[k] for k in NAMES[self.form]]])

    def _within(self, n: float) -> bool:
        return self.extrapolates and 0 < n <= self.horizon * (1 + 1e-12)

    def score(self, n: float) -> float | None:
        """The chosen form's score at ``n`` (None unless it extrapolates and ``n`` is within the horizon)."""
        if not self._within(n):
            return None
        return float(forms.scores(self.form, self.full, np.array([n]))[0, 0])

    def interval(self, n: float) -> tuple[float, float] | None:
        """95% percentile interval of the score at ``n`` over the bootstrap refits."""
        if not self._within(n):
            return None
        return _quantiles(forms.scores(self.form, self.draws, np.array([n]))[:, 0])


def _quantiles(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.nanquantile(values, [(1 - stats.LEVEL) / 2, (1 + stats.LEVEL) / 2])
    return float(lo), float(hi)


def _held_out(curve: Measured) -> tuple[dict[str, float], dict[str, float], int]:
    """Each eligible form fitted without the largest size(s).

    Returns the forms' RMSE of the mean score at the held-out sizes, their predictions at the
    largest size, and how many sizes were held out (2 from 7 sizes on, else 1).
    """
    hold = 2 if len(curve.sizes) >= 7 else 1
    x = np.array(curve.sizes, dtype=float) / curve.sizes[0]
    errors, at_largest = {}, {}
    for form in FORMS:
        fitted = forms.fit(form, x[:-hold], 1.0 - curve.means[:-hold]) if len(x) >= PARAMS[form] + 2 else None
        if fitted is None:
            continue
        with np.errstate(all="ignore"):
            predicted = 1.0 - forms.error(form, fitted[0], x[-hold:])
        if np.all(np.isfinite(predicted)):
            errors[form] = float(np.sqrt(np.mean((predicted - curve.means[-hold:]) ** 2)))
            at_largest[form] = float(predicted[-1])
    return errors, at_largest, hold


def _refusal(curve: Measured, out: Extrapolation, boot: np.ndarray | None) -> str | None:
    """Why the curve may not be extrapolated before any check of a fit, or None."""
    if out.ill_behaved:
        return f"the curve {out.ill_behaved.split(':')[0]}, so no form describes it"
    if len(curve.sizes) < MIN_SIZES:
        return (f"{len(curve.sizes)} measured sizes: extrapolation needs at least {MIN_SIZES} "
                f"(a form with k parameters needs k + 2)")
    if boot is None:
        return "one seed and no stored predictions: extrapolation needs stored predictions or at least 2 seeds"
    if not out.held_out:
        return "no form could be fitted to the sizes below the held-out ones"
    return None


def _held_out_check(curve: Measured, boot: np.ndarray, form: str, predicted: float, hold: int) -> tuple[bool, str]:
    """Whether ``form``'s held-out prediction lies in the largest size's measured 95% interval, and the words."""
    largest = curve.sizes[-1]
    low, high = _quantiles(boot[:, -1])
    low, high = min(low, curve.means[-1]), max(high, curve.means[-1])
    without = f"n={largest:,}" if hold == 1 else f"n={curve.sizes[-2]:,} and {largest:,}"
    passed = low <= predicted <= high
    return passed, (f"held-out check {'passed' if passed else 'failed'}: {form} fitted without {without} "
                    f"predicts {printable(predicted)} at n={largest:,}, {'inside' if passed else 'outside'} the measured "
                    f"{low:.3f}–{high:.3f}")


def _bootstrap(curve: Measured, out: Extrapolation, form: str, boot: np.ndarray, checked: str) -> Extrapolation:
    """Fit ``form`` to all sizes and to every resample; fill ``out`` unless the refits or the width rule refuse."""
    n0 = float(curve.sizes[0])
    x = np.array(curve.sizes, dtype=float) / n0
    fitted = forms.fit(form, x, 1.0 - curve.means)
    if fitted is None:
        return _refuse(out, f"{checked}, but {form} could not be fitted to all sizes")
    full, shape = fitted
    refits = forms.refit(form, x, 1.0 - boot, shape)
    failed = float(np.mean(np.isnan(refits[:, 0])))
    if failed > MAX_FAILED_SHARE:
        return _refuse(out, f"{checked}, but {failed:.0%} of the bootstrap refits failed")
    params, rows = forms.to_examples(form, full, n0), forms.to_examples(form, refits, n0)
    horizon = np.array([MAX_HORIZON * curve.sizes[-1]], dtype=float)
    low, high = _quantiles(forms.scores(form, rows, horizon)[:, 0])
    width, spread = high - low, float(curve.means.max() - curve.means.min())
    if width >= spread:
        return _refuse(out, f"{checked}, but the 95% interval at {MAX_HORIZON}x ({width:.3f}) is "
                            f"{'wider than' if width > spread else 'as wide as'} the measured scores' range "
                            f"({spread:.3f})")
    out.form, out.extrapolates, out.draws = form, True, rows
    out.params = {k: float(v) for k, v in zip(NAMES[form], params)}
    out.pred_10x, out.pred_10x_low, out.pred_10x_high = float(forms.scores(form, params[None], horizon)[0, 0]), low, high
    # A floor at its bound 0, or under a flat curve (exponent 0), is not an estimate.
    if full[forms.FLOOR[form]] > AT_BOUND and full[forms.EXPONENT[form]] > AT_BOUND:
        out.floor = 1.0 - float(full[forms.FLOOR[form]])
        out.floor_low, out.floor_high = _quantiles(1.0 - refits[:, forms.FLOOR[form]])
    noise = "" if curve.n_test else "; the intervals leave out test-set noise (no stored predictions or test size)"
    out.reason = checked + noise
    return out


def _refuse(out: Extrapolation, reason: str) -> Extrapolation:
    out.reason = reason
    return out


def extrapolate(solver: str, scores: dict[int, dict[int, float]],
                correct: dict[int, dict[int, np.ndarray]] | None = None,
                *, draws: int = DRAWS, seed: int = 0, n_test: int | None = None) -> Extrapolation:
    """Fit, check and bound a solver's learning curve; extrapolate only what the data support.

    Parameters
    ----------
    solver : str
        Name carried into the result.
    scores : dict
        size -> {seed: test accuracy}.
    correct : dict, optional
        size -> {seed: bool array over the task's test examples}, the same examples for every
        size and seed. Sizes without it (runs without stored predictions) are resampled over
        seeds only, with binomial test-set noise added per point when the test size is known
        (from the stored arrays, or ``n_test``); with no test size at all that noise is left out
        and ``reason`` says so. One seed without stored predictions cannot be resampled: nothing
        is extrapolated.
    draws : int
        Bootstrap resamples (from :func:`resamples` with ``seed``).
    seed : int
        Seed of the resamples: two solvers of one task with the same seeds, test set and
        ``seed`` get the same resamples, so their draws pair up (:func:`crossing`).
    n_test : int, optional
        Test examples, for the binomial noise where ``correct`` is missing.

    Returns
    -------
    Extrapolation

    Notes
    -----
    Each form is fitted by least squares to the per-size mean scores, in error space with sizes
    divided by the smallest: with the same seeds at every size this is the fit to every seed's
    point, and the per-size means are what a resample changes. Amplitude and floor are solved
    exactly for each shape; the shape starts from the best point of a grid and is polished by
    ``scipy.optimize.least_squares`` under bounds. A form with k parameters is eligible from
    k + 2 sizes; the largest size (the two largest from 7 sizes) is held out, each eligible
    form fitted on the rest, and the one with the lowest held-out error chosen. It extrapolates
    only when, in order: the curve is not ill-behaved (paired tests over the resamples); it has
    enough sizes; it can be resampled; the chosen form's held-out prediction at the largest
    size lies in that size's measured 95% interval (percentiles over the resamples); at most
    :data:`MAX_FAILED_SHARE` of its refits on the resamples, each started from the full-data
    fit, fail; and their 95% interval at :data:`MAX_HORIZON` x is narrower than the range of
    the measured means.
    """
    curve = Measured.of(scores, correct, n_test)
    if not curve.sizes:
        raise ValueError(f"{solver}: no measured sizes")
    out = Extrapolation(solver=solver, sizes=list(curve.sizes))
    boot = curve.resampled_means(resamples(curve.seeds, curve.n_examples, draws, seed), seed) \
        if curve.resamplable else None
    if boot is not None and len(curve.sizes) >= 3:
        out.ill_behaved = falls(curve, boot) or bends(curve, boot)
    out.held_out, at_largest, hold = _held_out(curve)
    refusal = _refusal(curve, out, boot)
    if refusal:
        return _refuse(out, refusal)
    form = min(out.held_out, key=lambda f: (out.held_out[f], FORMS.index(f)))
    passed, checked = _held_out_check(curve, boot, form, at_largest[form], hold)
    if not passed:
        return _refuse(out, checked)
    return _bootstrap(curve, out, form, boot, checked)


# --------------------------------------------------------------------------- reading a fit


def printable(score: float | None) -> str:
    """A predicted score as text: ``'0.973'``, or ``'> 0.99'`` for anything that would print as 0.999 or more.

    None (or NaN) is ``'?'``.
    """
    if score is None or not math.isfinite(score):
        return "?"
    if round(score, 3) >= NEVER_PRINT:
        return "> 0.99"
    return f"{score:.3f}"


def _first_change(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Per row of ``values`` (R, G) over ``grid``, the first n where the sign leaves its sign at grid[0]; inf if never.

    Located by a straight line on log n between the two grid points around the change.
    """
    sign = np.sign(values)
    changed = (sign != sign[:, :1]) & (sign[:, :1] != 0)
    out = np.full(len(values), math.inf)
    for r in np.nonzero(changed.any(axis=1))[0]:
        i = int(np.argmax(changed[r]))
        t = values[r, i - 1] / (values[r, i - 1] - values[r, i])
        out[r] = math.exp(math.log(grid[i - 1]) + t * (math.log(grid[i]) - math.log(grid[i - 1])))
    return out


def _first_reaching(form: str, rows: np.ndarray, start: float, stop: float, target: float) -> np.ndarray:
    """Per parameter row, the first n in [start, stop] whose score reaches ``target`` (inf if none)."""
    grid = np.geomspace(start, stop, _GRID)
    gap = forms.scores(form, rows, grid) - target
    return np.where(gap[:, 0] >= 0, start, _first_change(gap, grid))


def _need_interval(needs: np.ndarray, stop: float) -> tuple[float, float]:
    """95% interval of sizes that may be inf (beyond ``stop``)."""
    lo, hi = _quantiles(np.where(np.isinf(needs), 2 * stop, needs))
    return (math.inf if lo > stop else lo), (math.inf if hi > stop else hi)


def examples_needed(x: Extrapolation, target: float, measured_means: dict[int, float]) -> dict[str, Any]:
    """Training examples needed to reach ``target``, on the scale of the curve (mean test accuracy).

    Returns ``{"n", "low", "high", "source", "words"}``; ``source`` is

    - ``measured``: reached at the smallest measured size, ``n`` that size (nothing smaller
      was measured, so the need is at most it);
    - ``between``: first reached at a larger measured size; ``low``/``high`` the measured sizes
      it was crossed between, ``n`` None (no interpolation between measured points);
    - ``fitted``: not reached at the measured sizes, from the fit within :data:`MAX_HORIZON` x:
      ``n`` from the full fit, ``low``/``high`` the 95% interval over the refits; ``inf``
      stands for "beyond 10x the largest size";
    - ``unreachable``: the fitted ceiling's interval lies below ``target``, or every refit
      needs more than :data:`MAX_HORIZON` x;
    - ``unknown``: not reached and ``x`` does not extrapolate (``words`` give its reason).
    """
    sizes = sorted(measured_means)
    for i, n in enumerate(sizes):
        if measured_means[n] >= target:
            if i == 0:
                return {"n": n, "low": None, "high": None, "source": "measured",
                        "words": f"reached at the smallest measured size, n={n:,}"}
            a = sizes[i - 1]
            return {"n": None, "low": a, "high": n, "source": "between",
                    "words": f"between the measured sizes {a:,} and {n:,}"}
    if not x.extrapolates:
        return {"n": None, "low": None, "high": None, "source": "unknown",
                "words": f"not reached at the measured sizes; no extrapolation: {x.reason}"}
    if x.floor_high is not None and x.floor_high < target:
        return {"n": None, "low": None, "high": None, "source": "unreachable",
                "words": f"the fitted ceiling {printable(x.floor)} (95% interval {printable(x.floor_low)}–"
                         f"{printable(x.floor_high)}) is below {target:.3f}"}
    start, stop = float(x.largest), x.horizon
    n = float(_first_reaching(x.form, x.full, start, stop, target)[0])
    valid = x.draws[~np.isnan(x.draws[:, 0])]
    low, high = _need_interval(_first_reaching(x.form, valid, start, stop, target), stop)
    if math.isinf(low):
        return {"n": None, "low": None, "high": None, "source": "unreachable",
                "words": f"not within {MAX_HORIZON}x the largest measured size (n={fmt_n(stop)})"}
    beyond = f"beyond {MAX_HORIZON}x the data"
    lead = f"about {fmt_n(n)}" if math.isfinite(n) else f"more than {MAX_HORIZON}x the data"
    return {"n": n, "low": low, "high": high, "source": "fitted",
            "words": (f"{lead} by the fitted {x.form} curve "
                      f"(95% interval {fmt_n(low)} to {fmt_n(high) if math.isfinite(high) else beyond})")}


def crossing(a: Extrapolation, b: Extrapolation) -> dict[str, Any] | None:
    """Where ``a``'s fitted curve crosses ``b``'s beyond their largest shared measured size.

    Searched within :data:`MAX_HORIZON` x the smaller of the two largest sizes. The interval
    pairs row ``r`` of ``a.draws`` with row ``r`` of ``b.draws`` (the same resample of seeds
    and test examples when both came from :func:`extrapolate` with the same seeds, test set
    and ``seed``); rows where either refit failed are left out. Returns ``{"n", "low", "high",
    "fraction"}``: ``fraction`` is the share of paired draws that cross within the horizon;
    ``n`` is None when the full fits do not cross there, and then ``low``/``high`` span the
    draws that did (None when none did); otherwise ``high`` is ``inf`` when more than 2.5% of
    the draws do not cross within the horizon. None unless both extrapolate and share a
    measured size.
    """
    shared = set(a.sizes) & set(b.sizes)
    if not (a.extrapolates and b.extrapolates and shared):
        return None
    if len(a.draws) != len(b.draws):
        raise ValueError(f"{a.solver} and {b.solver} have different numbers of draws: not paired")
    start, stop = float(max(shared)), float(min(a.horizon, b.horizon))
    grid = np.geomspace(start, stop, _GRID)

    def first(rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
        return _first_change(forms.scores(a.form, rows_a, grid) - forms.scores(b.form, rows_b, grid), grid)

    n = float(first(a.full, b.full)[0])
    ok = ~(np.isnan(a.draws[:, 0]) | np.isnan(b.draws[:, 0]))
    found = first(a.draws[ok], b.draws[ok])
    fraction = float(np.mean(np.isfinite(found))) if len(found) else 0.0
    if math.isfinite(n):
        low, high = _need_interval(found, stop)
        return {"n": n, "low": low, "high": high, "fraction": fraction}
    crossed = found[np.isfinite(found)]
    low, high = _quantiles(crossed) if len(crossed) else (None, None)
    return {"n": None, "low": low, "high": high, "fraction": fraction}
