"""Scores: a part earns its points x the fraction of its cases passed (or all-or-nothing).

Points mean what they say: a case that must raise ``ValueError`` earns its credit only when the same
function also computes valid input correctly (``gate_validation``), so a function that rejects
everything scores 0 on validation too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from grader.cases import TestSpec
from grader.course import Assignment
from grader.results import PartScore, TestResult


def gate_validation(specs: Sequence[TestSpec], tests: Sequence[TestResult]) -> None:
    """Withdraw the credit of validation cases whose function fails the valid cases they vary.

    A case that must raise passes only if it raised ``ValueError`` *and* its twins passed: the
    valid cases named in ``Case.twins`` (``"test/case"``, or ``"test"`` for every valid case of that
    test), by default every visible valid case of the same function (the public examples). A twin
    that was not run (not among ``specs``) counts as failed. ``tests`` are the judged ``specs``, in
    order; their ``CaseResult``s are changed in place.
    """
    valid: dict[str, bool] = {}
    by_test: dict[str, list[str]] = defaultdict(list)
    visible: dict[str, list[str]] = defaultdict(list)
    for spec, test in zip(specs, tests):
        for case, result in zip(spec.cases, test.cases):
            if case.expects_error:
                continue
            key = f"{spec.name}/{case.name}"
            valid[key] = result.passed
            by_test[spec.name].append(key)
            if spec.visibility == "visible":
                visible[case.function].append(key)
    for spec, test in zip(specs, tests):
        for case, result in zip(spec.cases, test.cases):
            if not (case.expects_error and result.passed):
                continue
            twins = [key for twin in case.twins for key in (by_test.get(twin) or [twin])] or visible[case.function]
            failed = [key for key in twins if not valid.get(key, False)]
            if failed:
                result.passed = False
                result.detail = (f"raised ValueError as it must, but earns credit only once {case.function} computes "
                                 f"valid input correctly: {_failed_twins(failed, spec.visibility)}")


def _failed_twins(failed: Sequence[str], visibility: str) -> str:
    """The valid cases that withheld a validation case's credit, as its detail line names them.

    A visible case names the first two (``"test/case"``, the case by its English half, as detail lines
    are written in English): the public cases the student fixes first. A hidden case names tests and
    counts only: its twins may be hidden cases, whose names describe hidden inputs, and its line must
    never read like a public one (a served report shows no hidden detail). ``grader.localize``
    translates both.
    """
    if visibility == "visible":
        from grader.localize import bilingual

        named = [f"{test}/{bilingual(case, 'en')}" for test, _, case in (key.partition("/") for key in failed[:2])]
        return ", ".join(named) + (f" (+{len(failed) - 2})" if len(failed) > 2 else "") + " failed"
    counts: dict[str, int] = defaultdict(int)
    for key in failed:
        counts[key.split("/", 1)[0]] += 1
    return "valid cases failed in " + ", ".join(f"{test} ({n})" for test, n in counts.items())


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
