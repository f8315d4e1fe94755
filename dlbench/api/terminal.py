"""A run's answer in the terminal: each task's leaderboard, the headline, the cells and the models.

Owns printing a :class:`~dlbench.api.result.RunResult` with rich, as ``dlbench run`` ends. The
table is :meth:`RunResult.leaderboard`, the sentences are its findings: the terminal shows what
the API returns and the report renders. It does not compute anything.
"""

from __future__ import annotations

from dlbench.core.solver import ENSEMBLE


def _fmt(value, digits: int = 3) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"


def print_summary(result, console) -> list[str]:
    """Print ``result``'s leaderboards, headline, cell counts and exported models to ``console``.

    Returns what trained the deep solvers (empty without any).
    """
    from rich.table import Table

    if not len(result.results):
        console.print("no cell finished", style="red")
        return []
    for task in result.tasks:
        board = result.leaderboard(task)
        largest = int(board["train_size"].max()) if len(board) else 0
        table = Table(title=f"{task}: n={largest:,} training examples, ranked by validation score")
        columns = [c for c in board.columns if c != "train_size"]
        for column in columns:
            table.add_column(column, no_wrap=column in ("solver", "family", "status"))
        for _, r in board.iterrows():
            table.add_row(*(_fmt(r[c], 2 if c == "fit s" else 3) if c not in ("solver", "family", "status")
                            else str(r[c]) for c in columns))
        console.print(table)
    for line in result.headline():
        console.print(line, markup=False, highlight=False)
    rows = result.results
    grid = rows[rows["family"] != ENSEMBLE]
    counts = grid["status"].value_counts().to_dict()
    ensembles = int((rows["family"] == ENSEMBLE).sum())
    console.print("cells: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                  + (f"; {ensembles} ensemble{'s' if ensembles > 1 else ''} built from them" if ensembles else ""),
                  markup=False, highlight=False, soft_wrap=True)
    saved = [m for m in result.folder.exported_models() if m["saved"]]
    if saved:
        console.print("models: " + ", ".join(f"{m['path']} ({', '.join(m['roles'])})" for m in saved),
                      markup=False, highlight=False, soft_wrap=True)
    return result.findings.devices or []
