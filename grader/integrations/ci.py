"""``grader ci ASSIGNMENT PATH``: grading on a push (GitHub Actions), for a machine to read.

Output, in this order:

- ``OUT/results.json`` (Gradescope schema, the same file ``grader grade`` writes);
- a Markdown job summary appended to ``$GITHUB_STEP_SUMMARY`` (printed when the variable is unset);
- one ``::error file=...,line=...,title=...::message`` workflow command per failing test, on the
  ``def`` line of the function the test exercises in the file the student committed;
- exit status 0 when every test passed, 1 otherwise (2: no such file or folder, or an ``--out`` that
  is neither new, empty nor an earlier output of ``grader ci``).

Which tests: a student repository (the ``grader release`` bundle) has no hidden suites, so only the
public tests run, judged against the TensorFlow answers stored in ``assignments/<id>/fixtures/``:
no TensorFlow is imported. Where the hidden suites exist (the instructor's repository), public and
hidden tests run, seeded for ``--student`` (default ``$GITHUB_ACTOR``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

from grader.course import Assignment, Course
from grader.outputs import OutputError, prepare_output
from grader.report import explanations, localized, status_reason, student_message, test_label, text
from grader.results import GradingResult, Status, TestResult

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

FIXTURES = Path("fixtures") / "public.npz"

_MODE_NOTE = {
    "public": {
        "ko": "공개 테스트만 실행했습니다. 최종 점수에는 교수자가 채점하는 숨겨진 테스트가 더해집니다.",
        "en": "Public tests only: your grade also includes hidden tests run by your instructor.",
    },
    "hidden": {"ko": "공개 테스트와 숨겨진 테스트를 모두 실행했습니다.", "en": "Public and hidden tests."},
}


# -- GitHub workflow commands -------------------------------------------------------------------


def escape_data(value: str) -> str:
    """Escape the message of a workflow command (GitHub's rules: ``%``, CR, LF)."""
    return str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value of a workflow command (also ``:`` and ``,``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(message: str, *, file: str = "", line: int | None = None, title: str = "", kind: str = "error") -> str:
    """``::error file=F,line=L,title=T::message`` with every part escaped."""
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
    if line:
        props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{escape_data(message)}"


# -- which tests --------------------------------------------------------------------------------


def hidden_suites_available(assignment_id: str) -> bool:
    """True where ``grader.suites.<id>`` exists (the instructor's copy; never a student bundle)."""
    try:
        return importlib.util.find_spec(f"grader.suites.{assignment_id}") is not None
    except ImportError:  # grader.suites itself is missing
        return False


def public_specs(course: Course, assignment: Assignment):
    """The visible tests with TensorFlow's stored answers; never imports TensorFlow."""
    from grader.build.fixtures import load_fixtures

    return load_fixtures(course.assignments_dir / assignment.id / FIXTURES)


def select_specs(course: Course, assignment: Assignment, student_id: str, hidden: bool | None, code: str = ""):
    """``(specs, mode)``: public + hidden when the suites exist (and ``hidden`` is not False), else public.
    ``code`` (the submission's code digest) seeds the hidden cases."""
    from grader.grading import prepare

    if hidden is None and hidden_suites_available(assignment.id):
        try:
            return prepare(course, assignment, student_id, hidden=True, code=code), "hidden"
        except ImportError as e:  # suites but no TensorFlow here: what a student would get
            print(f"grader ci: hidden tests unavailable ({e}); running the public tests", file=sys.stderr)
    elif hidden:
        return prepare(course, assignment, student_id, hidden=True, code=code), "hidden"
    return public_specs(course, assignment), "public"


# -- annotations --------------------------------------------------------------------------------


def committed_file(path: Path, assignment: Assignment) -> Path:
    """The file the grader graded (a folder is resolved the way the grader resolves it)."""
    from grader.submission import SubmissionError, locate

    try:
        return locate(path, assignment).path
    except SubmissionError:
        return path


def repo_relative(path: Path) -> str:
    """``path`` relative to the repository root (``$GITHUB_WORKSPACE``, else the current folder)."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _def_line(result: GradingResult, assignment: Assignment, test: TestResult) -> int | None:
    try:
        functions = assignment.part(test.part).functions
    except KeyError:
        functions = ()
    for function in functions:
        if function in result.source_lines:
            return int(result.source_lines[function])
    return None


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def annotations(result: GradingResult, assignment: Assignment, file: Path, lang: str) -> list[str]:
    """One ``::error`` per failing test (one in all when the submission could not be graded)."""
    name = repo_relative(file)
    is_module = file.suffix == ".py"  # a notebook's lines are JSON lines: annotate the file only
    if result.status is not Status.GRADED:
        message = student_message(result, lang)
        line = None
        if is_module and result.status is Status.SYNTAX_ERROR:
            match = re.search(r"line (\d+)", message)
            line = int(match.group(1)) if match else None
        reason = status_reason(result, lang, assignment.module)
        body = f"{reason} {message.splitlines()[0]}" if message else reason
        return [annotation(_one_line(body), file=name, line=line, title=f"{assignment.id}: {result.status.value}")]
    out = []
    for test in result.tests:
        if test.passed:
            continue
        try:
            part_title = localized(assignment.part(test.part).title, lang)
        except KeyError:
            part_title = ""
        title = f"{part_title} ({test.part})" if part_title else test.part
        counts = text("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
        explained = [e for _, e in explanations(test.codes, lang, assignment=result.assignment, facts=test.facts)] or [text("report.no_diagnosis", lang)]
        message = _one_line(f"{test_label(test, lang)} — {counts}. {' '.join(explained)}")
        out.append(annotation(message, file=name, line=_def_line(result, assignment, test) if is_module else None, title=title))
    return out


# -- the command --------------------------------------------------------------------------------


def main(
    course: Course,
    assignment_id: str,
    path: str | os.PathLike[str],
    *,
    lang: str,
    out: str | os.PathLike[str] | None = None,
    student: str | None = None,
    hidden: bool | None = None,
) -> int:
    """Grade ``path`` for CI; 0 when every test passed, 1 otherwise, 2 when ``path`` does not exist or
    ``out`` may not be written (see :func:`grader.outputs.prepare_output`).

    ``hidden``: None picks public + hidden when the hidden suites are installed, else public only;
    False forces the public tests (no TensorFlow); True requires the hidden suites.
    """
    from grader.grading import grade_path
    from grader.report import job_summary_markdown, write_results_json

    assignment = course.assignment(assignment_id)
    path = Path(path)
    if not path.exists():
        print(f"grader ci: {path}: no such file or folder", file=sys.stderr)
        print(annotation(f"{path}: no such file or folder", title=f"{assignment.id}: no submission"))
        return EXIT_USAGE
    try:
        out_dir = prepare_output(out or "grader-output", "ci", protect=(course.root,))
    except OutputError as e:
        print(f"grader ci: {e}", file=sys.stderr)
        return EXIT_USAGE
    student_id = student or os.environ.get("GITHUB_ACTOR") or "ci"
    try:
        from grader.submission import submitted_code_digest

        specs, mode = select_specs(course, assignment, student_id, hidden, submitted_code_digest(path, assignment))
    except Exception as e:  # the tests themselves are missing: the course's problem, not the student's
        print(f"grader ci: cannot load the tests of {assignment.id}: {e}", file=sys.stderr)
        print(annotation(f"cannot load the tests: {e}", title=f"{assignment.id}: grader error"))
        return EXIT_FAIL

    if mode == "hidden":
        from grader.sandbox import layers
        from grader.secret import warn_if_missing

        try:
            layers.preflight("ci")  # hidden tests: student code only behind a kernel-enforced boundary
        except layers.Refused as e:
            print(e, file=sys.stderr)
            print(annotation("no kernel-enforced sandbox for the hidden tests (see `grader doctor`)",
                             title=f"{assignment.id}: grader error"))
            return EXIT_USAGE
        warn_if_missing(course, "ci")
    # Public tests only: the student's own code on their own runner, as `grader check` runs it.
    isolation = None if mode == "hidden" else "none"
    result = grade_path(course, assignment, path, student_id=student_id, specs=specs, isolation=isolation)

    results_path = write_results_json(result, out_dir / "results.json", lang, module=assignment.module)

    summary = job_summary_markdown(result, lang, assignment=assignment)
    summary = summary.rstrip() + f"\n\n_{_MODE_NOTE[mode].get(lang, _MODE_NOTE[mode]['en'])}_\n"
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as f:
            f.write(summary + "\n")
    else:
        print(summary)

    for line in annotations(result, assignment, committed_file(path, assignment), lang):
        print(line)

    passed = result.status is Status.GRADED and bool(result.tests) and all(t.passed for t in result.tests)
    print(
        f"{assignment.id}: {result.score:g}/{result.max_score:g} ({'pass' if passed else 'fail'}, "
        f"{mode} tests) -> {results_path}"
    )
    sys.stdout.flush()
    return EXIT_PASS if passed else EXIT_FAIL
