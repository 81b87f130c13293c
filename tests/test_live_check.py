"""The check inside a notebook (``from grader import check; check()``) in a real Jupyter kernel.

It must give the verdicts of ``grader check`` (same tests passed, same codes, same detail lines,
same points) on every submission of the corpora, show one table and nothing else, and work from any
working directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from grader.check import check_result
from grader.course import load_course
from tests.conftest import ROOT

COURSE = load_course(ROOT)
CORPUS = ROOT / "tests" / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
ASSIGNMENT_OF = {a.id[:3]: a.id for a in COURSE.assignments}


def corpus() -> list[tuple[str, str, Path]]:
    """(key, assignment, path) of every mutant and every correct alternative."""
    entries = [(f"mutant/{m['name']}", m["assignment"], CORPUS / "mutants" / m["assignment"] / m["name"]) for m in MANIFEST]
    entries += [(f"correct/{p.name}", ASSIGNMENT_OF[p.name[:3]], p) for p in sorted((CORPUS / "correct").iterdir()) if p.is_dir()]
    return entries


def summary(result) -> dict:
    """What a student reads of a check result, comparable as JSON."""
    return {
        "status": result.status.value,
        "parts": [[p.id, round(p.score, 9), p.max_score] for p in result.parts],
        "tests": [
            [t.name, t.passed, t.cases_passed, t.cases_total, list(t.codes),
             [[c.name, c.passed, list(c.codes), c.detail] for c in t.cases]]
            for t in result.tests
        ],
    }


def kernel(cells: list[str], cwd: Path, timeout: int = 300) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_check_in_a_kernel_equals_grader_check_on_the_corpora(tmp_path):
    entries = corpus()
    sources = {}
    for key, assignment, path in entries:
        module = COURSE.assignment(assignment).module
        files = [path / module] if (path / module).is_file() else sorted(path.glob("*.ipynb"))
        sources[key] = (assignment, str(files[0]))
    # In the kernel: each submission's code defined in the live namespace (a notebook's code cells,
    # or the module's source), checked, then its names removed before the next one.
    cell = f"""\
import json
from grader.live_check import run_check
from grader.submission import extract_notebook
SOURCES = {json.dumps(sources)}
for key, (assignment, path) in SOURCES.items():
    code = extract_notebook(path) if path.endswith(".ipynb") else open(path, encoding="utf-8").read()
    before = set(globals())
    exec(compile(code, path, "exec"), globals())
    _, _, result = run_check(assignment, lang="en")
    print(json.dumps([key, {{
        "status": result.status.value,
        "parts": [[p.id, round(p.score, 9), p.max_score] for p in result.parts],
        "tests": [[t.name, t.passed, t.cases_passed, t.cases_total, list(t.codes),
                   [[c.name, c.passed, list(c.codes), c.detail] for c in t.cases]] for t in result.tests],
    }}]))
    for name in set(globals()) - before:
        del globals()[name]
"""
    nb = kernel([cell], tmp_path)
    live = dict(json.loads(line) for line in stdout(nb.cells[0]).splitlines() if line.startswith("["))
    assert set(live) == set(sources)
    differ = []
    for key, assignment, path in entries:
        result, _ = check_result(COURSE, COURSE.assignment(assignment), path, "en")  # grader check's own path
        if json.loads(json.dumps(summary(result))) != live[key]:
            differ.append(key)
    assert not differ, differ
    # The corpora are not trivially alike: the mutants fail, the correct ones pass.
    assert all(live[k]["tests"] and not all(t[1] for t in live[k]["tests"]) for k in live if k.startswith("mutant/") and
               any(not t[1] for t in live[k]["tests"]))
    assert all(all(t[1] for t in live[k]["tests"]) for k in live if k.startswith("correct/"))


def test_the_check_cell_shows_one_table_and_nothing_else_from_any_folder(tmp_path):
    """In a kernel started in an unrelated folder, with no assignment named: the course is the one
    the grader comes from, the assignment the one whose functions the kernel defines."""
    mutant = (CORPUS / "mutants" / "a03_multichannel" / "mc_flipped" / "multichannel.py").read_text(encoding="utf-8")
    nb = kernel([
        mutant + "\nprint('noise at definition time')",
        "def conv2d_helper_that_prints():\n    print('student debug output')",
        "from grader import check\n\ncheck(lang='en')",
        "check('a03_multichannel')",
    ], tmp_path)
    for cell, lang_word in ((nb.cells[2], "flipped_kernel"), (nb.cells[3], "flipped_kernel")):
        assert len(cell.outputs) == 1 and cell.outputs[0].output_type == "display_data", cell.outputs
        data = cell.outputs[0]["data"]
        assert set(data) == {"text/html", "text/plain"}
        assert data["text/html"].count("<table>") == 1 and lang_word in data["text/html"]
        assert "a03_multichannel" in data["text/plain"] and lang_word in data["text/plain"]
    assert "Convolution vs cross-correlation" in nb.cells[2].outputs[0]["data"]["text/plain"]  # lang="en"
    assert "교차 상관" in nb.cells[3].outputs[0]["data"]["text/plain"]  # course.yaml's language: ko


def test_check_prints_text_outside_jupyter(tmp_path):
    code = (
        "import runpy, sys\n"
        f"ns = runpy.run_path({str(ROOT / 'solutions' / 'a01_correlation' / 'correlation.py')!r})\n"
        "from grader import check\n"
        "check('a01_correlation', namespace=ns, lang='en')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "a01_correlation" in run.stdout and "✅" in run.stdout and "❌" not in run.stdout
    assert "10/10" in run.stdout


def test_a_check_that_cannot_tell_the_assignment_says_so(tmp_path):
    from grader.live_check import check

    namespace = {"unrelated": lambda: None}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        import io
        from contextlib import redirect_stdout

        out = io.StringIO()
        with redirect_stdout(out):
            check(namespace=namespace, lang="en", course=COURSE)
    finally:
        os.chdir(cwd)
    assert "which assignment" in out.getvalue().lower() or "grader check <" in out.getvalue()


@pytest.mark.parametrize("mutant", ["a05_tf_conv2d/tc_same_wrong_side", "a03_multichannel/mc_flipped"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_html_and_text_say_the_same(lang, mutant):
    from html import escape as html_escape

    from grader.live_check import result_html, result_text, run_check
    from grader.localize import bilingual
    from grader.report import Explainer

    namespace: dict = {}
    assignment_id, _ = mutant.split("/")
    source = next((CORPUS / "mutants" / mutant).glob("*.py"))
    exec(source.read_text(encoding="utf-8"), namespace)
    course, assignment, result = run_check(assignment_id, namespace=namespace, course=COURSE, lang=lang)
    html, text = result_html(course, assignment, result, lang), result_text(course, assignment, result, lang)
    explainer = Explainer(lang, assignment.id)
    for test in result.tests:
        if not test.passed:
            for code, words in explainer(test):  # the same explanation, given once, as grader check gives it
                assert code in html and code in text
                assert html.count(html_escape(words)) == text.count(words) and html_escape(words) in html
                assert " ".join(words.split()) in " ".join(text.split())
            for case in test.cases:
                if not case.passed:
                    shown = bilingual(case.name, lang)
                    assert shown in text and html_escape(shown) in html
    assert ("테스트 케이스" in text) == (lang == "ko") and "<script" not in html
