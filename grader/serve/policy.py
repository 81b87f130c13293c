"""The course's upload policies (course.yaml ``submissions``): when an upload is taken, and whether it is late.

course.py parses the dates without resolving time zones (the student's ``grader check`` loads
course.yaml too, and time zone data is not everywhere: Windows has none without ``tzdata``); the
server resolves them here, once, at start (:func:`check`), so a misspelt zone stops ``grader serve``
with a line naming it instead of failing at the first upload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from enum import Enum

from grader.course import Assignment, Course, CourseError, SubmissionPolicy

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$")


class Window(str, Enum):
    """Where an upload made now falls."""

    NOT_OPEN = "not_open"
    OPEN = "open"
    LATE = "late"
    """After the due date, taken and marked late."""
    CLOSED = "closed"
    """After the due date, refused (``late: reject``)."""


def zone(name: str) -> tzinfo:
    """``UTC``, an offset (``+09:00``) or an IANA name (``Asia/Seoul``); ``ValueError`` otherwise."""
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    offset = _OFFSET.match(name)
    if offset:
        sign = 1 if offset[1] == "+" else -1
        return timezone(sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Asia/Seoul, or +09:00)") from None


def aware(moment: datetime | None, policy: SubmissionPolicy) -> datetime | None:
    """A course.yaml date with its zone: one written without an offset is read in ``policy.timezone``."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone(policy.timezone))


@dataclass(frozen=True)
class Dates:
    opens: datetime | None
    due: datetime | None


def dates(assignment: Assignment) -> Dates:
    policy = assignment.submissions
    return Dates(aware(policy.opens, policy), aware(policy.due, policy))


def check(course: Course) -> None:
    """Resolve every assignment's dates now; ``CourseError`` naming the assignment otherwise."""
    for index, assignment in enumerate(course.assignments):
        try:
            found = dates(assignment)
        except ValueError as e:
            raise CourseError(f"course.yaml: assignments[{index}].submissions.timezone: {e}") from None
        if found.opens and found.due and found.opens >= found.due:
            raise CourseError(
                f"course.yaml: assignments[{index}].submissions: opens ({found.opens.isoformat()})"
                f" must come before due ({found.due.isoformat()})"
            )


def window(assignment: Assignment, now: datetime | None = None) -> Window:
    """Whether an upload of ``assignment`` made at ``now`` (default: now) is taken, and how."""
    now = now or datetime.now(timezone.utc)
    found = dates(assignment)
    if found.opens is not None and now < found.opens:
        return Window.NOT_OPEN
    if found.due is not None and now > found.due:
        return Window.CLOSED if assignment.submissions.late == "reject" else Window.LATE
    return Window.OPEN


def shown(moment: datetime | None, assignment: Assignment) -> str:
    """A date for the pages, in the course's zone: ``2026-03-16 23:59 (Asia/Seoul)``."""
    if moment is None:
        return ""
    policy = assignment.submissions
    return f"{moment.astimezone(zone(policy.timezone)):%Y-%m-%d %H:%M} ({policy.timezone})"
