"""Grading one submission: prepare the cases (trusted, TensorFlow), run the student (sandbox), judge.

The two halves are separate on purpose: ``prepare`` needs TensorFlow and the instructor's secret
and runs in the trusted parent; ``judge`` needs neither, so the local check (no TensorFlow) and
the batch workers share it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from grader.cases import TestSpec
from grader.course import Assignment, Course, Limits
from grader.results import CaseResult, FailureExample, GradingResult, Status, TestResult
from grader.scoring import gate_validation, score_tests

if TYPE_CHECKING:
    from grader.sandbox import SandboxResult

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
    course: Course, assignment: Assignment, student_id: str, *, hidden: bool = True, answers: bool = True,
    code: str = "",
) -> list[TestSpec]:
    """The student's tests with TensorFlow's answers: public tests, plus hidden ones seeded for them
    and for their code (``code``: ``grader.submission.code_digest`` of the file handed in).

    ``answers=False`` gives the same cases without asking TensorFlow (enough to run the student).
    """
    from grader import reference
    from grader.suite import load_suite

    suite = load_suite(assignment.id)
    specs = list(_public_specs(assignment.id)) if answers else suite.build(visibility=("visible",))
    if hidden:
        cases = suite.build(secret=course.secret(), student_id=student_id, visibility=("hidden",), code=code)
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
    suite_module = importlib.import_module(f"grader.suites.{assignment.id}")
    digest.update(inspect.getsource(suite_module).encode())
    for extra in sorted(Path(suite_module.__file__).parent.glob("test_*.py")):  # tests written the pytest way
        digest.update(extra.read_bytes())
    digest.update(__version__.encode())
    return digest.hexdigest()[:16]


def protected_paths(course: Course) -> list[Path]:
    """What student code may never read: the course (solutions, suites data, secret) and this package."""
    return [course.root, Path(__file__).resolve().parent]


@dataclass
class StudentRun:
    """One submission's run in the sandbox, not yet judged: the untrusted half's whole output.

    A batch may run a student before TensorFlow has answered their cases and judge the run later
    (in another process, even: it pickles).
    """

    student_id: str
    module_file: str
    """The file that was run: relative to what was handed in (``a03_multichannel.ipynb``,
    ``work/multichannel.py``) when it came through ``run_path``, else the module's own name."""
    cases: tuple[tuple[str, ...], ...]
    """The names of the cases run, test by test: the answers must be for these very cases."""
    sandbox: SandboxResult
    seconds: float
    """Wall time of extracting and running the submission."""
    code: str = ""
    """The digest of the code that ran (it seeds the hidden cases: ``prepare(..., code=run.code)``)."""
    parameters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Each graded function's parameter names as the assignment's stub names them (``x, w, b``):
    the inputs of a failing case are shown under these names."""


def run_student(
    assignment: Assignment,
    specs: Sequence[TestSpec],
    module_path: Path,
    *,
    student_id: str = "",
    limits: Limits | None = None,
    protected: Sequence[Path] = (),
    zygote: bool | None = None,
    isolation: str | None = None,
) -> StudentRun:
    """Run the student's module on every case in one sandboxed worker (answers are not needed).

    ``isolation`` is passed to ``run_calls``; by default what hidden grading asks (a kernel-enforced
    boundary, or the best there is under ``--allow-weak-sandbox``). The student's own check passes
    ``"none"``. ``zygote`` too: ``False`` for an unjailed process that runs a single submission.
    """
    from grader.sandbox import layers, run_calls

    started = time.perf_counter()
    sandbox = run_calls(
        module_path,
        assignment.module_name,
        [case for spec in specs for case in spec.cases],
        limits=limits or assignment.limits,
        forbidden_imports=assignment.forbidden_imports,
        protected=protected,
        zygote=zygote,
        isolation=isolation or layers.isolation_for_grading(),
    )
    return StudentRun(student_id, module_path.name, _case_names(specs), sandbox, time.perf_counter() - started)


def judge_run(assignment: Assignment, specs: Sequence[TestSpec], run: StudentRun) -> GradingResult:
    """Judge a run against ``specs`` with the reference's answers: compare, diagnose, score."""
    from grader.compare import judge_case

    started = time.perf_counter()
    if _case_names(specs) != run.cases:
        raise RuntimeError("the answered cases are not the cases the student's code was run on")
    sandbox = run.sandbox
    result = GradingResult(
        assignment=assignment.id,
        student_id=run.student_id,
        status=Status.GRADED,
        output=sandbox.output,
        source_lines=dict(sandbox.functions),
        source_file=run.module_file,
        sandbox=sandbox.isolation,
    )
    if sandbox.status != "ok":
        result.status, code = _IMPORT_FAILURES.get(sandbox.status, (Status.INTERNAL_ERROR, "crashed"))
        result.message = sandbox.detail
        result.tests = [
            _test_result(spec, i, [CaseResult(c.name, False, (code,), sandbox.detail) for c in spec.cases])
            for i, spec in enumerate(specs)
        ]
    else:
        from grader.diagnose.settle import settle

        outcomes = iter(sandbox.calls)
        judged_tests, examples = [], []
        for spec in specs:
            tolerance = assignment.part(spec.part).tolerance
            # Every input float32: float32 arithmetic is right whatever dtype the result is stored in
            # (a float64 result computed in float32 would otherwise pass or fail with the values).
            tolerance32 = {**tolerance, "float64": tolerance.get("float32", tolerance.get("float64"))}
            judged, example = [], None
            for case in spec.cases:
                outcome = next(outcomes)
                verdict = judge_case(case, outcome, tolerance32 if case.float32_ok else tolerance)
                judged.append(verdict)
                if not verdict.passed and example is None and spec.visibility == "visible":
                    names = run.parameters.get(case.function, ())
                    example = FailureExample(
                        case=case.name,
                        inputs={**{names[j] if j < len(names) else f"arg{j}": a for j, a in enumerate(case.args)},
                                **case.kwargs},
                        expected=case.expected,
                        got=outcome.value if outcome.error is None and outcome.fault is None else None,
                    )
            judged_tests.append(list(zip(spec.cases, judged)))
            examples.append(example)
        # One diagnosis per failing test, decided from the codes of the whole submission.
        for i, (spec, judged, example) in enumerate(zip(specs, settle(judged_tests), examples)):
            result.tests.append(_test_result(spec, i, judged, example))
        gate_validation(specs, result.tests)
    result.parts = score_tests(assignment, result.tests)
    if result.status is Status.GRADED:
        _whole_run_ending(result)
    result.execution_time = round(run.seconds + time.perf_counter() - started, 3)
    return result


# A run whose every case ended the same way (every call timed out, or the worker was killed on the
# first call and the rest never ran) is that status, as it is when the import itself ended so: the
# status column then says "timeout" for a looping student instead of "graded" with a diagnosis.
_RUN_ENDINGS: dict[str, Status] = {
    "timeout": Status.TIMEOUT,
    "memory_limit": Status.MEMORY_LIMIT,
    "crashed": Status.CRASHED,
    "forbidden_import": Status.FORBIDDEN,
    "forbidden_operation": Status.FORBIDDEN,
}


def _whole_run_ending(result: GradingResult) -> None:
    """Give ``result`` the status of a run that ended the same way on every case (scores unchanged:
    no case passed, so every part is at 0 already); its message is a visible case's detail."""
    cases = [c for t in result.tests for c in t.cases]
    if not cases or any(c.passed for c in cases):
        return
    endings = set()
    for case in cases:
        ending = {_RUN_ENDINGS[code] for code in case.codes if code in _RUN_ENDINGS}
        if len(ending) != 1:
            return
        endings |= ending
    if len(endings) != 1:
        return
    result.status = endings.pop()
    visible = [c for t in result.tests if t.visibility == "visible" for c in t.cases if c.detail]
    if visible and not result.message:
        result.message = visible[0].detail


def judge(assignment: Assignment, specs: Sequence[TestSpec], module_path: Path) -> GradingResult:
    """Run the student's module on every case (``run_student``, default limits, the in-process
    guards only: it is the student's own code on their own machine) and judge the outcomes
    (``judge_run``): the local check's whole grading."""
    return judge_run(assignment, specs, run_student(assignment, specs, module_path, isolation="none"))


def _case_names(specs: Sequence[TestSpec]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(c.name for c in s.cases) for s in specs)


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


def run_path(
    course: Course,
    assignment: Assignment,
    path: Path,
    *,
    student_id: str,
    specs: Sequence[TestSpec],
    timeout: float | None = None,
    zygote: bool | None = None,
    isolation: str | None = None,
) -> StudentRun | GradingResult:
    """Extract and run a ``.py``, a ``.ipynb`` or a folder holding one on ``specs`` (answers not
    needed). A ``GradingResult`` instead when there is nothing to judge: an unreadable submission,
    or a grader failure (``internal_error``). Never raises for anything the student did.
    """
    import dataclasses
    import tempfile

    from grader.submission import SubmissionError, code_digest, locate, read_submitted, write_module

    started = time.perf_counter()
    limits = assignment.limits
    if timeout is not None:
        limits = dataclasses.replace(limits, timeout=timeout, call_timeout=min(limits.call_timeout, timeout))
    try:
        with tempfile.TemporaryDirectory(prefix="grader-") as scratch:
            try:
                located = locate(Path(path), assignment)
                module = write_module(located.path, assignment, Path(scratch))
            except SubmissionError as e:
                return _unreadable(assignment, student_id, e, started)
            run = run_student(
                assignment, specs, module, student_id=student_id, limits=limits,
                protected=protected_paths(course), zygote=zygote, isolation=isolation,
            )
            run.code = code_digest(read_submitted(located.path))
        run.module_file = _handed_in_name(Path(path), located.path)
        run.parameters = stub_parameters(course, assignment)
    except Exception as e:  # a grader bug: the row must still exist, blaming the grader
        return _internal_error(assignment, student_id, e, started)
    run.seconds = time.perf_counter() - started
    return run


def _handed_in_name(handed_in: Path, found: Path) -> str:
    """The graded file as the student would name it: relative to the folder handed in, else its name."""
    if handed_in.is_dir():
        try:
            return found.relative_to(handed_in).as_posix()
        except ValueError:
            pass
    return found.name


def stub_parameters(course: Course, assignment: Assignment) -> dict[str, tuple[str, ...]]:
    """The parameter names of each top-level function in the assignment's module, read (never run)
    from the instructor's solution, else from the generated stub; empty when neither can be read."""
    for folder in (course.solutions_dir, course.assignments_dir):
        path = folder / assignment.id / assignment.module
        try:
            return _parameters_of(str(path), path.stat().st_mtime_ns)
        except (OSError, SyntaxError, ValueError):
            continue
    return {}


@lru_cache(maxsize=32)
def _parameters_of(path: str, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    import ast

    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return {
        node.name: tuple(a.arg for a in (*node.args.posonlyargs, *node.args.args))
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def grade_path(
    course: Course,
    assignment: Assignment,
    path: Path,
    *,
    student_id: str,
    timeout: float | None = None,
    specs: Sequence[TestSpec] | None = None,
    zygote: bool | None = None,
    isolation: str | None = None,
) -> GradingResult:
    """Grade a ``.py``, a ``.ipynb`` or a folder holding one; never raises for anything the student did.

    ``specs`` lets a batch pass cases it prepared already (TensorFlow stays in the parent). Without
    them, TensorFlow answers this student's cases in the background while the sandbox runs them.
    ``zygote=False`` suits a process that grades one submission (see ``run_student``).
    """
    from grader.submission import submitted_code_digest

    started = time.perf_counter()
    answers = None
    if specs is None:
        code = submitted_code_digest(Path(path), assignment)
        background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reference")
        answers = background.submit(prepare, course, assignment, student_id, code=code)
        background.shutdown(wait=False)
    try:
        asked = prepare(course, assignment, student_id, answers=False, code=code) if specs is None else specs
        run = run_path(course, assignment, path, student_id=student_id, specs=asked, timeout=timeout, zygote=zygote,
                       isolation=isolation)
        if isinstance(run, GradingResult):
            return run
        return judge_run(assignment, answers.result() if answers else asked, run)
    except Exception as e:  # a grader bug: the row must still exist, blaming the grader
        return _internal_error(assignment, student_id, e, started)


def _internal_error(assignment: Assignment, student_id: str, error: Exception, started: float) -> GradingResult:
    result = internal_error(assignment, student_id, error)
    result.execution_time = round(time.perf_counter() - started, 3)
    return result


def _unreadable(assignment: Assignment, student_id: str, error: Exception, started: float) -> GradingResult:
    status = Status(getattr(error, "status", Status.UNREADABLE.value))
    result = ungraded(assignment, student_id, status, str(error))
    words = getattr(error, "words", None)
    if words is not None:
        result.message_words = [(words.key, words.fields)]
    result.execution_time = round(time.perf_counter() - started, 3)
    return result
