"""Statistics over per-example test predictions: intervals and paired tests over correctness.

Owns the numbers a report may claim from per-example correctness arrays (``True`` where a
solver's prediction on a test example was right): the interval of an accuracy (Wilson for one
seed, a two-stage bootstrap over seeds and examples for several), the paired comparison of two
solvers on the same test examples (paired bootstrap interval of the accuracy difference,
McNemar's exact test or a sign-flip permutation test), the comparison of two setups by their
per-seed scores (a t-test whose variance is the variation between training subsets), Holm's
correction across comparisons,
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


def _count_blocks(rng: np.random.Generator, n: int, draws: int):
    """Yield (B, n) matrices of how often each of ``n`` items is drawn in B resamples of size n."""
    block = max(1, min(draws, _BLOCK_CELLS // max(n, 1)))
    done = 0
    while done < draws:
        b = min(block, draws - done)
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)
        done += b


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
    boot = np.empty(draws)
    start = 0
    for counts in _count_blocks(rng, n, draws):
        stop = start + counts.shape[0]
        per_seed = counts @ x.T  # correct answers of each seed on this draw's examples
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
        boot = np.concatenate([counts @ d for counts in _count_blocks(rng, n, draws)]) / n
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


# --------------------------------------------------------------------------- setups: seeds as the unit


def seed_comparison(scores_a: Sequence[float], scores_b: Sequence[float], paired: bool = True,
                    level: float = LEVEL) -> dict[str, Any]:
    """Compare two *setups* (solvers as methods, families, model sizes, runs) by their per-seed scores.

    A setup is a way to train a model, so a claim about it must count how much its score moves
    when another training subset (and solver seed) is drawn. The unit here is the seed: each
    score is one trained model's accuracy on the whole test set.

    Parameters
    ----------
    scores_a, scores_b : sequence of float
        One score per seed. ``paired``: entry ``i`` of both comes from the same seed, so the
        same training subset (a paired t-test on the differences, ``seeds - 1`` degrees of
        freedom). Otherwise the seeds are unrelated (two runs): Welch's t-test.
    level : float
        Confidence level of the interval of the difference.

    Returns
    -------
    dict
        ``diff`` (mean of A minus mean of B), ``low``/``high`` (t interval), ``p`` (two-sided),
        ``test``, ``n_seeds`` (the smaller side), and ``reason`` when no test is possible:
        fewer than two seeds on a side, or seeds that did not vary (every seed gave the same
        difference, as when every seed trained the same models: no training variance to count,
        ``p`` is None then too).

    Examples
    --------
    >>> r = seed_comparison([0.91, 0.93, 0.92], [0.90, 0.91, 0.90])
    >>> round(r["diff"], 3), r["test"], r["p"] < 0.05
    (0.017, 'paired t over 3 seeds', True)
    """
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if paired and a.shape != b.shape:
        raise ValueError(f"paired scores need one per seed on both sides, got {a.size} and {b.size}")
    _z(level)
    diff = float(a.mean() - b.mean()) if a.size and b.size else None
    out: dict[str, Any] = {"diff": diff, "low": None, "high": None, "p": None, "test": None,
                           "n_seeds": int(min(a.size, b.size)), "reason": None}
    if min(a.size, b.size) < 2:
        out["reason"] = "one seed: the variation between training subsets cannot be measured"
        return out
    if paired:
        d = a - b
        se, df = float(d.std(ddof=1)) / math.sqrt(d.size), d.size - 1
        out["test"] = f"paired t over {d.size} seeds"
    else:
        va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1)) if se > 0 else 1.0
        out["test"] = f"Welch t over {a.size} and {b.size} seeds"
    if se <= _TOL * max(1.0, abs(diff)):
        out["reason"] = "every seed gave the same difference: the seeds show no training variance"
        return out
    t = stats.t.ppf(0.5 + level / 2.0, df)
    out.update(low=float(diff - t * se), high=float(diff + t * se), p=float(2 * stats.t.sf(abs(diff) / se, df)))
    return out


def _trigamma_inverse(x: float) -> float:
    """The y with trigamma(y) = x (Smyth 2004's Newton iteration)."""
    from scipy.special import polygamma

    if x > 1e7:
        return 1.0 / math.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(polygamma(1, y))
        step = tri * (1.0 - tri / x) / float(polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def moderated_paired_t(diffs: Sequence[Sequence[float]]) -> list[dict[str, Any] | None]:
    """Paired t-tests over seeds for many comparisons at once, each variance shrunk towards theirs all.

    With 3 seeds a paired t-test has 2 degrees of freedom: a 7-point gap measured with a spread
    of 1 point is not significant after a page's Holm correction. The variances of a page's
    comparisons tell each other how much seeds move a difference, so this is the moderated
    t-test of Smyth (2004, limma): their spread gives a prior (``d0`` degrees of freedom around
    a typical variance ``s0²``), each comparison's variance is averaged with it, and the test
    has its own degrees of freedom plus ``d0``. When the variances differ much more than chance
    allows, ``d0`` is near 0 and each test is the plain paired t-test.

    ``diffs``: the per-seed differences of each comparison (2+ seeds, some variation). Returns
    per comparison ``diff``, ``low``/``high`` (95% t interval), ``p``, ``df`` and ``test``;
    None for one that cannot be tested (fewer than two seeds, no variation).
    """
    from scipy.special import digamma, polygamma

    arrays = [np.asarray(d, dtype=float) for d in diffs]
    usable = [i for i, d in enumerate(arrays) if d.size >= 2 and d.std(ddof=1) > _TOL]
    out: list[dict[str, Any] | None] = [None] * len(arrays)
    if not usable:
        return out
    s2 = np.array([arrays[i].var(ddof=1) for i in usable])
    df = np.array([arrays[i].size - 1 for i in usable], dtype=float)
    d0, s02 = 0.0, 0.0
    if len(usable) >= 3:  # the prior by moments of log s² (Smyth's fitFDist)
        e = np.log(s2) - digamma(df / 2) + np.log(df / 2)
        excess = float(np.var(e, ddof=1) - np.mean(polygamma(1, df / 2)))
        d0 = 2 * _trigamma_inverse(excess) if excess > 0 else math.inf
        s02 = float(np.exp(np.mean(e) + (digamma(d0 / 2) - np.log(d0 / 2) if math.isfinite(d0) else 0.0)))
        d0 = min(d0, 1e6)
    for k, i in enumerate(usable):
        d = arrays[i]
        shrunk = (d0 * s02 + df[k] * s2[k]) / (d0 + df[k])
        se, dof = math.sqrt(shrunk / d.size), df[k] + d0
        mean, t = float(d.mean()), float(stats.t.ppf(0.5 + LEVEL / 2.0, dof))
        out[i] = {"diff": mean, "low": mean - t * se, "high": mean + t * se,
                  "p": float(2 * stats.t.sf(abs(mean) / se, dof)), "df": float(dof),
                  "test": f"moderated paired t over {d.size} seeds"}
    return out


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
