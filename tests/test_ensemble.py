"""Greedy ensemble selection (Caruana et al. 2004) over stored validation predictions."""

from __future__ import annotations

import numpy as np

from dlbench.analysis import ensemble


def _one_hot(pred, k=2):
    return np.eye(k)[np.asarray(pred)]


def test_selection_combines_members_that_err_on_different_examples():
    y = np.array([0, 1] * 30)
    rows = np.arange(60)

    def member(wrong):  # confident and right, except unsure and wrong on its own fifth of the examples
        p = np.full((60, 2), 0.1)
        p[rows, y] = 0.9
        p[wrong, y[wrong]], p[wrong, 1 - y[wrong]] = 0.4, 0.6
        return p

    val = {"a": member(rows[:12]), "b": member(rows[12:24]), "weak": _one_hot(np.zeros(60, int))}
    weights = ensemble.select(val, y)
    assert set(weights) == {"a", "b"} and abs(sum(weights.values()) - 1) < 1e-12
    assert ensemble.accuracy(val, weights, y) == 1.0 > max(ensemble.accuracy(val, {m: 1.0}, y) for m in val)


def test_the_honest_score_is_not_the_maximised_one_and_two_members_are_needed():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 40)
    noise = {f"m{i}": _one_hot(rng.integers(0, 2, 40)) for i in range(6)}  # members that guess
    selected = ensemble.select(noise, y)
    assert ensemble.crossfit_score(noise, y, seed=1) <= ensemble.accuracy(noise, selected, y)
    one = {"m0": {"val_true": y, "val_pred": y, "test_true": y, "test_pred": y}}
    assert ensemble.build(one, 2, seed=0) is None


def test_build_scores_the_test_set_with_the_weights_chosen_on_validation():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0])
    members = {
        "good": {"val_true": y, "val_pred": y, "test_true": y, "test_pred": y},
        "bad": {"val_true": y, "val_pred": 1 - y, "test_true": y, "test_pred": 1 - y,
                "test_proba": _one_hot(1 - y).astype(np.float32), "val_proba": _one_hot(1 - y)},
    }
    built = ensemble.build(members, 2, seed=0)
    assert built["weights"] == {"good": 1.0}
    assert np.array_equal(built["test_pred"], y) and built["val_score"] == 1.0
