"""Where a run's time goes: wall time, time inside fit/predict, the harness ratio, phases, memory, cost by n.

Usage::

    python benchmarks/profile_run.py --out /tmp/prof -- digits --quick      # runs `dlbench run digits --quick`
    python benchmarks/profile_run.py --run-dir reports/20261201-...-digits    # profiles a finished run

Prints, for the run: wall time; the sum of the time inside the solvers' own ``fit`` and
``predict`` over every trial and refit; the harness ratio ``wall × workers / Σ(fit + predict)``
(1.0 = no overhead and both cores busy; ensemble rows, whose costs are their members' sums, are
left out); the phases the runner recorded in ``run.json``
(start-up, data, cells, export, report); the peak memory of the whole process tree; and the
cost per cell against the training size (how cost grows with n, per family). A measurement
script, not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from dlbench.core.solver import ENSEMBLE


def run(out: Path, args: list[str]) -> tuple[Path, float, float]:
    out.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in out.iterdir()}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dlbench", "run", *args, "--out", str(out)])
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"dlbench exited with {proc.returncode}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    new = sorted(p for p in out.iterdir() if p.name not in before and p.is_dir())
    return new[-1], wall, peak_mb


def profile(run_dir: Path, wall: float | None = None, peak_mb: float | None = None) -> None:
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    cells = pd.read_csv(run_dir / "results.csv")
    trials = pd.read_csv(run_dir / "trials.csv")
    phases = info.get("timings") or {}
    wall = wall or phases.get("total")
    workers = (info.get("config") or {}).get("workers") or 1
    inside_trials = trials["fit_seconds"].fillna(0).sum() + trials["predict_seconds"].fillna(0).sum()
    # An ensemble row fits nothing: its cost columns are its members' sums, counted already.
    ok = cells[(cells["status"] == "ok") & (cells["family"] != ENSEMBLE)]
    inside_refits = ok["fit_seconds"].fillna(0).sum() + ok["predict_seconds"].fillna(0).sum()
    inside = inside_trials + inside_refits
    print(f"run folder       {run_dir}")
    print(f"cells            {len(cells)} ({', '.join(f'{n} {s}' for s, n in cells['status'].value_counts().items())})")
    if wall:
        print(f"wall time        {wall:.1f} s with {workers} worker(s)")
    print(f"inside fit/pred  {inside:.1f} s (trials {inside_trials:.1f} s, refits {inside_refits:.1f} s; "
          "the default configuration's refit is inside too)")
    if wall and inside:
        print(f"harness ratio    {wall * workers / inside:.2f}  (wall × workers / Σ fit+predict)")
    for name, seconds in phases.items():
        print(f"phase {name:<10} {seconds:.1f} s")
    if peak_mb:
        print(f"peak memory      {peak_mb:.0f} MiB (largest process of the tree)")
    ok = ok.assign(cost=ok["tune_seconds"].fillna(0) + ok["fit_seconds"].fillna(0) + ok["predict_seconds"].fillna(0))
    table = ok.pivot_table(index="train_size", columns="family", values="cost", aggfunc="sum").round(1)
    print("\ncost (s, tuning + refit + prediction) by training size and family:")
    print(table.to_string())
    by_solver = ok.groupby("solver")["cost"].sum().sort_values(ascending=False).round(1)
    print("\ncost by solver (s):")
    print(by_solver.to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, help="profile this finished run folder")
    parser.add_argument("--out", type=Path, default=Path("/tmp/dlbench-profile"), help="where a new run goes")
    parser.add_argument("args", nargs="*", help="arguments of `dlbench run` (after --)")
    ns = parser.parse_args()
    if ns.run_dir:
        profile(ns.run_dir)
    elif ns.args:
        profile(*run(ns.out, ns.args))
    else:
        parser.error("give --run-dir RUN or the arguments of `dlbench run` after --")


if __name__ == "__main__":
    main()
