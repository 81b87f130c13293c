"""Finding the student's module and turning a notebook into source (nothing is executed)."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.submission import (  # noqa: E402
    SubmissionError,
    extract_notebook,
    extract_notebook_details,
    find_module,
    locate,
    write_module,
)

COURSE = load_course(ROOT)
A03 = COURSE.assignment("a03_multichannel")
SOLUTION = (ROOT / "solutions" / "a03_multichannel" / "multichannel.py").read_text(encoding="utf-8")
STUB = (ROOT / "assignments" / "a03_multichannel" / "multichannel.py").read_text(encoding="utf-8")


def notebook(*cells: str, markdown: str = "# title") -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown, id="md")] + [
        nbformat.v4.new_code_cell(src, id=f"c{i}") for i, src in enumerate(cells)
    ]
    return nbformat.writes(nb)


# -- locating -------------------------------------------------------------------------------------


def test_a_file_is_used_as_is(tmp_path):
    py = tmp_path / "anything.py"
    py.write_text("x = 1\n")
    assert find_module(py, A03) == py
    nb = tmp_path / "work.ipynb"
    nb.write_text(notebook("x = 1"))
    assert find_module(nb, A03) == nb


def test_folder_prefers_the_module_name_and_skips_tests(tmp_path):
    (tmp_path / "multichannel.py").write_text(SOLUTION)
    (tmp_path / "helper.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "multichannel.py").write_text("")
    (tmp_path / "test_mine.py").write_text("")
    located = locate(tmp_path, A03)
    assert located.path == tmp_path / "multichannel.py" and located.note == ""


def test_folder_with_module_and_notebook_uses_the_one_with_the_work(tmp_path):
    (tmp_path / "multichannel.py").write_text(STUB)
    nb = tmp_path / "a03_multichannel.ipynb"
    nb.write_text(notebook(SOLUTION.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")))
    located = locate(tmp_path, A03)
    assert located.path == nb
    assert "multichannel.py" in located.note
    # Both untouched: the module wins, silently.
    nb.write_text(notebook(STUB))
    assert locate(tmp_path, A03) == type(located)(tmp_path / "multichannel.py", "")


def test_several_candidates_pick_the_closest_name_and_say_so(tmp_path):
    (tmp_path / "notes.py").write_text("")
    (tmp_path / "my_multichannel.py").write_text(SOLUTION)
    (tmp_path / "scratch.ipynb").write_text(notebook("x = 1"))
    located = locate(tmp_path, A03)
    assert located.path.name == "my_multichannel.py"
    assert "several candidates" in located.note and "multichannel.py" in located.note


def test_nested_nbgrader_layout_is_found(tmp_path):
    deep = tmp_path / "alice" / "a03_multichannel"
    deep.mkdir(parents=True)
    (deep / "a03_multichannel.ipynb").write_text(notebook("x = 1"))
    assert find_module(tmp_path / "alice", A03) == deep / "a03_multichannel.ipynb"


@pytest.mark.parametrize(
    "make, status, words",
    [
        (lambda p: p, "no_submission", "no multichannel.py or a03_multichannel.ipynb"),
        (lambda p: p / "missing.py", "no_submission", "no such file"),
        (lambda p: (p / "work.txt").write_text("x") and p / "work.txt", "unreadable", "not a Python module or notebook"),
    ],
    ids=["empty-folder", "missing", "wrong-kind"],
)
def test_locating_errors_are_one_clear_line(tmp_path, make, status, words):
    with pytest.raises(SubmissionError) as info:
        locate(make(tmp_path), A03)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert info.value.status == status


def test_unreadable_file(tmp_path, monkeypatch):
    py = tmp_path / "multichannel.py"
    py.write_text("x = 1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import grader.submission

    monkeypatch.setattr(grader.submission.os, "open", refuse)
    with pytest.raises(SubmissionError, match="cannot be read: Permission denied"):
        locate(py, A03)


def test_non_utf8_module_is_unreadable(tmp_path):
    py = tmp_path / "multichannel.py"
    py.write_bytes(b"x = '\xff\xfe'\n")
    with pytest.raises(SubmissionError, match="not UTF-8") as info:
        write_module(py, A03, tmp_path / "scratch")
    assert info.value.status == "unreadable"


# -- notebooks -----------------------------------------------------------------------------------------


def test_notebook_keeps_definitions_and_drops_magics_shell_and_demos(tmp_path):
    nb = tmp_path / "a03_multichannel.ipynb"
    nb.write_text(
        notebook(
            "%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt\nfiles = !ls\n!ls -la\nKERNEL = np.ones((3, 3))\nSCALE = 2.0\n",
            "def conv2d(x, w, b=None, stride=1, padding='VALID'):\n    %time pass_through = 1\n    return np.zeros(1) * SCALE\n",
            "%%time\nconv2d(1, 2)\n",
            "y = conv2d(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)))\nplt.imshow(y[0, :, :, 0])\ndisplay(y)\nprint(y)\nnp.pad?\n",
            "from IPython.display import display\ndisplay(KERNEL)\n",
            "class Helper:\n    size = 3\n",
        )
    )
    source = extract_notebook(nb)
    tree = ast.parse(source)
    kept = [type(n).__name__ for n in tree.body]
    assert kept == ["Import", "Assign", "Assign", "FunctionDef", "ClassDef"]
    assert "matplotlib" not in source and "IPython" not in source and "!ls" not in source
    assert "conv2d(1, 2)" not in source and "plt.imshow" not in source and "print(y)" not in source
    assert "y = conv2d" not in source  # would run the student's function at import
    assert "KERNEL = np.ones((3, 3))" in source
    assert "        pass" not in source and "    pass\n" in source  # the magic inside the def became `pass`
    namespace: dict = {}
    exec(compile(source, "nb", "exec"), namespace)
    assert namespace["conv2d"](None, None).tolist() == [0.0]


def test_syntax_error_cell_is_kept_verbatim_with_a_line_map(tmp_path):
    nb = tmp_path / "work.ipynb"
    nb.write_text(notebook("import numpy as np\n", "def conv2d(x, w):\n    return x +\n", "print('demo')\n"))
    details = extract_notebook_details(nb)
    with pytest.raises(SyntaxError) as info:
        compile(details.source, "nb", "exec")
    assert details.where(info.value.lineno) == "cell 2, line 2"
    assert "import numpy as np" in details.source


def test_not_json_notebook_is_a_clear_error(tmp_path):
    nb = tmp_path / "a03_multichannel.ipynb"
    nb.write_text("{ this is not json")
    with pytest.raises(SubmissionError) as info:
        extract_notebook(nb)
    # The file as the student named it, never an absolute path (reports show it to others).
    assert str(info.value).startswith(f"{nb.name} is not a valid notebook: not JSON (line 1, column 3)")
    assert str(tmp_path) not in str(info.value)
    assert info.value.words.say("ko").startswith(f"{nb.name}: 올바른 노트북이 아닙니다")
    assert info.value.status == "unreadable"
    with pytest.raises(SubmissionError, match="is not a valid notebook"):
        write_module(nb, A03, tmp_path / "scratch")


def test_write_module_materializes_the_module_file(tmp_path):
    nb = tmp_path / "in" / "a03_multichannel.ipynb"
    nb.parent.mkdir()
    nb.write_text(notebook("import numpy as np\n\ndef conv2d(x, w):\n    return np.asarray(x)\n", "conv2d(1, 2)\n"))
    out = write_module(nb.parent, A03, tmp_path / "scratch")
    assert out == tmp_path / "scratch" / "multichannel.py"
    assert "def conv2d" in out.read_text() and "conv2d(1, 2)" not in out.read_text()
    py = tmp_path / "in2" / "multichannel.py"
    py.parent.mkdir()
    py.write_text(SOLUTION)
    assert write_module(py, A03, tmp_path / "scratch2").read_text() == SOLUTION


def test_extraction_never_executes_anything(tmp_path):
    marker = tmp_path / "ran"
    nb = tmp_path / "work.ipynb"
    nb.write_text(notebook(f"open({str(marker)!r}, 'w').write('x')\n", f"X = open({str(marker)!r}, 'w')\n"))
    source = extract_notebook(nb)
    assert not marker.exists()
    assert "open(" not in source  # a call to a builtin that is not a safe constructor is dropped
    assert os.listdir(tmp_path) == ["work.ipynb"]


def test_older_notebook_formats_go_through_nbformat(tmp_path):
    """A v3 notebook (worksheets) is converted by nbformat rather than misread."""
    v3 = {
        "nbformat": 3, "nbformat_minor": 0, "metadata": {},
        "worksheets": [{"cells": [{"cell_type": "code", "input": "def conv2d(x, w):\n    return x\n",
                                   "language": "python", "outputs": [], "metadata": {}}], "metadata": {}}],
    }
    import json

    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3), encoding="utf-8")
    assert "def conv2d(x, w):" in extract_notebook(path)


def test_a_current_notebook_is_read_without_importing_nbformat(tmp_path):
    """nbformat's import costs seconds in Jupyter installs: the student's check must not pay it."""
    import subprocess

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def conv2d(x, w):\n    return x\n")])
    path = tmp_path / "new.ipynb"
    nbformat.write(nb, path)
    code = (
        "import sys; from pathlib import Path; from grader.submission import extract_notebook; "
        f"assert 'def conv2d' in extract_notebook(Path({str(path)!r})); assert 'nbformat' not in sys.modules"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert run.returncode == 0, run.stderr
