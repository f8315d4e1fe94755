"""The report in a real browser: headless Chromium renders it, draws its SVG figures and runs nothing.

The page is built from fabricated rows whose task, solver and class names carry HTML/JS
injection attempts; Chromium must show them as text (no script, no image element, no console
error). A screenshot is kept in the pytest tmp dir and copied to /tmp/dlbench_report_screenshot.png.
Skipped only when /usr/bin/chromium is missing (Debian package ``chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dlbench.report import html as report
from test_report import XSS, XSS2, _Tags, fabricate  # tests/ is on sys.path (pytest rootdir conftest)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/dlbench_report_screenshot.png")
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
                        classes=("ham", f"spam{XSS}", f"other{XSS2}"))
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
