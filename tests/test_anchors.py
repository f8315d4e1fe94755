"""``benchmarks/anchors.py``: its own .ts reading matches dlbench's, and the table puts aeon's anchors
beside a run's results. (Running aeon itself needs the ``signals`` extra and is not tested here.)"""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "anchors.py"


def _anchors():
    spec = importlib.util.spec_from_file_location("dlbench_anchors", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_reads_the_shipped_files_as_dlbench_does():
    from dlbench.core.registry import discover

    anchors = _anchors()
    for task in ("gunpoint", "japanese-vowels"):
        name = anchors.TASKS[task]
        train, y = anchors._read_ts(anchors.UCR / f"{name}_TRAIN.ts.gz")
        X = anchors._equal_length(train, max(s.shape[1] for s in train))
        data = discover().get("task", task)().load()
        np.testing.assert_allclose(X.transpose(0, 2, 1), data.X_train, rtol=1e-5, atol=1e-6)
        assert list(y) == list(data.y_train)


def test_the_table_puts_aeon_beside_the_run_and_its_validation_pick(tmp_path):
    anchors = _anchors()
    with (tmp_path / "aeon.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["task", "method", "accuracy", "seconds", "train", "test", "length", "channels",
                                     "aeon"])
        writer.writeheader()
        for method, accuracy in zip(anchors.METHODS, (0.99, 0.9, 0.91, 0.95)):
            writer.writerow({"task": "gunpoint", "method": method, "accuracy": accuracy, "seconds": 1, "train": 50,
                             "test": 150, "length": 150, "channels": 1, "aeon": "1.6.0"})
    run = tmp_path / "run"
    (run / "models" / "gunpoint" / "fcn").mkdir(parents=True)
    (run / "models" / "gunpoint" / "fcn" / "model.json").write_text(
        json.dumps({"task": "gunpoint", "solver": "fcn", "roles": ["winner"]}), encoding="utf-8")
    rows = [("majority", "rule", 0.49), ("minirocket", "shallow", 0.98), ("dtw-1nn", "shallow", 0.9),
            ("fcn", "deep", 0.97)]
    with (run / "results.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["task", "solver", "family", "train_size", "seed", "status", "accuracy"])
        writer.writeheader()
        for solver, family, accuracy in rows:
            writer.writerow({"task": "gunpoint", "solver": solver, "family": family, "train_size": 50, "seed": 0,
                             "status": "ok", "accuracy": accuracy})
    text = anchors.table(tmp_path / "aeon.csv", [run])
    line = next(row for row in text.splitlines() if row.startswith("| gunpoint"))
    assert line == ("| gunpoint (50/150, 150) | 0.990 | 0.900 | 0.910 | 0.950 | 0.980 | 0.900 | 0.490 | 0.980 | 0.970 "
                    "| 0.970 (fcn) |")
    assert "dlbench's pick 0.970, the best of aeon's MiniRocket / 1-NN DTW / catch22 per task 0.990" in text
