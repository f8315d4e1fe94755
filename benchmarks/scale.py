"""Scale measurements (issue 25): wall time, peak memory, store size and report time of real runs.

Each scenario is one ``dlbench run`` in a fresh process; the script records its wall-clock
seconds, the peak resident memory of the largest process the run started (``ru_maxrss`` of the
children: the maximum so far, so give one scenario per invocation to read each one's own), the number of sizes and of tuned full-size cells per family, cells by status,
the size of ``results.db`` and the seconds ``dlbench report`` takes to rebuild the page, and
prints them beside the issue's targets. Nothing here is a test: run it on an otherwise idle
machine and report what it prints.

    python benchmarks/scale.py --list
    python benchmarks/scale.py mnist1d-10k mnist1d-100k --out /tmp/scale
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

#: name -> (dlbench run arguments, the issue's target for it)
SCENARIOS = {
    "mnist1d-10k": (["mnist1d:num_samples=10000"], "growth: 100k ≤ 12× its time"),
    "mnist1d-100k": (["mnist1d:num_samples=100000"], "≤ 45 min (aim 20), ≥ 5 sizes, ≥ 2 tuned full-size solvers per family"),
    "mnist1d-100k-budget": (["mnist1d:num_samples=100000", "--budget", "10m"],
                            "every family tuned at full size, ≥ 4 sizes, nothing failed"),
    "churn-200k": (["churn"], "≤ 45 min"),
    "churn-20k": (["churn:n_samples=20000"], "growth: churn-200k ≤ 12× its time"),
    "digits": (["digits"], "no slower than 82–116 s; best accuracy within its interval"),
    "sms-spam": (["sms-spam"], "no slower than 482–614 s"),
    "smoke": (["churn:n_samples=3000", "--quick", "--families", "rule,shallow"], "(checks this script)"),
}


def _children_peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def measure(name: str, out: Path) -> dict:
    args, target = SCENARIOS[name]
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dlbench", "run", *args, "--out", str(folder)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - began
    runs = sorted(p for p in folder.iterdir() if (p / "results.db").exists())
    row = {"scenario": name, "exit": proc.returncode, "seconds": round(seconds, 1),
           "peak_mb_any_process": round(_children_peak_mb()), "target": target}
    if not runs:
        row["error"] = proc.stderr.strip().splitlines()[-1:] or ["no run folder"]
        return row
    run_dir = runs[-1]
    with sqlite3.connect(run_dir / "results.db") as db:
        cells = db.execute("SELECT family, status, train_size, trials, untuned FROM cells").fetchall()
        why = db.execute("SELECT error FROM cells WHERE status = 'skipped'").fetchall()
        best = db.execute("SELECT family, solver, AVG(accuracy), COUNT(*), MIN(tuned_on) FROM cells WHERE status = 'ok' "
                          "AND train_size = (SELECT MAX(train_size) FROM cells) GROUP BY family, solver").fetchall()
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    sizes = sorted({int(c[2]) for c in cells})
    full = max(sizes) if sizes else None
    tuned = {}
    for family, status, size, trials, untuned in cells:
        if status == "ok" and size == full and (trials or 0) > 1 and not untuned:
            tuned[family] = tuned.get(family, 0) + 1
    statuses = {}
    for _, status, *_ in cells:
        statuses[status] = statuses.get(status, 0) + 1
    skipped = {}
    for (error,) in why:
        kind = next((k for k in ("stopped at", "predicted to", "seed not needed", "not run") if
                     str(error).startswith(k)), "other")
        skipped[kind] = skipped.get(kind, 0) + 1
    at_full = {f"{solver} ({family})": {"accuracy": round(acc, 4), "seeds": n, "tuned_on": on}
               for family, solver, acc, n, on in sorted(best, key=lambda b: -b[2])}
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dlbench", "report", str(run_dir)], capture_output=True)
    row.update(sizes=len(sizes), largest=full, tuned_full_size_by_family=tuned, cells=statuses, skipped=skipped,
               at_full_size=at_full,
               results_db_mb=round((run_dir / "results.db").stat().st_size / 2**20, 1),
               report_seconds=round(time.perf_counter() - began, 1), timings=info.get("timings"),
               run_dir=str(run_dir))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", help="scenario names (see --list)")
    parser.add_argument("--out", default="scale-runs", help="folder for the run folders")
    parser.add_argument("--list", action="store_true", help="list the scenarios and their targets")
    ns = parser.parse_args()
    if ns.list or not ns.scenarios:
        for name, (args, target) in SCENARIOS.items():
            print(f"{name:22} dlbench run {' '.join(args):55} target: {target}")
        return
    unknown = [s for s in ns.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; see --list")
    out = Path(ns.out)
    for name in ns.scenarios:
        print(json.dumps(measure(name, out)), flush=True)


if __name__ == "__main__":
    main()
