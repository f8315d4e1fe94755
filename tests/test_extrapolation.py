"""Learning-curve extrapolation: coverage in simulation, the refusals, ill-behaved curves, reading a fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlbench.analysis import extrapolation as ex
from dlbench.analysis.extrapolation import (
    DRAWS, FORMS, MAX_HORIZON, NEVER_PRINT, PARAMS, crossing, examples_needed, extrapolate, printable, resamples,
)

DECADES = 1.5  # the measured sizes span 100 to about 3,162


def _sizes(count: int) -> list[int]:
    return [int(round(n)) for n in np.geomspace(100, 100 * 10 ** DECADES, count)]


def _law(e0: float, exponent: float, floor: float):
    """Expected test error of a power law with a floor: e0 at n=100, ``floor`` as n grows."""
    return lambda n: floor + (e0 - floor) * (n / 100) ** -exponent


def _measure(errors: dict[int, float], rng, seeds: int = 3, n_test: int = 2000, noise: float = 0.05,
             difficulty: np.ndarray | None = None):
    """Scores and correctness of ``seeds`` runs per size on one finite test set.

    Example i is missed with probability ``error * h_i``, the difficulties ``h`` having mean 1
    over the population (many easy examples, a few hard ones); each seed's error is off the
    expected one by ``noise`` (relative), partly the same for all its sizes (nested subsets).
    """
    h = 4 * rng.beta(0.5, 1.5, n_test) if difficulty is None else difficulty
    shared = rng.normal(size=seeds)
    scores, correct = {}, {}
    for n, error in errors.items():
        scores[n], correct[n] = {}, {}
        for s in range(seeds):
            e = error * (1 + noise * (shared[s] + rng.normal()) / math.sqrt(2))
            right = rng.random(n_test) >= np.clip(e * h, 0, 1)
            scores[n][s], correct[n][s] = float(right.mean()), right
    return scores, correct


def _means(scores) -> dict[int, float]:
    return {n: float(np.mean(list(v.values()))) for n, v in scores.items()}


@pytest.fixture(scope="module")
def clean():
    """A well-behaved curve at 6 sizes that extrapolates."""
    law = _law(0.2, 0.5, 0.05)
    scores, correct = _measure({n: law(n) for n in _sizes(6)}, np.random.default_rng(11))
    x = extrapolate("clean", scores, correct, draws=100)
    assert x.extrapolates, x.reason
    return x, scores, correct, law


# --------------------------------------------------------------------------- simulation


@pytest.mark.slow
def test_intervals_at_10x_cover_the_true_score():
    # 100 curves with known power laws (error 0.15-0.25 at n=100, exponent 0.3-0.8, floor
    # 0.02-0.08), 5-7 sizes over 1.5 decades, 3 seeds, 2,000 test examples of mixed difficulty.
    # Seen when written: 87 of 100 extrapolate (12 fail the held-out check, 1 the width rule)
    # and 85 of those 87 intervals (98%) hold the true score at 10x.
    rng = np.random.default_rng(20240611)
    extrapolated = covered = 0
    reps = 100
    for i in range(reps):
        sizes = _sizes(5 + i % 3)
        law = _law(rng.uniform(0.15, 0.25), rng.uniform(0.3, 0.8), rng.uniform(0.02, 0.08))
        scores, correct = _measure({n: law(n) for n in sizes}, rng)
        x = extrapolate("sim", scores, correct, draws=100)
        if x.extrapolates:
            extrapolated += 1
            covered += x.pred_10x_low <= 1 - law(MAX_HORIZON * sizes[-1]) <= x.pred_10x_high
    assert extrapolated >= 0.6 * reps, f"only {extrapolated} of {reps} curves extrapolate"
    assert covered >= 0.9 * extrapolated, f"{covered} of {extrapolated} intervals hold the true score at 10x"


# --------------------------------------------------------------------------- floors and printing


def test_a_floor_at_the_bound_is_no_floor():
    # Nearly perfect accuracy within reach (an rbf-svm on digits): the error falls faster than any
    # positive floor allows, so the fitted floor ends at its bound 0.
    sizes = _sizes(6)
    errors = {n: max(0.08 * (n / 100) ** -0.8 - 0.002, 0.0) for n in sizes}
    scores, correct = _measure(errors, np.random.default_rng(5), noise=0.02)
    x = extrapolate("rbf-svm", scores, correct, draws=100)
    assert x.extrapolates, x.reason
    assert x.params["c"] <= ex.AT_BOUND
    assert x.floor is None and x.floor_low is None and x.floor_high is None
    predicted = x.score(MAX_HORIZON * x.largest)
    assert predicted > 0.998
    assert printable(predicted) == "> 0.99"
    assert "predicts 0.999" not in x.reason and "predicts 1.000" not in x.reason


def test_printable_never_shows_0999_or_more():
    assert NEVER_PRINT == 0.999
    assert printable(0.97312) == "0.973"
    assert printable(0.9984) == "0.998"
    assert printable(0.9986) == "> 0.99"  # would round to 0.999
    assert printable(0.9995) == "> 0.99"
    assert printable(1.0) == "> 0.99"
    assert printable(None) == "?"
    assert printable(float("nan")) == "?"
    for score in np.linspace(0.99, 1.0, 101):
        assert not printable(float(score)).startswith(("0.999", "1.0"))


def test_a_positive_floor_is_estimated_with_an_interval(clean):
    x, _, _, law = clean
    assert x.floor is not None and x.floor_low <= x.floor <= x.floor_high
    assert x.floor == pytest.approx(1 - x.params["c"])  # c is the error floor of every form


# --------------------------------------------------------------------------- sizes and forms


@pytest.mark.parametrize("count, eligible", [(4, set()), (5, {"pow3"}), (6, set(FORMS)), (7, set(FORMS))])
def test_a_form_needs_k_plus_2_sizes(count, eligible):
    law = _law(0.2, 0.5, 0.05)
    scores, correct = _measure({n: law(n) for n in _sizes(count)}, np.random.default_rng(3))
    x = extrapolate("s", scores, correct, draws=50)
    assert set(x.held_out) == eligible
    assert all(count >= PARAMS[f] + 2 for f in x.held_out)
    if count == 4:
        assert not x.extrapolates and x.form is None and x.pred_10x is None
        assert "4 measured sizes" in x.reason and "at least 5" in x.reason
    if count == 7:  # the two largest sizes are held out
        assert f"without n={_sizes(7)[-2]:,} and {_sizes(7)[-1]:,}" in x.reason


def test_the_chosen_form_has_the_smallest_held_out_error(clean):
    x = clean[0]
    assert x.form == min(x.held_out, key=x.held_out.get)
    assert set(x.params) == set(ex.NAMES[x.form])
    assert x.draws.shape == (100, PARAMS[x.form])
    assert x.reason.startswith("held-out check passed")


def test_a_failed_held_out_check_never_extrapolates():
    # The curve levels off abruptly at the largest size: fitted without it, every form overshoots.
    sizes = _sizes(6)
    errors = dict(zip(sizes, [0.30, 0.20, 0.135, 0.09, 0.06, 0.062]))
    scores, correct = _measure(errors, np.random.default_rng(10), noise=0.02)
    x = extrapolate("s", scores, correct, draws=100)
    assert x.ill_behaved is None
    assert not x.extrapolates and x.form is None and x.draws is None and x.pred_10x is None
    assert x.reason.startswith(f"held-out check failed: {min(x.held_out, key=x.held_out.get)} fitted without "
                               f"n={sizes[-1]:,}")
    assert "outside the measured" in x.reason


def test_one_seed_needs_stored_predictions():
    law = _law(0.2, 0.5, 0.05)
    scores, correct = _measure({n: law(n) for n in _sizes(6)}, np.random.default_rng(4), seeds=1)
    without = extrapolate("s", scores, None, draws=50)
    assert not without.extrapolates
    assert "stored predictions or at least 2 seeds" in without.reason
    with_predictions = extrapolate("s", scores, correct, draws=50)  # test examples alone are resampled
    assert with_predictions.extrapolates, with_predictions.reason


def test_seeds_without_predictions_say_the_test_noise_is_left_out():
    law = _law(0.2, 0.5, 0.05)
    scores, _ = _measure({n: law(n) for n in _sizes(6)}, np.random.default_rng(12))
    x = extrapolate("s", scores, None, draws=50)
    if x.extrapolates:
        assert "leave out test-set noise" in x.reason
    x = extrapolate("s", scores, None, draws=50, n_test=2000)
    assert "leave out test-set noise" not in x.reason


# --------------------------------------------------------------------------- the horizon and the width rule


def test_nothing_is_predicted_beyond_10x(clean):
    x = clean[0]
    assert MAX_HORIZON == 10
    assert x.score(MAX_HORIZON * x.largest) == pytest.approx(x.pred_10x)
    assert x.interval(MAX_HORIZON * x.largest) == pytest.approx((x.pred_10x_low, x.pred_10x_high))
    assert x.score(11 * x.largest) is None and x.interval(11 * x.largest) is None
    assert x.pred_10x_low <= x.pred_10x <= x.pred_10x_high


def test_a_flat_curve_is_refused_by_the_width_rule():
    scores, correct = _measure({n: 0.1 for n in _sizes(6)}, np.random.default_rng(2))
    x = extrapolate("majority", scores, correct, draws=100)
    assert x.ill_behaved is None
    assert not x.extrapolates and x.pred_10x is None and x.score(x.largest) is None
    assert f"the 95% interval at {MAX_HORIZON}x" in x.reason and "the measured scores' range" in x.reason


# --------------------------------------------------------------------------- ill-behaved curves


def test_a_falling_curve_is_named_and_not_extrapolated():
    errors = dict(zip(_sizes(6), [0.20, 0.15, 0.11, 0.09, 0.12, 0.14]))
    scores, correct = _measure(errors, np.random.default_rng(6))
    x = extrapolate("s", scores, correct, draws=100)
    assert x.ill_behaved is not None and x.ill_behaved.startswith("falls with more data: ")
    assert "paired bootstrap, p" in x.ill_behaved
    assert not x.extrapolates and "falls with more data" in x.reason


def test_an_accelerating_curve_is_named_and_not_extrapolated():
    errors = dict(zip(_sizes(6), [0.40, 0.39, 0.37, 0.33, 0.25, 0.10]))
    scores, correct = _measure(errors, np.random.default_rng(7), difficulty=np.full(2000, 1.0))
    x = extrapolate("s", scores, correct, draws=100)
    assert x.ill_behaved is not None and x.ill_behaved.startswith("bends the wrong way: ")
    assert not x.extrapolates and "bends the wrong way" in x.reason


def test_a_clean_curve_is_not_ill_behaved(clean):
    assert clean[0].ill_behaved is None


# --------------------------------------------------------------------------- examples needed


def test_examples_needed_from_measured_fitted_and_unreachable(clean):
    x, scores, _, _ = clean
    means = _means(scores)
    sizes = sorted(means)
    at_smallest = examples_needed(x, means[sizes[0]] - 0.01, means)
    assert at_smallest["source"] == "measured" and at_smallest["n"] == sizes[0]
    middle = (means[sizes[2]] + means[sizes[3]]) / 2
    between = examples_needed(x, middle, means)
    assert between["source"] == "between" and between["n"] is None
    assert (between["low"], between["high"]) == (sizes[2], sizes[3])
    assert between["words"] == f"between the measured sizes {sizes[2]:,} and {sizes[3]:,}"
    fitted = examples_needed(x, (means[sizes[-1]] + x.pred_10x) / 2, means)
    assert fitted["source"] == "fitted"
    assert sizes[-1] < fitted["n"] <= MAX_HORIZON * sizes[-1]
    assert fitted["low"] <= fitted["n"] <= fitted["high"]
    assert fitted["high"] <= MAX_HORIZON * sizes[-1] or math.isinf(fitted["high"])
    assert examples_needed(x, x.floor_high + 0.001, means)["source"] == "unreachable"


def test_examples_needed_is_measured_only_at_a_measured_size(clean):
    x, scores, _, _ = clean
    means = _means(scores)
    for target in np.linspace(0.7, 1.0, 61):
        need = examples_needed(x, float(target), means)
        if need["source"] == "measured":
            assert need["n"] in means
        if need["source"] == "between":
            assert need["n"] is None and need["low"] in means and need["high"] in means


def test_examples_needed_without_extrapolation_gives_the_reason():
    scores, correct = _measure({n: 0.1 for n in _sizes(4)}, np.random.default_rng(1))
    x = extrapolate("s", scores, correct, draws=20)
    need = examples_needed(x, 0.99, _means(scores))
    assert need["source"] == "unknown" and need["n"] is None and x.reason in need["words"]


# --------------------------------------------------------------------------- crossings


@pytest.fixture(scope="module")
def pair():
    """Two solvers on one test set, seeds and resamples: ``slow`` trails at the data and overtakes."""
    rng = np.random.default_rng(21)
    difficulty = 4 * rng.beta(0.5, 1.5, 2000)
    sizes = _sizes(6)
    slow, fast = _law(0.25, 0.45, 0.01), _law(0.2, 0.9, 0.05)
    out = []
    for name, law in (("slow", slow), ("fast", fast)):
        scores, correct = _measure({n: law(n) for n in sizes}, rng, difficulty=difficulty, noise=0.02)
        out.append(extrapolate(name, scores, correct, draws=100))
    assert all(x.extrapolates for x in out), [x.reason for x in out]
    return out


def test_crossing_within_the_horizon_from_paired_draws(pair):
    a, b = pair
    assert a.score(a.largest) < b.score(b.largest) and a.pred_10x > b.pred_10x
    found = crossing(a, b)
    assert a.largest < found["n"] <= MAX_HORIZON * a.largest
    assert found["low"] <= found["n"] and (found["high"] >= found["n"])
    assert found["high"] <= MAX_HORIZON * a.largest or math.isinf(found["high"])
    assert 0 < found["fraction"] <= 1
    # The share that crosses, recounted with row r of one solver against row r of the other.
    grid = np.geomspace(a.largest, MAX_HORIZON * a.largest, 400)
    diff = ex.forms.scores(a.form, a.draws, grid) - ex.forms.scores(b.form, b.draws, grid)
    recounted = np.mean(np.any(np.sign(diff) != np.sign(diff[:, :1]), axis=1))
    assert found["fraction"] == pytest.approx(recounted, abs=0.02)


def test_solvers_of_one_task_are_resampled_identically():
    first, second = resamples([0, 1, 2], 500, draws=30, seed=4), resamples([0, 1, 2], 500, draws=30, seed=4)
    assert len(first) == 30
    for (s1, e1), (s2, e2) in zip(first, second):
        assert np.array_equal(s1, s2) and np.array_equal(e1, e2)
        assert set(s1) <= {0, 1, 2} and e1.min() >= 0 and e1.max() < 500
    law = _law(0.2, 0.5, 0.05)
    scores, correct = _measure({n: law(n) for n in _sizes(6)}, np.random.default_rng(11))
    a, b = extrapolate("a", scores, correct, draws=60), extrapolate("b", scores, correct, draws=60)
    np.testing.assert_array_equal(a.draws, b.draws)  # same data, same resamples: the same refits
    assert crossing(a, b) == {"n": None, "low": None, "high": None, "fraction": 0.0}


def test_no_crossing_unless_both_extrapolate(pair):
    scores, correct = _measure({n: 0.1 for n in _sizes(4)}, np.random.default_rng(1))
    refused = extrapolate("s", scores, correct, draws=20)
    assert crossing(pair[0], refused) is None and crossing(refused, pair[0]) is None


# --------------------------------------------------------------------------- determinism


def test_same_inputs_same_outputs(pair):
    rng = np.random.default_rng(21)
    difficulty = 4 * rng.beta(0.5, 1.5, 2000)
    law = _law(0.25, 0.45, 0.01)
    scores, correct = _measure({n: law(n) for n in _sizes(6)}, rng, difficulty=difficulty, noise=0.02)
    again = extrapolate("slow", scores, correct, draws=100)
    first = pair[0]
    for name in ("form", "params", "extrapolates", "reason", "held_out", "floor", "floor_low", "floor_high",
                 "ill_behaved", "pred_10x", "pred_10x_low", "pred_10x_high", "sizes"):
        assert getattr(again, name) == getattr(first, name), name
    np.testing.assert_array_equal(again.draws, first.draws)
    assert crossing(again, pair[1]) == crossing(first, pair[1])
    means = _means(scores)
    assert examples_needed(again, 0.97, means) == examples_needed(first, 0.97, means)


def test_defaults():
    assert DRAWS == 200 and FORMS == ("pow3", "pow4", "mmf") and PARAMS == {"pow3": 3, "pow4": 4, "mmf": 4}
