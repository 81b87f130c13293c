"""The HTML reports in a real headless browser (Debian's chromium): they render and their pictures load.

chromium comes from Debian's packages; the first browser test installs it when it is missing (as root
with apt, see ``tests/conftest.py``), so the README's test command passes on a fresh machine. Where it
cannot be installed the tests fail saying how, never skip."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from grader.course import load_course
from grader.grading import grade_path
from grader.report import feedback_html, summary_html
from tests.conftest import ROOT, SOLUTIONS, BrowserMissing, ensure_chromium

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
    """Debian's chromium, installed by the test run itself when missing (see conftest.ensure_chromium)."""
    try:
        return ensure_chromium()
    except BrowserMissing as e:
        pytest.fail(str(e), pytrace=False)


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


# --- the heatmaps read back from the screen ------------------------------------------------------


def _known_case():
    """A 4x4 output: row 0 off by a constant 0.876, one cell off by 1e-12 (within the tolerance), one
    cell of `got` far outside the expected range (so that separate scales would colour alike values
    differently)."""
    from grader.results import FailureExample

    expected = (np.arange(16, dtype=np.float64) / 3).reshape(1, 4, 4, 1)
    got = expected.copy()
    got[0, 0, :, 0] += 0.876
    got[0, 2, 0, 0] += 1e-12
    got[0, 3, 3, 0] = 10.0
    return FailureExample("known", {"x": expected}, expected, got)


def _screen_colours(png: bytes, boxes, tmp_path: Path) -> dict:
    """Show ``png`` at 1:1 in chromium, screenshot it, and read the colour near the top-left corner
    of every cell (away from the number written in its middle)."""
    import base64

    import matplotlib.image

    page = tmp_path / "picture.html"
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    page.write_text(f'<html><body style="margin:0;background:#fff"><img src="{uri}" style="display:block"></body></html>')
    shot = tmp_path / "picture-shot.png"
    subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile-picture'}", "--force-device-scale-factor=1",
         "--window-size=1200,600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, timeout=120,
    )
    pixels = matplotlib.image.imread(shot)[..., :3]
    colours = {}
    for key, cells in boxes.items():
        for (i, j) in np.ndindex(cells.shape[:2]):
            left, top, right, bottom = cells[i, j]
            x, y = int(left + 0.2 * (right - left)), int(top + 0.2 * (bottom - top))
            colours[(*key, i, j)] = pixels[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(axis=0)
    return colours


def test_heatmaps_share_one_scale_and_draw_differences_against_the_tolerance(tmp_path):
    from matplotlib.colors import to_rgb

    from grader.report.plots import EQUAL_COLOUR, draw_failure_example

    png, boxes = draw_failure_example(_known_case(), A03.parts[0].tolerance)
    colour = _screen_colours(png, boxes, tmp_path)

    def same(a, b):
        return float(np.abs(colour[a] - colour[b]).max()) < 0.02

    # Equal values, equal colours: expected and got are drawn on one scale (got's 10 stretches it).
    for i, j in [(1, 1), (2, 3), (3, 0)]:
        assert same(("expected", 0, i, j), ("got", 0, i, j)), (i, j)
    assert not same(("expected", 0, 1, 0), ("expected", 0, 2, 0))  # ... and different values differ
    # The difference: within the tolerance (0 and 1e-12) is the pale "equal" colour; the constant
    # 0.876 of row 0 is one colour, whatever rounding did to it.
    pale = np.array(to_rgb(EQUAL_COLOUR))
    for i, j in [(1, 1), (2, 0), (3, 2)]:
        assert float(np.abs(colour[("diff", 0, i, j)] - pale).max()) < 0.02, (i, j, colour[("diff", 0, i, j)])
    for j in range(1, 4):
        assert same(("diff", 0, 0, 0), ("diff", 0, 0, j)), j
    assert float(np.abs(colour[("diff", 0, 0, 0)] - pale).max()) > 0.2


def test_feedback_names_the_arguments_as_the_function_does(results):
    _, mutant = results
    example = next(t.example for t in mutant.tests if t.example is not None)
    assert list(example.inputs)[:2] == ["x", "w"], list(example.inputs)
    page = feedback_html(mutant, "en", assignment=A03)
    assert "<code>x</code>" in page and "<code>w</code>" in page and "arg0" not in page


# --- getting the browser --------------------------------------------------------------------------


def test_a_missing_browser_is_installed_with_apt_when_root(tmp_path):
    installed: list[list[str]] = []
    present: dict[str, str] = {"apt-get": "/usr/bin/apt-get"}

    def which(name):
        return present.get(name)

    def run(command, **kwargs):
        installed.append(command)
        if command[:2] == ["apt-get", "install"]:  # Debian's chromium-driver brings the chromedriver command
            present["chromium"] = "/usr/bin/chromium"
            present["chromedriver"] = "/usr/bin/chromedriver"
        assert kwargs["env"]["DEBIAN_FRONTEND"] == "noninteractive"
        return subprocess.CompletedProcess(command, 0, "", "")

    assert ensure_chromium(which, run, is_root=True) == "/usr/bin/chromium"
    assert installed == [["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]]
    assert ensure_chromium(which, run, is_root=True) == "/usr/bin/chromium" and len(installed) == 2  # once


def test_a_missing_browser_that_cannot_be_installed_fails_loudly():
    with pytest.raises(BrowserMissing, match="apt-get install chromium"):
        ensure_chromium(lambda name: None, None, is_root=False)  # not root, no apt: never a skip

    def failing(command, **kwargs):
        return subprocess.CompletedProcess(command, 100, "", "E: Unable to locate package chromium")

    with pytest.raises(BrowserMissing, match="Unable to locate package"):
        ensure_chromium(lambda name: "/usr/bin/apt-get" if name == "apt-get" else None, failing, is_root=True)
