"""The time-left estimate, replayed on the recorded cell timings of real runs (no clock).

The recordings are ``results.csv`` columns of real runs on 2 cores (``seconds``: a cell's tuning,
final fit and prediction), replayed one cell at a time in the order the runner starts them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dlbench.engine.progress import Estimator
from dlbench.engine.runner import COST_RANK

DATA = Path(__file__).parent / "data"


def _replay(name: str) -> tuple[float, list[tuple[float, float, float]]]:
    """The run's total seconds and (share done, estimate, true time left) after each cell but the last."""
    with (DATA / name).open(encoding="utf-8") as fh:
        cells = [{**r, "train_size": int(r["train_size"]), "seed": int(r["seed"]), "seconds": float(r["seconds"])}
                 for r in csv.DictReader(fh)]
    sizes = sorted({c["train_size"] for c in cells})
    cells.sort(key=lambda c: (sizes.index(c["train_size"]), COST_RANK.get(c["family"], 0), c["seed"], c["solver"]))
    estimator = Estimator([(i, c["solver"], c["family"], c["train_size"]) for i, c in enumerate(cells)], workers=1)
    total, elapsed, points = sum(c["seconds"] for c in cells), 0.0, []
    for i, c in enumerate(cells[:-1]):
        estimator.done(i, c["seconds"])
        elapsed += c["seconds"]
        points.append((elapsed / total, estimator.remaining(), total - elapsed))
    return total, points


# digits: the default preset (3 seeds x 5 sizes, 195 cells) and --quick (1 seed x 3 sizes, 39 cells).
# The two later recordings (after the speed-ups of 2026-12-07) break the rule between a quarter and
# half of the run: the deep cells' cost stops growing with n on digits (estimate up to 1.8x the
# truth) and jumps at the full size on sms-spam (down to 0.53x). Open work: strict xfail, so a
# fixed estimator turns them into failures until the marks go.
LATER = pytest.mark.xfail(strict=True, reason="the cost model misjudges flat and jumping deep costs")


@pytest.mark.parametrize("name", ["timings_digits_default.csv", "timings_digits_quick.csv",
                                  pytest.param("timings_digits_default_faster.csv", marks=LATER),
                                  pytest.param("timings_sms_spam_default.csv", marks=LATER)])
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
