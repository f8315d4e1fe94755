"""Learning-curve extrapolation: which curve form to trust, how far, and how sure.

Owns fitting the learning-curve forms of LCDB (pow3, pow4 and MMF, in error space, error =
1 - score) to a solver's per-size mean scores; choosing a form by its error at the held-out
largest size(s); refusing to extrapolate when the sizes are too few, the held-out check fails,
the refits are unstable or their 95% interval at :data:`MAX_HORIZON` x the data is wider than
the solver's own measured range; the bootstrap over seeds and test examples behind every
interval; naming curves that fall with more data or bend the wrong way (paired tests); and the
numbers read off a fit: the score at n, the examples needed for a target score, and where two
solvers' curves cross. Nothing is predicted beyond :data:`MAX_HORIZON` times the largest
measured size.

It does not read stores or result rows, write sentences for the report or draw; callers pass
per-size scores (and, where stored, per-example correctness) in and get plain objects out.
:func:`printable` is the one place a predicted score becomes text, so that no page claims a
score of 0.999 or more from a fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from dlbench.analysis import stats
from dlbench.analysis.scaling import fmt_n

#: Extrapolation horizon, in multiples of the largest measured size.
MAX_HORIZON = 10
FORMS = ("pow3", "pow4", "mmf")
PARAMS = {"pow3": 3, "pow4": 4, "mmf": 4}
#: Bootstrap refits behind every interval.
DRAWS = 200
#: A predicted score at or above this is never printed as a number (see :func:`printable`).
NEVER_PRINT = 0.999
#: More failed bootstrap refits than this share and nothing is extrapolated.
MAX_FAILED_SHARE = 0.2
#: A fitted error floor (or exponent) within this of its lower bound 0 counts as at the bound.
AT_BOUND = 1e-4

#: Parameter names, in error space for n in examples:
#: pow3 ``e = c + a * n**-alpha``; pow4 ``e = c + a * (n + d)**-alpha``;
#: mmf ``e = (a*b + c * n**d) / (b + n**d)`` (Morgan-Mercer-Flodin).
NAMES = {"pow3": ("a", "alpha", "c"), "pow4": ("a", "d", "alpha", "c"), "mmf": ("a", "b", "c", "d")}
#: Bounds in fitting units (n divided by the smallest measured size). The error is linear in an
#: amplitude and a floor (pow: ``a``, ``c``; mmf: ``a``, ``c``, with weights ``g`` and ``1 - g``),
#: solved exactly; the search is over the shape: pow3 ``alpha``; pow4 ``d``, ``alpha``; mmf
#: ``log m`` and ``d``, where ``m = b**(1/d)`` is the size where the curve is halfway.
_LINEAR_BOUNDS = {"pow3": ((0.0, 0.0), (np.inf, 1.0)), "pow4": ((0.0, 0.0), (np.inf, 1.0)),
                  "mmf": ((0.0, 0.0), (1.0, 1.0))}
_SHAPE_BOUNDS = {"pow3": ([0.0], [5.0]), "pow4": ([0.0, 0.0], [100.0, 5.0]), "mmf": ([-7.0, 0.0], [14.0, 5.0])}
_FLOOR = {"pow3": 2, "pow4": 3, "mmf": 2}     # index of the error floor c in the parameters
_EXPONENT = {"pow3": 1, "pow4": 2, "mmf": 3}  # index of the exponent; 0 is a flat curve
#: The start grid of the shape parameters: every point is a start whose linear part is solved
#: exactly, and the best is polished by least squares (LCDB takes 6 random starts instead).
_START_GRID = {
    "pow3": (np.linspace(0.0, 5.0, 101),),
    "pow4": (np.concatenate([[0.0], np.geomspace(0.05, 100.0, 24)]), np.linspace(0.0, 5.0, 41)),
    "mmf": (np.linspace(-7.0, 14.0, 43), np.linspace(0.0, 5.0, 41)),
}
#: Points on a log grid searched for a target score or a crossing, before refining.
_GRID = 241


# --------------------------------------------------------------------------- forms


def _error(form: str, p, n):
    """Error of ``form`` with parameters ``p`` (unpacked along the first axis) at sizes ``n``."""
    if form == "pow3":
        a, alpha, c = p
        return c + a * n ** -alpha
    if form == "pow4":
        a, d, alpha, c = p
        return c + a * (n + d) ** -alpha
    a, b, c, d = p
    return c + (a - c) * b / (b + n ** d)  # = (a*b + c*n**d) / (b + n**d), finite for large n


def _to_examples(form: str, p: np.ndarray, n0: float) -> np.ndarray:
    """Parameters fitted on ``x = n / n0`` rewritten for ``n`` in examples (one vector or rows)."""
    p = np.array(p, dtype=float)
    if form == "pow3":
        p[..., 0] *= n0 ** p[..., 1]
    elif form == "pow4":
        p[..., 0] *= n0 ** p[..., 2]
        p[..., 1] *= n0
    else:
        p[..., 1] *= n0 ** p[..., 3]
    return p


def _scores(form: str, rows: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Score of each parameter row (R, k) at each size in ``n`` (G,): shape (R, G)."""
    with np.errstate(all="ignore"):
        return 1.0 - _error(form, rows.T[:, :, None], np.asarray(n, dtype=float)[None, :])


def _basis(form: str, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The two columns the error is linear in, for shape parameters ``theta`` (..., q): (..., G, 2)."""
    first = theta[..., :1]
    if form == "pow3":
        g = x ** -first
        return np.stack([g, np.ones_like(g)], axis=-1)
    if form == "pow4":
        g = (x + first) ** -theta[..., 1:2]
        return np.stack([g, np.ones_like(g)], axis=-1)
    g = 1.0 / (1.0 + (x / np.exp(first)) ** theta[..., 1:2])  # first: log of the halfway x
    return np.stack([g, 1.0 - g], axis=-1)


def _linear(basis: np.ndarray, e: np.ndarray, lower: tuple, upper: tuple) -> np.ndarray:
    """Box-bounded least squares in the two linear unknowns, for every basis in a stack: (..., 2).

    The optimum is the unconstrained one when it is inside the box, else the best of the
    one-unknown optima on the box's edges.
    """
    transposed = np.swapaxes(basis, -1, -2)
    gram, rhs = transposed @ basis, (transposed @ e[..., None])[..., 0]
    det = gram[..., 0, 0] * gram[..., 1, 1] - gram[..., 0, 1] ** 2
    inner = np.stack([gram[..., 1, 1] * rhs[..., 0] - gram[..., 0, 1] * rhs[..., 1],
                      gram[..., 0, 0] * rhs[..., 1] - gram[..., 0, 1] * rhs[..., 0]], axis=-1) / det[..., None]
    inside = (det > 1e-12 * gram[..., 0, 0] * gram[..., 1, 1]) & np.all((inner >= lower) & (inner <= upper), axis=-1)
    candidates = [np.where(inside[..., None], inner, np.nan)]
    for i, j in ((0, 1), (1, 0)):
        for fixed in (lower[i], upper[i]):
            if math.isfinite(fixed):
                beta = np.empty_like(inner)
                beta[..., i] = fixed
                beta[..., j] = np.clip((rhs[..., j] - fixed * gram[..., i, j]) / gram[..., j, j], lower[j], upper[j])
                candidates.append(beta)
    candidates = np.stack(candidates, axis=-2)
    cost = np.sum((candidates @ gram) * candidates, axis=-1) - 2 * (candidates @ rhs[..., None])[..., 0]
    best = np.argmin(np.where(np.isfinite(cost), cost, np.inf), axis=-1)
    return np.take_along_axis(candidates, np.reshape(best, np.shape(best) + (1, 1)), axis=-2)[..., 0, :]


def _params(form: str, theta: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """The form's parameters (:data:`NAMES` order) from its shape and linear parts."""
    if form == "pow3":
        return np.array([beta[0], theta[0], beta[1]])
    if form == "pow4":
        return np.array([beta[0], theta[0], theta[1], beta[1]])
    d = theta[1]
    return np.array([beta[0], math.exp(theta[0] * d), beta[1], d])


def _residuals(form: str, thetas: np.ndarray, x: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Residuals (..., G) for shapes ``thetas`` (..., q) with the best linear part; ``e`` broadcasts to (..., G)."""
    basis = _basis(form, thetas, x)
    return (basis @ _linear(basis, e, *_LINEAR_BOUNDS[form])[..., None])[..., 0] - e


def _jacobian(form: str, thetas: np.ndarray, x: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residuals (..., G) and their forward-difference Jacobian (..., G, q) at shapes ``thetas`` (..., q)."""
    q = thetas.shape[-1]
    step = 1e-7 * np.maximum(1.0, np.abs(thetas))
    offsets = np.concatenate([np.zeros((1, q)), np.eye(q)])  # the point itself, then one step per parameter
    r = _residuals(form, thetas[..., None, :] + offsets * step[..., None, :], x, e[..., None, :])  # (..., q + 1, G)
    return r[..., 0, :], np.swapaxes((r[..., 1:, :] - r[..., :1, :]) / step[..., :, None], -1, -2)


def _fit(form: str, x: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares of ``form`` to errors ``e`` at ``x``: (parameters, shape parameters), or None.

    The amplitude and the floor enter linearly and are solved exactly for any shape (variable
    projection), so every point of :data:`_START_GRID` is a start with its own residual; the
    best is polished by ``scipy.optimize.least_squares`` within the shape bounds.
    """
    from scipy.optimize import least_squares

    with np.errstate(all="ignore"):
        grid = np.stack(np.meshgrid(*_START_GRID[form], indexing="ij"), axis=-1).reshape(-1, len(_START_GRID[form]))
        cost = np.sum(_residuals(form, grid, x, e) ** 2, axis=1)
        if not np.isfinite(cost).any():
            return None
        start = grid[int(np.argmin(np.where(np.isfinite(cost), cost, np.inf)))]
        try:
            theta = least_squares(lambda t: _residuals(form, t, x, e), start,
                                  jac=lambda t: _jacobian(form, t, x, e)[1], bounds=_SHAPE_BOUNDS[form]).x
        except (ValueError, np.linalg.LinAlgError):
            return None
        beta = _linear(_basis(form, theta, x), e, *_LINEAR_BOUNDS[form])
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(beta))):
        return None
    return _params(form, theta, beta), theta


def _refit(form: str, x: np.ndarray, errors: np.ndarray, start: np.ndarray, iterations: int = 300) -> np.ndarray:
    """Refit ``form`` to every row of ``errors`` (R, G) from the shape ``start``: parameters (R, k).

    The bootstrap's refits, all rows at once (one ``least_squares`` call per row would cost a
    hundred times more): Levenberg-Marquardt steps on the shape parameters, a bound holding a
    parameter that the gradient pushes out of the box, the linear part solved exactly at every
    step as in :func:`_fit`. Rows that end non-finite or unconverged are NaN.
    """
    lo, hi = (np.asarray(b, dtype=float) for b in _SHAPE_BOUNDS[form])
    eye = np.eye(len(start))
    theta = np.tile(np.asarray(start, dtype=float), (len(errors), 1))
    damping = np.full(len(errors), 1e-3)
    done = np.zeros(len(errors), dtype=bool)
    with np.errstate(all="ignore"):
        cost = np.sum(_residuals(form, theta, x, errors) ** 2, axis=1)
        for _ in range(iterations):
            rows = np.nonzero(~done)[0]
            if not len(rows):
                break
            t, e, c = theta[rows], errors[rows], cost[rows]
            r, jac = _jacobian(form, t, x, e)
            gradient = (np.swapaxes(jac, 1, 2) @ r[..., None])[..., 0]
            free = ~(((t <= lo) & (gradient > 0)) | ((t >= hi) & (gradient < 0)))
            normal = np.swapaxes(jac, 1, 2) @ jac
            scale = np.maximum(np.diagonal(normal, axis1=1, axis2=2), 1e-12)
            system = (normal + damping[rows, None, None] * scale[:, :, None] * eye) \
                * (free[:, :, None] & free[:, None, :]) + eye * ~free[:, None, :]
            trial = np.clip(t - np.linalg.solve(system, (gradient * free)[..., None])[..., 0], lo, hi)
            trial_cost = np.sum(_residuals(form, trial, x, e) ** 2, axis=1)
            better = trial_cost < c
            moved = np.max(np.abs(trial - t) / np.maximum(1.0, np.abs(t)), axis=1)
            done[rows] = (better & (c - trial_cost <= 1e-12 * np.maximum(c, 1e-12))) | (moved < 1e-10) \
                | (damping[rows] > 1e12)
            theta[rows[better]], cost[rows[better]] = trial[better], trial_cost[better]
            damping[rows] = np.where(better, damping[rows] / 3, damping[rows] * 4)
        beta = _linear(_basis(form, theta, x), errors, *_LINEAR_BOUNDS[form])
    out = np.array([_params(form, t, b) for t, b in zip(theta, beta)])
    out[~(done & np.isfinite(cost) & np.all(np.isfinite(out), axis=1))] = np.nan
    return out


# --------------------------------------------------------------------------- the measured curve


def resamples(seeds: list[int], n_examples: int, draws: int = DRAWS,
              seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The bootstrap resamples behind every interval of :func:`extrapolate`.

    Parameters
    ----------
    seeds : list of int
        The training seeds of the curve, in the order given.
    n_examples : int
        Test examples (0 when no correctness is stored: the example draws are then empty).
    draws, seed : int
        How many resamples, and the generator's seed.

    Returns
    -------
    list of (seed_ids, example_idx)
        Per resample, ``len(seeds)`` seed ids drawn with replacement and ``n_examples`` example
        indices drawn with replacement. The result depends only on the arguments, so two solvers
        of one task with the same seeds and test set are resampled identically (paired draws).
    """
    rng = np.random.default_rng(seed)
    ids = np.asarray(seeds)
    picks = rng.integers(0, len(ids), size=(draws, len(ids))) if len(ids) else np.zeros((draws, 0), int)
    examples = rng.integers(0, n_examples, size=(draws, n_examples), dtype=np.int32) if n_examples else \
        np.zeros((draws, 0), np.int32)
    return [(ids[picks[r]], examples[r]) for r in range(draws)]


@dataclass
class _Curve:
    """The measured points of one solver: per size, every seed's score and (where stored) correctness."""

    sizes: list[int]
    seeds: list[int]
    means: np.ndarray                    # (K,) mean score over the seeds of each size
    by_seed: list[dict[int, float]]      # per size: seed -> score
    correct: list[np.ndarray | None]     # per size: (its seeds, n_examples) correctness, or None
    n_examples: int                      # 0 when no size has stored correctness
    n_test: int | None                   # for binomial noise at sizes without correctness

    @classmethod
    def of(cls, scores: Mapping[int, Mapping[int, float]], correct: Mapping[int, Mapping[int, Any]] | None,
           n_test: int | None) -> "_Curve":
        sizes = sorted(int(n) for n, v in scores.items() if v)
        by_seed = [{int(s): float(v) for s, v in scores[n].items()} for n in sizes]
        matrices, lengths = [], set()
        for n, points in zip(sizes, by_seed):
            stored = (correct or {}).get(n) or {}
            if all(s in stored for s in points):
                m = np.vstack([np.asarray(stored[s], dtype=bool) for s in sorted(points)]).astype(float)
                matrices.append(m)
                lengths.add(m.shape[1])
            else:
                matrices.append(None)
        if len(lengths) > 1:
            raise ValueError(f"correctness arrays of different lengths {sorted(lengths)}: not one test set")
        n_examples = lengths.pop() if lengths else 0
        return cls(sizes=sizes, seeds=sorted({s for p in by_seed for s in p}),
                   means=np.array([np.mean(list(p.values())) for p in by_seed]), by_seed=by_seed,
                   correct=matrices, n_examples=n_examples, n_test=n_examples or n_test)

    @property
    def resamplable(self) -> bool:
        return len(self.seeds) >= 2 or any(m is not None for m in self.correct)

    def resampled_means(self, draws: list[tuple[np.ndarray, np.ndarray]], seed: int) -> np.ndarray:
        """Per-size mean scores of every resample, shape (draws, K).

        A size's mean weighs its seeds by how often each was drawn (all its seeds equally when
        none of them was). With stored correctness the drawn examples are scored; without, the
        seeds' scores are averaged and, when the test size is known, binomial test-set noise is
        added to the point. The seeds' scores are first spread about their mean by
        ``sqrt(S / (S - 1))`` (within [0, 1]): a resample of S values has a variance
        (S - 1) / S of theirs, which with 3 seeds would shrink every interval by about a fifth.
        """
        noise = np.random.default_rng([seed, 1])
        out = np.empty((len(draws), len(self.sizes)))
        for r, (ids, examples) in enumerate(draws):
            counts = np.bincount(examples, minlength=self.n_examples) if self.n_examples else None
            drawn = {s: int(np.sum(ids == s)) for s in self.seeds}
            for k, (points, matrix) in enumerate(zip(self.by_seed, self.correct)):
                order = sorted(points)
                w = np.array([drawn[s] for s in order], dtype=float)
                w = w if w.sum() > 0 else np.ones(len(order))
                values = matrix @ counts / self.n_examples if matrix is not None else \
                    np.array([points[s] for s in order])
                if len(values) > 1:
                    spread = math.sqrt(len(values) / (len(values) - 1)) * (values - values.mean())
                    values = np.clip(values.mean() + spread, 0.0, 1.0)
                mean = w @ values / w.sum()
                if matrix is None and self.n_test:
                    mean = noise.binomial(self.n_test, min(max(mean, 0.0), 1.0)) / self.n_test
                out[r, k] = mean
        return out


# --------------------------------------------------------------------------- ill-behaved curves


def _p_words(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _holm_z(values: np.ndarray, resampled: np.ndarray) -> list[float | None]:
    """Holm-adjusted two-sided p-values of contrasts of the mean scores (normal approximation).

    ``values`` (T,) are the contrasts on the measured means, ``resampled`` (draws, T) the same
    contrasts on every paired resample, whose spread is the standard error.
    """
    from scipy.stats import norm

    se = resampled.std(axis=0, ddof=1)
    return stats.holm([float(2 * norm.sf(abs(v) / s)) if s > 0 else None for v, s in zip(values, se)])


def _falls(curve: _Curve, boot: np.ndarray) -> str | None:
    """The most significant drop from a smaller to a larger size (Holm over all pairs of sizes).

    The paired resamples carry the seeds' training noise as well as the test examples', so a
    drop that one unlucky seed makes is not a fall (a per-example test such as
    :func:`stats.paired_comparison` takes the trained models as fixed and would call it one).
    """
    pairs = [(i, j) for i in range(len(curve.sizes)) for j in range(i + 1, len(curve.sizes))]
    drops = np.array([curve.means[j] - curve.means[i] for i, j in pairs])
    adjusted = _holm_z(drops, np.column_stack([boot[:, j] - boot[:, i] for i, j in pairs]))
    found = [(p, drop, i, j) for (i, j), drop, p in zip(pairs, drops, adjusted)
             if p is not None and p < stats.ALPHA and drop < 0]
    if not found:
        return None
    p, _, i, j = min(found)
    return (f"falls with more data: {curve.means[i]:.3f} at n={curve.sizes[i]:,} vs {curve.means[j]:.3f} "
            f"at n={curve.sizes[j]:,} (paired bootstrap, {_p_words(p)})")


def _bends(curve: _Curve, boot: np.ndarray) -> str | None:
    """A significant rise of the gain per doubling, from sizes i to j to sizes j to k (Holm over all i < j < k).

    Consecutive sizes find a local bend, wide spans a gradual one that each step is too noisy
    to show.
    """
    logs = np.log2(np.array(curve.sizes, dtype=float))
    triples = [(i, j, k) for i in range(len(logs)) for j in range(i + 1, len(logs)) for k in range(j + 1, len(logs))]

    def gains(means: np.ndarray, i: int, j: int) -> np.ndarray:
        return (means[..., j] - means[..., i]) / (logs[j] - logs[i])

    bend = np.array([gains(curve.means, j, k) - gains(curve.means, i, j) for i, j, k in triples])
    adjusted = _holm_z(bend, np.column_stack([gains(boot, j, k) - gains(boot, i, j) for i, j, k in triples]))
    found = [(p, -bend[t], t) for t, p in enumerate(adjusted) if p is not None and p < stats.ALPHA and bend[t] > 0]
    if not found:
        return None
    p, _, t = min(found)
    i, j, k = triples[t]
    n = curve.sizes
    return (f"bends the wrong way: the gain per doubling rises from {gains(curve.means, i, j):+.3f} "
            f"(n={n[i]:,} to {n[j]:,}) to {gains(curve.means, j, k):+.3f} (n={n[j]:,} to {n[k]:,}) "
            f"(paired bootstrap, {_p_words(p)})")


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
        return float(_scores(self.form, self.full, np.array([n]))[0, 0])

    def interval(self, n: float) -> tuple[float, float] | None:
        """95% percentile interval of the score at ``n`` over the bootstrap refits."""
        if not self._within(n):
            return None
        return _quantiles(_scores(self.form, self.draws, np.array([n]))[:, 0])


def _quantiles(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.nanquantile(values, [(1 - stats.LEVEL) / 2, (1 + stats.LEVEL) / 2])
    return float(lo), float(hi)


def _held_out(curve: _Curve) -> tuple[dict[str, float], dict[str, float], int]:
    """Each eligible form fitted without the largest size(s).

    Returns the forms' RMSE of the mean score at the held-out sizes, their predictions at the
    largest size, and how many sizes were held out (2 from 7 sizes on, else 1).
    """
    hold = 2 if len(curve.sizes) >= 7 else 1
    x = np.array(curve.sizes, dtype=float) / curve.sizes[0]
    errors, at_largest = {}, {}
    for form in FORMS:
        fitted = _fit(form, x[:-hold], 1.0 - curve.means[:-hold]) if len(x) >= PARAMS[form] + 2 else None
        if fitted is None:
            continue
        with np.errstate(all="ignore"):
            predicted = 1.0 - _error(form, fitted[0], x[-hold:])
        if np.all(np.isfinite(predicted)):
            errors[form] = float(np.sqrt(np.mean((predicted - curve.means[-hold:]) ** 2)))
            at_largest[form] = float(predicted[-1])
    return errors, at_largest, hold


def _refusal(curve: _Curve, out: Extrapolation, boot: np.ndarray | None) -> str | None:
    """Why the curve may not be extrapolated before any check of a fit, or None."""
    fewest = min(PARAMS.values()) + 2
    if out.ill_behaved:
        return f"the curve {out.ill_behaved.split(':')[0]}, so no form describes it"
    if len(curve.sizes) < fewest:
        return (f"{len(curve.sizes)} measured sizes: extrapolation needs at least {fewest} "
                f"(a form with k parameters needs k + 2)")
    if boot is None:
        return "one seed and no stored predictions: extrapolation needs stored predictions or at least 2 seeds"
    if not out.held_out:
        return "no form could be fitted to the sizes below the held-out ones"
    return None


def _held_out_check(curve: _Curve, boot: np.ndarray, form: str, predicted: float, hold: int) -> tuple[bool, str]:
    """Whether ``form``'s held-out prediction lies in the largest size's measured 95% interval, and the words."""
    largest = curve.sizes[-1]
    low, high = _quantiles(boot[:, -1])
    low, high = min(low, curve.means[-1]), max(high, curve.means[-1])
    without = f"n={largest:,}" if hold == 1 else f"n={curve.sizes[-2]:,} and {largest:,}"
    passed = low <= predicted <= high
    return passed, (f"held-out check {'passed' if passed else 'failed'}: {form} fitted without {without} "
                    f"predicts {printable(predicted)} at n={largest:,}, {'inside' if passed else 'outside'} the measured "
                    f"{low:.3f}–{high:.3f}")


def _bootstrap(curve: _Curve, out: Extrapolation, form: str, boot: np.ndarray, checked: str) -> Extrapolation:
    """Fit ``form`` to all sizes and to every resample; fill ``out`` unless the refits or the width rule refuse."""
    n0 = float(curve.sizes[0])
    x = np.array(curve.sizes, dtype=float) / n0
    fitted = _fit(form, x, 1.0 - curve.means)
    if fitted is None:
        return _refuse(out, f"{checked}, but {form} could not be fitted to all sizes")
    full, shape = fitted
    refits = _refit(form, x, 1.0 - boot, shape)
    failed = float(np.mean(np.isnan(refits[:, 0])))
    if failed > MAX_FAILED_SHARE:
        return _refuse(out, f"{checked}, but {failed:.0%} of the bootstrap refits failed")
    params, rows = _to_examples(form, full, n0), _to_examples(form, refits, n0)
    horizon = np.array([MAX_HORIZON * curve.sizes[-1]], dtype=float)
    low, high = _quantiles(_scores(form, rows, horizon)[:, 0])
    width, spread = high - low, float(curve.means.max() - curve.means.min())
    if width >= spread:
        return _refuse(out, f"{checked}, but the 95% interval at {MAX_HORIZON}x ({width:.3f}) is "
                            f"{'wider than' if width > spread else 'as wide as'} the measured scores' range "
                            f"({spread:.3f})")
    out.form, out.extrapolates, out.draws = form, True, rows
    out.params = {k: float(v) for k, v in zip(NAMES[form], params)}
    out.pred_10x, out.pred_10x_low, out.pred_10x_high = float(_scores(form, params[None], horizon)[0, 0]), low, high
    # A floor at its bound 0, or under a flat curve (exponent 0), is not an estimate.
    if full[_FLOOR[form]] > AT_BOUND and full[_EXPONENT[form]] > AT_BOUND:
        out.floor = 1.0 - float(full[_FLOOR[form]])
        out.floor_low, out.floor_high = _quantiles(1.0 - refits[:, _FLOOR[form]])
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
    curve = _Curve.of(scores, correct, n_test)
    if not curve.sizes:
        raise ValueError(f"{solver}: no measured sizes")
    out = Extrapolation(solver=solver, sizes=list(curve.sizes))
    boot = curve.resampled_means(resamples(curve.seeds, curve.n_examples, draws, seed), seed) \
        if curve.resamplable else None
    if boot is not None and len(curve.sizes) >= 3:
        out.ill_behaved = _falls(curve, boot) or _bends(curve, boot)
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
    gap = _scores(form, rows, grid) - target
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
        return _first_change(_scores(a.form, rows_a, grid) - _scores(b.form, rows_b, grid), grid)

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
