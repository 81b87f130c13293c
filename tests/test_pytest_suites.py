"""Hidden suites run by pytest (grader/pytest_plugin.py) give `grader grade`'s case verdicts.

Every corpus file (mutants, correct alternatives, two submissions that cannot run) is run through
``pytest --pyargs grader.suites.<id> --submission PATH --student ID --junitxml`` in this process and
graded with ``grade_path``: each pytest item must pass exactly when its case passed. Also: ``-k``
selects items, pytest-xdist workers agree, and a hidden test written the pytest way counts in both.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest

from grader.course import load_course
from grader.grading import grade_path, prepare
from grader.pytest_plugin import case_id
from tests.conftest import ROOT

COURSE = load_course(ROOT)
CORPUS = ROOT / "tests" / "corpus"
STUDENT = "pytest-equal"


def plugin_args() -> list[str]:
    """``-p grader.pytest_plugin`` unless an installed distribution registers it (pytest11).

    Every distribution is looked at, as pluggy does when pytest loads plugins: ``entry_points()``
    keeps one distribution of each name, and a stale ``conv_grader.egg-info`` in the working folder
    (an older ``pip install -e``) hides the installed one's entry point from it, though not from
    pytest, which then found the plugin registered twice."""
    installed = {ep.value for dist in importlib.metadata.distributions() for ep in dist.entry_points
                 if ep.group == "pytest11"}
    return [] if "grader.pytest_plugin" in installed else ["-p", "grader.pytest_plugin"]


def junit_outcomes(xml_path: Path, grouped: bool = False) -> dict:
    """test name (``test[case]``) -> passed, from a --junitxml report; with ``grouped``, keyed by
    (submission group, test name)."""
    outcomes = {}
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        key = (case.get("classname").rsplit(".", 1)[-1], case.get("name")) if grouped else case.get("name")
        outcomes[key] = not any(child.tag in ("failure", "error") for child in case)
    return outcomes


def run_pytest(assignment_id: str, submissions: list[Path], xml: Path, *extra: str) -> dict:
    args = [*plugin_args(), "-p", "no:cacheprovider", "-q", "--pyargs", f"grader.suites.{assignment_id}",
            *(a for s in submissions for a in ("--submission", str(s))), "--student", STUDENT, "--junitxml", str(xml), *extra]
    code = pytest.main(args)
    assert code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), f"pytest exited {code}"
    return junit_outcomes(xml, grouped=len(submissions) > 1)


@lru_cache(maxsize=None)
def specs(assignment_id: str):
    return tuple(prepare(COURSE, COURSE.assignment(assignment_id), STUDENT))


def grader_outcomes(assignment_id: str, submission: Path) -> dict[str, bool]:
    result = grade_path(COURSE, COURSE.assignment(assignment_id), submission, student_id=STUDENT, specs=specs(assignment_id))
    outcomes = {}
    for test in result.tests:
        for case in test.cases:
            outcomes[f"{test.name}[{case_id(case.name)}]"] = case.passed
    return outcomes


def corpus_files(assignment_id: str) -> list[Path]:
    prefix = assignment_id[:3]
    files = sorted(p for p in (CORPUS / "mutants" / assignment_id).iterdir() if p.is_dir())
    files += sorted(p for p in (CORPUS / "correct").iterdir() if p.name.startswith(prefix))
    return files


@pytest.mark.parametrize("assignment_id", [a.id for a in COURSE.assignments])
def test_pytest_verdicts_equal_the_graders_on_the_corpora(assignment_id, tmp_path):
    files = corpus_files(assignment_id)
    if assignment_id == "a03_multichannel":
        files += [CORPUS / "attacks" / "syntax_error.py", CORPUS / "attacks" / "import_tensorflow.py"]
    assert files, f"{assignment_id}: no corpus files"
    submissions = []
    for i, submission in enumerate(files):
        if submission.suffix == ".py":  # a loose attack file: the module name the grader looks for
            folder = tmp_path / f"attack{i}"
            folder.mkdir()
            (folder / COURSE.assignment(assignment_id).module).write_bytes(submission.read_bytes())
            submission = folder
        submissions.append(submission)
    # One pytest session for every file (items grouped by submission), one sandbox run per file.
    by_pytest = run_pytest(assignment_id, submissions, tmp_path / "corpus.xml")
    for submission in submissions:
        group = re.sub(r"[^\w-]", "_", submission.name)
        mine = {name: passed for (g, name), passed in by_pytest.items() if g == group}
        by_grader = grader_outcomes(assignment_id, submission)
        assert mine == by_grader, (submission.name, {k: (mine.get(k), v) for k, v in by_grader.items() if mine.get(k) != v})


def test_k_selects_items_and_a_pytest_way_test_counts(tmp_path):
    outcomes = run_pytest("a04_relu_layer", [ROOT / "solutions" / "a04_relu_layer"], tmp_path / "k.xml",
                          "-k", "test_layer_batch_and_filters or relu_edges")
    assert set(outcomes) == {"test_layer_batch_and_filters[N=2, C=3, F=1]", "test_layer_batch_and_filters[N=1, C=1, F=4]",
                             *(f"relu_edges[{n}]" for n in ("all negative", "zeros", "negative 0-d array",
                                                           "positive 0-d array", "strided view", "empty array"))}
    assert all(outcomes.values())
    # The same test, written the pytest way, is part of `grader grade`'s result and of its score.
    result = grade_path(COURSE, COURSE.assignment("a04_relu_layer"), CORPUS / "mutants" / "a04_relu_layer" / "crelu_no_bias",
                        student_id=STUDENT, specs=specs("a04_relu_layer"))
    test = next(t for t in result.tests if t.name == "test_layer_batch_and_filters")
    assert test.part == "conv2d_relu" and test.cases_total == 2 and not test.passed and test.max_score > 0


def test_a_suite_needs_a_submission(tmp_path):
    code = pytest.main([*plugin_args(), "-p", "no:cacheprovider", "-q", "--pyargs", "grader.suites.a01_correlation"])
    assert code == pytest.ExitCode.USAGE_ERROR


def test_xdist_workers_agree_with_the_grader(tmp_path):
    """Each xdist worker runs the submission once in its own sandbox; together they give the same verdicts."""
    submission = CORPUS / "mutants" / "a03_multichannel" / "mc_same_wrong_side"
    xml = tmp_path / "xdist.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", "-q", "-n", "2", "--pyargs",
         "grader.suites.a03_multichannel", "--submission", str(submission), "--student", STUDENT, "--junitxml", str(xml)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "bringing up nodes" in run.stdout, run.stdout[-1500:]  # xdist ran the items
    assert junit_outcomes(xml) == grader_outcomes("a03_multichannel", submission)
