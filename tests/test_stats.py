"""Intervals and paired tests over per-example correctness: calibration, edge cases, worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dlbench.analysis.stats import (
    ALPHA, LEVEL, accuracy_interval, friedman_cd, holm, paired_comparison, verdict,
    wilson_interval,
)
from dlbench.analysis.seeds import moderated_paired_t, seed_comparison


def _correct(n: int, right: set[int] | range) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[list(right)] = True
    return out


def test_constants():
    assert LEVEL == 0.95 and ALPHA == 0.05


# --------------------------------------------------------------------------- calibration


@pytest.mark.parametrize("true_acc", [0.85, 0.6])
def test_one_seed_interval_covers_true_accuracy(true_acc):
    # 2,000 simulated test sets of 150 i.i.d. examples; the exact Wilson coverage here is
    # 0.961 (acc 0.85) and 0.945 (acc 0.6), Monte Carlo SE ~0.005.
    rng = np.random.default_rng(20240601)
    reps, n = 2000, 150
    hits = 0
    for _ in range(reps):
        res = accuracy_interval(rng.random(n) < true_acc)
        assert res["method"] == "wilson" and res["n_seeds"] == 1
        hits += res["low"] <= true_acc <= res["high"]
    assert 0.93 <= hits / reps <= 0.97


def test_multi_seed_interval_covers_population_accuracy():
    # Generative model (probit, crossed seeds x examples). One replicate draws a fresh test set
    # of n examples with difficulty a_i ~ N(0, 1), 3 fresh seeds with effect u_s ~ N(0, 0.2^2)
    # and per-(seed, example) noise e_si ~ N(0, 1); seed s is right on example i iff
    # 1.5 + a_i + u_s + e_si > 0. All seeds share the replicate's test set. The target is the
    # accuracy of a new seed on a new example, mu = Phi(1.5 / sqrt(1 + 1 + 0.04)) ~ 0.853,
    # which is what the two-stage bootstrap (seeds and examples) is meant to cover. Here the
    # per-seed accuracy spread (SD ~0.032) is about the example-sampling error (~0.029).
    # The band is [0.92, 0.98], wider than the one-seed band: 1,500 replicates give a Monte
    # Carlo SE of ~0.006, and the method's own coverage depends on the seed spread (measured
    # 0.986 with no seed effect, where per-seed noise is counted twice; 0.95 at this setup;
    # 0.92 with seed SD ~0.05, where 3 resampled seeds understate the spread).
    rng = np.random.default_rng(7)
    reps, seeds, n, su = 1500, 3, 150, 0.2
    mu = stats.norm.cdf(1.5 / math.sqrt(1.0 + 1.0 + su ** 2))
    hits = 0
    for r in range(reps):
        a = rng.normal(0.0, 1.0, n)
        u = rng.normal(0.0, su, seeds)
        e = rng.normal(0.0, 1.0, (seeds, n))
        res = accuracy_interval(1.5 + a[None, :] + u[:, None] + e > 0, seed=r, draws=1000)
        assert res["method"] == "bootstrap-seeds-examples" and res["n_seeds"] == seeds
        hits += res["low"] <= mu <= res["high"]
    assert 0.92 <= hits / reps <= 0.98


# --------------------------------------------------------------------------- interval edge cases


@pytest.mark.parametrize("k,n", [(1, 2), (1, 10), (9, 10), (3, 7), (1, 150), (75, 150), (149, 150),
                                 (1, 2000), (1999, 2000)])
def test_one_seed_interval_has_width_and_contains_estimate(k, n):
    res = accuracy_interval(_correct(n, range(k)))
    assert res["mean"] == pytest.approx(k / n)
    assert res["low"] < res["mean"] < res["high"]
    assert 0.0 <= res["low"] and res["high"] <= 1.0
    assert (res["low"], res["high"]) == wilson_interval(k, n)
    assert res["n_examples"] == n


@pytest.mark.parametrize("n", [1, 10, 150])
def test_wilson_is_defined_at_the_ends(n):
    low, high = wilson_interval(0, n)
    assert low == 0.0 and 0.0 < high < 1.0
    low, high = wilson_interval(n, n)
    assert high == 1.0 and 0.0 < low < 1.0


def test_wilson_matches_formula():
    # k = 8, n = 10: centre (0.8 + z^2/20) / (1 + z^2/10), z = 1.959964.
    z = stats.norm.ppf(0.975)
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    assert wilson_interval(8, 10) == pytest.approx((centre - half, centre + half))
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)


@pytest.mark.parametrize("bad", [(-1, 10), (11, 10), (0, 0)])
def test_wilson_rejects_bad_counts(bad):
    with pytest.raises(ValueError):
        wilson_interval(*bad)


@pytest.mark.parametrize("seed", range(6))
def test_multi_seed_interval_contains_estimate_and_never_collapses(seed):
    rng = np.random.default_rng(seed)
    correct = rng.random((3, 40)) < 0.7
    res = accuracy_interval(correct, seed=seed)
    assert res["mean"] == pytest.approx(correct.mean())
    assert res["low"] <= res["mean"] <= res["high"] and res["high"] > res["low"]
    assert res["n_seeds"] == 3 and res["n_examples"] == 40
    # A single draw collapses the percentile interval; the result must still have width.
    one = accuracy_interval(correct, seed=seed, draws=1)
    assert one["low"] <= one["mean"] <= one["high"] and one["high"] > one["low"]


def test_multi_seed_interval_all_right_is_a_point():
    res = accuracy_interval(np.ones((3, 50), dtype=bool))
    assert res["mean"] == res["low"] == res["high"] == 1.0


def test_single_row_2d_is_one_seed():
    row = _correct(20, range(15))
    assert accuracy_interval(row[None, :]) == accuracy_interval(row)


def test_rejects_bad_arrays():
    with pytest.raises(ValueError):
        accuracy_interval(np.array([0, 1, 2]))
    with pytest.raises(ValueError):
        accuracy_interval(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError):
        paired_comparison(np.ones(5), np.ones(6))


# --------------------------------------------------------------------------- paired comparison


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_identical_predictions_are_tied(n_seeds):
    rng = np.random.default_rng(3)
    a = rng.random((n_seeds, 140)) < 0.8
    if n_seeds == 1:
        a = a[0]
    res = paired_comparison(a, a.copy())
    assert res["diff"] == 0.0 and res["p"] == 1.0
    assert res["low"] == res["high"] == 0.0
    assert res["discordant"] == res["a_better"] == res["b_better"] == 0
    assert verdict(res, holm([res["p"]])[0]) == "tied"
    assert res["test"] == ("McNemar exact" if n_seeds == 1 else "sign-flip permutation")


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_two_shared_disagreements_are_tied(n_seeds):
    # A and B agree on 138 of 140 examples; on the other 2, A is right and B wrong. Three seeds
    # repeating the same 2 disagreements are still 2 disagreeing examples, not 6.
    a = _correct(140, range(120))
    b = _correct(140, range(118))
    if n_seeds > 1:
        a, b = np.tile(a, (n_seeds, 1)), np.tile(b, (n_seeds, 1))
    res = paired_comparison(a, b)
    assert res["n_seeds"] == n_seeds and res["n_examples"] == 140
    assert res["discordant"] == 2 and res["a_better"] == 2 and res["b_better"] == 0
    assert res["diff"] == pytest.approx(2 / 140)
    assert res["low"] <= res["diff"] <= res["high"]
    assert res["p"] == pytest.approx(0.5)  # McNemar: 2 * 0.5^2; sign flips: 2 of 4
    assert verdict(res, res["p"]) == "tied"


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_real_difference_is_found(n_seeds):
    # A right on 130/140, B on 100/140, B's right answers a subset of A's.
    rng = np.random.default_rng(11)
    a_rows, b_rows = [], []
    for _ in range(n_seeds):
        order = rng.permutation(140)
        a_rows.append(_correct(140, order[:130]))
        b_rows.append(_correct(140, order[:100]))
    a, b = (a_rows[0], b_rows[0]) if n_seeds == 1 else (np.array(a_rows), np.array(b_rows))
    res = paired_comparison(a, b)
    assert res["diff"] == pytest.approx(30 / 140)
    assert res["p"] < 0.001
    assert 0.0 < res["low"] <= res["diff"] <= res["high"]
    assert res["b_better"] == 0
    assert verdict(res, res["p"]) == "ahead"
    assert verdict(paired_comparison(b, a), res["p"]) == "behind"
    if n_seeds == 1:
        assert res["p"] == pytest.approx(2 * 0.5 ** 30)


def test_mcnemar_matches_binomtest():
    a = _correct(100, set(range(70)) | {90, 91})
    b = _correct(100, range(60))
    res = paired_comparison(a, b)
    assert (res["a_better"], res["b_better"]) == (12, 0)
    b2 = _correct(100, set(range(60)) | {95, 96, 97})
    res = paired_comparison(a, b2)
    assert (res["a_better"], res["b_better"]) == (12, 3)
    assert res["p"] == pytest.approx(stats.binomtest(3, 15, 0.5).pvalue)


def test_exact_sign_flip_by_hand():
    # d = (1, 1, 1/3): the 8 sign patterns give |sum| = 7/3 (2x), 5/3 (2x), 1/3 (4x); only the
    # two all-same-sign patterns reach the observed 7/3, so p = 2/8.
    a = np.zeros((3, 10), dtype=bool)
    b = np.zeros((3, 10), dtype=bool)
    a[:, 0] = a[:, 1] = True
    a[0, 2] = True
    res = paired_comparison(a, b)
    assert res["discordant"] == 3
    assert res["p"] == pytest.approx(0.25)
    # d = (1, 1, -1/3): observed |sum| = 5/3, reached by 4 of 8 patterns, so p = 1/2.
    b[0, 2], a[0, 2] = True, False
    res = paired_comparison(a, b)
    assert (res["a_better"], res["b_better"]) == (2, 1)
    assert res["p"] == pytest.approx(0.5)


def test_many_disagreements_use_the_normal_limit_of_the_sign_flip_test():
    rng = np.random.default_rng(5)
    a = rng.random((3, 300)) < 0.75
    b = rng.random((3, 300)) < 0.72
    res = paired_comparison(a, b)
    assert res["discordant"] > 16
    d = a.mean(axis=0) - b.mean(axis=0)
    d = d[d != 0]
    signs = 2.0 * rng.integers(0, 2, size=(20000, d.size)) - 1.0  # the permutation distribution, sampled
    monte_carlo = float(np.mean(np.abs(signs @ d) >= abs(d.sum()) - 1e-9))
    assert res["p"] == pytest.approx(monte_carlo, abs=0.02)
    # A large difference keeps a p-value small enough to survive Holm over hundreds of comparisons.
    worse = np.zeros((3, 450), bool)
    better = np.ones((3, 450), bool)
    assert paired_comparison(better, worse)["p"] < 1e-20


# --------------------------------------------------------------------------- Holm, verdict


def test_holm_by_hand():
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max(0.06, 0.04) = 0.06.
    got = holm([0.01, None, 0.04, 0.03, 0.005])
    assert got[1] is None
    assert [got[i] for i in (0, 2, 3, 4)] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.6, 0.7]) == pytest.approx([1.0, 1.0])
    assert holm([0.02]) == pytest.approx([0.02])
    assert holm([None, None]) == [None, None]
    assert holm([]) == []


def test_verdict():
    assert verdict({"diff": 0.1}, 0.01) == "ahead"
    assert verdict({"diff": -0.1}, 0.01) == "behind"
    assert verdict({"diff": 0.1}, 0.05) == "tied"
    assert verdict({"diff": 0.1}, None) == "tied"
    assert verdict({"diff": 0.0}, 0.0) == "tied"
    assert verdict({"diff": 0.1}, 0.08, alpha=0.1) == "ahead"


# --------------------------------------------------------------------------- Friedman, Nemenyi


def test_demsar_critical_difference():
    # Demsar (2006), section 3.2.2: k = 4 classifiers, N = 14 data sets, q_0.05 = 2.569, CD = 1.25.
    res = friedman_cd(np.random.default_rng(0).random((14, 4)))
    assert abs(res["cd"] - 1.2536) < 0.01
    assert res["k"] == 4 and res["n"] == 14


def test_friedman_matches_scipy():
    scores = np.random.default_rng(2006).random((14, 4))
    scores[:, 2] += 0.3  # give one column a real lead so p is not trivially large
    res = friedman_cd(scores)
    ref = stats.friedmanchisquare(*scores.T)
    assert res["statistic"] == pytest.approx(ref.statistic)
    assert res["p"] == pytest.approx(ref.pvalue)
    assert res["rejects"] == (ref.pvalue < 0.05)
    n, k, chi2 = 14, 4, ref.statistic
    f_id = (n - 1) * chi2 / (n * (k - 1) - chi2)
    assert res["iman_davenport"] == pytest.approx(f_id)
    assert res["p_iman_davenport"] == pytest.approx(stats.f.sf(f_id, k - 1, (k - 1) * (n - 1)))
    assert sum(res["ranks"]) == pytest.approx(k * (k + 1) / 2)
    assert min(range(k), key=lambda j: res["ranks"][j]) == 2


def test_friedman_ranks_best_first_with_ties():
    res = friedman_cd([[3.0, 2.0, 1.0], [1.0, 1.0, 0.0]])
    assert res["ranks"] == pytest.approx([1.25, 1.75, 3.0])


def test_friedman_constant_rows():
    res = friedman_cd(np.full((5, 3), 0.7))
    assert res["statistic"] == 0.0 and res["p"] == 1.0 and res["rejects"] is False
    assert res["ranks"] == pytest.approx([2.0, 2.0, 2.0])


@pytest.mark.parametrize("shape", [(5, 2), (1, 4), (6,)])
def test_friedman_rejects_small_designs(shape):
    with pytest.raises(ValueError, match="k >= 3|2-D"):
        friedman_cd(np.random.default_rng(0).random(shape))


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_result():
    rng = np.random.default_rng(9)
    a = rng.random((3, 2000)) < 0.8
    b = rng.random((3, 2000)) < 0.79
    assert accuracy_interval(a, seed=4) == accuracy_interval(a, seed=4)
    assert paired_comparison(a, b, seed=4) == paired_comparison(a, b, seed=4)
    assert paired_comparison(a[0], b[0], seed=4) == paired_comparison(a[0], b[0], seed=4)
    # The seed matters: another seed moves the bootstrap ends.
    first, other = accuracy_interval(a, seed=4), accuracy_interval(a, seed=5)
    assert (first["low"], first["high"]) != (other["low"], other["high"])


# --------------------------------------------------------------------------- setups: seeds as the unit


def _identical_setups(rng, n_test: int = 1000, seeds: int = 3):
    """Two setups of the same quality on one test set: each seed's model has its own accuracy and errors.

    Examples differ in difficulty (shared by every model), so the two setups' errors are
    correlated; a seed's training subset moves its models' accuracy (a part shared by both
    setups at that seed, ``sd`` 0.015) and each model has its own training noise (``sd`` 0.03).
    """
    difficulty = rng.beta(2, 6, n_test)  # P(wrong) per example for an average model
    shared = rng.normal(0, 0.015, seeds)

    def model(seed):
        return rng.random(n_test) >= np.clip(difficulty - shared[seed] - rng.normal(0, 0.03), 0, 1)

    return np.array([model(s) for s in range(seeds)]), np.array([model(s) for s in range(seeds)])


def test_two_identical_setups_with_3_seeds_are_called_different_in_about_5_percent_of_draws():
    from dlbench.analysis.evidence import Evidence

    rng = np.random.default_rng(11)
    a, b = _identical_setups(rng)
    evidence = Evidence({("t", "a", 100, s): (np.ones(a.shape[1]), a[s].astype(float)) for s in range(3)} |
                        {("t", "b", 100, s): (np.ones(b.shape[1]), b[s].astype(float)) for s in range(3)})
    within = evidence.compare("t", "a", "b", 100)  # what the report uses within a run
    assert within["kind"] == "setup" and within["test"] == "paired t over 3 seeds"
    assert within["p"] == seed_comparison(a.mean(axis=1), b.mean(axis=1))["p"]
    draws, paired_hits, welch_hits, example_hits = 1000, 0, 0, 0
    for i in range(draws):
        a, b = _identical_setups(rng)
        paired_hits += seed_comparison(a.mean(axis=1), b.mean(axis=1))["p"] < 0.05
        welch_hits += seed_comparison(a.mean(axis=1), b.mean(axis=1), paired=False)["p"] < 0.05
        example_hits += paired_comparison(a, b, seed=i, draws=1)["p"] < 0.05
    assert paired_hits / draws <= 0.065 and welch_hits / draws <= 0.065
    assert example_hits / draws > 0.3  # the example-level test calls the same setups different: seed noise


def test_seed_comparison_needs_two_seeds_and_varying_seeds():
    one = seed_comparison([0.9], [0.8])
    assert one["p"] is None and "one seed" in one["reason"]
    same = seed_comparison([0.9, 0.9, 0.9], [0.8, 0.8, 0.8])
    assert same["p"] is None and "same difference" in same["reason"] and same["diff"] == pytest.approx(0.1)
    clear = seed_comparison([0.91, 0.93, 0.92], [0.80, 0.81, 0.80])
    assert clear["p"] < 0.01 and clear["low"] > 0 and clear["test"] == "paired t over 3 seeds"
    assert seed_comparison([0.9, 0.8], [0.5], paired=False)["p"] is None
    with pytest.raises(ValueError):
        seed_comparison([0.9, 0.8], [0.5], paired=True)


def test_moderated_t_holds_its_level_on_a_page_of_unequal_variances_and_finds_a_clear_gap():
    rng = np.random.default_rng(5)
    hits, tested, found = 0, 0, 0
    for page in range(200):
        sds = 0.01 * np.exp(rng.normal(0, 0.7, 30))  # how much seeds move each difference: unequal
        diffs = [rng.normal(0, sd, 3) for sd in sds]  # 30 null comparisons, 3 seeds each
        diffs.append(rng.normal(0.07, 0.008, 3))  # one real 7-point gap with a spread of about a point
        results = moderated_paired_t(diffs)
        hits += sum(r["p"] < 0.05 for r in results[:-1])
        tested += 30
        found += holm([r["p"] for r in results])[-1] < 0.05
    assert hits / tested <= 0.07  # 0.064 here; 0.044 with equal variances
    assert found / 200 >= 0.8  # the plain paired t with 2 degrees of freedom finds it after Holm far less often
    plain = sum(holm([seed_comparison(d, np.zeros(3))["p"] for d in
                      [*(rng.normal(0, 0.01, 3) for _ in range(30)), rng.normal(0.07, 0.008, 3)]])[-1] < 0.05
                for _ in range(200))
    assert plain / 200 < found / 200


def test_moderated_t_without_a_page_to_learn_from_is_the_paired_t():
    d = [0.02, 0.03, 0.025]
    (alone,) = moderated_paired_t([d])
    assert alone["p"] == pytest.approx(seed_comparison(d, [0, 0, 0])["p"]) and alone["df"] == 2
    assert moderated_paired_t([[0.1, 0.1, 0.1], [0.2]]) == [None, None]
