"""grades.csv (SPEC §8): one row per student, a column per part in course.yaml order."""

from __future__ import annotations

import csv
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from grader.results import GradingResult, Status

if TYPE_CHECKING:  # only for annotations: grader.course pulls in jsonschema (seconds to import)
    from grader.course import Assignment

FIXED_HEAD = ["student_id", "assignment", "score", "max_score", "status"]
FIXED_TAIL = ["diagnoses", "graded_at"]


def grades_csv_header(assignment: Assignment) -> list[str]:
    """``student_id, assignment, score, max_score, status, <part ids>, diagnoses, graded_at``."""
    return FIXED_HEAD + [p.id for p in assignment.parts] + FIXED_TAIL


def _number(value: float) -> str:
    """Up to 4 decimals without trailing zeros (``7.5``, ``3.3333``, ``16``)."""
    out = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def _timestamp(graded_at: datetime | str | None) -> str:
    """ISO-8601 in UTC with a ``Z`` (a naive datetime is taken as UTC); a string is kept as given."""
    if isinstance(graded_at, str):
        return graded_at
    moment = graded_at or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: str) -> str:
    # A student id comes from a folder name: one starting with = + - @ would run as a formula when
    # the CSV is opened in a spreadsheet, so it is quoted with a leading apostrophe.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def grades_csv_row(
    result: GradingResult, assignment: Assignment, graded_at: datetime | str | None = None
) -> list[str]:
    """The grades.csv row of one result, matching :func:`grades_csv_header`.

    Parameters
    ----------
    result
        The graded (or failed) submission.
    assignment
        Gives the part columns and their order, and ``max_score`` when the result has no parts.
    graded_at
        When the grading finished; now (UTC) when omitted.

    Returns
    -------
    list of str
        Scores with up to 4 decimals. ``diagnoses`` is the codes joined by ``;``, most frequent first.
        For ``internal_error`` the score and part cells are empty: the grader failed, so there is no
        score to trust (an empty cell is not uploaded as a zero).
    """
    trusted = result.status is not Status.INTERNAL_ERROR
    score = _number(result.score) if trusted else ""
    max_score = _number(result.max_score if result.parts else assignment.max_score)
    parts = [_number(result.part_score(p.id)) if trusted else "" for p in assignment.parts]
    return [
        _cell(result.student_id),
        result.assignment,
        score,
        max_score,
        result.status.value,
        *parts,
        ";".join(result.codes),
        _timestamp(graded_at),
    ]


def write_grades_csv(
    path: str | os.PathLike[str], rows: Iterable[Sequence[str]], header: Sequence[str] | None = None
) -> Path:
    """Write rows (with ``header`` first when given) as UTF-8 CSV; the csv module does the quoting."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path
