"""The tables a task's page shows, shaped from its findings: the answer card, the cells that did
not finish grouped by reason, and the data audit's class shares.

Owns what used to be computed while rendering, so that the report only renders. It decides and
words nothing (``findings``, ``sentences``) and formats no number (``report``).
"""

from __future__ import annotations

from typing import Any

from dlbench.analysis.records import CardRow, ClassShare, ProblemGroup
from dlbench.analysis.task_findings import TaskFindings
from dlbench.analysis.tables import FAMILY_ORDER
from dlbench.core.schema import BUDGET_SPENT
from dlbench.core.solver import ENSEMBLE


def answer_card(found: TaskFindings) -> list[CardRow]:
    """The best single solver of each family (the best single one first), then the ensembles, each with
    its interval, standing against the winner and cost; empty without a winner."""
    best = found.best
    if best is None:
        return []
    board = {r.solver: r for r in found.at_largest}
    standing = {t.solver: t.standing for t in found.tests}
    single = found.best_single
    singles = [single] + [b for f, b in sorted(found.family_best.items(), key=lambda kv: FAMILY_ORDER[kv[0]])
                          if b != single]
    ensembles = [s for s in sorted(board) if found.families.get(s) == ENSEMBLE]
    cheapest = found.cheapest_tied.solver if found.cheapest_tied else None
    card = []
    for solver in [s for s in singles if s] + ensembles:
        r = board.get(solver)
        get = lambda key: getattr(r, key) if r is not None else None  # noqa: E731
        card.append(CardRow(solver=solver, family=found.families.get(solver), winner=solver == best.solver,
                            best_single=solver == single and single != best.solver, cheapest=solver == cheapest,
                            ensemble=solver in ensembles, test=get("accuracy"), low=get("accuracy_low"),
                            high=get("accuracy_high"), verdict=standing.get(solver), fit_seconds=get("fit_seconds"),
                            latency=get("predict_seconds_per_1k"), n_params=get("n_params"),
                            model_bytes=get("model_bytes"), untuned=(get("untuned") or 0) > 0))
    return card


def problem_groups(problems: list[dict[str, Any]]) -> list[ProblemGroup]:
    """Cells that did not finish, one group per solver, status and reason (not one per cell);
    the cells a ``--budget`` left out of every solver in one group; skipped cells last."""
    groups: dict[tuple, ProblemGroup] = {}
    solvers: dict[tuple, set] = {}
    for r in problems:
        error = r.get("error") or ""
        key = (None if error == BUDGET_SPENT else r.get("solver"), r.get("status"), error)
        g = groups.setdefault(key, ProblemGroup(solver=key[0], status=key[1], error=key[2], count=0, sizes=[], seeds=[]))
        solvers.setdefault(key, set()).add(str(r.get("solver")))
        g.count += 1
        g.sizes = sorted({*g.sizes, int(r["train_size"])})
        g.seeds = sorted({*g.seeds, int(r["seed"])})
    for key, g in groups.items():
        if g.solver is None:
            names = sorted(solvers[key])
            g.solver = ", ".join(names) if len(names) <= 3 else f"{len(names)} solvers"
    return sorted(groups.values(), key=lambda g: (g.status == "skipped", str(g.solver)))


def audit_classes(audit: dict[str, Any] | None) -> list[ClassShare]:
    """Per class of the data audit, its examples and share in the training pool and the test set."""
    if not audit:
        return []
    train, test = audit.get("train_counts") or {}, audit.get("test_counts") or {}
    n_train, n_test = sum(train.values()) or 1, sum(test.values()) or 1
    return [ClassShare(name=c, train=train.get(c, 0), train_share=train.get(c, 0) / n_train, test=test.get(c, 0),
                       test_share=test.get(c, 0) / n_test) for c in sorted(set(train) | set(test))]
