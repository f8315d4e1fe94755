"""The figure of a series task's training data: a few series of each class, one small panel per class.

Owns drawing ``audit["series_examples"]`` (kept by the data audit of signal tasks). The
figure helpers (the SVG writer, sizes, fonts) are ``figures``'; it computes nothing.
"""

from __future__ import annotations

import math

from dlbench.analysis.task_findings import TaskFindings
from dlbench.report.figures import _figure, to_svg
from dlbench.report.style import FONT_PT, WIDTH, short

#: Class colours of the series figure (matplotlib's tab10).
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def series_by_class(found: TaskFindings) -> str | None:
    """A few training series of each class (from the data audit), one small panel per class, the
    channels of a series in shades of one colour."""
    examples = (found.audit or {}).get("series_examples")
    if not examples:
        return None
    classes = list(examples)
    cols = min(4, len(classes))
    rows = math.ceil(len(classes) / cols)
    with _figure("series", WIDTH, 1.15 * rows + 0.3, nrows=rows, ncols=cols, squeeze=False,
                 sharex=True) as (fig, axes):
        for ax in axes.ravel()[len(classes):]:
            ax.set_visible(False)
        for k, (label, series) in enumerate(examples.items()):
            ax = axes.ravel()[k]
            color = PALETTE[k % len(PALETTE)]
            for channels in series:
                for c, values in enumerate(channels):
                    ax.plot(range(len(values)), values, lw=0.8, alpha=0.85 - 0.2 * c, color=color)
            ax.set_title(short(str(label), 24), fontsize=FONT_PT)
            ax.tick_params(labelsize=FONT_PT - 1)
        return to_svg(fig, "series")
