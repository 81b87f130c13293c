"""Every assignment of course.yaml, end to end on every path: check, grade, batch, nbgrader, release,
CI and Gradescope (none of them lists the assignments by hand).

Per assignment, a small class: its solution (full marks), its first mutant (some points lost on the
parts of its bug) and its stub (zero, ``not_implemented``).
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from grader.course import load_course
from grader.grading import grade_path
from grader.results import Status
from tests.conftest import ROOT

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]
MANIFEST = yaml.safe_load((ROOT / "tests" / "corpus" / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
FIRST_MUTANT = {m["assignment"]: m for m in reversed(MANIFEST)}


def test_six_assignments_each_with_mutants_and_correct_alternatives():
    assert len(IDS) == 6 and IDS[0] == "a00_fc_vs_conv" and IDS[-1] == "a05_tf_conv2d"
    correct = {p.name[:3] for p in (ROOT / "tests" / "corpus" / "correct").iterdir() if p.is_dir()}
    for a in COURSE.assignments:
        assert len([m for m in MANIFEST if m["assignment"] == a.id]) >= 3, a.id
        assert a.id[:3] in correct, a.id


@pytest.fixture(scope="module")
def classes(tmp_path_factory) -> dict[str, Path]:
    """assignment -> a class folder: solved/, one_bug/, stub/."""
    root = tmp_path_factory.mktemp("classes")
    out = {}
    for a in COURSE.assignments:
        folder = root / a.id
        for student, source in (
            ("solved", ROOT / "solutions" / a.id / a.module),
            ("one_bug", ROOT / "tests" / "corpus" / "mutants" / a.id / FIRST_MUTANT[a.id]["name"] / a.module),
            ("stub", ROOT / "assignments" / a.id / a.module),
        ):
            (folder / student).mkdir(parents=True)
            shutil.copy(source, folder / student / a.module)
        out[a.id] = folder
    return out


@pytest.mark.parametrize("assignment_id", IDS)
def test_check_and_grade(assignment_id, classes):
    from grader.check import check_result

    a = COURSE.assignment(assignment_id)
    public, _ = check_result(COURSE, a, classes[a.id] / "solved", "ko")
    assert public.status is Status.GRADED and all(t.passed for t in public.tests)
    solved = grade_path(COURSE, a, classes[a.id] / "solved", student_id="solved")
    assert solved.score == solved.max_score == a.max_score
    assert {t.visibility for t in solved.tests} == {"visible", "hidden"}
    bug = grade_path(COURSE, a, classes[a.id] / "one_bug", student_id="one_bug")
    lost = {p.id for p in bug.parts if p.score < p.max_score}
    assert lost == set(FIRST_MUTANT[a.id]["parts"]) and FIRST_MUTANT[a.id]["code"] in bug.codes


def test_batch_grades_every_assignment(classes, tmp_path):
    from grader.batch.runner import run

    for a in COURSE.assignments:
        report = run(COURSE, a, classes[a.id], tmp_path / a.id, jobs=1, lang="en", engine="thread", log=lambda _: None)
        assert report.rows_written == 3
        with (tmp_path / a.id / "grades.csv").open(encoding="utf-8") as f:
            rows = {r["student_id"]: r for r in csv.DictReader(f)}
        assert float(rows["solved"]["score"]) == a.max_score
        assert 0 < float(rows["one_bug"]["score"]) < a.max_score
        assert float(rows["stub"]["score"]) == 0 and "not_implemented" in rows["stub"]["diagnoses"]
        assert all(p.id in rows["solved"] for p in a.parts)
        assert (tmp_path / a.id / "summary.html").is_file()


@pytest.mark.parametrize("assignment_id", IDS)
def test_nbgrader_trusted_grades(assignment_id):
    """nbgrader's source notebook (solution inside) through the trusted autograde preprocessor."""
    from nbgrader.utils import determine_grade

    from grader.integrations.nbgrader import TrustedGrades, source_notebook

    a = COURSE.assignment(assignment_id)
    nb = source_notebook(COURSE, a)
    step = TrustedGrades(course=str(ROOT / "course.yaml"), lang="ko")
    nb, _ = step.preprocess(nb, {"nbgrader": {"student": "kim", "assignment": a.id}})
    grades = {c.metadata["nbgrader"]["grade_id"]: determine_grade(c)[0] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert grades == {p.id: p.points for p in a.parts}


def test_release_bundle_checks_every_assignment(tmp_path):
    from grader.check import main as check_main
    from grader.integrations.release import build_release

    bundle = tmp_path / "bundle"
    build_release(COURSE, bundle)
    course = load_course(bundle)
    assert [a.id for a in course.assignments] == IDS
    workflow = (bundle / ".github" / "workflows" / "grader.yml").read_text(encoding="utf-8")
    for a in course.assignments:
        assert f"- {a.id}" in workflow
        assert (bundle / "assignments" / a.id / f"{a.id}.ipynb").is_file()
        assert check_main(course, a.id, None, lang="en") == 1  # the stubs
        shutil.copy(ROOT / "solutions" / a.id / a.module, bundle / "assignments" / a.id / a.module)
        assert check_main(course, a.id, None, lang="en") == 0
    assert not (bundle / "grader" / "suites").exists()
    assert (bundle / "grader" / "data" / "house.png").is_file()  # the notebooks' picture ships with the kit


@pytest.mark.parametrize("assignment_id", IDS)
def test_ci_on_every_assignment(assignment_id, classes, tmp_path, capsys):
    from grader.integrations import ci

    a = COURSE.assignment(assignment_id)
    assert ci.main(COURSE, a.id, classes[a.id] / "solved", lang="en", out=tmp_path / "ok", student="kim") == 0
    doc = json.loads((tmp_path / "ok" / "results.json").read_text(encoding="utf-8"))
    assert doc["score"] == doc["max_score"] == a.max_score
    assert ci.main(COURSE, a.id, classes[a.id] / "one_bug", lang="en", out=tmp_path / "bug", student="kim") == 1
    assert "::error" in capsys.readouterr().out


def test_gradescope_zips_for_every_assignment(tmp_path):
    from grader.integrations.gradescope import main

    assert main(COURSE, tmp_path) == 0
    for a in COURSE.assignments:
        with zipfile.ZipFile(tmp_path / f"autograder-{a.id}.zip") as archive:
            names = set(archive.namelist())
        assert f"grader/suites/{a.id}/__init__.py" in names and "grader/data/house.png" in names
        assert not [n for n in names if n.startswith("grader/suites/a0") and not n.startswith(f"grader/suites/{a.id}/")]


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", ["a00_fc_vs_conv", "a05_tf_conv2d"])
def test_gradescope_autograder_runs_the_new_assignments(assignment_id, tmp_path):
    """The real run_autograder of the two new assignments: a Gradescope-shaped results.json, full marks."""
    import os

    from grader.integrations.gradescope import build_autograder_zip

    a = COURSE.assignment(assignment_id)
    zip_path = build_autograder_zip(COURSE, a.id, tmp_path / "zips")
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    shutil.copy(ROOT / "solutions" / a.id / a.module, root / "submission" / a.module)
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_SECRET", "GRADER_COURSE", "PYTHONPATH")}
    env.update(AUTOGRADER_ROOT=str(root), GRADER_PYTHON=sys.executable)
    run = subprocess.run(["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert doc["score"] == doc["max_score"] == a.max_score
    assert {t["extra_data"]["part"] for t in doc["tests"]} == {p.id for p in a.parts}


def test_a_notebook_submission_of_a_new_assignment(tmp_path):
    """a05 handed in as its notebook (solution pasted, the demos left in): graded like the module."""
    from tests.test_notebooks import filled

    nb = filled("a05_tf_conv2d")
    path = tmp_path / "kim" / "a05_tf_conv2d.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    a = COURSE.assignment("a05_tf_conv2d")
    result = grade_path(COURSE, a, path.parent, student_id="kim")
    assert result.status is Status.GRADED and result.score == a.max_score, result.message
