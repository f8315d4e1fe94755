"""Harness overhead and parallel speed-up on a fixed small grid.

Overhead = the whole run's wall time over the sum of its cells' own fit + predict + tuning
time (target: at most 1.10). Speed-up = wall time with 1 worker over wall time with 2.

    python benchmarks/harness_overhead.py [--task digits] [--solvers majority,logreg,knn] [--trials 5]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(task: str, solvers: str, workers: int, extra: list[str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "dlbench", "run", task, "--solvers", solvers, "--sizes", "100,300,full",
                   "--seeds", "2", "--workers", str(workers), "--out", out, *extra]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        results = next(Path(out).glob("*/results.csv"))
        with results.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    work = sum(float(r["tune_seconds"] or 0) + float(r["fit_seconds"] or 0) + float(r["predict_seconds"] or 0)
               for r in rows)
    return wall, work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="digits")
    parser.add_argument("--solvers", default="majority,logreg,knn,random-forest,rbf-svm,xgboost,mlp")
    parser.add_argument("--trials", default="5")
    args = parser.parse_args()
    extra = ["--trials", args.trials]
    wall_1, work_1 = run(args.task, args.solvers, 1, extra)
    wall_2, _ = run(args.task, args.solvers, 2, extra)
    print(f"grid: {args.task} x {{{args.solvers}}} x sizes 100,300,full x 2 seeds, {args.trials} trials")
    print(f"1 worker : wall {wall_1:6.1f} s, cells' own work {work_1:6.1f} s, overhead ratio {wall_1 / work_1:.2f}")
    print(f"2 workers: wall {wall_2:6.1f} s, speed-up over 1 worker {wall_1 / wall_2:.2f}x")


if __name__ == "__main__":
    main()
