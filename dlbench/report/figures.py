"""Figures of the report as inline SVG strings (matplotlib, Agg/SVG, no pyplot state).

Owns drawing: learning curves with seed bands, fitted scaling laws with their extrapolation,
accuracy against compute with Pareto fronts, and the critical-difference diagram. It draws the
findings of ``summary`` and computes nothing new. Output is deterministic (a fixed SVG hash salt
per figure, no dates in the metadata) and safe to inline: matplotlib escapes text in SVG, the
XML prolog is dropped and element ids are unique per figure.
"""

from __future__ import annotations

import io
import math
import re
from contextlib import contextmanager
from typing import Any

from dlbench.analysis.tables import FAMILY_LABEL, FAMILY_ORDER

#: The family colours; keep in step with the CSS variables in ``templates/report.css``.
COLORS = {"rule": "#7b6d8d", "shallow": "#2a7ab0", "deep": "#d1495b"}
INK, MUTED, GRID = "#1d232b", "#5f6b7a", "#dde2e8"
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]
DASHES = ["-", "--", "-.", ":"]
WIDTH = 10.0  # inches; the page scales the SVG to its column width

RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "path.simplify": True,
}


@contextmanager
def _figure(key: str, width: float, height: float, **subplots):
    """A matplotlib Figure (no pyplot) under the report's style and a per-figure hash salt."""
    import sys

    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:  # never switch the backend under a user's pyplot
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**RC, "svg.hashsalt": f"dlbench-{key}"}):
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(**subplots) if subplots else fig.subplots()
        yield fig, axes


def to_svg(fig, key: str) -> str:
    """The figure as an ``<svg>`` element string: no prolog, no metadata, no repeated ids."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({**RC, "svg.hashsalt": f"dlbench-{key}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05,
                    metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # figure_1, axes_1, ... repeat in every figure; the remaining ids (clip paths, markers) are
    # hashes salted with the figure's key, so they are unique within the page.
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    svg = re.sub(r'(<path\b[^>]*?\sd=")([^"]*)"', lambda m: m.group(1) + _compact_path(m.group(2)) + '"', svg)
    svg = re.sub(r">\s+<", "><", svg)  # indentation between elements
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _compact_path(d: str) -> str:
    """Path data with coordinates rounded to 0.01 pt and single spaces (about a third smaller)."""
    d = re.sub(r"-?\d+\.\d+", lambda m: f"{float(m.group(0)):.2f}".rstrip("0").rstrip("."), d)
    return " ".join(d.split()).replace("-0 ", "0 ")


def _short(name: str, width: int = 28) -> str:
    """A name cut for a legend or label (tables on the page show it in full)."""
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"


def _styles(solvers: list[str], families: dict[str, str], best: set[str]) -> dict[str, dict[str, Any]]:
    """Colour by family; within a family the best solver is solid and thick, the others vary."""
    styles, seen = {}, {}
    for solver in solvers:
        family = families.get(solver, "")
        i = seen.get(family, 0)
        seen[family] = i + 1
        emphasised = solver in best
        styles[solver] = {
            "color": COLORS.get(family, MUTED),
            "marker": MARKERS[i % len(MARKERS)],
            "linestyle": "-" if emphasised else DASHES[(i % (len(DASHES) - 1)) + 1],
            "linewidth": 2.4 if emphasised else 1.2,
            "alpha": 1.0 if emphasised else 0.8,
            "markersize": 5.5 if emphasised else 4,
            "zorder": 3 if emphasised else 2,
        }
    return styles


def _ordered(solvers, families) -> list[str]:
    return sorted(solvers, key=lambda s: (FAMILY_ORDER.get(families.get(s), 9), s))


def _legend_outside(ax, ncol: int = 1) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=ncol, borderaxespad=0)


def _legend_columns(n: int) -> int:
    return 1 if n <= 14 else 2


def _compact(v: float) -> str:
    """Tick labels: 50, 200, 1k, 20k, 1.5M."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _log_x(ax, sizes: list[float]) -> None:
    """A log x axis with 1-2-5 ticks over narrow ranges, decades over wide ones."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    decades = math.log10(max(sizes) / min(sizes)) if min(sizes) > 0 else 0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,) if decades > 4 else (1.0, 3.0)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _compact(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    if len(set(sizes)) == 1:
        ax.set_xlim(sizes[0] / 2, sizes[0] * 2)


def learning_curves(found: dict[str, Any]) -> str | None:
    """Test accuracy against training-set size (log x), one line per solver, seed bands."""
    curves, families = found["curves"], found["families"]
    if not curves:
        return None
    solvers = _ordered(curves, families)
    styles = _styles(solvers, families, set(found["family_best"].values()))
    height = max(4.2, 0.2 * len(solvers) / _legend_columns(len(solvers)) + 1.2)
    with _figure(f"{found['task']}-curves", WIDTH, height) as (fig, ax):
        for solver in solvers:
            c, st = curves[solver], styles[solver]
            label = f"{_short(solver)} ({FAMILY_LABEL.get(families.get(solver), families.get(solver))})"
            ax.plot(c.sizes, c.means, label=label, color=st["color"], marker=st["marker"], linestyle=st["linestyle"],
                    linewidth=st["linewidth"], alpha=st["alpha"], markersize=st["markersize"], zorder=st["zorder"])
            band = [(n, lo, hi) for n, lo, hi in zip(c.sizes, c.lows, c.highs) if lo is not None]
            if len(band) >= 2:
                ax.fill_between([b[0] for b in band], [b[1] for b in band], [b[2] for b in band],
                                color=st["color"], alpha=0.12 if st["linewidth"] > 2 else 0.06, linewidth=0)
            elif len(band) == 1:
                n, lo, hi = band[0]
                ax.errorbar([n], [c.mean_at(n)], yerr=[[c.mean_at(n) - lo], [hi - c.mean_at(n)]],
                            color=st["color"], capsize=3, linewidth=1)
        _log_x(ax, found["sizes"])
        ax.set_xlabel("training examples (log scale)")
        ax.set_ylabel("test accuracy")
        _legend_outside(ax, _legend_columns(len(solvers)))
        fig.subplots_adjust(left=0.07, right=0.70 if _legend_columns(len(solvers)) == 1 else 0.55,
                            bottom=0.13, top=0.96)
        return to_svg(fig, f"{found['task']}-curves")


def scaling_laws(found: dict[str, Any]) -> str | None:
    """Fitted power laws per family panel: solid over the data, dashed to 100x; target line."""
    import numpy as np

    from dlbench.analysis.scaling import HORIZONS

    fits, curves, families = found["fits"], found["curves"], found["families"]
    reliable = [s for s in _ordered(curves, families) if fits[s].reliable]
    if not reliable:
        return None
    panel_families = [f for f in FAMILY_ORDER if any(families.get(s) == f for s in reliable)]
    styles = _styles(_ordered(curves, families), families, set(found["family_best"].values()))
    n_min, n_max = min(found["sizes"]), max(found["sizes"])
    extrapolating = any(fits[s].extrapolates for s in reliable)
    far = max(HORIZONS) * n_max if extrapolating else n_max
    key = f"{found['task']}-scaling"
    with _figure(key, WIDTH, 3.8, ncols=len(panel_families), sharey=True, squeeze=False) as (fig, axes):
        for ax, family in zip(axes[0], panel_families):
            for solver in (s for s in reliable if families.get(s) == family):
                st, fit, c = styles[solver], fits[solver], curves[solver]
                inside = np.geomspace(min(c.sizes), max(c.sizes), 40)
                beyond = np.geomspace(max(c.sizes), far, 30)
                ax.plot(inside, [fit.score(n) for n in inside], color=st["color"], linewidth=st["linewidth"],
                        alpha=st["alpha"], label=_short(solver), zorder=st["zorder"])
                if fit.extrapolates:  # dashed beyond the data only where the held-out check passed
                    ax.plot(beyond, [fit.score(n) for n in beyond], color=st["color"], linewidth=st["linewidth"],
                            alpha=st["alpha"], linestyle=(0, (4, 3)), zorder=st["zorder"])
                ax.plot(c.sizes, c.means, linestyle="none", marker=st["marker"], color=st["color"],
                        markersize=st["markersize"], alpha=st["alpha"], zorder=st["zorder"] + 1)
            for h in ((1, *HORIZONS) if extrapolating else (1,)):
                ax.axvline(h * n_max, color=MUTED, linewidth=0.7, linestyle=":", zorder=1)
                ax.annotate("data" if h == 1 else f"{h}x", (h * n_max, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(-2, -10), textcoords="offset points", color=MUTED, fontsize=7, ha="right")
            if found["target"] is not None:
                ax.axhline(found["target"], color=INK, linewidth=0.8, linestyle="--", alpha=0.6, zorder=1)
            _log_x(ax, [n_min, far])
            ax.set_xlim(n_min / 1.3, far * 1.3)
            ax.set_title(FAMILY_LABEL[family], color=COLORS[family], loc="left")
            ax.set_xlabel("training examples (log scale)")
            ax.legend(loc="best")
        axes[0][0].set_ylabel("test accuracy (fitted)")
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.9, wspace=0.08)
        return to_svg(fig, key)


def _positive(values: list[float]) -> list[float]:
    """Costs for a log axis: zeros and negatives become half the smallest positive cost."""
    pos = [v for v in values if v > 0]
    floor = min(pos) / 2 if pos else 1e-6
    return [v if v > 0 else floor for v in values]


def compute_tradeoffs(found: dict[str, Any]) -> str | None:
    """Accuracy against fit time, prediction latency and model size, Pareto fronts marked."""
    pareto = found["pareto"]
    rows = [r for r in found["board"] if r["train_size"] == found["largest"] and r.get("accuracy") is not None]
    axes_spec = list(pareto["axes"].items())
    if not rows or not axes_spec:
        return None
    key = f"{found['task']}-compute"
    with _figure(key, WIDTH, 3.6, ncols=len(axes_spec), sharey=True, squeeze=False) as (fig, axes):
        for ax, (col, label) in zip(axes[0], axes_spec):
            pts = [r for r in rows if r.get(col) is not None]
            xs = _positive([float(r[col]) for r in pts])
            for r, x in zip(pts, xs):
                on_front = r["solver"] in pareto["fronts"].get(col, [])
                ax.scatter([x], [r["accuracy"]], s=42 if on_front else 24, color=COLORS.get(r["family"], MUTED),
                           edgecolors=INK if on_front else "none", linewidths=1.0, zorder=3)
                if on_front:
                    ax.annotate(_short(r["solver"]), (x, r["accuracy"]), xytext=(4, 4), textcoords="offset points",
                                fontsize=7, color=INK)
            front = [(x, r["accuracy"]) for r, x in zip(pts, xs) if r["solver"] in pareto["fronts"].get(col, [])]
            front.sort()
            if len(front) >= 2:
                ax.step([f[0] for f in front], [f[1] for f in front], where="post", color=INK, linewidth=0.9,
                        alpha=0.7, zorder=2)
            ax.set_xscale("log")
            ax.set_xlabel(label + " (log)")
            ax.margins(x=0.15, y=0.08)
        axes[0][0].set_ylabel(f"test accuracy at n={found['largest']:,}")
        for family in FAMILY_ORDER:
            if any(r["family"] == family for r in rows):
                axes[0][-1].scatter([], [], color=COLORS[family], label=FAMILY_LABEL[family], s=24)
        axes[0][-1].scatter([], [], color="white", edgecolors=INK, label="Pareto front", s=42)
        axes[0][-1].legend(loc="lower right")
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.95, wspace=0.06)
        return to_svg(fig, key)


def cd_diagram(across: dict[str, Any]) -> str | None:
    """Critical-difference diagram (Demšar 2006): average ranks, cliques closer than the CD."""
    if not across or across.get("cd") is None:
        return None
    avg = across["average"]
    solvers = sorted(avg, key=lambda s: (avg[s], s))
    k, cd = len(solvers), across["cd"]
    half = math.ceil(k / 2)
    height = 0.9 + 0.25 * half
    with _figure("cd-diagram", WIDTH * 0.8, height) as (fig, ax):
        ax.set_xlim(0.5, k + 0.5)
        ax.set_ylim(-(half * 0.9 + 0.4), 1.7)
        ax.axis("off")
        ax.plot([1, k], [0, 0], color=INK, linewidth=1)
        for r in range(1, k + 1):
            ax.plot([r, r], [0, 0.15], color=INK, linewidth=1)
            ax.text(r, 0.3, str(r), ha="center", va="bottom", fontsize=8, color=INK)
        shown = min(cd, k - 1)  # a CD wider than the rank range: no pair can differ significantly
        ax.plot([1, 1 + shown], [1.2, 1.2], color=INK, linewidth=1.5)
        label = f"CD = {cd:.2f}" + (" (wider than the rank range)" if cd > k - 1 else "")
        ax.text(1 + shown / 2, 1.3, label, ha="center", va="bottom", fontsize=8, color=INK)
        for i, solver in enumerate(solvers):
            left = i < half
            level = -(i + 1) * 0.9 if left else -(k - i) * 0.9
            x_end = 0.6 if left else k + 0.4
            ax.plot([avg[solver], avg[solver], x_end], [0, level, level], color=MUTED, linewidth=0.9)
            ax.text(x_end + (-0.05 if left else 0.05), level, f"{_short(solver)} ({avg[solver]:.2f})",
                    ha="right" if left else "left", va="center", fontsize=8, color=INK)
        for j, (lo, hi) in enumerate(_cliques([avg[s] for s in solvers], cd)):
            y = -0.25 - 0.18 * j
            ax.plot([lo - 0.03, hi + 0.03], [y, y], color=INK, linewidth=3, solid_capstyle="round")
        fig.subplots_adjust(left=0.2, right=0.8, bottom=0.02, top=0.98)
        return to_svg(fig, "cd-diagram")


def _cliques(ranks: list[float], cd: float) -> list[tuple[float, float]]:
    """Maximal runs of sorted average ranks whose spread is below the critical difference."""
    out = []
    for i in range(len(ranks)):
        j = i
        while j + 1 < len(ranks) and ranks[j + 1] - ranks[i] < cd:
            j += 1
        if j > i and not any(lo <= ranks[i] and ranks[j] <= hi for lo, hi in out):
            out.append((ranks[i], ranks[j]))
    return out
