"""A large run end to end, shrunk: successive halving over data, solvers stopped by their curves,
seeds left out where they add little, all of it said in results.csv.

The thresholds that make a task "large" (10^4 examples and more) are lowered, so a 3,000-row
table in memory behaves as a 30,000-row one would. The cells run in this process (``local``):
a forked worker would see the change too, but one started by a forkserver (this process has
run TensorFlow when other tests ran first) would not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dlbench


@pytest.fixture
def large(monkeypatch):
    from dlbench.engine import admission, tuning

    monkeypatch.setattr(admission, "SAVE_FROM", 1000)
    monkeypatch.setattr(tuning, "FIDELITY_FROM", 600)
    monkeypatch.setattr(tuning, "MIN_RUNG", 60)


def _table(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]).assign(target=y)


def test_a_large_run_halves_over_data_stops_flat_curves_and_leaves_out_seeds(large, tmp_path):
    result = dlbench.run(_table(), target="target", name="big", solvers=["majority", "one-r", "logreg", "xgboost"],
                         sizes=[100, 400, 1600], seeds=2, trials=3, executor="local",
                         out=tmp_path, export="none", progress=False)
    cells = result.results[result.results["family"] != "ensemble"].set_index(["solver", "train_size", "seed"])
    # the largest cells (1,280 examples to fit on) tuned on subsets: 3 at 142, the best at 426, it at 1,280
    full = cells.xs(1600, level="train_size")
    ran = full[full["status"] == "ok"]
    assert len(ran) and set(ran["rungs"].dropna()) == {"3@142 1@426 1@1,280"}
    assert set(ran["tuned_on"]) == {142}
    trials = result.trials[result.trials["train_size"] == 1600]
    assert set(trials["fit_size"]) == {142, 426, 1280}
    # smaller cells tune as before, on all their data
    assert cells.xs(400, level="train_size")["rungs"].isna().all()
    # majority (flat, below the rules' best one-r) stops at 1,600, saying why
    majority = cells.loc[("majority", 1600, 0)]
    assert majority["status"] == "skipped" and majority["error"].startswith("stopped at n = 1,600")
    # the best of each family at the largest size has two seeds
    for solver in ("one-r", "xgboost"):
        assert cells.loc[(solver, 1600, 1), "status"] == "ok"
    # nothing below the threshold is left out
    small = cells[cells.index.get_level_values("train_size") < 1000]
    assert set(small["status"]) == {"ok"}


def test_no_discard_runs_every_cell(large, tmp_path):
    result = dlbench.run(_table(1500), target="target", name="all", solvers=["majority", "one-r", "logreg"],
                         sizes=[100, 400, "full"], seeds=2, trials=1, executor="local", discard=False,
                         out=tmp_path, export="none", progress=False)
    cells = result.results[result.results["family"] != "ensemble"]
    assert len(cells) == 3 * 3 * 2 and set(cells["status"]) == {"ok"}
