"""Grading one submission: prepare the cases (trusted, TensorFlow), run the student (sandbox), judge.

The two halves are separate on purpose: ``prepare`` needs TensorFlow and the instructor's secret
and runs in the trusted parent; ``judge`` needs neither, so the local check (no TensorFlow) and
the batch workers share it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from grader.cases import TestSpec
from grader.course import Assignment, Course, Limits
from grader.results import CaseResult, FailureExample, GradingResult, Status, TestResult
from grader.scoring import score_tests

# How a worker that could not even import the module maps onto a submission status and the
# diagnosis code every case then carries.
_IMPORT_FAILURES: dict[str, tuple[Status, str]] = {
    "syntax_error": (Status.SYNTAX_ERROR, "syntax_error"),
    "forbidden_import": (Status.FORBIDDEN, "forbidden_import"),
    "forbidden_operation": (Status.FORBIDDEN, "forbidden_operation"),
    "timeout": (Status.TIMEOUT, "timeout"),
    "memory_limit": (Status.MEMORY_LIMIT, "memory_limit"),
    "crashed": (Status.CRASHED, "crashed"),
}


def prepare(
    course: Course, assignment: Assignment, student_id: str, *, hidden: bool = True, answers: bool = True
) -> list[TestSpec]:
    """The student's tests with TensorFlow's answers: public tests, plus hidden ones seeded for them.

    ``answers=False`` gives the same cases without asking TensorFlow (enough to run the student).
    """
    from grader import reference
    from grader.suite import load_suite

    suite = load_suite(assignment.id)
    specs = list(_public_specs(assignment.id)) if answers else suite.build(visibility=("visible",))
    if hidden:
        cases = suite.build(secret=course.secret(), student_id=student_id, visibility=("hidden",))
        specs += reference.materialize(cases) if answers else cases
    return specs


@lru_cache(maxsize=None)
def _public_specs(assignment_id: str) -> tuple[TestSpec, ...]:
    """The visible tests are the same for every student: materialized once per process."""
    from grader import reference
    from grader.suite import load_suite

    return tuple(reference.materialize(load_suite(assignment_id).build(visibility=("visible",))))


def grading_key(course: Course, assignment: Assignment) -> str:
    """A digest of everything besides the submission that decides its grade.

    course.yaml (points, tolerances, limits), the secret (hidden cases), the suite's source and the
    grader's version: a stored grade is reused only while all of these are unchanged.
    """
    import hashlib
    import importlib
    import inspect

    from grader import __version__

    digest = hashlib.sha256()
    digest.update(repr((course.raw, assignment)).encode())
    digest.update(course.secret())
    digest.update(inspect.getsource(importlib.import_module(f"grader.suites.{assignment.id}")).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()[:16]


def protected_paths(course: Course) -> list[Path]:
    """What student code may never read: the course (solutions, suites data, secret) and this package."""
    return [course.root, Path(__file__).resolve().parent]


def judge(
    assignment: Assignment,
    specs: Sequence[TestSpec],
    module_path: Path,
    *,
    student_id: str = "",
    limits: Limits | None = None,
    protected: Sequence[Path] = (),
    zygote: bool | None = None,
    answered: Callable[[], Sequence[TestSpec]] | None = None,
) -> GradingResult:
    """Run the student's module on every case in one sandboxed worker and judge the outcomes.

    ``zygote`` is passed to ``run_calls``: ``False`` for a process that grades a single submission.
    ``answered``, when given, returns ``specs`` with the reference's answers and is called only
    once the student's run is over: a process that must still load TensorFlow does so meanwhile.
    """
    from grader.compare import judge_case
    from grader.sandbox import run_calls

    started = time.perf_counter()
    cases = [case for spec in specs for case in spec.cases]
    run = run_calls(
        module_path,
        assignment.module_name,
        cases,
        limits=limits or assignment.limits,
        forbidden_imports=assignment.forbidden_imports,
        protected=protected,
        zygote=zygote,
    )
    if answered is not None:
        specs = _same_cases(specs, answered())
    result = GradingResult(
        assignment=assignment.id,
        student_id=student_id,
        status=Status.GRADED,
        output=run.output,
        source_lines=dict(run.functions),
        source_file=module_path.name,
    )
    if run.status != "ok":
        result.status, code = _IMPORT_FAILURES.get(run.status, (Status.INTERNAL_ERROR, "crashed"))
        result.message = run.detail
        result.tests = [
            _test_result(spec, i, [CaseResult(c.name, False, (code,), run.detail) for c in spec.cases])
            for i, spec in enumerate(specs)
        ]
    else:
        outcomes = iter(run.calls)
        for i, spec in enumerate(specs):
            tolerance = assignment.part(spec.part).tolerance
            judged, example = [], None
            for case in spec.cases:
                outcome = next(outcomes)
                verdict = judge_case(case, outcome, tolerance)
                judged.append(verdict)
                if not verdict.passed and example is None and spec.visibility == "visible":
                    example = FailureExample(
                        case=case.name,
                        inputs={**{f"arg{j}": a for j, a in enumerate(case.args)}, **case.kwargs},
                        expected=case.expected,
                        got=outcome.value if outcome.error is None and outcome.fault is None else None,
                    )
            result.tests.append(_test_result(spec, i, judged, example))
    result.parts = score_tests(assignment, result.tests)
    result.execution_time = round(time.perf_counter() - started, 3)
    return result


def _same_cases(asked: Sequence[TestSpec], answered: Sequence[TestSpec]) -> Sequence[TestSpec]:
    """``answered``, after checking it holds the very cases that were run, in the same order."""
    if [[c.name for c in s.cases] for s in asked] != [[c.name for c in s.cases] for s in answered]:
        raise RuntimeError("the answered cases are not the cases the student's code was run on")
    return answered


def _test_result(spec: TestSpec, index: int, cases: list[CaseResult], example: FailureExample | None = None) -> TestResult:
    return TestResult(
        name=spec.name,
        part=spec.part,
        title=dict(spec.title),
        visibility=spec.visibility,
        number=str(index + 1),
        cases=cases,
        example=example,
    )


def ungraded(assignment: Assignment, student_id: str, status: Status, message: str) -> GradingResult:
    """A result for a submission nothing was run for, with every part at 0 of its points so the
    row is complete (grades.csv keeps a column per part)."""
    result = GradingResult(assignment=assignment.id, student_id=student_id, status=status, message=message)
    result.parts = score_tests(assignment, [])
    return result


def internal_error(assignment: Assignment, student_id: str, error: BaseException) -> GradingResult:
    """A result that blames the grader, never the student, with every part at 0 so a row exists."""
    return ungraded(assignment, student_id, Status.INTERNAL_ERROR, f"{type(error).__name__}: {error}")


def grade_path(
    course: Course,
    assignment: Assignment,
    path: Path,
    *,
    student_id: str,
    timeout: float | None = None,
    specs: Sequence[TestSpec] | None = None,
    zygote: bool | None = None,
) -> GradingResult:
    """Grade a ``.py``, a ``.ipynb`` or a folder holding one; never raises for anything the student did.

    ``specs`` lets a batch pass cases it prepared already (TensorFlow stays in the parent);
    ``zygote=False`` suits a process that grades one submission (see ``judge``).
    """
    import dataclasses
    import tempfile

    from grader.submission import SubmissionError, write_module

    started = time.perf_counter()
    limits = assignment.limits
    if timeout is not None:
        limits = dataclasses.replace(limits, timeout=timeout, call_timeout=min(limits.call_timeout, timeout))
    try:
        with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
            try:
                module = write_module(Path(path), assignment, Path(scratch))
            except SubmissionError as e:
                return _unreadable(assignment, student_id, e, started)
            answered = None
            if specs is None:
                # TensorFlow loads in the background while the sandbox runs the student's code.
                background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reference")
                answers = background.submit(prepare, course, assignment, student_id)
                background.shutdown(wait=False)
                specs, answered = prepare(course, assignment, student_id, answers=False), answers.result
            return judge(
                assignment, specs, module, student_id=student_id, limits=limits,
                protected=protected_paths(course), zygote=zygote, answered=answered,
            )
    except Exception as e:  # a grader bug: the row must still exist, blaming the grader
        result = internal_error(assignment, student_id, e)
        result.execution_time = round(time.perf_counter() - started, 3)
        return result


def _unreadable(assignment: Assignment, student_id: str, error: Exception, started: float) -> GradingResult:
    status = Status(getattr(error, "status", Status.UNREADABLE.value))
    result = ungraded(assignment, student_id, status, str(error))
    result.execution_time = round(time.perf_counter() - started, 3)
    return result
