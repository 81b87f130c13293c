"""``grader demo``: the main job on a bundled class of 40 made-up students.

The class lives in ``demo/a03_multichannel/`` at the root of the course repository (committed files,
written by ``demo/make_class.py``): correct solutions in several styles, solutions wrong in one
way each, stubs, and hostile or broken submissions, as ``.py`` files, notebooks and loose files.
``demo/roster.json`` says what grading must make of each student; the demo checks it and says so,
so the demo doubles as a smoke test of the whole pipeline.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

from grader.course import Course
from grader.results import GradingResult, Status

ASSIGNMENT = "a03_multichannel"
DEFAULT_OUT = "demo-output"


def class_dir(course: Course) -> Path:
    """``demo/a03_multichannel/`` beside course.yaml."""
    return course.root / "demo" / ASSIGNMENT


def roster(course: Course) -> dict[str, dict[str, str]]:
    """student id -> {"expect": ..., "shows": ...} from ``demo/roster.json``."""
    return json.loads((course.root / "demo" / "roster.json").read_text(encoding="utf-8"))


def meets(expect: str, result: GradingResult) -> bool:
    """Whether a result is what ``demo/roster.json`` expects (see ``demo/make_class.py``)."""
    kind, _, arg = expect.partition(":")
    full = result.score >= result.max_score - 1e-6
    graded = result.status is Status.GRADED
    if kind == "correct":
        return graded and full
    if kind == "wrong":
        return graded and not full and arg in result.codes
    if kind == "zero":
        return graded and result.score == 0
    if kind == "below":
        return result.status is not Status.INTERNAL_ERROR and not full
    if kind == "status":
        return result.status.value == arg
    raise ValueError(f"unknown expectation {expect!r}")


def main(
    course: Course,
    *,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    jobs: int | None = None,
    lang: str | None = None,
    timeout: float | None = None,
    pictures: bool = True,
) -> int:
    """Batch-grade the demo class into ``out``; print counts per status, the mean score, where to look.

    Returns
    -------
    int
        0 when every student has a row (what ``grader batch`` promises); a student graded otherwise
        than the roster expects is reported but does not change the exit status. 2 when ``out`` is
        neither new, empty nor an earlier demo output.
    """
    from grader.batch.runner import prepare_batch_output, run
    from grader.outputs import OutputError

    directory = class_dir(course)
    if not directory.is_dir():
        print(f"grader demo: {directory}: the demo class is missing (python demo/make_class.py writes it)", file=sys.stderr)
        return 1
    assignment = course.assignment(ASSIGNMENT)
    out = Path(out)
    jobs = jobs or os.cpu_count() or 1
    try:
        prepare_batch_output(out, directory, course, "demo")
    except OutputError as e:
        print(f"grader demo: {e}", file=sys.stderr)
        return 2
    print(f"grader demo: grading {directory} into {out} with {jobs} jobs", flush=True)
    report = run(course, assignment, directory, out, jobs=jobs, lang=lang or course.language, timeout=timeout,
                 pictures=pictures, command="demo")
    _print_summary(report, course, assignment.max_score, out)
    return report.return_code


def _print_summary(report, course: Course, max_score: float, out: Path) -> None:
    results = [row.result for row in report.rows]
    print(f"\n{report.students} students ({report.graded} graded now, {report.reused} reused from {out / 'grades.sqlite'})")
    for status in Status:
        if report.statuses[status]:
            print(f"  {status.value:<15} {report.statuses[status]:>3}")
    scores = [r.score for r in results if r.status is not Status.INTERNAL_ERROR]
    if scores:
        print(f"mean score {statistics.fmean(scores):.2f} / {max_score:g} (median {statistics.median(scores):.2f})")
    expected = roster(course)
    surprises = [
        f"{r.student_id}: expected {expected[r.student_id]['expect']}, got {r.status.value} {r.score:g}"
        for r in results
        if r.student_id in expected and not meets(expected[r.student_id]["expect"], r)
    ]
    print(f"as expected (demo/roster.json): {len(results) - len(surprises)} of {len(results)}")
    for line in surprises:
        print(f"  unexpected: {line}")
    if report.similar_pairs is not None:
        print(f"similar submissions to look at: {report.similar_pairs} pair(s) in {out / 'similarity.csv'} (and summary.html)")
    print(f"open {(out / 'summary.html').resolve()}")
    print(f"grades: {out / 'grades.csv'}; per student: {out}/<student>/feedback.html")
