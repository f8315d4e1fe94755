"""How close the progress bar's time left is to the truth in a live run, and each cell's cost.

Usage::

    python benchmarks/time_left.py --record /tmp/cells.csv -- digits      # runs `dlbench run digits`

Runs ``dlbench run ARGS`` in this process and notes, each time a cell finishes, the elapsed
time and the estimate the progress bar shows. When the run ends it prints, at each tenth of the
run, the estimate against the true time left (ratio 1.0 = exact) and the worst ratio from a
quarter to nine tenths of the run, the span the estimate is meant to hold ±30% in.
``--record`` writes the run's cells (solver, family, cost_rank, train_size, seed, seconds) in the
format of the replayed recordings in ``tests/data``. A measurement script, not a test: numbers
depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import csv
import time

from dlbench.engine import progress

NOTES: list[tuple[float, float | None]] = []  # (elapsed, estimated seconds left) after each cell
CELLS: list[dict] = []


def _spy(finished):
    def wrapper(self, job, row):
        began = self.started_at.get(job.cell.key)
        finished(self, job, row)
        now = time.perf_counter()
        NOTES.append((now - self.clock, self.estimator.remaining({k: now - t for k, t in self.started_at.items()})))
        CELLS.append({"solver": job.cell.solver, "family": job.solver_cls.family,
                      "cost_rank": job.solver_cls.cost_rank, "train_size": job.cell.train_size,
                      "seed": job.cell.seed, "seconds": round(now - began, 3) if began else 0.0})
    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", help="write the cells' costs to this CSV")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- then the arguments of `dlbench run`")
    ns = parser.parse_args()
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    progress.RunProgress._finished = _spy(progress.RunProgress._finished)
    from dlbench.cli import main as dlbench

    try:
        dlbench(["run", *args])
    except SystemExit as exc:
        if exc.code:
            raise
    if ns.record:
        with open(ns.record, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, list(CELLS[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(CELLS)
    total = NOTES[-1][0]
    print(f"\n{len(NOTES)} cells in {total:.1f} s (from the first cell's start to the last cell's end)")
    print("share of run   estimate   true left   ratio")
    shown = set()
    for elapsed, left in NOTES[:-1]:
        tenth = int(elapsed / total * 10)
        if tenth not in shown and left is not None:
            shown.add(tenth)
            print(f"{elapsed / total:13.2f} {left:9.1f} s {total - elapsed:9.1f} s   {left / (total - elapsed):.2f}")
    middle = [left / (total - elapsed) for elapsed, left in NOTES[:-1]
              if left is not None and 0.25 <= elapsed / total <= 0.9]
    if middle:
        print(f"from a quarter to nine tenths of the run: ratio {min(middle):.2f} to {max(middle):.2f}")


if __name__ == "__main__":
    main()
