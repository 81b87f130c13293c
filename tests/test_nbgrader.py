"""`grader nbgrader init` and the TrustedGrades autograde step, down to the real nbgrader commands.

The end-to-end test runs nbgrader's headless pipeline on a small class of a03_multichannel: a correct
student, a partial one (no bias), the untouched release notebook, a tamperer, a noisy correct one
(warnings and stderr), and a notebook that is not JSON. nbgrader's exported scores must equal
`grader batch`'s on the same notebooks, and nothing hidden may reach release/ or feedback/.
"""

from __future__ import annotations

import copy
import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from grader.course import load_course
from grader.integrations.nbgrader import (
    PREPROCESSOR,
    SETUP_ID,
    apply_result,
    init_course,
    source_notebook,
)
from grader.results import CaseResult, GradingResult, PartScore, Status
from grader.results import TestResult as TResult

ROOT = Path(__file__).resolve().parents[1]
AID = "a03_multichannel"
SECRET = "nbgrader-e2e-secret"
# A line of the solution that never appears in a stub, a release notebook or feedback.
SOLUTION_LINE = "window = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]"
NO_BIAS_FROM = "out += b.astype(np.float64)"


@pytest.fixture(scope="module")
def course():
    return load_course(ROOT)


def _hidden_case_names(course, student_id: str) -> set[str]:
    """Distinctive names of hidden cases (several words, no visible case shares them): a leak shows them."""
    from grader.suite import load_suite

    specs = load_suite(AID).build(secret=SECRET.encode(), student_id=student_id)
    visible = {c.name for s in specs if s.visibility == "visible" for c in s.cases}
    hidden = {c.name for s in specs if s.visibility == "hidden" for c in s.cases} - visible
    public = (ROOT / "course.yaml").read_text(encoding="utf-8") + (ROOT / "solutions" / AID / "multichannel.py").read_text(encoding="utf-8")
    return {name for name in hidden if len(name) >= 6 and name not in public}


# -- init: files, config, notebooks (fast) ---------------------------------------------------------


def test_init_writes_config_and_valid_deterministic_notebooks(tmp_path, course):
    from nbgrader.nbgraderformat import MetadataValidator

    written = init_course(course, tmp_path / "nb")
    root = (tmp_path / "nb").resolve()
    assert root / "nbgrader_config.py" in written
    for a in course.assignments:
        folder = root / "source" / a.id
        assert sorted(folder.iterdir()) == [folder / f"{a.id}.ipynb"]  # nothing else goes to release/

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert config.CourseDirectory.root == str(root)
    assert config.CourseDirectory.course_id == course.id
    pipeline = list(config.Autograde.autograde_preprocessors)
    assert not any(p.endswith(".Execute") for p in pipeline)
    assert pipeline.index(PREPROCESSOR) == pipeline.index("nbgrader.preprocessors.SaveAutoGrades") - 1
    assert "nbgrader.preprocessors.IgnorePattern" in pipeline
    assert "ClearSolutions" not in config  # nbgrader's defaults

    before = {p: p.read_bytes() for p in written}
    assert init_course(course, root) == written
    assert {p: p.read_bytes() for p in written} == before

    for a in course.assignments:
        nb = nbformat.read(root / "source" / a.id / f"{a.id}.ipynb", as_version=4)
        MetadataValidator().validate_nb(nb)
        meta = [c.metadata.get("nbgrader") for c in nb.cells if c.cell_type == "code"]
        tests = {m["grade_id"]: m for m in meta if m["grade"]}
        assert tests == {
            p.id: {"grade": True, "grade_id": p.id, "locked": True, "points": p.points, "schema_version": 3, "solution": False}
            for p in a.parts
        }
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers and all("### BEGIN SOLUTION" in c.source and not c.metadata["nbgrader"]["locked"] for c in answers)
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade"):
                assert c.source.startswith(f'grader_part("{c.metadata["nbgrader"]["grade_id"]}")')
    text = (root / "source" / AID / f"{AID}.ipynb").read_text(encoding="utf-8")
    hidden = _hidden_case_names(course, "anyone")
    assert len(hidden) >= 5 and not [name for name in hidden if name in text]
    assert "HIDDEN TESTS" not in text


def test_cli_verb_writes_the_course(tmp_path, capsys):
    from grader.cli import main

    assert main(["--course", str(ROOT), "nbgrader", "init", str(tmp_path / "nb")]) == 0
    assert (tmp_path / "nb" / "source" / AID / f"{AID}.ipynb").is_file()
    assert "nbgrader autograde" in capsys.readouterr().out
    assert main(["--course", str(ROOT), "nbgrader"]) == 2  # the action is required


def test_apply_result_overwrites_whatever_the_kernel_left(course):
    a = course.assignment(AID)
    nb = source_notebook(course, a)
    for cell in nb.cells:  # what a tampering kernel could leave: a fake score, stderr, an error
        if cell.cell_type == "code":
            cell.outputs = [
                nbformat.v4.new_output("execute_result", data={"text/plain": "4"}, execution_count=1),
                nbformat.v4.new_output("stream", name="stderr", text="warning\n"),
                nbformat.v4.new_output("error", ename="E", evalue="", traceback=[]),
            ]
    tests = [
        TResult("visible_one", "channels", {"en": "v"}, "visible", "1",
                   [CaseResult("a", True), CaseResult("b", False, ("no_channel_sum",), "max |diff| 2")]),
        TResult("secret_one", "channels", {"en": "h"}, "hidden", "2",
                   [CaseResult("SECRET CASE NAME", False, ("no_channel_sum",), "SECRET DETAIL")]),
    ]
    parts = [PartScore(p.id, p.title, 4 / 3 if p.id == "channels" else p.points, p.points) for p in a.parts]
    result = GradingResult(AID, "s", Status.GRADED, tests=tests, parts=parts, output="print of hidden input")
    scores = apply_result(nb, a, result, "en")
    assert scores == {p.id: (4 / 3 if p.id == "channels" else p.points) for p in a.parts}

    from nbgrader.utils import determine_grade

    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
            assert kinds == [("stream", "stdout"), ("execute_result", None)]
            assert determine_grade(cell)[0] == pytest.approx(scores[meta["grade_id"]])
        elif cell.cell_type == "code":
            assert len(cell.outputs) == 3  # answer and setup cells are not the grader's business
    shown = "".join(o.get("text", "") for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") for o in c.outputs)
    assert "SECRET CASE NAME" not in shown and "SECRET DETAIL" not in shown and "print of hidden input" not in shown
    assert "b: max |diff| 2" in shown and "no_channel_sum" in shown


def test_a_grader_failure_is_never_a_students_zero(course, monkeypatch):
    import grader.integrations.nbgrader as integration
    from grader.grading import internal_error

    a = course.assignment(AID)
    nb = source_notebook(course, a)
    step = integration.TrustedGrades(course=str(ROOT / "course.yaml"))
    with pytest.raises(integration.GraderFailed, match="unknown assignment"):
        step.preprocess(nb, {"nbgrader": {"student": "s", "assignment": "not_in_course"}})
    monkeypatch.setattr(integration, "grade_notebook", lambda *args: internal_error(a, "s", OSError("disk")))
    with pytest.raises(integration.GraderFailed, match="disk"):
        step.preprocess(nb, {"nbgrader": {"student": "s", "assignment": AID}})
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # nothing was written


# -- the real pipeline (slow) ----------------------------------------------------------------------


TIMES: dict[str, float] = {}


def _start(course_dir: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen, str, float]:
    """Start ``nbgrader ARGS`` (each costs seconds to start, so independent ones run side by side)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    return process, " ".join(args[:3] if args[0] == "db" else args[:1]), time.perf_counter()


def _finish(started: tuple[subprocess.Popen, str, float], check: bool = True) -> subprocess.CompletedProcess:
    process, name, t0 = started
    stdout, stderr = process.communicate(timeout=600)
    TIMES[name] = round(time.perf_counter() - t0, 1)
    if check and process.returncode != 0:
        raise AssertionError(f"nbgrader {name} exited {process.returncode}:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _nbgrader(course_dir: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return _finish(_start(course_dir, env, *args), check)


def _answer_source(nb) -> str:
    return next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "answer_conv2d")


def _with_answer(release, source: str):
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer_conv2d":
            cell.source = source
    return nb


TAMPERING = '''

np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None


def grader_part(part):
    return {"channels": 4, "batch_filters": 4, "stride_padding": 4, "bias": 2, "validation": 2}[part]


print(16)
'''

NOISE = '''
    import sys
    import warnings

    warnings.warn("conv2d: noisy but correct", RuntimeWarning)
    print("debug: on stderr", file=sys.stderr)
'''


@pytest.mark.slow
def test_nbgrader_pipeline_scores_equal_grader_and_cannot_be_gamed(tmp_path, course, monkeypatch):
    started = time.perf_counter()
    monkeypatch.setenv("GRADER_SECRET", SECRET)
    env = {**os.environ, "GRADER_SECRET": SECRET, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    root = tmp_path / "course"
    init_course(course, root)
    assignment = course.assignment(AID)

    _nbgrader(root, env, "db", "assignment", "add", AID, "--duedate=2099-01-01 00:00:00 UTC")
    students = ["correct", "partial", "stub", "tamperer", "noisy", "corrupt"]
    (root / "students.csv").write_text(
        "id,last_name,first_name,email\n" + "".join(f"{s},{s.title()},Student,\n" for s in students), encoding="utf-8"
    )
    _nbgrader(root, env, "db", "student", "import", "students.csv")
    _nbgrader(root, env, "generate_assignment", AID, "--force")

    release_path = root / "release" / AID / f"{AID}.ipynb"
    release = nbformat.read(release_path, as_version=4)
    solution = _answer_source(nbformat.read(root / "source" / AID / f"{AID}.ipynb", as_version=4))
    assert NO_BIAS_FROM in solution and SOLUTION_LINE in solution
    no_bias = solution.replace(NO_BIAS_FROM, "pass  # the bias is forgotten")
    noisy = solution.replace("    ### BEGIN SOLUTION\n", "    ### BEGIN SOLUTION\n" + NOISE, 1)
    assert noisy != solution

    tamperer = _with_answer(release, no_bias + TAMPERING)
    for cell in tamperer.cells:  # forge the test cells too: a score as source, output and points
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            cell.source = f"{meta['points']}"
            meta["points"] = 100
            cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "100"}, execution_count=1)]
    submissions = {
        "correct": _with_answer(release, solution),
        "partial": _with_answer(release, no_bias),
        "stub": release,
        "tamperer": tamperer,
        "noisy": _with_answer(release, noisy),
    }
    for sid in students:
        folder = root / "submitted" / sid / AID
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-01-10 12:00:00 UTC\n", encoding="utf-8")
        if sid == "corrupt":
            (folder / f"{AID}.ipynb").write_text('{"cells": [ this is not JSON', encoding="utf-8")
        else:
            nbformat.write(submissions[sid], folder / f"{AID}.ipynb")

    # As on a fresh terminal (no TF_* variables): TensorFlow's log lines must stay out of autograde's stderr.
    running = _start(root, {k: v for k, v in env.items() if not k.startswith("TF_")}, "autograde", AID, "--force")
    # Meanwhile, in this process: grader batch on the very same submitted notebooks, and the
    # tamperer's code without its tampering.
    from grader.batch.runner import main as batch_main
    from grader.grading import grade_path

    assert batch_main(course, AID, root, tmp_path / "batch", jobs=2, lang="en") == 0
    with open(tmp_path / "batch" / "grades.csv", newline="", encoding="utf-8") as f:
        batch = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(batch) == set(students)
    honest = tmp_path / "honest" / f"{AID}.ipynb"
    honest.parent.mkdir()
    nbformat.write(_with_answer(release, no_bias), honest)
    deserved = grade_path(course, assignment, honest, student_id="tamperer").score

    autograde = _finish(running, check=False)
    # nbgrader skips the notebook it cannot read and says so with exit status 1; the others are graded.
    assert autograde.returncode == 1, autograde.stderr
    assert "corrupt" in autograde.stderr
    assert not re.search(r"absl|oneDNN|cpu_feature_guard|^[IWEF]\d{4} ", autograde.stderr, re.M), autograde.stderr[-3000:]
    assert not list((root / "autograded").glob("corrupt/**/*.ipynb"))
    for sid in submissions:
        assert (root / "autograded" / sid / AID / f"{AID}.ipynb").is_file(), autograde.stderr
    feedback = _start(root, env, "generate_feedback", AID, "--force")
    _nbgrader(root, env, "export", "--to", "grades.csv")  # both only read the gradebook
    _finish(feedback)
    with open(root / "grades.csv", newline="", encoding="utf-8") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}

    nb_scores = {sid: float(exported[sid]["raw_score"]) for sid in submissions}
    grader_scores = {sid: float(batch[sid]["score"]) for sid in students}
    print(f"\nnbgrader: {nb_scores}\ngrader batch: {grader_scores}\nelapsed {time.perf_counter() - started:.1f}s {TIMES}")
    for sid in submissions:
        assert nb_scores[sid] == pytest.approx(grader_scores[sid], abs=1e-4), sid
        assert float(exported[sid]["max_score"]) == assignment.max_score

    full = assignment.max_score
    assert nb_scores["correct"] == full
    assert nb_scores["noisy"] == full  # warnings and stderr cost nothing
    assert nb_scores["stub"] == 0
    assert 0 < nb_scores["partial"] < full
    # The tamperer gets exactly what its honest code (the same code without the tampering) deserves.
    assert nb_scores["tamperer"] == pytest.approx(deserved, abs=1e-4) and deserved < full

    # The corrupt notebook: nbgrader keeps the submission (made before the notebook failed) with no
    # autograded notebook and exports it with 0; grader batch gives it a row that says why.
    assert float(exported["corrupt"]["raw_score"]) == 0 and float(exported["corrupt"]["max_score"]) == assignment.max_score
    assert batch["corrupt"]["status"] == "unreadable" and float(batch["corrupt"]["score"]) == 0

    # Per-part scores in nbgrader's gradebook equal the grader's part columns.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sid in submissions:
            for part in assignment.parts:
                grade = gb.find_grade(part.id, AID, AID, sid)
                assert grade.auto_score == pytest.approx(float(batch[sid][part.id]), abs=1e-4), (sid, part.id)
                assert not grade.needs_manual_grade

    # Nothing hidden and no solution in what students receive.
    hidden = set().union(*(_hidden_case_names(course, sid) for sid in submissions))
    shipped = [p for d in ("release", "feedback") for p in (root / d).rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in shipped)
    for path in shipped:
        text = path.read_text(encoding="utf-8", errors="replace")
        # A student's own code comes back in their feedback; anyone else's file must not hold the solution.
        if path.parts[len(root.parts)] == "release" or path.parent.parent.name in ("stub", "corrupt"):
            assert SOLUTION_LINE not in text, path
        assert "g.call(" not in text and "BEGIN HIDDEN TESTS" not in text, path
        leaked = [name for name in hidden if name in text]
        assert not leaked, (path, leaked)
    release_text = release_path.read_text(encoding="utf-8")
    assert SOLUTION_LINE not in release_text and "### BEGIN SOLUTION" not in release_text
    stub_feedback = (root / "feedback" / "stub" / AID / f"{AID}.html").read_text(encoding="utf-8")
    assert SOLUTION_LINE not in stub_feedback

    # What the students see under a test cell is the grader's, not the kernel's or the tamperer's.
    graded = nbformat.read(root / "autograded" / "tamperer" / AID / f"{AID}.ipynb", as_version=4)
    for cell in graded.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert cell.source.startswith("grader_part(")  # restored by nbgrader's OverwriteCells
            assert meta["points"] == assignment.part(meta["grade_id"]).points
            assert [o.output_type for o in cell.outputs] == ["stream", "execute_result"]
    assert SETUP_ID in {c.metadata.get("nbgrader", {}).get("grade_id") for c in graded.cells}
