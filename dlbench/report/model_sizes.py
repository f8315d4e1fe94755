"""The figure of the report's model-size section (``--scales``).

Owns drawing the model-size study that ``analysis.capacity`` computed; the shared style and SVG
output are ``figures``'. It computes nothing.
"""

from __future__ import annotations

import math

from dlbench.analysis.task_findings import TaskFindings
from dlbench.report.figures import MARKERS, _figure, _log_x, _shades, compact, to_svg
from dlbench.report.style import COLORS, FONT_PT, INK, WIDTH, short as _short


def model_sizes(found: TaskFindings) -> str | None:
    """The model-size study: one panel per solver, test accuracy against training examples (log x),
    one line per scale (light: smallest, dark: largest) with its 95% interval as a band."""
    study = found.capacity
    if not study:
        return None
    panels = study.solvers
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    sizes = sorted({p["size"] for sv in panels for p in sv.points})
    key = f"{found.task}-model-sizes"
    with _figure(key, WIDTH, 3.3 * nrows + 0.3, ncols=ncols, nrows=nrows, sharey=True, squeeze=False) as (fig, axes):
        for ax, sv in zip(axes.flat, panels):
            base = COLORS.get(sv.family, INK)
            shades = _shades(base, len(sv.scales))[::-1]  # light for the smallest scale
            for i, scale in enumerate(sv.scales):
                pts = sorted((p for p in sv.points if p["scale"] == scale and p["mean"] is not None),
                             key=lambda p: p["size"])
                if not pts:
                    continue
                params = pts[-1]["n_params"]  # at the largest size: vocabularies and trees grow with n
                label = f"{scale:g}×" + (f" · {compact(params)} params" if params else "")
                ax.plot([p["size"] for p in pts], [p["mean"] for p in pts], color=shades[i], marker=MARKERS[i % 12],
                        linewidth=2.2 if scale == 1 else 1.5, markersize=5, markeredgecolor="white",
                        markeredgewidth=0.6, label=label, zorder=3 + i)
                band = [p for p in pts if p["low"] is not None]
                if len(band) >= 2:
                    ax.fill_between([p["size"] for p in band], [p["low"] for p in band], [p["high"] for p in band],
                                    color=shades[i], alpha=0.12, linewidth=0)
                elif len(band) == 1:
                    p = band[0]
                    ax.errorbar([p["size"]], [p["mean"]], yerr=[[p["mean"] - p["low"]], [p["high"] - p["mean"]]],
                                color=shades[i], capsize=3, linewidth=1)
            _log_x(ax, sizes, narrow=ncols > 1)
            ax.set_title(_short(sv.solver), color=base, loc="left")
            ax.set_xlabel("training examples (log scale)")
            ax.legend(loc="lower right", fontsize=FONT_PT - 1, handlelength=2.2)
        for ax in list(axes.flat)[len(panels):]:
            ax.set_visible(False)
        for row in axes:
            row[0].set_ylabel("test accuracy")
        return to_svg(fig, key)
