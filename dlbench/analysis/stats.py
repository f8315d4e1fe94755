"""Statistics over per-example test predictions: intervals and paired tests over correctness.

Owns the numbers a report may claim from per-example correctness arrays (``True`` where a
solver's prediction on a test example was right): the interval of an accuracy (Wilson for one
seed, a two-stage bootstrap over seeds and examples for several), the paired comparison of two
solvers on the same test examples (paired bootstrap interval of the accuracy difference,
McNemar's exact test or a sign-flip permutation test), Holm's correction across comparisons,
the verdict a corrected p-value supports, and the Friedman / Iman-Davenport test with the
Nemenyi critical difference across datasets.

It does not read stores or result rows, build tables or draw figures; callers pass arrays in
and get plain dicts and floats out. Arrays are ``(n_examples,)`` for one seed or
``(n_seeds, n_examples)`` for several seeds evaluated on the same test examples. Every random
procedure takes an explicit integer ``seed`` and is deterministic for it.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import stats

LEVEL = 0.95
ALPHA = 0.05

#: Largest number of nonzero paired differences for which all sign flips are enumerated.
EXACT_SIGN_FLIP_MAX = 16
#: Bootstrap count matrices are built in blocks of about this many cells to bound memory.
_BLOCK_CELLS = 4_000_000
#: Tolerance when comparing permutation statistics (differences are multiples of 1/n_seeds).
_TOL = 1e-9


# --------------------------------------------------------------------------- helpers


def _as_correct(correct: Any, name: str = "correct") -> np.ndarray:
    """Validate a correctness array and return it as float of shape (n_seeds, n_examples)."""
    arr = np.asarray(correct)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D (n_examples,) or 2-D (n_seeds, n_examples), "
                         f"got shape {np.shape(correct)}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} needs at least one seed and one example, got shape {arr.shape}")
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must hold booleans or 0/1 values")
    return arr.astype(float)


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _percentiles(values: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.quantile(values, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(lo), float(hi)


def _group_counts(rng: np.random.Generator, freq: np.ndarray, draws: int):
    """Yield (B, k) matrices of how many of the ``freq[j]`` examples of group ``j`` (``n = freq.sum()``
    examples in all) B resamples of size n with replacement draw.

    Drawing the group counts (a multinomial) instead of every example's gives the same bootstrap
    distribution of any statistic that depends on the examples only through their group (the
    value a sum is over), at a cost of draws x groups instead of draws x examples.
    """
    n, k = int(freq.sum()), len(freq)
    block = max(1, min(draws, _BLOCK_CELLS // max(k, 1)))
    p = freq / n
    done = 0
    while done < draws:
        b = min(block, draws - done)
        yield rng.multinomial(n, p, size=b).astype(float)
        done += b


def _patterns(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of a 0/1 matrix (n_seeds, n) as rows (patterns, n_seeds), and how many
    columns have each: examples with the same correctness over the seeds are interchangeable in a resample."""
    if x.shape[0] > 52:  # beyond a float's exact integers
        return np.unique(x.T, axis=0, return_counts=True)
    code = (2.0 ** np.arange(x.shape[0])) @ x
    _, first, freq = np.unique(code, return_index=True, return_counts=True)
    return x[:, first].T, freq


# --------------------------------------------------------------------------- intervals


def wilson_interval(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``k / n``.

    Returns ``(low, high)`` within [0, 1]; ``low`` is exactly 0 when ``k == 0`` and ``high``
    exactly 1 when ``k == n``. For 0 < k < n the interval has positive width and contains k/n.
    """
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"need n > 0 and 0 <= k <= n, got k={k}, n={n}")
    z = _z(level)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    low = 0.0 if k == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if k == n else min(1.0, max(p, centre + half))
    return low, high


def accuracy_interval(correct: Any, level: float = LEVEL, seed: int = 0,
                      draws: int = 2000) -> dict[str, Any]:
    """Interval of the accuracy behind a correctness array.

    Parameters
    ----------
    correct : array of bool or 0/1, shape (n_examples,) or (n_seeds, n_examples)
        Per-example correctness; rows are seeds evaluated on the same test examples.
    level : float
        Confidence level.
    seed : int
        Seed of the bootstrap (unused with one seed).
    draws : int
        Bootstrap draws.

    Returns
    -------
    dict
        ``mean`` (pooled accuracy), ``low``, ``high``, ``method`` (``"wilson"`` for one seed,
        ``"bootstrap-seeds-examples"`` for several), ``n_examples``, ``n_seeds``.

    Notes
    -----
    With several seeds the bootstrap is two-stage: each draw resamples seeds with replacement
    and examples with replacement, the one example draw applied to every drawn seed (they share
    the test set), and takes the mean accuracy. The percentile interval is widened to contain
    the estimate; if it collapses while 0 < mean < 1, the Wilson interval on the pooled counts
    is returned instead. Resampling both seeds and examples counts per-seed noise twice, so the
    interval is conservative when seeds barely differ; with few seeds (e.g. 3) and a seed spread
    larger than the example-sampling error it under-covers, as any resample of 3 values must.
    """
    x = _as_correct(correct)
    n_seeds, n = x.shape
    total = int(round(x.sum()))
    mean = float(x.mean())
    out = {"mean": mean, "n_examples": n, "n_seeds": n_seeds}
    if n_seeds == 1:
        low, high = wilson_interval(total, n, level)
        return {**out, "low": low, "high": high, "method": "wilson"}
    _z(level)
    draws = int(draws)
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    rng = np.random.default_rng(seed)
    # Seed multiplicities per draw, shape (draws, n_seeds).
    seed_idx = rng.integers(0, n_seeds, size=(draws, n_seeds))
    seed_w = np.bincount((seed_idx + (np.arange(draws) * n_seeds)[:, None]).ravel(),
                         minlength=draws * n_seeds).reshape(draws, n_seeds)
    patterns, freq = _patterns(x)
    boot = np.empty(draws)
    start = 0
    for counts in _group_counts(rng, freq, draws):
        stop = start + counts.shape[0]
        per_seed = counts @ patterns  # correct answers of each seed on this draw's examples
        boot[start:stop] = (per_seed * seed_w[start:stop]).sum(axis=1)
        start = stop
    boot /= n_seeds * n
    low, high = _percentiles(boot, level)
    low, high = min(low, mean), max(high, mean)
    method = "bootstrap-seeds-examples"
    if high - low <= 0.0 and 0.0 < mean < 1.0:
        low, high = wilson_interval(total, n_seeds * n, level)
    return {**out, "low": low, "high": high, "method": method}


# --------------------------------------------------------------------------- paired comparison


def _sign_flip_p(d: np.ndarray) -> float:
    """Two-sided sign-flip permutation p-value of ``sum(d)`` over the nonzero ``d``."""
    m = d.size
    if m == 0:
        return 1.0
    observed = abs(float(d.sum()))
    scale = _TOL * max(1.0, float(np.abs(d).sum()))
    if m <= EXACT_SIGN_FLIP_MAX:
        bits = (np.arange(2 ** m)[:, None] >> np.arange(m)) & 1
        totals = (1.0 - 2.0 * bits) @ d
        return float(np.mean(np.abs(totals) >= observed - scale))
    # Beyond that, the sign-flip distribution of sum(d) is close to normal with variance sum(d^2);
    # a Monte Carlo p-value could not go below 1 / (draws + 1), which Holm's correction over a
    # page of comparisons would turn into "tied" for every difference, however large.
    return float(math.erfc(observed / math.sqrt(2.0 * float(np.sum(d ** 2)))))


def paired_comparison(correct_a: Any, correct_b: Any, seed: int = 0, draws: int = 2000,
                      level: float = LEVEL) -> dict[str, Any]:
    """Compare solver A against solver B on the same test examples.

    Parameters
    ----------
    correct_a, correct_b : array of bool or 0/1, same shape (n_examples,) or (n_seeds, n_examples)
        Per-example correctness of A and B; row ``s`` of both comes from the same seed.
    seed : int
        Seed of the paired bootstrap.
    draws : int
        Bootstrap draws.
    level : float
        Confidence level of the interval.

    Returns
    -------
    dict
        ``diff`` (mean of the per-example differences ``d_i``), ``low``/``high`` (paired
        percentile bootstrap over examples, containing ``diff``), ``p`` (two-sided), ``test``,
        ``n_examples``, ``n_seeds``, ``discordant`` (#``d_i != 0``), ``a_better`` (#``d_i > 0``),
        ``b_better`` (#``d_i < 0``).

    Notes
    -----
    The unit is the test example: ``d_i`` is A's accuracy on example ``i`` averaged over seeds
    minus B's, so seeds repeating the same disagreements do not multiply the evidence. One seed
    uses McNemar's exact test; several seeds a sign-flip permutation test on the nonzero ``d_i``
    (exact up to :data:`EXACT_SIGN_FLIP_MAX` of them, else the permutation distribution's normal
    limit, whose p-value can be as small as the evidence is strong).
    """
    a = _as_correct(correct_a, "correct_a")
    b = _as_correct(correct_b, "correct_b")
    if a.shape != b.shape:
        raise ValueError(f"correct_a and correct_b must have the same shape, "
                         f"got {np.shape(correct_a)} and {np.shape(correct_b)}")
    _z(level)
    draws = int(draws)
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    n_seeds, n = a.shape
    d = a.mean(axis=0) - b.mean(axis=0)
    # Snap to the 1/n_seeds grid so float noise cannot create spurious nonzero differences.
    d = np.round(d * n_seeds) / n_seeds
    diff = float(d.mean())
    nonzero = d[d != 0]
    a_better = int(np.count_nonzero(d > 0))
    b_better = int(np.count_nonzero(d < 0))

    rng = np.random.default_rng(seed)
    if nonzero.size == 0:
        low = high = diff
    else:
        values, freq = np.unique(d, return_counts=True)  # d takes at most 2 n_seeds + 1 values
        boot = np.concatenate([counts @ values for counts in _group_counts(rng, freq, draws)]) / n
        low, high = _percentiles(boot, level)
        low, high = min(low, diff), max(high, diff)

    if n_seeds == 1:
        test = "McNemar exact"
        p = 1.0 if a_better + b_better == 0 else float(
            stats.binomtest(min(a_better, b_better), a_better + b_better, 0.5).pvalue)
    else:
        test = "sign-flip permutation"
        p = _sign_flip_p(nonzero)
    return {"diff": diff, "low": float(low), "high": float(high), "p": min(1.0, p), "test": test,
            "n_examples": n, "n_seeds": n_seeds, "discordant": int(nonzero.size),
            "a_better": a_better, "b_better": b_better}


# --------------------------------------------------------------------------- multiplicity, verdict


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values; ``None`` entries stay ``None`` and are not counted."""
    present = [(i, float(p)) for i, p in enumerate(pvalues) if p is not None]
    out: list[float | None] = [None] * len(pvalues)
    m = len(present)
    running = 0.0
    for rank, (i, p) in enumerate(sorted(present, key=lambda item: item[1])):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def verdict(comparison: Mapping[str, Any], p_adjusted: float | None, alpha: float = ALPHA) -> str:
    """``"ahead"``/``"behind"`` when A differs from B at corrected level ``alpha``, else ``"tied"``."""
    if p_adjusted is None or not p_adjusted < alpha:
        return "tied"
    diff = comparison["diff"]
    if diff > 0:
        return "ahead"
    if diff < 0:
        return "behind"
    return "tied"


# --------------------------------------------------------------------------- ranks across datasets


@lru_cache(maxsize=64)
def _nemenyi_q(k: int, alpha: float) -> float:
    return float(stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0))


def friedman_cd(scores: Any, alpha: float = ALPHA) -> dict[str, Any]:
    """Friedman test, Iman-Davenport correction and Nemenyi critical difference.

    Parameters
    ----------
    scores : array, shape (n_datasets, k_methods)
        One score per dataset and method; higher is better.
    alpha : float
        Significance level of the test and of the critical difference.

    Returns
    -------
    dict
        ``ranks`` (average rank per method, 1 = best, ties share the mean rank), ``statistic``
        and ``p`` (Friedman chi-square), ``iman_davenport`` and ``p_iman_davenport``, ``cd``
        (``q_alpha * sqrt(k(k+1)/(6N))``, Demsar 2006), ``rejects`` (``p < alpha``), ``k``, ``n``.
    """
    x = np.asarray(scores, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"scores must be 2-D (n_datasets, k_methods), got shape {x.shape}")
    n, k = x.shape
    if k < 3 or n < 2:
        raise ValueError(f"Friedman test needs k >= 3 methods and N >= 2 datasets, got k={k}, N={n}")
    if not np.isfinite(x).all():
        raise ValueError("scores must be finite")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    ranks = stats.rankdata(-x, axis=1).mean(axis=0)
    if np.all(x == x[:, :1]):
        chi2, p = 0.0, 1.0
    else:
        res = stats.friedmanchisquare(*x.T)
        chi2, p = float(res.statistic), float(res.pvalue)
    denom = n * (k - 1) - chi2
    if denom <= 0:  # every dataset ranks the methods identically, without ties
        f_id, p_id = math.inf, 0.0
    else:
        f_id = (n - 1) * chi2 / denom
        p_id = float(stats.f.sf(f_id, k - 1, (k - 1) * (n - 1)))
    cd = _nemenyi_q(k, float(alpha)) * math.sqrt(k * (k + 1) / (6.0 * n))
    return {"ranks": [float(r) for r in ranks], "statistic": chi2, "p": p,
            "iman_davenport": float(f_id), "p_iman_davenport": p_id, "cd": float(cd),
            "rejects": bool(p < alpha), "k": k, "n": n}
