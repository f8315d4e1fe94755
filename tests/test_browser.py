"""The report in a real browser: headless Chromium renders it, draws its SVG figures and runs nothing.

The page is built from fabricated rows whose task, solver and class names carry HTML/JS
injection attempts; Chromium must show them as text (no script, no image element, no console
error). A screenshot is kept in the pytest tmp dir and copied to /tmp/dlbench_report_screenshot.png.
Every figure is then screenshot on its own (copied to /tmp/dlbench_figures_screenshot.png) and must
show ink in each quarter and data in colour: a missing, failed or empty figure fails the test.
Skipped only when /usr/bin/chromium is missing (Debian package ``chromium``).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dlbench.report import html as report
from dlbench.report.style import NARROW_PX
from test_report import XSS, XSS2, _Tags, fabricate  # tests/ is on sys.path (pytest rootdir conftest)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/dlbench_report_screenshot.png")
FIGURES_COPY = Path("/tmp/dlbench_figures_screenshot.png")
FIGURE_PX = 1100  # the page's column at a 1,400 px window is about 1,130 px: figures are drawn this wide
AXIS_LABELS = ("training examples (log scale)", "test error rate = 1 − accuracy (log scale)", "(fitted, log scale)",
               "(1 − accuracy, log scale)", "fit time (s, log scale)",
               "prediction time per", "1,000 examples (s, log scale)", "parameters (log scale)")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120)


def _page_errors(stderr: str) -> list[str]:
    """Console messages and script errors from Chromium's log (not its own D-Bus/GPU chatter)."""
    return [line for line in stderr.splitlines()
            if re.search(r"CONSOLE|Uncaught|javascript dialog|Refused to|net::ERR_", line, flags=re.I)]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    run_dir = fabricate(tmp_path_factory.mktemp("browser") / "run",
                        tasks=("circles", f"spam{XSS}"),
                        solvers={"majority": "rule", f"rules{XSS2}": "rule", "logreg": "shallow",
                                 f"forest{XSS}": "shallow", "mlp": "deep", "cnn": "deep"},
                        classes=("ham", f"spam{XSS}", f"other{XSS2}"),
                        sizes=(50, 100, 200, 400, 800, 1600, 3200))  # 7 sizes: the scaling laws are drawn too
    return report.rebuild(run_dir)


def test_chromium_renders_figures_and_runs_no_script(page, tmp_path):
    result = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "<h1>dlbench report</h1>" in dom
    assert len(re.findall(r"<svg\b", dom)) >= 6  # 3 figures per task (no CD diagram: Friedman does not reject)
    assert len(re.findall(r"<path\b", dom)) > 100 and "Learning curves" in dom
    elements = _Tags()
    elements.feed(dom)  # the DOM after parsing and any script: injected names must stay text
    assert "script" not in elements.tags and "img" not in elements.tags
    assert not [a for a in elements.attrs if a[1].lower().startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text
    assert _page_errors(result.stderr) == []


def test_screenshot(page, tmp_path):
    shot = tmp_path / "report.png"
    result = _chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400", page.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert _page_errors(result.stderr) == []
    shutil.copyfile(shot, SCREENSHOT_COPY)
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1280, 2400)
        colours = {c for _, c in im.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    family_colours = {(0x7B, 0x6D, 0x8D), (0x2A, 0x7A, 0xB0), (0xD1, 0x49, 0x5B)}
    assert len(colours) > 50 and family_colours & colours  # text, figures and family colours drawn


def _figures(dom: str) -> list[str]:
    """The ``<svg>`` of every ``<figure>`` in the DOM (None for a figure without one)."""
    found = []
    for figure in re.findall(r"<figure\b.*?</figure>", dom, flags=re.S):
        svg = re.search(r"<svg\b.*?</svg>", figure, flags=re.S)
        found.append(svg.group(0) if svg else None)
    return found


def _size_pt(svg: str) -> tuple[float, float]:
    head = svg[: svg.index(">")]
    return tuple(float(re.search(rf'\b{k}="([\d.]+)pt"', head).group(1)) for k in ("width", "height"))


def test_every_figure_is_drawn_legibly_and_not_blank(page, tmp_path):
    result = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "Could not draw this figure" not in dom
    svgs = _figures(dom)
    assert len(svgs) == 2 * 3 and None not in svgs  # learning curves, scaling laws, compute per task
    words = []
    for svg in svgs:
        texts = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S)]
        assert len(re.findall(r"<path\b", svg)) >= 20 and len([t for t in texts if t.strip()]) >= 8
        words += texts
        width_pt, _ = _size_pt(svg)  # text of s pt in an SVG of W pt shown at D px is s * D / W px
        sizes = [float(v) for v in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px", svg)]
        assert sizes and min(sizes) * NARROW_PX / width_pt >= 11, (min(sizes), width_pt)  # also at 800 px
    for label in AXIS_LABELS:
        assert label in words, label

    # each figure alone, FIGURE_PX wide in a box of its own height, one under the other
    boxes, top, body = [], 0, []
    for svg in svgs:
        width_pt, height_pt = _size_pt(svg)
        height = math.ceil(FIGURE_PX * height_pt / width_pt)
        boxes.append((top, height))
        body.append(f'<div style="height:{height}px">{svg}</div>')
        top += height
    sheet = tmp_path / "figures.html"
    sheet.write_text("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{margin:0;background:#fff}"
                     f"div{{width:{FIGURE_PX}px;overflow:hidden}} svg{{display:block;width:100%;height:auto}}"
                     "</style></head><body>" + "".join(body) + "</body></html>", encoding="utf-8")
    shot = tmp_path / "figures.png"
    result = _chromium(tmp_path / "profile2", f"--screenshot={shot}", "--hide-scrollbars",
                       f"--window-size={FIGURE_PX},{top}", sheet.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert _page_errors(result.stderr) == []
    shutil.copyfile(shot, FIGURES_COPY)
    import numpy as np
    from PIL import Image

    with Image.open(shot) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=int)
    assert rgb.shape[:2] == (top, FIGURE_PX)
    for i, (y, height) in enumerate(boxes):
        region = rgb[y:y + height]
        inked = region.sum(axis=2) < 720  # text, axes, grid, lines
        coloured = (region.max(axis=2) - region.min(axis=2)) > 60  # data in the family colours
        assert inked.mean() > 0.02 and coloured.sum() > 300, (i, inked.mean(), coloured.sum())
        half_w, half_h = FIGURE_PX // 2, height // 2
        for qy, qx in ((0, 0), (0, half_w), (half_h, 0), (half_h, half_w)):  # no empty quarter
            assert inked[qy:qy + half_h, qx:qx + half_w].mean() > 0.002, (i, qx, qy)
