"""Which planned cells start: predicted cost against the cell limit, learning-curve discarding, the seed rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dlbench.engine.admission import Admission, optimistic_bound, point
from dlbench.engine.cell import Cell

SIZES = {"t": [100, 1000, 10_000, 100_000]}
FAMILY = {"flat": "shallow", "steep": "shallow", "lead": "deep", "deep2": "deep", "svm": "shallow", "rule": "rule"}


def _job(solver: str, n: int, seed: int = 0, growth: float = 1.0):
    cls = SimpleNamespace(family=FAMILY[solver], cost_growth=growth)
    return SimpleNamespace(cell=Cell("t", solver, n, seed), solver_cls=cls)


def _row(solver: str, n: int, accuracy: float, seed: int = 0, n_test: int = 10_000) -> dict:
    return {"task": "t", "solver": solver, "family": FAMILY[solver], "scale": 1.0, "train_size": n, "seed": seed,
            "status": "ok", "accuracy": accuracy, "n_test": n_test}


def _admission(rows, **kwargs) -> Admission:
    admission = Admission(SIZES, first_seed=0, **kwargs)
    for row in rows:
        admission.done(row)
    return admission


def test_the_optimistic_bound_extends_the_steepest_slope_the_intervals_allow():
    curve = [point(1000, [0.50], 10_000), point(10_000, [0.60], 10_000)]
    bound = optimistic_bound(curve, 100_000)
    slope = (curve[1].high - curve[0].low) / 9000
    assert bound == pytest.approx(min(1.0, curve[1].high + slope * 90_000))
    assert optimistic_bound(curve[:1], 100_000) is None
    flat = [point(1000, [0.30], 10_000), point(10_000, [0.30], 10_000)]
    assert optimistic_bound(flat, 100_000) < 0.5  # the intervals, ten times over


def test_a_flat_curve_far_below_the_leader_stops_for_good_and_says_why():
    rows = [_row("flat", 100, 0.30), _row("flat", 1000, 0.30), _row("steep", 100, 0.40), _row("steep", 1000, 0.60),
            _row("lead", 100, 0.50), _row("lead", 1000, 0.90)]
    admission = _admission(rows)
    why = admission.reason(_job("flat", 10_000))
    assert why.startswith("stopped at n = 10,000: its 95% upper bound there") and "lead" in why
    assert "--no-discard" in why
    assert admission.reason(_job("flat", 100_000)) == why  # never run again
    assert admission.reason(_job("steep", 10_000)) is None  # the best of the shallow family
    assert _admission(rows, discard=False).reason(_job("flat", 10_000)) is None


def test_the_best_of_each_family_is_never_stopped():
    rows = [_row("rule", 100, 0.20), _row("rule", 1000, 0.20), _row("lead", 100, 0.50), _row("lead", 1000, 0.95)]
    assert _admission(rows).reason(_job("rule", 10_000)) is None


def test_a_rising_curve_is_not_stopped_while_it_could_catch_up():
    rows = [_row("flat", 100, 0.30), _row("flat", 1000, 0.50), _row("steep", 100, 0.60), _row("steep", 1000, 0.70),
            _row("lead", 100, 0.70), _row("lead", 1000, 0.80)]
    assert _admission(rows).reason(_job("flat", 10_000)) is None  # 0.5 + 9 x 0.2 reaches the leader


def test_a_cell_predicted_to_overrun_its_limit_is_skipped_with_the_prediction():
    admission = _admission([], limit=600)
    for n, seconds in ((100, 0.2), (1000, 5.0), (10_000, 300.0)):
        admission.done({**_row("svm", n, 0.8)}, seconds)
    why = admission.reason(_job("svm", 100_000, growth=1.9))
    assert why.startswith("predicted to take") and "cell limit of 10:00" in why and "n^1.9" in why
    assert admission.reason(_job("svm", 12_000, growth=1.9)) is None  # 300 s x 1.2^1.9 = 426 s


def test_cost_left_of_the_budget():
    admission = _admission([], limit=None)
    admission.done(_row("lead", 1000, 0.9), 100.0)
    assert "left of the --budget (run again with --resume" in admission.reason(_job("lead", 10_000), time_left=500.0)
    assert admission.reason(_job("lead", 10_000), time_left=5000.0) is None
    assert admission.reason(_job("deep2", 10_000), time_left=1.0) is None  # its own cost is unknown: it runs


def test_seeds_run_where_training_variance_matters():
    """Constructed: at 1,000 the seeds disagree by several points (training variance dominates
    the test-sampling variance of 10,000 test examples); at 10,000 they agree to 0.01 points."""
    rows = [_row("steep", 1000, a, seed=s) for s, a in enumerate((0.70, 0.75, 0.80))]
    rows += [_row("steep", 10_000, a, seed=s) for s, a in enumerate((0.9000, 0.9001))]
    rows += [_row("steep", 100_000, 0.95, seed=0), _row("lead", 100_000, 0.97, seed=0), _row("lead", 10_000, 0.96)]
    admission = _admission(rows)
    assert admission.reason(_job("steep", 1000, seed=3)) is None  # 0.05 between seeds: run more
    why = admission.reason(_job("steep", 10_000, seed=2))
    assert why.startswith("seed not needed at n = 10,000") and "over 2 seeds" in why
    # the best of its family at the largest size always gets a second seed
    assert admission.reason(_job("steep", 100_000, seed=1)) is None
    assert _admission(rows, discard=False).reason(_job("steep", 10_000, seed=2)) is None


def test_a_first_seed_or_an_unmeasured_variance_always_runs():
    rows = [_row("steep", 1000, 0.7), _row("steep", 10_000, 0.9)]
    admission = _admission(rows)
    assert admission.reason(_job("steep", 10_000, seed=1)) is None  # no two seeds anywhere yet
    assert admission.reason(_job("steep", 100_000, seed=0)) is None


def test_cost_is_a_fixed_part_plus_a_part_growing_as_declared():
    from dlbench.engine.progress import fixed_plus_growing

    # 2 s fixed + 1e-4 s x n: measured at 1,000 (2.1 s) and 10,000 (3 s) -> 10 s at 80,000
    assert fixed_plus_growing({1000: 2.1, 10_000: 3.0}, 80_000, 1.0) == pytest.approx(10.0)
    assert fixed_plus_growing({1000: 2.0}, 8000, 1.0) == pytest.approx(16.0)  # one size: all of it grows
    assert fixed_plus_growing({1000: 3.0, 10_000: 2.0}, 80_000, 1.0) == pytest.approx(16.0)  # did not grow


def test_one_tiny_cell_far_below_predicts_nothing_to_skip_for():
    admission = _admission([], limit=60)
    admission.done(_row("svm", 100, 0.5), 2.0)  # start-up dominates: 2 s x 800^1.9 would be 2.5 days
    assert admission.reason(_job("svm", 80_000, growth=1.9)) is None
    admission.done(_row("svm", 532, 0.6), 2.1)  # still no growth to speak of
    assert admission.reason(_job("svm", 80_000, growth=1.9)) is None
    admission.done(_row("svm", 2828, 0.7), 9.0)  # now it grows: 80,000 is far over the minute
    assert admission.reason(_job("svm", 80_000, growth=1.9)).startswith("predicted to take")


def test_under_a_budget_each_family_takes_its_turn_with_its_most_promising_solver():
    rows = [_row(s, n, a) for s, n, a in (("flat", 100, 0.3), ("steep", 100, 0.6), ("lead", 100, 0.7),
                                          ("deep2", 100, 0.5), ("rule", 100, 0.2))]
    admission = _admission(rows)
    full = [_job(s, 100_000) for s in ("flat", "lead", "deep2", "steep", "rule")]
    pending = list(full)
    started = []
    while pending:
        job = pending.pop(admission.choose(pending))
        assert admission.reason(job) is None
        started.append(job.cell.solver)
    assert started == ["rule", "steep", "lead", "flat", "deep2"]
    assert admission.choose([_job("flat", 1000)] + full) == 0  # not a full-size cell: the plan's order


def test_a_solver_too_costly_at_one_size_is_too_costly_at_every_larger_one():
    admission = _admission([], limit=60)
    admission.done(_row("svm", 100, 0.5), 5.0)
    admission.done(_row("svm", 500, 0.6), 30.0)
    assert admission.reason(_job("svm", 2000, growth=1.9)).startswith("predicted to take")
    assert admission.reason(_job("svm", 80_000, growth=1.9)) == ("predicted to overrun the cell limit of 1:00 at "
                                                                 "n = 2,000 already: raise --cell-timeout to run it")
