"""Scores: a part earns its points x the fraction of its cases passed (or all-or-nothing)."""

from __future__ import annotations

from grader.course import Assignment
from grader.results import PartScore, TestResult


def score_tests(assignment: Assignment, tests: list[TestResult]) -> list[PartScore]:
    """Fill ``score``/``max_score`` of every test and return the per-part scores.

    A test's share of its part is proportional to its number of cases, so the tests of a part add up
    exactly to the part's score. A part without any test (not in the suite) scores 0 of its points.
    """
    parts = []
    for part in assignment.parts:
        mine = [t for t in tests if t.part == part.id]
        total = sum(t.cases_total for t in mine)
        passed = sum(t.cases_passed for t in mine)
        all_pass = total > 0 and passed == total
        for t in mine:
            t.max_score = part.points * t.cases_total / total if total else 0.0
            if part.all_or_nothing:
                t.score = t.max_score if all_pass else 0.0
            else:
                t.score = part.points * t.cases_passed / total if total else 0.0
        if part.all_or_nothing:
            score = part.points if all_pass else 0.0
        else:
            score = part.points * passed / total if total else 0.0
        parts.append(PartScore(part.id, part.title, round(score, 6), part.points))
    return parts
