"""Fairness: the same file gets the same score for every student.

Hidden cases are seeded per student (and, with the integrator's change, per submission), but a seed
varies the values of a case only, never its class, and the value helpers make every
value-dependent mistake show in every seed. Here the whole mutant corpus (tests/corpus/mutants)
and the mutation run's mutants for the course's known holes (a dropped ``max(..., 0)``, ceil for
floor, a dropped cast) are graded through the real path (``prepare`` with TensorFlow, the sandbox,
``judge_run``) under 20 student ids: every file must get the same score, case by case, for all.

To keep the test near a minute of CPU, a file's 20 students run in one sandbox worker (their
cases one after the other: ``run_student`` on the concatenated tests), and each student's slice of
the outcomes is judged on its own with ``judge_run``; diagnosis is switched off (it never decides
a verdict, see ``grader.compare``).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import tempfile
from pathlib import Path
from functools import lru_cache

import pytest
import yaml

from grader.course import load_course
from grader.grading import StudentRun, judge_run, prepare, protected_paths, run_student
from grader.submission import write_module
from tests.conftest import ROOT

COURSE = load_course(ROOT)
CORPUS = ROOT / "tests" / "corpus" / "mutants"
MANIFEST = yaml.safe_load((CORPUS / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
STUDENTS = [f"fair-{i:02d}" for i in range(20)]
KNOWN_HOLES = ("grader/DropClamp", "grader/CeilDivision", "grader/DropCast")


def _tool():
    spec = importlib.util.spec_from_file_location("grader_mutate_tool", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def specs(assignment_id: str, student: str):
    return tuple(prepare(COURSE, COURSE.assignment(assignment_id), student))


def files(assignment_id: str, tmp_path) -> list[tuple[str, object]]:
    """(name, path) of the corpus mutants and the known-hole mutants of the mutation run."""
    out = [(m["name"], CORPUS / assignment_id / m["name"]) for m in MANIFEST if m["assignment"] == assignment_id]
    mutate = _tool()
    module = COURSE.assignment(assignment_id).module
    equivalents = mutate.load_equivalents().get(assignment_id, {})
    for i, mutant in enumerate(m for m in mutate.mutants(assignment_id, module) if m.operator in KNOWN_HOLES):
        if mutant.key in equivalents:
            continue
        folder = tmp_path / f"hole{i}"
        folder.mkdir()
        (folder / module).write_text(mutant.source, encoding="utf-8")
        out.append((mutant.key, folder))
    return out


def grade_for_students(assignment, path: Path, students: list[str]):
    """Each student's GradingResult for one file, from one sandbox run holding all their cases."""
    per_student = [specs(assignment.id, s) for s in students]
    limits = dataclasses.replace(assignment.limits, timeout=300, cpu=300)
    with tempfile.TemporaryDirectory(prefix="grader-fair-") as scratch:
        module = write_module(Path(path), assignment, Path(scratch))
        run = run_student(assignment, [t for tests in per_student for t in tests], module, limits=limits,
                          protected=protected_paths(COURSE))
    start = 0
    for student, tests in zip(students, per_student):
        count = sum(len(t.cases) for t in tests)
        sandbox = dataclasses.replace(run.sandbox, calls=run.sandbox.calls[start:start + count])
        start += count
        names = tuple(tuple(c.name for c in t.cases) for t in tests)
        yield student, judge_run(assignment, tests, StudentRun(student, run.module_file, names, sandbox, run.seconds))


@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_every_file_gets_the_same_score_for_20_students(assignment_id, tmp_path, monkeypatch):
    from grader import compare

    monkeypatch.setattr(compare, "diagnose", lambda *args, **kwargs: (), raising=False)
    assignment = COURSE.assignment(assignment_id)
    unfair = []
    graded = 0
    for name, path in files(assignment_id, tmp_path):
        verdicts = {}
        for student, result in grade_for_students(assignment, path, STUDENTS):
            cases = tuple((t.name, c.name, c.passed) for t in result.tests for c in t.cases)
            verdicts.setdefault((result.status.value, round(result.score, 9), cases), []).append(student)
        graded += 1
        if len(verdicts) > 1:
            scores = sorted({key[1] for key in verdicts})
            unfair.append(f"{name}: scores {scores} across {len(verdicts)} verdict sets")
    assert graded, f"{assignment_id}: nothing to grade"
    assert not unfair, unfair
