"""The generated notebooks, run top to bottom in a real Jupyter kernel (nbclient).

With the solution pasted into the answer cells, every notebook runs without an error and without a
line on stderr, every "try it" check prints ✅ (never ❌), the pictures render (image/png outputs),
and the check cell shows one table (HTML with a plain-text twin) and nothing else. The untouched
stub notebook runs to the end too: its demos wait for the functions instead of failing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from grader.build.notebooks import split_module
from grader.course import load_course
from tests.conftest import ROOT

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]
# Pictures each notebook must draw at the least (one image/png output each).
MIN_PICTURES = {"a00_fc_vs_conv": 7, "a01_correlation": 3, "a02_padding_stride": 4, "a03_multichannel": 3,
                "a04_relu_layer": 3, "a05_tf_conv2d": 2}


def filled(assignment_id: str) -> nbformat.NotebookNode:
    """The generated notebook with the solution's functions in its answer cells."""
    a = COURSE.assignment(assignment_id)
    text = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", (ROOT / "solutions" / a.id / a.module).read_text(encoding="utf-8"), flags=re.M)
    nb = nbformat.read(ROOT / "assignments" / a.id / f"{a.id}.ipynb", as_version=4)
    answers = [c.id.removeprefix("answer-") for c in nb.cells if c.id.startswith("answer-")]
    bodies = {s.name: s.source for s in split_module(text, tuple(answers))[1] if s.kind == "function"}
    for cell in nb.cells:
        if cell.id.startswith("answer-"):
            cell.source = bodies[cell.id.removeprefix("answer-")]
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path  # the kernel imports this grader, as a student's install would
    client = NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def outputs(nb: nbformat.NotebookNode, cell_id: str) -> list:
    return next(c for c in nb.cells if c.get("id") == cell_id).get("outputs", [])


def text_of(cell_outputs: list, name: str = "stdout") -> str:
    return "".join(o.get("text", "") for o in cell_outputs if o.output_type == "stream" and o.name == name)


@pytest.mark.parametrize("assignment_id", IDS)
def test_solved_notebook_runs_top_to_bottom_with_pictures_and_checks(assignment_id):
    nb = execute(filled(assignment_id), ROOT / "assignments" / assignment_id)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    stderr = [(c.id, text_of(c.outputs, "stderr")) for c in code if text_of(c.outputs, "stderr")]
    assert not stderr, stderr
    tries = [c for c in code if c.id.startswith("try-")]
    assert tries and all("✅" in text_of(c.outputs) and "❌" not in text_of(c.outputs) for c in tries), \
        [(c.id, text_of(c.outputs)) for c in tries]
    every_stdout = "".join(text_of(c.outputs) for c in code)
    assert "❌" not in every_stdout and "⏳" not in every_stdout
    pictures = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(pictures) >= MIN_PICTURES[assignment_id]
    assert all(len(o["data"]["image/png"]) > 2000 for o in pictures)  # something was drawn
    check = outputs(nb, "check")
    assert len(check) == 1 and check[0].output_type == "display_data", check
    data = check[0]["data"]
    assert set(data) == {"text/html", "text/plain"}
    assert "<table>" in data["text/html"] and "✅" in data["text/html"] and "❌" not in data["text/html"]
    assert "✅" in data["text/plain"] and "CompletedProcess" not in data["text/plain"]


def test_a05_compares_with_tensorflow_where_it_is_installed():
    import tensorflow  # noqa: F401  (installed by the test run: this checks the notebook with it)
    nb = execute(filled("a05_tf_conv2d"), ROOT / "assignments" / "a05_tf_conv2d")
    compared = next(text_of(c.outputs) for c in nb.cells if c.cell_type == "code" and "tensorflow()" in c.source)
    assert compared.startswith("TensorFlow 2.") and compared.count("✅") == 3


def test_the_stub_notebook_runs_to_the_end_and_says_what_is_missing():
    assignment = "a00_fc_vs_conv"
    nb = execute(nbformat.read(ROOT / "assignments" / assignment / f"{assignment}.ipynb", as_version=4),
                 ROOT / "assignments" / assignment)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert all("❌ 아직 구현하지 않았습니다" in text_of(c.outputs) for c in code if c.id.startswith("try-"))
    waiting = [c for c in code if "with when_implemented()" in c.source]
    assert waiting and all("⏳" in text_of(c.outputs) for c in waiting)
    table = outputs(nb, "check")[0]["data"]["text/plain"]
    assert "not_implemented" in table and "0/10" in table


def test_demo_cells_never_reach_the_graded_module():
    """A demo cell (tagged) may assign, import and draw: none of it is in the module that is graded."""
    from grader.submission import extract_notebook_source

    nb = filled("a01_correlation")
    source = extract_notebook_source(nbformat.writes(nb)).source
    assert "def cross_correlate2d" in source and "def convolve2d" in source
    assert "house" not in source and "matplotlib" not in source and "grader" not in source and "expect(" not in source
