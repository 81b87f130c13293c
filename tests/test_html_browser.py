"""The HTML reports in a real headless browser (Debian's chromium): they render and their pictures load."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from grader.course import load_course
from grader.grading import grade_path
from grader.report import feedback_html, summary_html
from tests.conftest import ROOT, SOLUTIONS

COURSE = load_course(ROOT)
A03 = COURSE.assignment("a03_multichannel")
MUTANT = ROOT / "tests/corpus/mutants/a03_multichannel/mc_same_symmetric"

# Reports once the page has loaded: how many images there are and how many decoded to real pixels.
PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const loaded = images.filter((i) => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-probe", images.length + ":" + loaded + ":" + document.body.innerText.length);
});
</script>"""

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=10000", "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "these tests need Debian's chromium: apt-get install chromium (.ci/run installs it)"
    return found


def render(html: str, tmp_path: Path, name: str) -> tuple[int, int, int, Path]:
    """Load ``html`` from a file in chromium; return (images, images loaded, text length, screenshot)."""
    page = tmp_path / f"{name}.html"
    page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    profile = tmp_path / f"profile-{name}"
    dom = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout
    probe = re.search(r'data-probe="(\d+):(\d+):(\d+)"', dom)
    assert probe, f"the page did not finish loading in chromium: {dom[:300]!r}"
    shot = tmp_path / f"{name}.png"
    subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", "--window-size=1100,1400", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120,
    )
    return int(probe[1]), int(probe[2]), int(probe[3]), shot


def not_blank(png: Path) -> bool:
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    return pixels.shape[0] > 100 and float(np.std(pixels[..., :3])) > 0.02


@pytest.fixture(scope="module")
def results():
    solution = grade_path(COURSE, A03, SOLUTIONS["a03_multichannel"], student_id="alice")
    mutant = grade_path(COURSE, A03, MUTANT, student_id="bob")
    assert mutant.score < mutant.max_score and any(t.example for t in mutant.tests)
    return solution, mutant


def test_feedback_html_renders_with_its_heatmaps(results, tmp_path):
    _, mutant = results
    images, loaded, text, shot = render(feedback_html(mutant, "ko", assignment=A03), tmp_path, "feedback")
    assert images >= 1 and loaded == images, (images, loaded)
    assert text > 200
    assert not_blank(shot)


def test_summary_html_renders_with_its_charts(results, tmp_path):
    images, loaded, text, shot = render(summary_html(list(results), A03, "en"), tmp_path, "summary")
    assert images >= 1 and loaded == images, (images, loaded)
    assert text > 200
    assert not_blank(shot)


def test_a_broken_picture_is_detected(tmp_path):
    """The probe can fail: an image that does not decode is counted as not loaded."""
    html = '<html><body><p>x</p><img src="data:image/png;base64,bm90IGEgcG5n"></body></html>'
    images, loaded, _, _ = render(html, tmp_path, "broken")
    assert (images, loaded) == (1, 0)
