"""The report's figure style, shared by ``figures`` (drawing) and ``labels`` (names on figures): family
colours (kept in step with ``templates/report.css``), sizes that keep text legible at 800 px, matplotlib rcParams.
"""

from __future__ import annotations

#: The family colours; keep in step with the CSS variables in ``templates/report.css``.
COLORS = {"rule": "#7b6d8d", "shallow": "#2a7ab0", "deep": "#d1495b", "ensemble": "#c98a00"}
INK, MUTED, GRID = "#1d232b", "#5f6b7a", "#dde2e8"
#: Figures are WIDTH inches and the page draws them at its column width: about 1,130 px at a
#: 1,400 px window and NARROW_PX at 800 px (figures bleed into the padding there, see report.css;
#: less a 16 px scroll bar), so 1 pt of text shows as 1.75 px and 1.2 px. FONT_PT = 10 keeps every
#: text >= MIN_TEXT_PX at both.
WIDTH = 9.0
FONT_PT = 10.0
NARROW_PX = 776
MIN_TEXT_PX = 11
LEGEND_ROWS = 36  # a legend longer than this takes two columns

RC = {
    "svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "path.simplify": True,
    "font.size": FONT_PT, "axes.titlesize": FONT_PT + 1, "axes.titleweight": "bold", "axes.labelsize": FONT_PT + 0.5,
    "xtick.labelsize": FONT_PT, "ytick.labelsize": FONT_PT, "legend.fontsize": FONT_PT,
    "axes.edgecolor": MUTED, "axes.labelcolor": INK, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": GRID, "grid.linewidth": 0.6,
    "xtick.color": MUTED, "ytick.color": MUTED, "xtick.labelcolor": INK, "ytick.labelcolor": INK,
    "legend.frameon": False, "legend.handlelength": 3.4, "legend.labelspacing": 0.35,
    "figure.constrained_layout.h_pad": 0.05, "figure.constrained_layout.w_pad": 0.05,
}


def short(name: str, width: int = 24) -> str:
    """A name cut for a legend or label (tables on the page show it in full)."""
    name = str(name)
    return name if len(name) <= width else name[: width - 1] + "…"
