"""The time-left estimate, replayed on the recorded cell timings of real runs (no clock).

The recordings are ``results.csv`` columns of real runs on 2 cores (``seconds``: a cell's tuning,
final fit and prediction; ``cost_rank``: the solver's), replayed one cell at a time in the order
the runner starts them (:func:`run_order`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import pytest

from dlbench.engine.cell import Cell
from dlbench.engine.plan import run_order
from dlbench.engine.progress import Estimator

DATA = Path(__file__).parent / "data"


def _replay(name: str) -> tuple[float, list[tuple[float, float, float]]]:
    """The run's total seconds and (share done, estimate, true time left) after each cell but the last."""
    with (DATA / name).open(encoding="utf-8") as fh:
        jobs = [SimpleNamespace(cell=Cell("task", r["solver"], int(r["train_size"]), int(r["seed"])),
                                solver_cls=SimpleNamespace(family=r["family"], cost_rank=int(r["cost_rank"])),
                                seconds=float(r["seconds"]))
                for r in csv.DictReader(fh)]
    seeds = sorted({j.cell.seed for j in jobs})
    jobs = run_order(jobs, {"task": sorted({j.cell.train_size for j in jobs})}, seeds[0], len(seeds))
    estimator = Estimator([(i, j.cell.solver, j.solver_cls.family, j.cell.train_size) for i, j in enumerate(jobs)],
                          workers=1)
    total, elapsed, points = sum(j.seconds for j in jobs), 0.0, []
    for i, job in enumerate(jobs[:-1]):
        estimator.done(i, job.seconds)
        elapsed += job.seconds
        points.append((elapsed / total, estimator.remaining(), total - elapsed))
    return total, points


# digits: the default preset (3 seeds x 5 sizes, 195 cells) and --quick (1 seed x 3 sizes, 39 cells),
# recorded before and after the speed-ups of 2026-12-07 (after them the deep cells' cost barely
# grows with n); sms-spam: the default preset (228 cells), where the full size costs half the run.
@pytest.mark.parametrize("name", ["timings_digits_default.csv", "timings_digits_quick.csv",
                                  "timings_digits_default_faster.csv", "timings_sms_spam_default.csv"])
def test_time_left_is_within_30_percent_from_a_quarter_of_the_run_on(name):
    total, points = _replay(name)
    middle = [(round(done, 2), round(est / left, 2)) for done, est, left in points if 0.25 <= done <= 0.9]
    assert len(middle) > 10
    assert not [p for p in middle if not 0.7 <= p[1] <= 1.3], middle
    # In the last tenth a few seconds are left, and a relative error means little: the estimate
    # is off by less than 3% of the run's length there.
    tail = [abs(est - left) / total for done, est, left in points if done > 0.9]
    assert tail and max(tail) < 0.03, max(tail)


def test_no_estimate_before_a_cell_finished_and_in_flight_cells_count():
    est = Estimator([("a", "mlp", "deep", 100), ("b", "mlp", "deep", 400), ("c", "knn", "shallow", 400)], workers=1)
    assert est.remaining() is None
    est.done("a", 10.0)
    fresh = est.remaining()
    assert fresh > 10.0  # two cells left, at least as large as the finished one
    assert est.remaining({"b": 30.0}) < fresh  # time already spent on a running cell is not counted again


def test_a_size_already_measured_for_a_solver_costs_what_it_cost():
    est = Estimator([(s, "cnn", "deep", 1000) for s in range(3)] + [("big", "cnn", "deep", 4000)], workers=1)
    est.done(0, 20.0)
    assert est.predict("cnn", "deep", 1000) == pytest.approx(20.0)
    assert est.predict("cnn", "deep", 4000) >= 20.0 * 4 ** 0.5  # grows at least like the square root of n
    assert est.remaining() == pytest.approx(2 * 20.0 + est.predict("cnn", "deep", 4000))
    two = Estimator([("a", "cnn", "deep", 1000)], workers=2)
    two.done("x", 1.0)  # a key not planned changes nothing
    assert two.remaining() is None


def test_a_size_between_two_measured_sizes_lies_on_the_line_between_their_costs():
    est = Estimator([(i, "cnn", "deep", n) for i, n in enumerate([100, 400, 1000, 50])], workers=1)
    est.done(0, 10.0)
    est.done(2, 40.0)  # the full size first, as with several seeds
    assert est.predict("cnn", "deep", 400) == pytest.approx(10.0 + 30.0 * 300 / 900)
    assert est.predict("cnn", "deep", 50) == pytest.approx(10.0 * 0.5 ** 0.5)  # below: like the square root of n
    assert est.predict("knn", "shallow", 400) == pytest.approx(20.0)  # a family not seen yet: the run's costs
