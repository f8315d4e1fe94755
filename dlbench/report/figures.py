"""Figures of the report as inline SVG strings (matplotlib, Agg/SVG, no pyplot state).

Owns drawing: learning curves (error rate, log-log) with seed bands, fitted scaling laws with their
extrapolation, error against compute with the Pareto front of fit time, the critical-difference
diagram and, for series, a few training series per class; ``labels`` places the names on them. It draws the findings of ``summary`` and computes nothing new. Output is deterministic (a fixed SVG hash salt
per figure, no dates in the metadata) and safe to inline: matplotlib escapes text in SVG, the
XML prolog is dropped and element ids are unique per figure.
"""

from __future__ import annotations

import io
import math
import re
from contextlib import contextmanager
from typing import Any

from dlbench.analysis.records import Across
from dlbench.analysis.task_findings import TaskFindings
from dlbench.analysis.tables import FAMILY_LABEL, FAMILY_ORDER
from dlbench.report.labels import end_labels, place_labels
from dlbench.report.style import COLORS, FONT_PT, INK, LEGEND_ROWS, MUTED, RC, WIDTH, short

#: Every solver gets its own marker (up to 14 single solvers; the ensemble is a star), and within a family its
#: own line style and shade, so a point is found in the legend by colour and marker alone.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "d", "8", "H"]
ENSEMBLE_MARKER = "*"
DASHES = [(0, (5, 1.6)), (0, (1, 1.3)), (0, (6, 1.6, 1, 1.6)), (0, (2.5, 1.6)), (0, (9, 1.6, 1, 1.6, 1, 1.6)),
          (0, (1, 3)), (0, (11, 2.6)), (0, (4, 1.6, 4, 1.6, 1, 1.6)), (0, (3, 3.2)), (0, (7, 1.6, 2.5, 1.6)),
          (0, (1.5, 1.5, 1.5, 4)), (0, (14, 2))]

@contextmanager
def _figure(key: str, width: float, height: float, layout: str | None = "constrained", **subplots):
    """A matplotlib Figure (no pyplot) under the report's style and a per-figure hash salt."""
    import sys

    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:  # never switch the backend under a user's pyplot
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context({**RC, "svg.hashsalt": f"dlbench-{key}"}):
        fig = Figure(figsize=(width, height), layout=layout)
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


def _shades(base: str, n: int) -> list[str]:
    """``n`` shades of ``base``'s hue, dark to light, spread wide; the one nearest ``base`` is ``base``."""
    import colorsys

    r, g, b = (int(base[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    if n <= 1:
        return [base]
    levels = [0.27 + 0.43 * i / (n - 1) for i in range(n)]
    nearest = min(range(n), key=lambda i: abs(levels[i] - light))
    rgbs = [colorsys.hls_to_rgb((h + 0.12 * (level - light)) % 1.0, level, min(1.0, s * 1.1)) for level in levels]
    return [base if i == nearest else "#" + "".join(f"{round(c * 255):02x}" for c in rgb) for i, rgb in enumerate(rgbs)]


def _styles(solvers: list[str], families: dict[str, str], best: set[str]) -> dict[str, dict[str, Any]]:
    """Colour by family; within it each solver has its own shade, marker and line style, and the
    family's best solver is drawn solid, thick and in the family colour itself."""
    styles = {}
    singles = [s for s in _ordered(solvers, families) if families.get(s) != "ensemble"]
    for family in sorted({families.get(s) or "" for s in solvers}):
        members = [s for s in solvers if (families.get(s) or "") == family]
        shades = _shades(COLORS.get(family, MUTED), len(members))
        top = next((s for s in members if s in best), None)
        if top is not None:  # the family's own colour goes to its best solver
            k = shades.index(COLORS[family]) if COLORS.get(family) in shades else 0
            j = members.index(top)
            shades[k], shades[j] = shades[j], shades[k]
        others = [s for s in members if s != top]
        for i, solver in enumerate(members):
            emphasised = solver == top
            styles[solver] = {
                "color": shades[i],
                "marker": ENSEMBLE_MARKER if family == "ensemble" else MARKERS[singles.index(solver) % len(MARKERS)],
                "linestyle": "-" if emphasised else DASHES[others.index(solver) % len(DASHES)],
                "linewidth": 2.6 if emphasised else 1.5, "alpha": 1.0 if emphasised else 0.9,
                "markersize": 7 if emphasised else 6, "zorder": 4 if emphasised else 3,
            }
            if family == "ensemble":  # one line over many: drawn on top, its star larger
                styles[solver].update(markersize=11, zorder=6, linewidth=2.2, linestyle="-", alpha=1.0)
    return styles


def _ordered(solvers, families) -> list[str]:
    return sorted(solvers, key=lambda s: (FAMILY_ORDER.get(families.get(s), 9), s))


def _legend(fig, solvers, families, styles, line: bool = True, extra=()) -> None:
    """One legend right of the panels, solvers grouped under bold family headings, then ``extra``."""
    from matplotlib.lines import Line2D

    handles, labels, heads = [], [], []
    for family in [*COLORS, None]:
        members = [s for s in solvers if families.get(s) == family or (family is None and families.get(s)
                                                                         not in COLORS)]
        if members and family is not None:
            heads.append((len(labels), COLORS[family]))
            handles.append(Line2D([], [], linestyle="none"))
            labels.append(FAMILY_LABEL[family])
        for st in (styles[s] for s in members):
            handles.append(Line2D([], [], color=st["color"], marker=st["marker"], markersize=st["markersize"],
                                  markeredgecolor="white", markeredgewidth=0.6, linewidth=st["linewidth"],
                                  linestyle=st["linestyle"] if line else "none"))
        labels += [short(s) for s in members]
    legend = fig.legend(handles + [h for h, _ in extra], labels + [t for _, t in extra], loc="outside right upper",
                        ncol=1 if len(labels) + len(extra) <= LEGEND_ROWS else 2)
    for i, colour in heads:
        text = legend.get_texts()[i]
        text.set(fontweight="bold", color=colour, x=-2.2 * FONT_PT * fig.dpi / 72)  # heading under the handles


def _legend_height(n_entries: int) -> float:
    """Inches a one-column legend of ``n_entries`` needs, so the figure can be tall enough."""
    rows = n_entries if n_entries <= LEGEND_ROWS else math.ceil(n_entries / 2)
    return 0.3 + rows * FONT_PT * 1.6 / 72


def compact(v: float) -> str:
    """Tick labels and counts, 3 significant digits: 50, 200, 1k, 20k, 1.5M, 4.19G."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:.3g}{suffix}"
    return f"{v:.3g}"


def _log_x(ax, sizes: list[float], narrow: bool = False) -> None:
    """A log x axis with 1-2-5 ticks over narrow ranges, decades over wide ones (or narrow panels)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    decades = math.log10(max(sizes) / min(sizes)) if min(sizes) > 0 else 0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,) if decades > (2.5 if narrow else 4) else (1.0, 3.0)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    if len(set(sizes)) == 1:
        ax.set_xlim(sizes[0] / 2, sizes[0] * 2)


def learning_curves(found: TaskFindings) -> str | None:
    """Test error rate (1 − accuracy) against training-set size on log-log axes, one line per solver with
    its seed band and, where it fits, its name at the line's end. A power law is a straight line there, and
    the competitive solvers, crowded under an accuracy of 1, spread over the decades of their errors."""
    curves, families = found.curves, found.families
    if not curves:
        return None
    solvers = _ordered(curves, families)
    styles = _styles(solvers, families, set(found.family_best.values()))
    errors = {s: _errors(curves[s]) for s in solvers}
    floor = min((e for s in solvers for e in errors[s]["means"] if e > 0),
                default=1e-3) / 2  # an error of 0 (every test example right) drawn half below the smallest
    height = max(4.6, _legend_height(len(solvers) + len({families.get(s) for s in solvers})))
    key = f"{found.task}-curves"
    with _figure(key, WIDTH, height) as (fig, ax):
        for solver in solvers:
            c, e, st = curves[solver], errors[solver], styles[solver]
            ys = [max(v, floor) for v in e["means"]]
            ax.plot(c.sizes, ys, color=st["color"], marker=st["marker"], linestyle=st["linestyle"],
                    linewidth=st["linewidth"], alpha=st["alpha"], markersize=st["markersize"], zorder=st["zorder"],
                    markeredgecolor="white", markeredgewidth=0.6)
            band = [(n, max(lo, floor), max(hi, floor)) for n, lo, hi in zip(c.sizes, e["lows"], e["highs"])
                    if lo is not None]
            if st["linewidth"] <= 2 and families.get(solver) != "ensemble":
                continue  # bands for the family bests only: a dozen overlapping bands hide the lines
            if len(band) >= 2:
                ax.fill_between([b[0] for b in band], [b[1] for b in band], [b[2] for b in band],
                                color=st["color"], alpha=0.12, linewidth=0)
            elif len(band) == 1:
                n, lo, hi = band[0]
                y = max(1 - c.mean_at(n), floor)
                ax.errorbar([n], [y], yerr=[[y - lo], [hi - y]], color=st["color"], capsize=3, linewidth=1)
        _log_x(ax, found.sizes)
        lo, hi = min(found.sizes), max(found.sizes)
        ax.set_xlim(lo / 1.15, hi * max(2.0, (hi / lo) ** 0.3))  # room right of the lines for their names
        bayes = (found.audit or {}).get("bayes_accuracy")
        if bayes is not None and bayes < 1:
            ax.axhline(1 - bayes, color="#444444", linestyle=(0, (4, 3)), linewidth=1, zorder=1)
            ax.annotate(f"Bayes error {100 * (1 - bayes):.1f}% (the best possible)", (lo / 1.1, 1 - bayes),
                        xytext=(0, 3), textcoords="offset points", fontsize=8, color="#444444")
        _log_error(ax)
        ax.set_xlabel("training examples (log scale)")
        ax.set_ylabel("test error rate = 1 − accuracy (log scale)")
        _legend(fig, solvers, families, styles)
        fig.draw_without_rendering()
        end_labels(fig, ax, [(s, curves[s].sizes[-1], max(errors[s]["means"][-1], floor)) for s in solvers
                              if curves[s].sizes], styles)
        return to_svg(fig, key)


def _err(score: float) -> float:
    """An accuracy as an error rate for a log axis: an error of 0 is drawn at 1 in 10,000."""
    return max(1 - score, 1e-4)


def _errors(curve) -> dict[str, list]:
    """A learning curve as error rates: means, and the band's low and high ends (an accuracy's high is an error's low)."""
    return {"means": [1 - m for m in curve.means],
            "lows": [None if h is None else 1 - h for h in curve.highs],
            "highs": [None if lo is None else 1 - lo for lo in curve.lows]}


def _log_error(ax) -> None:
    """A log y axis of error rates with percent tick labels (0.5%, 1%, 2%, 5%, 10%, ..., 100%)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.2g}%" if v < 1 else "100%"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    low, high = ax.get_ylim()
    ax.set_ylim(low, min(high, 1.05))


def scaling_laws(found: TaskFindings) -> str | None:
    """Fitted learning curves as error rates on log-log axes, per family panel, for the solvers whose fit may
    extrapolate: solid over the data, dashed to 10x with the 95% band of the refits; markers are the measured means."""
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullLocator

    from dlbench.analysis.extrapolation import MAX_HORIZON

    fits, curves, families = found.fits, found.curves, found.families
    drawn = [s for s in _ordered(curves, families) if fits[s].extrapolates]
    if not drawn:
        return None
    panel_families = [f for f in FAMILY_ORDER if any(families.get(s) == f for s in drawn)]
    styles = _styles(_ordered(curves, families), families, set(found.family_best.values()))
    n_min, n_max = min(found.sizes), max(found.sizes)
    far = MAX_HORIZON * n_max
    key = f"{found.task}-scaling"
    extra = [(Line2D([], [], color=MUTED, linewidth=1.5), "fit over measured sizes"),
             (Line2D([], [], color=MUTED, linewidth=1.5, linestyle=(0, (4, 3))), "extrapolated, with 95% band")]
    if found.target is not None:
        extra.append((Line2D([], [], color=INK, linewidth=0.9, linestyle="--", alpha=0.6), "target"))
    height = max(4.2, _legend_height(len(drawn) + len(panel_families) + len(extra)))
    with _figure(key, WIDTH, height, ncols=len(panel_families), sharey=True, squeeze=False) as (fig, axes):
        for ax, family in zip(axes[0], panel_families):
            for solver in (s for s in drawn if families.get(s) == family):
                st, fit, c = styles[solver], fits[solver], curves[solver]
                inside = np.geomspace(min(c.sizes), max(c.sizes), 40)
                beyond = np.geomspace(max(c.sizes), fit.horizon, 30)
                ax.plot(inside, [_err(fit.score(n)) for n in inside], color=st["color"], linewidth=st["linewidth"],
                        alpha=st["alpha"], zorder=st["zorder"])
                ax.plot(beyond, [_err(fit.score(n)) for n in beyond], color=st["color"], linewidth=st["linewidth"],
                        alpha=st["alpha"], linestyle=(0, (4, 3)), zorder=st["zorder"])
                band = np.array([[_err(hi), _err(lo)] for lo, hi in (fit.interval(n) for n in beyond)])
                ax.fill_between(beyond, band[:, 0], band[:, 1], color=st["color"], alpha=0.12, linewidth=0,
                                zorder=st["zorder"] - 1)
                ax.plot(c.sizes, [_err(m) for m in c.means], linestyle="none", marker=st["marker"], color=st["color"],
                        markersize=st["markersize"], markeredgecolor="white", markeredgewidth=0.6,
                        alpha=st["alpha"], zorder=st["zorder"] + 1)
            marks = [n_max, far]
            for x in marks:
                ax.axvline(x, color=MUTED, linewidth=0.7, linestyle=":", zorder=1)
            if found.target is not None:
                ax.axhline(_err(found.target), color=INK, linewidth=0.9, linestyle="--", alpha=0.6, zorder=1)
            _log_x(ax, [n_min, far], narrow=len(panel_families) > 1)
            _log_error(ax)
            ax.set_xlim(n_min / 1.3, far * 1.3)
            top = ax.secondary_xaxis("top")  # the verticals are named above the panel, clear of the data
            top.set_xticks(marks, ["largest n", f"{MAX_HORIZON}×"], color=MUTED)
            top.get_xticklabels()[0].set_ha("right")  # over the measured range, clear of "10×"
            top.xaxis.set_minor_locator(NullLocator())
            top.tick_params(length=0, pad=1)
            top.spines["top"].set_visible(False)
            ax.set_title(FAMILY_LABEL[family], color=COLORS[family], loc="left")
            ax.set_xlabel("training examples" + ("\n" if len(panel_families) > 2 else " ") + "(log scale)")
        axes[0][0].set_ylabel("test error rate = 1 − accuracy\n(fitted, log scale)")
        _legend(fig, drawn, families, {s: {**styles[s], "linestyle": "-"} for s in drawn}, extra=extra)
        return to_svg(fig, key)


def _positive(values: list[float]) -> list[float]:
    """Costs for a log axis: zeros and negatives become half the smallest positive cost."""
    pos = [v for v in values if v > 0]
    floor = min(pos) / 2 if pos else 1e-6
    return [v if v > 0 else floor for v in values]


#: The cost axes of the compute panels, with their units.
COST_LABELS = {"fit_seconds": "fit time (s, log scale)",
               "predict_seconds_per_1k": "prediction time per\n1,000 examples (s, log scale)",
               "n_params": "parameters (log scale)", "model_bytes": "model size (bytes, log scale)"}


def _log_cost(ax, xs: list[float]) -> None:
    """A log cost axis with plain tick labels (0.001, 0.1, 10, 1k; no superscripts too small to read)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    narrow = max(xs) / min(xs) < 20  # under about a decade: 1-2-5 ticks
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)) if narrow else LogLocator(base=10, numticks=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v) if v >= 1 else f"{v:.2g}" if v >= 1e-4
                                               else f"1e{round(math.log10(v))}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def compute_tradeoffs(found: TaskFindings) -> str | None:
    """Accuracy against fit time, prediction latency and model size; the Pareto front of fit time (the one the
    leaderboard tags) outlined and stepped in its panel; every point labelled where its name fits without
    overlap, and found in the legend by colour and marker otherwise."""
    from matplotlib.lines import Line2D

    pareto = found.pareto
    rows = [r for r in found.at_largest if r.accuracy is not None]
    axes_spec = list(pareto.axes.items())
    if not rows or not axes_spec:
        return None
    families = {**{r.solver: r.family for r in rows}, **found.families}
    solvers = _ordered({r.solver for r in rows}, families)
    styles = _styles(_ordered(set(found.curves) | set(solvers), families), families,
                     set(found.family_best.values()))
    front_handle = Line2D([], [], color=INK, linewidth=1.0, alpha=0.7, marker="o", markersize=8,
                          markerfacecolor="white", markeredgecolor=INK, markeredgewidth=1.3)
    height = max(4.4, _legend_height(len(solvers) + len({families.get(s) for s in solvers}) + 1))
    key = f"{found.task}-compute"
    placed = []
    floor = min((1 - r.accuracy for r in rows if r.accuracy < 1), default=1e-3) / 2
    with _figure(key, WIDTH, height, ncols=len(axes_spec), sharey=True, squeeze=False) as (fig, axes):
        for ax, (col, label) in zip(axes[0], axes_spec):
            pts = [r for r in rows if getattr(r, col) is not None]
            xs = _positive([float(getattr(r, col)) for r in pts])
            fronts = pareto.front if col == pareto.front_axis else []
            points = []
            for r, x in zip(pts, xs):
                st, on_front = styles[r.solver], r.solver in fronts
                size = st["markersize"] + (1.5 if on_front else 0)
                ax.plot([x], [max(1 - r.accuracy, floor)], linestyle="none", marker=st["marker"], markersize=size,
                        color=st["color"], markeredgecolor=INK if on_front else "white",
                        markeredgewidth=1.3 if on_front else 0.6, zorder=5 if on_front else 4)
                points.append((x, max(1 - r.accuracy, floor), r.solver, on_front, size))
            front = sorted((x, max(1 - r.accuracy, floor)) for r, x in zip(pts, xs) if r.solver in fronts)
            if len(front) >= 2:
                ax.step([f[0] for f in front], [f[1] for f in front], where="post", color=INK, linewidth=1.0,
                        alpha=0.7, zorder=2)
            if xs:
                _log_cost(ax, xs)
            ax.set_xlabel(COST_LABELS.get(col, label))
            ax.margins(x=0.12, y=0.08)
            _log_error(ax)
            placed.append((ax, points, front))
        axes[0][0].set_ylabel(f"test error rate, n = {found.largest:,}\n(1 − accuracy, log scale)")
        _legend(fig, solvers, families, styles, line=False, extra=[(front_handle, "Pareto front")])
        fig.draw_without_rendering()  # the layout and the axis limits are final from here on
        fig.set_layout_engine("none")
        for ax, points, front in placed:
            ax.set_autoscale_on(False)
            place_labels(fig, ax, points, front)
        return to_svg(fig, key)


def cd_diagram(across: Across | None) -> str | None:
    """Critical-difference diagram (Demšar 2006): average ranks, cliques closer than the CD."""
    if not across or across.cd is None:
        return None
    avg = across.average
    solvers = sorted(avg, key=lambda s: (avg[s], s))
    k, cd = len(solvers), across.cd
    half = math.ceil(k / 2)
    height = 0.9 + 0.25 * half
    with _figure("cd-diagram", WIDTH * 0.8, height, layout=None) as (fig, ax):
        ax.set_xlim(0.5, k + 0.5)
        ax.set_ylim(-(half * 0.9 + 0.4), 1.7)
        ax.axis("off")
        ax.plot([1, k], [0, 0], color=INK, linewidth=1)
        for r in range(1, k + 1):
            ax.plot([r, r], [0, 0.15], color=INK, linewidth=1)
            ax.text(r, 0.3, str(r), ha="center", va="bottom", fontsize=FONT_PT, color=INK)
        shown = min(cd, k - 1)  # a CD wider than the rank range: no pair can differ significantly
        ax.plot([1, 1 + shown], [1.2, 1.2], color=INK, linewidth=1.5)
        label = f"CD = {cd:.2f}" + (" (wider than the rank range)" if cd > k - 1 else "")
        ax.text(1 + shown / 2, 1.3, label, ha="center", va="bottom", fontsize=FONT_PT, color=INK)
        for i, solver in enumerate(solvers):
            left = i < half
            level = -(i + 1) * 0.9 if left else -(k - i) * 0.9
            x_end = 0.6 if left else k + 0.4
            ax.plot([avg[solver], avg[solver], x_end], [0, level, level], color=MUTED, linewidth=0.9)
            ax.text(x_end + (-0.05 if left else 0.05), level, f"{short(solver)} ({avg[solver]:.2f})",
                    ha="right" if left else "left", va="center", fontsize=FONT_PT, color=INK)
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
