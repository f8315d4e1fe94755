"""The time-left estimate, replayed on the recorded cell timings of two real digits runs (no clock)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dlbench.engine.progress import Estimator

DATA = Path(__file__).parent / "data"


def _replay(name: str, until: float) -> list[tuple[float, float]]:
    """(share of the run done, estimate / true time left) after each cell, cells in plan order."""
    with (DATA / name).open(encoding="utf-8") as fh:
        cells = [{**r, "train_size": int(r["train_size"]), "seed": int(r["seed"]), "seconds": float(r["seconds"])}
                 for r in csv.DictReader(fh)]
    sizes = sorted({c["train_size"] for c in cells})
    cells.sort(key=lambda c: (sizes.index(c["train_size"]), c["seed"], c["solver"]))
    estimator = Estimator([(i, c["solver"], c["family"], c["train_size"]) for i, c in enumerate(cells)], workers=1)
    total, elapsed, ratios = sum(c["seconds"] for c in cells), 0.0, []
    for i, c in enumerate(cells):
        estimator.done(i, c["seconds"])
        elapsed += c["seconds"]
        if 0.25 <= elapsed / total <= until:
            ratios.append((elapsed / total, estimator.remaining() / (total - elapsed)))
    return ratios


# The default preset's run (210 cells) stays within 30%; the one-seed --quick run (39 cells, 3 sizes)
# has less to learn from and stays within 35% until its last, cheapest tenth.
@pytest.mark.parametrize("name, until, tolerance", [("timings_digits_default.csv", 0.95, 0.30),
                                                    ("timings_digits_quick.csv", 0.90, 0.35)])
def test_time_left_is_close_from_a_quarter_of_the_run_on(name, until, tolerance):
    ratios = _replay(name, until)
    assert len(ratios) > 10
    off = [(round(done, 2), round(r, 2)) for done, r in ratios if not 1 - tolerance <= r <= 1 + tolerance]
    assert not off, off


def test_no_estimate_before_a_cell_finished_and_in_flight_cells_count():
    est = Estimator([("a", "mlp", "deep", 100), ("b", "mlp", "deep", 400), ("c", "knn", "shallow", 400)], workers=1)
    assert est.remaining() is None
    est.done("a", 10.0)
    fresh = est.remaining()
    assert fresh > 10.0  # two cells left, at least as large as the finished one
    assert est.remaining({"b": 30.0}) < fresh  # time already spent on a running cell is not counted again
