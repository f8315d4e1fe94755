"""The learning-curve forms of LCDB (pow3, pow4, MMF) and their least-squares fits, in error space.

Owns each form's error at n, its parameters, bounds and start grid, the fit of one curve (every
start of a grid of shapes, its amplitude and floor solved exactly, the best polished by
``scipy.optimize.least_squares``) and the batched refit of many resampled curves at once. It
does not choose a form, resample or decide anything (``extrapolation``, ``curve_checks``).
"""

from __future__ import annotations

import math

import numpy as np

FORMS = ("pow3", "pow4", "mmf")
PARAMS = {"pow3": 3, "pow4": 4, "mmf": 4}
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
FLOOR = {"pow3": 2, "pow4": 3, "mmf": 2}     # index of the error floor c in the parameters
EXPONENT = {"pow3": 1, "pow4": 2, "mmf": 3}  # index of the exponent; 0 is a flat curve
#: The start grid of the shape parameters: every point is a start whose linear part is solved
#: exactly, and the best is polished by least squares (LCDB takes 6 random starts instead).
_START_GRID = {
    "pow3": (np.linspace(0.0, 5.0, 101),),
    "pow4": (np.concatenate([[0.0], np.geomspace(0.05, 100.0, 24)]), np.linspace(0.0, 5.0, 41)),
    "mmf": (np.linspace(-7.0, 14.0, 43), np.linspace(0.0, 5.0, 41)),
}

# --------------------------------------------------------------------------- forms


def error(form: str, p, n):
    """Error of ``form`` with parameters ``p`` (unpacked along the first axis) at sizes ``n``."""
    if form == "pow3":
        a, alpha, c = p
        return c + a * n ** -alpha
    if form == "pow4":
        a, d, alpha, c = p
        return c + a * (n + d) ** -alpha
    a, b, c, d = p
    return c + (a - c) * b / (b + n ** d)  # = (a*b + c*n**d) / (b + n**d), finite for large n


def to_examples(form: str, p: np.ndarray, n0: float) -> np.ndarray:
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


def scores(form: str, rows: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Score of each parameter row (R, k) at each size in ``n`` (G,): shape (R, G)."""
    with np.errstate(all="ignore"):
        return 1.0 - error(form, rows.T[:, :, None], np.asarray(n, dtype=float)[None, :])


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


def fit(form: str, x: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
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


def refit(form: str, x: np.ndarray, errors: np.ndarray, start: np.ndarray, iterations: int = 300) -> np.ndarray:
    """Refit ``form`` to every row of ``errors`` (R, G) from the shape ``start``: parameters (R, k).

    The bootstrap's refits, all rows at once (one ``least_squares`` call per row would cost a
    hundred times more): Levenberg-Marquardt steps on the shape parameters, a bound holding a
    parameter that the gradient pushes out of the box, the linear part solved exactly at every
    step as in :func:`fit`. Rows that end non-finite or unconverged are NaN.
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
