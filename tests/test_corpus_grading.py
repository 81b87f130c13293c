"""The corpora through the real pipeline: suites (public + hidden), TensorFlow, sandbox, judge, scores.

- every mutant loses points on the parts its one bug breaks, and only there, and (>= 90% of them)
  its failing tests carry the diagnosis code of that bug;
- every correct alternative solution gets full marks;
- hostile submissions score 0 with a clear reason, and the grader survives them.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from grader.course import load_course
from grader.grading import grade_path, prepare
from grader.results import Status
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
COURSE = load_course(ROOT)
MANIFEST = yaml.safe_load((CORPUS / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
STUDENT = "corpus-student"


@lru_cache(maxsize=None)
def specs(assignment_id: str):
    """Public + hidden cases for one student, materialized with TensorFlow once per assignment."""
    return tuple(prepare(COURSE, COURSE.assignment(assignment_id), STUDENT))


def grade(assignment_id: str, path: Path):
    assignment = COURSE.assignment(assignment_id)
    return grade_path(COURSE, assignment, path, student_id=STUDENT, specs=specs(assignment_id))


@pytest.fixture(scope="module")
def mutant_results():
    return {m["name"]: grade(m["assignment"], CORPUS / "mutants" / m["assignment"] / m["name"]) for m in MANIFEST}


def _code_lines(path: Path) -> list[str]:
    """A module's lines without solution markers and the mutant's header comment."""
    return [
        line for line in path.read_text(encoding="utf-8").splitlines()
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line and not line.startswith("# Mutant ")
    ]


COPIES = [m for m in MANIFEST if m.get("origin") != "scratch"]  # the others are written from scratch


@pytest.mark.parametrize("entry", COPIES, ids=[m["name"] for m in COPIES])
def test_each_mutant_is_its_solution_with_one_small_change(entry):
    """One bug each: a mutant that drifts from its solution (or grows a second bug) shows here."""
    import difflib

    module = COURSE.assignment(entry["assignment"]).module
    solution = _code_lines(ROOT / "solutions" / entry["assignment"] / module)
    mutant = _code_lines(CORPUS / "mutants" / entry["assignment"] / entry["name"] / module)
    changes = [op for op in difflib.SequenceMatcher(None, solution, mutant, autojunk=False).get_opcodes() if op[0] != "equal"]
    changed_lines = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in changes)
    assert 1 <= len(changes) <= 4 and changed_lines <= 12, (len(changes), changed_lines)


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["name"] for m in MANIFEST])
def test_mutant_loses_points_only_on_the_parts_it_breaks(entry, mutant_results):
    result = mutant_results[entry["name"]]
    assert result.status is Status.GRADED, result.message
    lost = {p.id for p in result.parts if p.score < p.max_score - 1e-9}
    assert lost == set(entry["parts"]), f"{entry['bug']}: lost points on {sorted(lost)}"


def test_mutants_carry_the_code_of_their_bug(mutant_results):
    misses = []
    for entry in MANIFEST:
        if entry["code"] is None:  # no misconception to name (tests/test_diagnosis_corpus.py checks none is)
            continue
        result = mutant_results[entry["name"]]
        codes = {code for t in result.tests if t.part in entry["parts"] for code in t.codes}
        if entry["code"] not in codes:
            misses.append(f"{entry['name']}: expected {entry['code']}, got {sorted(codes)}")
    assert 1 - len(misses) / len(MANIFEST) >= 0.9, misses


CORRECT = sorted(p for p in (CORPUS / "correct").iterdir() if p.is_dir())
ASSIGNMENT_OF = {a.id[:3]: a.id for a in COURSE.assignments}  # correct/a03_einsum -> a03_multichannel


def test_correct_corpus_is_varied():
    assert len(CORRECT) >= 8
    assert any(p.glob("*.ipynb") for p in CORRECT)


@pytest.mark.parametrize("folder", CORRECT, ids=[p.name for p in CORRECT])
def test_correct_alternative_gets_full_marks(folder):
    result = grade(ASSIGNMENT_OF[folder.name[:3]], folder)
    assert result.status is Status.GRADED, result.message
    failing = {t.name: t.codes for t in result.tests if not t.passed}
    assert result.score == result.max_score, failing


def test_noise_on_stdout_and_stderr_costs_nothing_and_is_kept_for_the_instructor():
    result = grade("a03_multichannel", CORPUS / "correct" / "a03_noisy")
    assert result.score == result.max_score
    assert "conv2d called with" in result.output and "debug: on stderr" in result.output


ATTACKS = CORPUS / "attacks"
# (file, the status of the whole submission, the diagnosis code its failing cases carry). A run that
# ended the same way on every case has that status, as when the import itself ended so.
HOSTILE = [
    ("loop_at_import.py", Status.TIMEOUT, None),
    ("loop_in_call.py", Status.TIMEOUT, "timeout"),
    ("memory_bomb_ones.py", Status.MEMORY_LIMIT, "memory_limit"),
    ("import_tensorflow.py", Status.FORBIDDEN, None),
    ("importlib_concat.py", Status.FORBIDDEN, None),
    ("os_system.py", Status.FORBIDDEN, "forbidden_operation"),
    ("read_solutions_sys_path.py", Status.GRADED, None),  # in the jail there is no course to find: nothing to refuse
    ("write_results_json.py", Status.FORBIDDEN, "forbidden_operation"),
    ("os_exit_in_call.py", Status.CRASHED, "crashed"),
    ("sys_exit_at_import.py", Status.CRASHED, None),
    ("object_array.py", Status.GRADED, "not_ndarray"),
    ("syntax_error.py", Status.SYNTAX_ERROR, None),
]


@pytest.mark.parametrize("name, status, code", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_submission_scores_zero_with_a_reason(tmp_path, name, status, code):
    submission = tmp_path / "multichannel.py"
    submission.write_bytes((ATTACKS / name).read_bytes())
    started = time.monotonic()
    assignment = COURSE.assignment("a03_multichannel")
    result = grade("a03_multichannel", submission)
    assert time.monotonic() - started < assignment.limits.timeout + 10
    assert result.status is status, (result.status, result.message)
    assert result.score == 0
    if code:
        assert code in result.codes
    assert result.status is Status.GRADED or result.message  # the student reads why nothing ran


def test_a_notebook_that_is_not_json_is_unreadable_not_a_crash():
    result = grade("a03_multichannel", ATTACKS / "not_json.ipynb")
    assert result.status is Status.UNREADABLE and "notebook" in result.message and result.score == 0


# -- a single grade, as `grader grade` runs it: TensorFlow loads while the sandbox runs -------------


@pytest.mark.parametrize("folder", [CORPUS / "mutants" / "a03_multichannel" / "mc_flipped", CORPUS / "correct" / "a03_einsum"],
                         ids=["mutant", "correct"])
def test_grading_without_prepared_cases_matches_grading_with_them(folder):
    assignment = COURSE.assignment("a03_multichannel")
    alone = grade_path(COURSE, assignment, folder, student_id=STUDENT)  # references computed meanwhile
    prepared = grade(assignment.id, folder)
    assert alone.status is prepared.status is Status.GRADED, (alone.message, prepared.message)
    assert [(p.id, p.score) for p in alone.parts] == [(p.id, p.score) for p in prepared.parts]
    assert [(t.name, t.codes) for t in alone.tests] == [(t.name, t.codes) for t in prepared.tests]


def test_grade_command_in_a_fresh_process_writes_the_full_result(tmp_path, own_cgroup):
    """The console command ends its process early (TensorFlow's teardown is skipped): every file
    must be complete and no sandbox process may outlive it (counted in the command's own cgroup)."""
    import json
    import os
    import subprocess
    import sys

    mutant = CORPUS / "mutants" / "a03_multichannel" / "mc_flipped"
    expected = grade("a03_multichannel", mutant)
    run = subprocess.run(
        own_cgroup.command([sys.executable, "-m", "grader", "grade", "a03_multichannel", str(mutant), "--out",
                            str(tmp_path), "--student", STUDENT]),
        capture_output=True, text=True, cwd=ROOT, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == pytest.approx(expected.score, abs=1e-4) and 0 < results["score"] < expected.max_score
    assert "flipped_kernel" in json.dumps(results)
    assert (tmp_path / "feedback.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert f"{expected.score:g}/{expected.max_score:g}" in run.stdout
    deadline = time.monotonic() + 10
    while own_cgroup.procs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not own_cgroup.procs(), f"processes left behind: {sorted(own_cgroup.procs())}"
