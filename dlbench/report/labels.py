"""Names placed on the report's figures where they fit: at the ends of learning curves, beside compute points.

Owns the placement only (greedy, measured with the renderer in display pixels, no randomness, so a
rebuild draws the same labels); ``figures`` draws the data and calls these after its layout is final.
"""

from __future__ import annotations

import math

from dlbench.report.style import FONT_PT, INK, MUTED, short


def end_labels(fig, ax, ends: list[tuple[str, float, float]], styles) -> None:
    """Each solver's name right of its line's last point, in its colour, where it keeps a text height clear of
    the names already placed (the thick family bests first, then from the lowest error up); the others are
    found in the legend by colour and marker."""
    renderer, px = fig._get_renderer(), fig.dpi / 72
    frame = ax.get_window_extent(renderer)
    gap = FONT_PT * 1.15 * px
    order = sorted(ends, key=lambda e: (styles[e[0]]["linewidth"] < 2, e[2], e[0]))
    taken: list[float] = []
    for solver, x, y in order:
        cy = ax.transData.transform((x, y))[1]
        if not frame.y0 <= cy <= frame.y1 or any(abs(cy - t) < gap for t in taken):
            continue
        taken.append(cy)
        ax.annotate(short(solver, 18), (x, y), xytext=(7, 0), textcoords="offset points", ha="left", va="center",
                    color=styles[solver]["color"], fontsize=FONT_PT, annotation_clip=False, zorder=7,
                    fontweight="bold" if styles[solver]["linewidth"] > 2 else "normal")


def place_labels(fig, ax, points, front) -> None:
    """Label each point with its solver's name where the text fits: greedy, front points first, then
    by error rate, trying 16 placements around the point at growing distances (with a leader line past
    the nearest); a label that would overlap a marker, another label or leader, the front's line or
    the panel's edge is left out (the legend names every solver). Text is measured with the
    renderer, in display pixels; no randomness, so a rebuild draws the same labels."""
    from matplotlib.font_manager import FontProperties

    renderer, px, to_disp = fig._get_renderer(), fig.dpi / 72, ax.transData.transform
    frame, font, pad = ax.get_window_extent(renderer), FontProperties(size=FONT_PT), 2.0 * fig.dpi / 72
    centres = [to_disp((x, y)) for x, y, *_ in points]
    boxes = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, [p[4] / 2 * px + 1 for p in points])]
    steps, lines = [to_disp(p) for p in front], []
    for (x0, y0), (x1, y1) in zip(steps, steps[1:]):  # the front's step line: flat, then up
        lines += [(x0, y0 - px, x1, y0 + px), (x1 - px, min(y0, y1), x1 + px, max(y0, y1))]
    order = sorted(range(len(points)), key=lambda i: (not points[i][3], points[i][1], points[i][2]))
    for i in order:
        x, y, solver, _, size = points[i]
        text, (cx, cy) = short(solver, 18), centres[i]
        w, h, _d = renderer.get_text_width_height_descent(text, font, ismath=False)
        for dist, (ux, uy, ha, va) in ((size / 2 + d, u) for d in (3, 12, 24, 40, 60, 85) for u in DIRECTIONS):
            ox, oy = cx + ux * dist * px, cy + uy * dist * px  # the text's anchor, on its box's edge
            left = ox - {"left": 0, "center": w / 2, "right": w}[ha]
            bottom = oy - {"bottom": 0, "center": h / 2, "top": h}[va]
            box = (left - pad, bottom - pad, left + w + pad, bottom + h + pad)
            if not (frame.x0 <= box[0] and box[2] <= frame.x1 and frame.y0 <= box[1] and box[3] <= frame.y1):
                continue
            far, k = dist > size / 2 + 3, max(2, int(math.hypot(ox - cx, oy - cy) / (2 * px)))
            leader = [(lx - 1, ly - 1, lx + 1, ly + 1) for lx, ly in  # the leader line, as 2 px boxes
                      ((cx + (ox - cx) * t / k, cy + (oy - cy) * t / k) for t in range(k + 1))
                      if math.hypot(lx - cx, ly - cy) > size / 2 * px + 2] if far else []
            crossed = sum(_hits(a, lines) for a in leader)  # a leader may cross the step line, not run along it
            if not _hits(box, boxes + lines) and not any(_hits(a, boxes) for a in leader) and crossed <= 3:
                arrow = {"arrowstyle": "-", "color": MUTED, "linewidth": 0.7, "shrinkA": 0,
                         "shrinkB": size / 2 + 1} if far else None
                ax.annotate(text, (x, y), xytext=(ux * dist, uy * dist), textcoords="offset points", ha=ha, va=va,
                            color=INK, fontsize=FONT_PT, arrowprops=arrow, zorder=6, annotation_clip=False)
                boxes += [box, *leader]
                break


#: Where a point's label may go, in the order tried: (unit offset x, y, text alignment ha, va).
DIRECTIONS = [(1, 0, "left", "center"), (-1, 0, "right", "center"), (0.7, 0.7, "left", "bottom"),
              (0.7, -0.7, "left", "top"), (-0.7, 0.7, "right", "bottom"), (-0.7, -0.7, "right", "top"),
              (0, 1, "center", "bottom"), (0, -1, "center", "top"), (0, 1, "left", "bottom"),
              (0, -1, "left", "top"), (0, 1, "right", "bottom"), (0, -1, "right", "top"), (0.45, -0.9, "left", "top"),
              (-0.45, -0.9, "right", "top"), (0.45, 0.9, "left", "bottom"), (-0.45, 0.9, "right", "bottom")]


def _hits(a, boxes) -> int:
    """How many of ``boxes`` the box ``a`` overlaps (boxes are (x0, y0, x1, y1) in display pixels)."""
    return sum(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in boxes)
