"""Hidden suites run by pytest itself (registered as the ``pytest11`` entry point ``conv_grader``)::

    pytest --pyargs grader.suites.a03_multichannel --submission PATH [--student ID]

Every named test of the suite becomes pytest items, one per case (``channel_counts[C = 2]``), public
tests first, then the student's hidden ones; ``-k`` also matches ``visible``/``hidden`` and the
part id. The verdicts are ``grader grade``'s: the session
prepares the student's cases once (TensorFlow answers them), runs the submission once in the same
sandbox (``grading.run_path``), judges the run once (``grading.judge_run``: compare, diagnose,
score, validation credit), and each item reports its own case's verdict. pytest's selection
(``-k``, node ids), reports (``--junitxml``) and pytest-xdist (each worker runs the submission once)
work as usual. Why ``grader grade`` itself does not go through pytest: docs/ARCHITECTURE.md.

Hidden tests written the pytest way (``test_*.py`` beside a suite, docs/pytest-suites.md) are part
of the suite: pytest never imports those modules on its own (they hold no pytest tests, only suite
tests), ``grader.suite.load_suite`` does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

_RESULTS = pytest.StashKey[dict]()
_PREPARED: dict[tuple, Any] = {}
_SUITES_DIR = Path(__file__).resolve().parent / "suites"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conv-grader", "hidden suites of conv-grader")
    group.addoption("--submission", metavar="PATH", action="append",
                    help="the student's .py, .ipynb or folder to run a hidden suite on (repeat it for several: "
                         "items are then grouped by submission)")
    group.addoption("--student", metavar="ID", help="student id seeding the hidden cases (default: the file or folder name)")


def pytest_configure(config: pytest.Config) -> None:
    targets_suite = config.option.pyargs and any(str(a).startswith("grader.suites") for a in config.args)
    if targets_suite and not config.getoption("submission"):
        raise pytest.UsageError("a hidden suite needs the submission to run on: --submission PATH [--student ID]")


def _suite_folder(path: Path) -> Path | None:
    """The suite folder ``path`` belongs to (``grader/suites/<id>``), or None."""
    path = Path(path).resolve()
    folder = path.parent
    return folder if folder.parent == _SUITES_DIR else None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Suite tests written the pytest way are collected with their suite, never as plain modules.
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_") and _suite_folder(collection_path):
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name != "__init__.py" or _suite_folder(file_path) is None:
        return None
    if not parent.config.getoption("submission"):
        raise pytest.UsageError("a hidden suite needs the submission to run on: --submission PATH [--student ID]")
    return SuiteFile.from_parent(parent, path=file_path)


class SuiteFile(pytest.File):
    """One assignment's suite: its named tests, one item per case (grouped by submission when
    several are given)."""

    def collect(self):
        submissions = [Path(p) for p in self.config.getoption("submission")]
        if len(submissions) == 1:
            yield from _suite_items(self, submissions[0])
            return
        for path in submissions:
            yield SubmissionGroup.from_parent(self, name=re.sub(r"[^\w-]", "_", path.name), submission=path)


class SubmissionGroup(pytest.Collector):
    def __init__(self, *, submission: Path, **kwargs: Any):
        super().__init__(**kwargs)
        self.submission = submission

    def collect(self):
        yield from _suite_items(self, self.submission)


def _suite_items(parent: pytest.Collector, submission: Path):
    from grader.course import find_course
    from grader.suite import load_suite

    folder = parent.path.parent
    course = find_course(folder)
    assignment = course.assignment(folder.name)
    student = _student(parent.config, submission)
    specs = load_suite(assignment.id).build(secret=course.secret(), student_id=student)
    ordered = [s for s in specs if s.visibility == "visible"] + [s for s in specs if s.visibility == "hidden"]
    for spec in ordered:
        seen: dict[str, int] = {}
        for index, case in enumerate(spec.cases):
            label = case_id(case.name)
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label}-{seen[label]}"
            item = SuiteItem.from_parent(parent, name=f"{spec.name}[{label}]", course=course, assignment=assignment,
                                         submission=submission, test=spec.name, index=index)
            item.extra_keyword_matches.update({spec.visibility, spec.part})  # -k "hidden and channels"
            yield item


def case_id(name: str) -> str:
    """A case's pytest id: the English half of ``"한국어 / English"`` (ASCII in terminals and XML)."""
    english = name.rpartition(" / ")[2] if " / " in name else name
    return english.strip() or name


def _student(config: pytest.Config, submission: Path) -> str:
    return config.getoption("student") or Path(submission).resolve().stem


def session_result(config: pytest.Config, course: Any, assignment: Any, submission: Path) -> Any:
    """A submission graded once per session (per xdist worker): ``grader grade``'s GradingResult."""
    results = config.stash.setdefault(_RESULTS, {})
    if (assignment.id, submission) not in results:
        from grader.grading import GradingResult, judge_run, prepare, run_path

        student = _student(config, submission)
        key = (str(course.root), assignment.id, student, hash(course.secret()))
        if key not in _PREPARED:  # the answers of one process's sessions (nested runs in tests)
            _PREPARED.clear()
            _PREPARED[key] = prepare(course, assignment, student)
        specs = _PREPARED[key]
        run = run_path(course, assignment, submission, student_id=student, specs=specs)
        results[assignment.id, submission] = run if isinstance(run, GradingResult) else judge_run(assignment, specs, run)
    return results[assignment.id, submission]


class SuiteCaseFailure(Exception):
    """A case the submission failed, with the judge's codes and detail."""


class SuiteItem(pytest.Item):
    def __init__(self, *, course: Any, assignment: Any, submission: Path, test: str, index: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.course, self.assignment, self.submission = course, assignment, submission
        self.test, self.index = test, index

    def runtest(self) -> None:
        result = session_result(self.config, self.course, self.assignment, self.submission)
        tests = {t.name: t for t in result.tests}
        if self.test not in tests:  # nothing was run: the submission could not be read
            raise SuiteCaseFailure(f"{result.status.value}: {result.message}")
        case = tests[self.test].cases[self.index]
        if not case.passed:
            codes = ", ".join(case.codes) or "no diagnosis"
            raise SuiteCaseFailure(f"[{codes}] {case.detail}".rstrip())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, SuiteCaseFailure):
            return f"{self.name}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{self.assignment.id}::{self.name}"
