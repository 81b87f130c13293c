"""``grader check``: the student's local check on the public tests, and the helpers of ``pytest``.

Two ways to run the same public fixtures (``assignments/<id>/fixtures/public.npz``):

- :func:`main` (``grader check [ASSIGNMENT] [PATH]``): the student's module or notebook runs in the
  sandboxed worker (``grader.grading.judge``), exactly as in real grading but without the hidden
  tests; prints a table per part with points and, for each failing test, why.
- :func:`public_test_cases` / :func:`run_public_case`: what the generated
  ``assignments/<id>/tests/test_public.py`` calls; the function runs in the pytest process (the
  student's own machine) through :func:`call_in_process`, and the verdict comes from the same
  ``grader.compare.judge_case``.

Nothing on these paths imports TensorFlow: the answers are in the fixtures.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course import Assignment, Course, CourseError, find_course, load_course

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def say(key: str, lang: str, **fields: Any) -> str:
    """A student-facing sentence from the message registry (grader/messages/{ko,en}.yaml)."""
    from grader.messages import text

    return text(key, lang, **fields)


def explain(code: str, lang: str, *, assignment: str | None = None, facts: Any = None) -> str:
    """The short localized explanation of a diagnosis code (worded for ``assignment``, naming ``facts``)."""
    from grader.messages import explain as registry_explain

    return registry_explain(code, lang, assignment=assignment, facts=facts)


#: Failing cases listed under a failing test; the rest are counted ("and 2 more").
SHOWN_CASES = 3


class UsageError(Exception):
    """A ``grader check`` usage problem: one line on stderr, exit status 2."""


# -- which assignment, which file -----------------------------------------------------------------


def infer_assignment(course: Course, path: Path | None, cwd: Path) -> Assignment | None:
    """The assignment named by a folder of ``path`` or of ``cwd`` (``assignments/<id>/``), or by the
    file name of ``path`` (``multichannel.py``, ``a03_multichannel.ipynb``)."""
    by_id = {a.id: a for a in course.assignments}
    places = []
    if path is not None:
        resolved = path.resolve()
        places += [resolved, *resolved.parents]
    cwd = cwd.resolve()
    for place in places:
        if place.name in by_id:
            return by_id[place.name]
    if path is not None:
        matches = [a for a in course.assignments if path.name in (a.module, f"{a.id}.ipynb")]
        if len(matches) == 1:
            return matches[0]
    for place in (cwd, *cwd.parents):
        if place.name in by_id:
            return by_id[place.name]
    return None


def resolve_target(
    course: Course, assignment_id: str | None, path: str | None, cwd: Path, lang: str | None = None
) -> tuple[Assignment, Path]:
    """The assignment and the path to check; raises ``UsageError``."""
    lang = lang or course.language
    known = ", ".join(a.id for a in course.assignments)
    ids = {a.id for a in course.assignments}
    if assignment_id is not None and assignment_id not in ids and path is None and (cwd / assignment_id).exists():
        assignment_id, path = None, assignment_id  # `grader check my_work.ipynb`
    target = None if path is None else (Path(path) if Path(path).is_absolute() else cwd / path)
    if assignment_id is not None:
        if assignment_id not in ids:
            raise UsageError(say("check.unknown_assignment", lang, assignment=assignment_id, known=known))
        assignment = course.assignment(assignment_id)
    else:
        assignment = infer_assignment(course, target, cwd)
        if assignment is None:
            raise UsageError(say("check.which_assignment", lang, known=known))
    if target is None:
        target = course.assignments_dir / assignment.id
    if not target.exists() and path is not None and not Path(path).is_absolute():
        # The notebook's hint names the file as it sits in assignments/<id>/ (`grader check a03_x
        # a03_x.ipynb`): from any other folder of the course, the check finds it there.
        beside = course.assignments_dir / assignment.id / path
        if beside.exists():
            target = beside
    if not target.exists():
        raise UsageError(say("check.no_such_path", lang, path=path))
    return assignment, target


def fixtures_path(folder: Path) -> Path:
    return Path(folder) / "fixtures" / "public.npz"


# -- grader check --------------------------------------------------------------------------------


def main(
    course: Course | str | os.PathLike[str] | None,
    assignment_id: str | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    lang: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> int:
    """``grader check [ASSIGNMENT] [PATH]``: 0 when every public test passes, 1 otherwise, 2 on usage errors.

    Parameters
    ----------
    course : Course, a course.yaml path or its folder, or None (the nearest course.yaml upwards)
    assignment_id : str or None
        Default: inferred from PATH or the current folder (``assignments/<id>/``). An existing file
        given here instead (``grader check work.ipynb``) is taken as PATH.
    path : str or None
        A ``.py``, a ``.ipynb`` or a folder holding one. Default: ``assignments/<id>/`` (its module,
        or its notebook when the notebook holds more of the work).
    lang : "ko", "en" or None (course.yaml's language)
    cwd : the folder relative paths start from (default: the current folder)
    """
    here = Path(cwd) if cwd is not None else Path.cwd()
    try:
        if not isinstance(course, Course):
            course = load_course(course) if course is not None else find_course(here)
    except CourseError as e:
        print(f"grader check: {e}", file=sys.stderr)
        return EXIT_USAGE
    lang = lang or course.language
    try:
        assignment, target = resolve_target(course, assignment_id, None if path is None else str(path), here, lang)
        return _check(course, assignment, target, lang)
    except UsageError as e:
        print(f"grader check: {e}", file=sys.stderr)
        return EXIT_USAGE


def _check(course: Course, assignment: Assignment, target: Path, lang: str) -> int:
    result, located = check_result(course, assignment, target, lang)
    note = "; ".join(w.say(lang) for w in located.words) or located.note
    print_result(course, assignment, result, lang, checked=_shown(located.path), note=note)
    ok = result.status.value == "graded" and all(t.passed for t in result.tests)
    return EXIT_OK if ok else EXIT_FAIL


def check_result(course: Course, assignment: Assignment, target: Path, lang: str) -> tuple[Any, Any]:
    """The judged public tests of ``target`` (and the file found there), without printing.

    The module runs in the sandbox where the machine has it (Linux, macOS), else in a plain child
    process with deadlines (``grader.local_run``; Windows): ``$GRADER_CHECK_RUNNER`` chooses.
    """
    from grader.build.fixtures import FixtureError, load_fixtures
    from grader.grading import judge, judge_run
    from grader.local_run import run_student_portable, runner_kind
    from grader.submission import SubmissionError, locate, write_module

    fixtures = fixtures_path(course.assignments_dir / assignment.id)
    try:
        specs = load_fixtures(fixtures)
    except FixtureError as e:
        reason = str(e).split(": ", 1)[-1]
        raise UsageError(say("check.no_fixtures", lang, path=str(fixtures), reason=reason)) from None
    try:
        located = locate(target, assignment)
    except SubmissionError as e:
        raise UsageError(e.words.say(lang) if e.words else str(e)) from None
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        try:
            module = write_module(located.path, assignment, Path(scratch))
        except SubmissionError as e:
            raise UsageError(e.words.say(lang) if e.words else str(e)) from None
        if runner_kind() == "portable":
            result = judge_run(assignment, specs, run_student_portable(assignment, specs, module))
        else:
            result = judge(assignment, specs, module)  # forked by the sandbox's fork server (`grader check` starts it early)
    result.source_file = str(_shown(located.path))
    return result, located


def _shown(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def print_result(course: Course, assignment: Assignment, result: Any, lang: str, *, checked: Path, note: str = "",
                 console: Any = None, where: str | None = None) -> None:
    """The per-part table, the reasons of each failing test and the total.

    ``console``: a ``rich`` Console to print on (default: the terminal); ``where``: the line saying
    what was checked, instead of the file's (the in-notebook check names the kernel).
    """
    from grader.report import points as _points

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from grader.localize import case_line

    console = console or Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]{escape(say('check.heading', lang, assignment=assignment.id, title=assignment.title.get(lang, assignment.id)))}[/bold]")
    console.print(escape(where if where is not None else say("check.file", lang, path=str(checked))))
    if note:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    if result.status.value != "graded":
        status = say(f"status.{result.status.value}", lang)
        console.print(f"[red]{escape(say('check.not_graded', lang, status=status, message=result.message))}[/red]")

    table = Table(show_edge=True, header_style="bold")
    table.add_column(say("report.part", lang))
    table.add_column(say("check.title", lang))
    table.add_column(say("report.score", lang), justify="right")
    table.add_column("", justify="center")
    for part in result.parts:
        tests = [t for t in result.tests if t.part == part.id]
        title = assignment.part(part.id).title.get(lang, part.id)
        if not tests:
            table.add_row(part.id, escape(title), f"–/{_points(part.max_score)}", say("check.no_public_test", lang))
            continue
        passed = all(t.passed for t in tests)
        table.add_row(part.id, escape(title), f"{_points(part.score)}/{_points(part.max_score)}", "✅" if passed else "❌")
    console.print(table)

    from grader.report import Explainer

    failing = [t for t in result.tests if not t.passed]
    explainer = Explainer(lang, assignment.id)  # each diagnosis explained once, then named
    for test in failing:
        title = test.title.get(lang) or test.name
        counts = say("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
        console.print(f"[red]❌ {escape(test.part)} · {escape(test.name)}[/red] — {escape(title)} ({escape(counts)})")
        for code, words in explainer(test):
            console.print(f"   • [bold]{escape(code)}[/bold]: {escape(words)}")
        cases = [c for c in test.cases if not c.passed]
        for case in cases[:SHOWN_CASES]:
            console.print(f"     [dim]{escape(case_line(case.name, case.detail, lang))}[/dim]")
        if len(cases) > SHOWN_CASES:
            console.print(f"     [dim]{escape(say('check.more_cases', lang, count=len(cases) - SHOWN_CASES))}[/dim]")

    console.print(
        "[bold]" + escape(say("check.total", lang, score=_points(result.score), max_score=_points(result.max_score))) + "[/bold]"
    )
    if not failing and result.status.value == "graded":
        console.print(f"[green]{escape(say('check.all_passed', lang))}[/green]")
    else:
        console.print(escape(say("check.some_failed", lang, failed=len(failing), total=len(result.tests))))


# -- in-process calls (pytest on the student's machine) --------------------------------------------


@dataclass
class InProcessOutcome:
    """What one in-process call did; the same fields as the sandbox's ``CallOutcome``."""

    value: Any = None
    error: str | None = None
    """Class name of the exception the call raised, or None."""
    error_bases: tuple[str, ...] = ()
    """Names of that class's MRO (``NotImplementedError``, ``RuntimeError``, ...)."""
    message: str = ""
    fault: str | None = None
    """``missing_function``, ``memory_limit`` or ``crashed`` (sys.exit), as the worker reports them."""
    detail: str = ""
    args_after: tuple[Any, ...] | None = None
    kwargs_after: dict[str, Any] | None = None
    seconds: float = 0.0


def _as_sent(value: Any) -> Any:
    """A copy of an argument as the sandbox hands it to the student: arrays C-contiguous (they cross
    as .npy bytes), so that the same code computes the same bits in pytest and in ``grader check``."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.copy(order="C")
    if isinstance(value, (tuple, list)):
        return type(value)(_as_sent(v) for v in value)
    return copy.deepcopy(value)


def call_in_process(module: Any, case: Any) -> InProcessOutcome:
    """Call ``case.function`` of ``module`` on copies of the case's arguments, in this process."""
    name = getattr(module, "__name__", "module")
    fn = getattr(module, case.function, None)
    if fn is None or not callable(fn):
        what = "is missing" if fn is None else f"is not a function ({type(fn).__name__})"
        return InProcessOutcome(fault="missing_function", detail=f"{name}.{case.function} {what}")
    args = tuple(_as_sent(a) for a in case.args)
    kwargs = {k: _as_sent(v) for k, v in case.kwargs.items()}
    outcome = InProcessOutcome(args_after=args, kwargs_after=kwargs)
    started = time.perf_counter()
    try:
        outcome.value = fn(*args, **kwargs)
    except MemoryError:
        outcome.fault, outcome.detail = "memory_limit", "MemoryError"
    except SystemExit as e:
        outcome.fault, outcome.detail = "crashed", f"the call ran sys.exit({e.code!r})"
    except Exception as e:  # noqa: BLE001 - the student's exception is the outcome
        outcome.error = type(e).__name__
        outcome.error_bases = tuple(c.__name__ for c in type(e).__mro__)
        outcome.message = str(e)[:300]
    outcome.seconds = time.perf_counter() - started
    return outcome


@dataclass(frozen=True)
class PublicCase:
    """One parametrized case of the generated public tests."""

    id: str
    folder: Path
    assignment: Assignment
    test: Any
    case: Any
    lang: str = "ko"

    def __repr__(self) -> str:  # pytest shows it in failures
        return f"PublicCase({self.id!r})"


_MODULES: dict[tuple[str, float], Any] = {}


def public_test_cases(folder: str | os.PathLike[str], assignment_id: str) -> list[PublicCase]:
    """Every case of ``folder/fixtures/public.npz``, ids ``<test>/<case>`` (for ``pytest.mark.parametrize``)."""
    from grader.build.fixtures import load_fixtures

    folder = Path(folder)
    course = find_course(folder)
    assignment = course.assignment(assignment_id)
    lang = os.environ.get("GRADER_LANG") or course.language
    return [
        PublicCase(f"{test.name}/{case.name}", folder, assignment, test, case, lang)
        for test in load_fixtures(fixtures_path(folder))
        for case in test.cases
    ]


def submission_path(folder: Path) -> Path:
    """``$GRADER_SUBMISSION`` when set (relative to the current folder), else the assignment folder."""
    env = os.environ.get("GRADER_SUBMISSION")
    return Path(env) if env else Path(folder)


def load_student_module(path: Path, assignment: Assignment) -> Any:
    """Import the student's ``.py`` or notebook (its definitions) in this process, once per file version."""
    from grader.submission import extract_notebook, locate

    found = locate(Path(path), assignment).path
    key = (str(found.resolve()), found.stat().st_mtime)
    if key in _MODULES:
        cached = _MODULES[key]
        if isinstance(cached, BaseException):
            raise cached
        return cached
    name = f"_student_{assignment.id}_{len(_MODULES)}"
    try:
        if found.suffix == ".ipynb":
            import types

            source = extract_notebook(found)
            module = types.ModuleType(name)
            module.__file__ = str(found)
            exec(compile(source, str(found), "exec"), module.__dict__)  # noqa: S102 - the student's own code, own machine
        else:
            spec = importlib.util.spec_from_file_location(name, found)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001
        where = f" (line {e.lineno})" if isinstance(e, SyntaxError) and e.lineno else ""
        failure = ImportError(say("check.import_failed", "en", path=found.name, error=f"{type(e).__name__}: {e}{where}"))
        failure.code = "syntax_error" if isinstance(e, SyntaxError) else "crashed"  # type: ignore[attr-defined]
        failure.shown = f"{type(e).__name__}: {e}"  # type: ignore[attr-defined]
        failure.found = found  # type: ignore[attr-defined]
        _MODULES[key] = failure
        raise failure from None
    _MODULES[key] = module
    return module


def failure_text(codes: tuple[str, ...] | list[str], detail: str, lang: str, *, assignment: str | None = None,
                 facts: Any = None) -> str:
    from grader.localize import detail as localized_detail

    facts = facts or {}
    lines = [f"{code}: {explain(code, lang, assignment=assignment, facts=facts.get(code))}" for code in codes]
    if detail:
        lines.append(localized_detail(detail, lang))
    return "\n".join(lines) or detail or "failed"


_VERDICTS: dict[tuple[str, int], dict[tuple[str, str], Any]] = {}


def public_verdicts(folder: Path, assignment: Assignment, module: Any) -> dict[tuple[str, str], Any]:
    """Every public case of ``folder`` judged on ``module`` in this process, with the diagnoses
    settled over the whole submission as ``grader check`` settles them: ``(test, case) -> CaseResult``.

    Computed once per module: the first pytest item calls the student's functions on every case.
    """
    key = (str(Path(folder).resolve()), id(module))
    if key not in _VERDICTS:
        from grader.build.fixtures import load_fixtures
        from grader.compare import judge_case
        from grader.diagnose.settle import settle

        specs = load_fixtures(fixtures_path(folder))
        judged = []
        for spec in specs:
            tolerance = assignment.part(spec.part).tolerance
            judged.append([(c, judge_case(c, call_in_process(module, c), tolerance)) for c in spec.cases])
        settled = settle(judged)
        _VERDICTS[key] = {(spec.name, c.name): r for spec, results in zip(specs, settled) for c, r in zip(spec.cases, results)}
        _VERDICTS[key]["__module__"] = module  # keeps id(module) from being reused while cached
    return _VERDICTS[key]


def run_public_case(case: PublicCase) -> None:
    """The body of one generated public test: judge (in process), fail with the reason."""
    __tracebackhide__ = True
    import pytest

    from grader.submission import SubmissionError

    try:
        module = load_student_module(submission_path(case.folder), case.assignment)
    except SubmissionError as e:
        pytest.fail(e.words.say(case.lang) if e.words else str(e), pytrace=False)
    except ImportError as e:
        code = getattr(e, "code", "crashed")
        shown = say("check.import_failed", case.lang, path=getattr(e, "found", Path("?")).name, error=getattr(e, "shown", str(e)))
        pytest.fail(failure_text((code,), shown, case.lang), pytrace=False)
    verdict = public_verdicts(case.folder, case.assignment, module)[(case.test.name, case.case.name)]
    if not verdict.passed:
        pytest.fail(failure_text(verdict.codes, verdict.detail, case.lang, assignment=case.assignment.id,
                                 facts=verdict.facts), pytrace=False)


__all__ = [
    "EXIT_FAIL",
    "EXIT_OK",
    "EXIT_USAGE",
    "InProcessOutcome",
    "PublicCase",
    "call_in_process",
    "explain",
    "failure_text",
    "infer_assignment",
    "load_student_module",
    "main",
    "print_result",
    "public_test_cases",
    "public_verdicts",
    "run_public_case",
    "say",
]


class _CallableModule(types.ModuleType):
    """``from grader import check; check()`` in a notebook: this module is callable, like Otter's
    ``grader.check``, and runs :func:`grader.live_check.check` (the public tests on the functions of
    the live kernel). Everything else in this module keeps working as before."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        from grader.live_check import check as live_check

        return live_check(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
