"""A solver's measured learning curve, its bootstrap resamples and the tests that call it ill-behaved.

Owns the resamples of seeds and test examples behind every extrapolation interval (the same
for every solver of a task, so their draws pair up), the resampled per-size means, and the
paired tests over them that name a curve that falls as data grows or bends the wrong way. It
fits nothing (``curve_forms``) and extrapolates nothing (``extrapolation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from dlbench.analysis import stats

#: Bootstrap refits behind every interval.
DRAWS = 200

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
class Measured:
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
           n_test: int | None) -> "Measured":
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


def falls(curve: Measured, boot: np.ndarray) -> str | None:
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


def bends(curve: Measured, boot: np.ndarray) -> str | None:
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
