"""One diagnosis a student can act on, on the whole corpus, through the real pipeline (suites public +
hidden, TensorFlow's answers, the sandbox, judge, settle).

- no failing test carries two rival codes (``grader.diagnose.codes.FAMILIES``), nor more than one
  misconception code when the submission has one bug;
- each mutant's MANIFEST code is the one reported: it is named, and no other misconception is
  (a ``null`` code: none is);
- correct submissions carry no code at all;
- premises hold: ``output_size_off_by_one`` never where the output's shape is right, nor where the
  submission's own ``output_size`` passes; ``stride_ignored`` never on ``same_padding`` (no windows).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from grader.course import load_course
from grader.diagnose.codes import RANK, contradicts
from grader.grading import grade_path, prepare
from grader.results import Status
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
COURSE = load_course(ROOT)
MANIFEST = yaml.safe_load((CORPUS / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
STUDENT = "diagnosis-corpus"
CORRECT = sorted(p for p in (CORPUS / "correct").iterdir() if p.is_dir())
ASSIGNMENT_OF = {a.id[:3]: a.id for a in COURSE.assignments}


@lru_cache(maxsize=None)
def specs(assignment_id: str):
    return tuple(prepare(COURSE, COURSE.assignment(assignment_id), STUDENT))


def grade(assignment_id: str, path: Path):
    return grade_path(COURSE, COURSE.assignment(assignment_id), path, student_id=STUDENT, specs=specs(assignment_id))


def test_mutant_names_are_unique_across_assignments():
    names = [m["name"] for m in MANIFEST]
    assert len(names) == len(set(names))


@pytest.fixture(scope="module")
def graded():
    results = {f"mutant/{m['name']}": grade(m["assignment"], CORPUS / "mutants" / m["assignment"] / m["name"])
               for m in MANIFEST}
    results.update({f"correct/{p.name}": grade(ASSIGNMENT_OF[p.name[:3]], p) for p in CORRECT})
    return results


def test_no_test_carries_two_rival_codes(graded):
    clashes = []
    for name, result in graded.items():
        for test in result.tests:
            for a, b in combinations(test.codes, 2):
                if contradicts(a, b):
                    clashes.append(f"{name} {test.name}: {a} + {b}")
    assert not clashes, clashes


def test_a_failing_test_of_a_one_bug_submission_names_one_misconception_at_most(graded):
    crowded = [f"{name} {t.name}: {t.codes}" for name, r in graded.items() for t in r.tests
               if len(set(t.codes) & set(RANK)) > 1]
    assert not crowded, crowded


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["name"] for m in MANIFEST])
def test_the_manifest_code_is_the_one_reported(entry, graded):
    result = graded[f"mutant/{entry['name']}"]
    assert result.status is Status.GRADED, result.message
    reported = {code for t in result.tests for code in t.codes}
    named = reported & set(RANK)
    if entry["code"] is None:
        assert not named, f"{entry['bug']}: named {sorted(named)}"
        return
    assert entry["code"] in reported, f"{entry['bug']}: got {sorted(reported)}"
    allowed = {entry["code"], *entry.get("also", ())}  # the bug as another function that calls it sees it
    assert named <= allowed, f"{entry['bug']}: also named {sorted(named - allowed)}"


def test_correct_submissions_carry_no_code(graded):
    for name, result in graded.items():
        if name.startswith("correct/"):
            assert result.score == result.max_score and not result.codes, (name, result.codes)


def test_premises_hold(graded):
    for name, result in graded.items():
        output_size_passes = any(t.cases and all(c.passed for c in t.cases) for t in result.tests
                                 if t.part == "output_size") and all(
            t.passed for t in result.tests if t.part == "output_size")
        for test in result.tests:
            for case in test.cases:
                if "output_size_off_by_one" in case.codes:
                    assert "shape" in case.detail or test.part == "output_size", (name, test.name, case.name)
                    assert not output_size_passes, (name, test.name)
                if test.part == "same_padding":
                    assert "stride_ignored" not in case.codes, (name, test.name)


def test_hidden_crashes_name_the_exception_and_the_class_of_case(graded):
    """A hidden case that raises says which exception and what kind of case, never the inputs."""
    from grader.report.gradescope import to_results_json

    result = graded["mutant/scratch_stack_images"]
    test = next(t for t in result.tests if t.codes == ["crashed_on_case"])
    assert test.visibility == "hidden"
    assert test.facts["crashed_on_case"] == {"exception": "ValueError", "case_class": "empty_batch"}
    output = next(t["output"] for t in to_results_json(result, "en")["tests"] if t["extra_data"]["part"] == test.part
                  and "crashed_on_case" in t["extra_data"]["diagnosis"])
    assert "ValueError" in output and "N = 0" in output
    assert "need at least one array" not in output  # the student's (numpy's) message: not shown for hidden tests
