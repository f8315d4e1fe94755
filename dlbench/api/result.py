"""A finished (or interrupted) run as a Python object, and a comparison of runs.

Owns :class:`RunResult`: the run folder read back as DataFrames (cells, trials, summary), the
leaderboard the terminal prints, the findings the report renders, the exported models ready to
predict, and the answer card a notebook shows; and :class:`Comparison`. Everything is read
from the run folder (its store, ``run.json`` and exported models), never from a live run, so a
run read back later with ``dlbench.load_run`` is the same object. It computes no statistics
itself: those are ``analysis``.
"""

from __future__ import annotations

import html
from functools import cached_property
from pathlib import Path
from typing import Any

from dlbench.core.errors import UsageError
from dlbench.core.folder import RunFolder

#: The leaderboard's columns: the terminal's table, as a DataFrame.
LEADERBOARD = {"solver": "solver", "family": "family", "val_score": "val acc", "accuracy": "test acc",
               "default_accuracy": "untuned", "fit_seconds": "fit s", "status": "status"}


class RunResult:
    """A run folder, read: ``results``, ``trials`` and ``summary`` as DataFrames, the ``leaderboard``,
    the ``findings``, the exported models (``best``, ``winner``) and the report (``report_path``, ``open``)."""

    def __init__(self, path: str | Path, findings=None):
        self.folder = RunFolder.existing(path)
        if findings is not None:
            self.__dict__["findings"] = findings

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def report_path(self) -> Path:
        return self.folder.report

    @cached_property
    def info(self) -> dict[str, Any]:
        """``run.json``: the configuration, sizes, data audit, environment and timings."""
        return self.folder.read_info()

    @cached_property
    def _stored(self) -> tuple[list[dict], list[dict], dict]:
        with self.folder.store(must_exist=True) as store:
            return store.rows(), store.trials(), store.predictions(probabilities=False)  # findings read codes only

    @cached_property
    def results(self):
        """One row per cell (the columns of ``results.csv``)."""
        import pandas as pd

        from dlbench.core.schema import CSV_COLUMNS

        return pd.DataFrame(self._stored[0]).reindex(columns=CSV_COLUMNS)

    @cached_property
    def trials(self):
        """One row per tuning trial (the columns of ``trials.csv``)."""
        import pandas as pd

        from dlbench.core.schema import TRIAL_CSV_COLUMNS

        return pd.DataFrame(self._stored[1]).reindex(columns=TRIAL_CSV_COLUMNS)

    @cached_property
    def findings(self):
        """What the report says, computed from the stored cells and predictions (``analysis.findings``)."""
        from dlbench.analysis import findings

        return findings.analyse(self._stored[0], self.info, self._stored[2])

    @cached_property
    def summary(self):
        """One row per (task, solver): the columns of ``summary.csv``."""
        import pandas as pd

        from dlbench.analysis.summary import SUMMARY_COLUMNS, summary_rows

        return pd.DataFrame(summary_rows(self.findings), columns=SUMMARY_COLUMNS)

    @property
    def tasks(self) -> list[str]:
        return self.findings.names

    def _task(self, task: str | None) -> str:
        names = self.tasks
        if task is None:
            if len(names) != 1:
                raise UsageError(f"this run has {len(names)} tasks ({', '.join(names) or 'none finished'}): "
                                 "give task=")
            return names[0]
        if task not in names:
            raise UsageError(f"this run has no task {task!r}; its tasks: {', '.join(names) or 'none finished'}")
        return task

    def leaderboard(self, task: str | None = None):
        """The terminal's table of ``task``: every solver at the largest size, by validation score."""
        import pandas as pd

        board = [row.to_dict() for row in self.findings.task(self._task(task)).board]
        frame = pd.DataFrame(board).reindex(columns=[*LEADERBOARD, "train_size", "untuned"])
        frame["status"] = [s + (" (untuned)" if (u or 0) > 0 else "") for s, u in zip(frame["status"], frame["untuned"])]
        return frame.drop(columns=["untuned"]).rename(columns=LEADERBOARD).reset_index(drop=True)

    def best(self, task: str | None = None, family: str | None = None):
        """The exported model of ``task``'s winner, or of the best solver of ``family``, loaded to predict."""
        from dlbench.models.loaded import load_model

        return load_model(self.path, self._task(task), role="winner" if family is None else f"best-{family}")

    @property
    def winner(self):
        """The winner's exported model (the run must have one task; else ``best(task=...)``)."""
        return self.best()

    def open(self) -> bool:
        """Show the report in the browser; False where no browser could be found."""
        import webbrowser

        return webbrowser.open(self.report_path.resolve().as_uri())

    def headline(self) -> list[str]:
        """The answer in sentences, as the terminal prints it."""
        return self.findings.lines()

    def __repr__(self) -> str:
        counts = self.results["status"].value_counts().to_dict() if len(self.results) else {}
        cells = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no cell"
        return f"<dlbench run {self.folder.name}: {', '.join(self.tasks) or 'no task'}; {cells}; {self.report_path}>"

    def _repr_html_(self) -> str:
        """The answer card in a notebook: the report's first section, its styles kept in a frame of its own."""
        from dlbench.report.html import answer_card

        page = answer_card(self.findings, self.info, self.folder.exported_models(), self.path.resolve().as_uri() + "/")
        rows = sum(len(t.card) + len(t.headline_more) + 4 for t in self.findings.tasks)
        return (f'<p><b>dlbench run</b> {html.escape(self.folder.name)} · '
                f'<a href="{self.report_path.resolve().as_uri()}" target="_blank">the full report</a></p>'
                f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{120 + 34 * rows}px;'
                'border:0"></iframe>')


class Comparison:
    """Runs of the same tasks compared cell by cell (the first is the baseline): ``table`` is ``compare.csv``."""

    def __init__(self, out: Path, report_path: Path):
        self.path, self.report_path = Path(out), Path(report_path)

    @cached_property
    def table(self):
        import pandas as pd

        return pd.read_csv(self.path / "compare.csv")

    def open(self) -> bool:
        import webbrowser

        return webbrowser.open(self.report_path.resolve().as_uri())

    def __repr__(self) -> str:
        return f"<dlbench comparison of {self.table['run'].nunique() if 'run' in self.table else '?'} runs: " \
               f"{self.report_path}>"

    def _repr_html_(self) -> str:
        return (f"<p><b>dlbench comparison</b> · <a href=\"{self.report_path.resolve().as_uri()}\">report</a></p>"
                + self.table.to_html(index=False, na_rep=""))
