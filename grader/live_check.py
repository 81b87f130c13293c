"""The check inside a notebook: ``from grader import check; check()`` on the functions of the live kernel.

Like Otter's ``grader.check``, but with this grader's verdicts: the public tests of the assignment
(``assignments/<id>/fixtures/public.npz``, TensorFlow's answers) run on the functions the notebook
has defined so far, in the kernel itself (no need to save; no TensorFlow; no ``fork``, ``resource`` or
anything else POSIX-only, so it runs the same on Windows, macOS, Linux and Colab). Every call is
judged, diagnosed and scored by the very functions ``grader check`` uses (``grading.judge_run``), so
the verdicts, codes and points are those of ``grader check`` on the same code.

What the cell shows is one table: HTML in Jupyter, VS Code and Colab (with a plain-text twin), plain
text anywhere else. The functions' own prints and warnings during the calls are held back; the
student's code runs in the kernel and can loop forever (interrupt the kernel then), which is the
price of checking the live kernel. Nothing here grades for real: the instructor's grading runs every
submission in the sandbox with hidden tests.

The course is found as ``grader check`` finds it (``$GRADER_COURSE``, the folders above the current
one, then the course this package was installed from), so it works from any working directory.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Mapping

from grader.course import Assignment, Course, CourseError, find_course, load_course


class _Functions:
    """The kernel's namespace seen as a module: ``getattr(functions, name, None)``."""

    __name__ = "notebook"

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        try:
            return self._namespace[name]
        except (LookupError, TypeError):  # not there, or no mapping: an attribute this object lacks
            raise AttributeError(name) from None


def kernel_namespace() -> Mapping[str, Any]:
    """The user namespace of the running IPython kernel, else ``__main__``'s globals."""
    try:
        from IPython import get_ipython  # noqa: PLC0415

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    return vars(sys.modules["__main__"])


def _course(course: Course | str | os.PathLike[str] | None) -> Course:
    if isinstance(course, Course):
        return course
    return load_course(course) if course is not None else find_course()


def _assignment(course: Course, assignment_id: str | None, namespace: Mapping[str, Any], lang: str) -> Assignment:
    """The named assignment; else the one whose folder we are in; else the one whose graded
    functions the kernel defines (most of them; a tie is a usage error)."""
    from grader.check import UsageError, infer_assignment, say

    known = ", ".join(a.id for a in course.assignments)
    if assignment_id is not None:
        if assignment_id not in {a.id for a in course.assignments}:
            raise UsageError(say("check.unknown_assignment", lang, assignment=assignment_id, known=known))
        return course.assignment(assignment_id)
    found = infer_assignment(course, None, Path.cwd())
    if found is not None:
        return found
    defined = {name for name, value in namespace.items() if callable(value)}
    scored = sorted(
        ((len(set(a.functions) & defined), a) for a in course.assignments if set(a.functions) <= defined),
        key=lambda pair: -pair[0],
    )
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    raise UsageError(say("check.which_assignment", lang, known=known))


def run_check(
    assignment_id: str | None = None,
    *,
    namespace: Mapping[str, Any] | None = None,
    course: Course | str | os.PathLike[str] | None = None,
    lang: str | None = None,
):
    """Judge the kernel's functions on the public tests: ``(course, assignment, GradingResult)``.

    Raises ``grader.check.UsageError`` (no such assignment, cannot tell which) and ``CourseError``.
    """
    from grader.build.fixtures import FixtureError, load_fixtures
    from grader.check import UsageError, call_in_process, fixtures_path, say
    from grader.grading import StudentRun, judge_run
    from grader.local_run import LocalResult

    course = _course(course)
    lang = lang or course.language
    namespace = kernel_namespace() if namespace is None else namespace
    assignment = _assignment(course, assignment_id, namespace, lang)
    fixtures = fixtures_path(course.assignments_dir / assignment.id)
    try:
        specs = load_fixtures(fixtures)
    except FixtureError as e:
        raise UsageError(say("check.no_fixtures", lang, path=str(fixtures), reason=str(e).split(": ", 1)[-1])) from None
    functions = _Functions(namespace)
    held = io.StringIO()
    started = time.perf_counter()
    outcomes = []
    with contextlib.redirect_stdout(held), contextlib.redirect_stderr(held), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in specs:
            outcomes += [call_in_process(functions, case) for case in spec.cases]
    run = StudentRun(
        student_id="", module_file=assignment.module,
        cases=tuple(tuple(c.name for c in s.cases) for s in specs),
        sandbox=LocalResult(status="ok", calls=outcomes, output=held.getvalue()[: assignment.limits.output_kb * 1024]),
        seconds=time.perf_counter() - started,
    )
    return course, assignment, judge_run(assignment, specs, run)


# -- showing the result -----------------------------------------------------------------------------------


def result_text(course: Course, assignment: Assignment, result: Any, lang: str) -> str:
    """The table of ``grader check``, as plain text."""
    from rich.console import Console

    from grader.check import print_result, say

    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=False, force_jupyter=False, color_system=None,
                      highlight=False, soft_wrap=True)
    print_result(course, assignment, result, lang, checked=Path(assignment.module), console=console,
                 where=say("check.kernel", lang))
    return buffer.getvalue()


def result_html(course: Course, assignment: Assignment, result: Any, lang: str) -> str:
    """The same table and reasons as HTML (escaped), for Jupyter, VS Code and Colab."""
    from grader.check import SHOWN_CASES, say
    from grader.localize import case_line
    from grader.report import Explainer
    from grader.report import points as _points

    esc = html.escape
    title = assignment.title.get(lang, assignment.id)
    rows = []
    for part in result.parts:
        tests = [t for t in result.tests if t.part == part.id]
        part_title = assignment.part(part.id).title.get(lang, part.id)
        if not tests:
            mark, score = esc(say("check.no_public_test", lang)), f"–/{_points(part.max_score)}"
        else:
            mark, score = ("✅" if all(t.passed for t in tests) else "❌"), f"{_points(part.score)}/{_points(part.max_score)}"
        rows.append(f"<tr><td><code>{esc(part.id)}</code></td><td>{esc(part_title)}</td>"
                    f"<td style='text-align:right'>{esc(score)}</td><td style='text-align:center'>{mark}</td></tr>")
    failures = []
    explainer = Explainer(lang, assignment.id)  # as grader check: each diagnosis explained once, then named
    for test in (t for t in result.tests if not t.passed):
        counts = say("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
        items = [f"<li><strong>{esc(code)}</strong>: {esc(words)}</li>" for code, words in explainer(test)]
        cases = [c for c in test.cases if not c.passed]
        items += [f"<li style='color:#666'><code>{esc(case_line(c.name, c.detail, lang))}</code></li>"
                  for c in cases[:SHOWN_CASES]]
        if len(cases) > SHOWN_CASES:
            items.append(f"<li style='color:#666'>{esc(say('check.more_cases', lang, count=len(cases) - SHOWN_CASES))}</li>")
        failures.append(f"<p style='margin:0.6em 0 0.2em'>❌ <code>{esc(test.part)} · {esc(test.name)}</code> — "
                        f"{esc(test.title.get(lang) or test.name)} ({esc(counts)})</p><ul style='margin:0'>{''.join(items)}</ul>")
    status = ""
    if result.status.value != "graded":
        status = f"<p style='color:#b00'>{esc(say('check.not_graded', lang, status=say(f'status.{result.status.value}', lang), message=result.message))}</p>"
    total = say("check.total", lang, score=_points(result.score), max_score=_points(result.max_score))
    done = not failures and result.status.value == "graded"
    closing = say("check.all_passed", lang) if done else say("check.some_failed", lang, failed=len(failures), total=len(result.tests))
    head = (f"<tr><th>{esc(say('report.part', lang))}</th><th>{esc(say('check.title', lang))}</th>"
            f"<th>{esc(say('report.score', lang))}</th><th></th></tr>")
    return (
        f"<div class='grader-check'><p><strong>{esc(say('check.heading', lang, assignment=assignment.id, title=title))}</strong><br>"
        f"{esc(say('check.kernel', lang))}</p>{status}"
        f"<table>{head}{''.join(rows)}</table>{''.join(failures)}"
        f"<p><strong>{esc(total)}</strong><br><span style='color:{'#080' if done else '#000'}'>{esc(closing)}</span></p></div>"
    )


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython  # noqa: PLC0415
    except ImportError:
        return False
    return get_ipython() is not None


def check(
    assignment: str | None = None,
    *,
    lang: str | None = None,
    course: Course | str | os.PathLike[str] | None = None,
    namespace: Mapping[str, Any] | None = None,
) -> None:
    """Run the public tests on the functions defined in this kernel and show the per-part table.

    Parameters
    ----------
    assignment : str, optional
        e.g. ``"a03_multichannel"``; default: the folder the notebook is in, or the assignment whose
        graded functions this kernel defines.
    lang : "ko" or "en", optional
        Default: course.yaml's language (``$GRADER_LANG`` overrides it).
    course, namespace
        For tests and special setups: the course (else found as ``grader check`` finds it) and the
        namespace holding the functions (else the kernel's).
    """
    from grader.check import UsageError

    lang = lang or os.environ.get("GRADER_LANG")
    try:
        found, chosen, result = run_check(assignment, namespace=namespace, course=course, lang=lang)
    except (UsageError, CourseError) as e:
        print(f"grader.check: {e}")
        return None
    lang = lang or found.language
    text = result_text(found, chosen, result, lang)
    if _in_ipython():
        from IPython.display import display  # noqa: PLC0415

        display({"text/plain": text, "text/html": result_html(found, chosen, result, lang)}, raw=True)
    else:
        print(text, end="")
    return None
