"""results.json in Gradescope's autograder schema (SPEC §7), uploadable as-is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from grader.report import (
    explanations,
    graded_file_text,
    is_visible,
    score_text,
    status_reason,
    student_message,
    test_label,
    text,
    visible_details,
)
from grader.results import GradingResult, Status, TestResult

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
"""Gradescope's visibility values."""

SCORE_DECIMALS = 4


def _score(value: float) -> float:
    return round(float(value), SCORE_DECIMALS)


def test_output(test: TestResult, lang: str, assignment: str | None = None) -> str:
    """The ``output`` of one test: case counts, diagnoses explained and, for visible tests only, details.

    A hidden test says only how many cases passed and what its output suggests (its part is in the
    name): no case names, values, inputs, source lines or tracebacks.
    """
    lines = [text("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)]
    if test.passed:
        return lines[0]
    lines += [f"- {explanation}" for _, explanation in explanations(test.codes, lang, assignment=assignment, facts=test.facts)]
    details = visible_details(test, lang)
    if details:
        lines += ["", text("report.detail", lang) + ":"] + [f"  {d}" for d in details]
    elif not is_visible(test):
        lines += ["", text("report.hidden_case", lang)]
    return "\n".join(lines)


def _test_entry(test: TestResult, lang: str, hidden_visibility: str, assignment: str | None = None) -> dict[str, Any]:
    return {
        "name": test_label(test, lang),
        "number": test.number,
        "score": _score(test.score),
        "max_score": _score(test.max_score),
        "status": "passed" if test.passed else "failed",
        "output": test_output(test, lang, assignment),
        "visibility": "visible" if is_visible(test) else hidden_visibility,
        "extra_data": {
            "part": test.part,
            "diagnosis": test.codes,
            "cases_passed": test.cases_passed,
            "cases_total": test.cases_total,
        },
    }


def overall_output(result: GradingResult, lang: str, module: str = "") -> str:
    """The top-level message: score and failed tests when graded, otherwise why grading stopped."""
    graded = graded_file_text(result, lang)
    if result.status is not Status.GRADED:
        reason = status_reason(result, lang, module)
        message = student_message(result, lang)
        lines = [reason, message, graded]
    else:
        failed = sum(not t.passed for t in result.tests)
        verdict = text("report.tests_failed", lang, failed=failed) if failed else text("report.all_passed", lang)
        lines = [f"{score_text(result.score, result.max_score, lang)} · {verdict}", graded]
    return "\n".join(line for line in lines if line)


def to_results_json(
    result: GradingResult, lang: str, *, hidden_visibility: str = "after_published", module: str = ""
) -> dict[str, Any]:
    """The results.json document of one submission.

    Parameters
    ----------
    result
        The graded submission.
    lang
        Language of every student-facing text (``"ko"`` or ``"en"``).
    hidden_visibility
        Gradescope visibility given to hidden tests: ``"hidden"``, ``"after_due_date"`` or
        ``"after_published"`` (default). Visible tests are always ``"visible"``.
    module
        The file the student should submit (``Assignment.module``), named when nothing was submitted.

    Returns
    -------
    dict
        ``score``, ``max_score``, ``execution_time``, ``output``, ``stdout_visibility`` and ``tests``;
        each test has ``name``, ``number``, ``score``, ``max_score``, ``status``, ``output``,
        ``visibility`` and ``extra_data`` (part, diagnosis codes, case counts). The student's own
        printed output is left out on purpose: code could print its hidden inputs into it.
    """
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {VISIBILITIES}, got {hidden_visibility!r}")
    return {
        "score": _score(result.score),
        "max_score": _score(result.max_score),
        "execution_time": round(float(result.execution_time), 3),
        "output": overall_output(result, lang, module),
        "stdout_visibility": "hidden",
        "extra_data": {"sandbox": result.sandbox or "not run"},
        "tests": [_test_entry(t, lang, hidden_visibility, result.assignment) for t in result.tests],
    }


def write_results_json(
    result: GradingResult,
    path: str | os.PathLike[str],
    lang: str,
    *,
    hidden_visibility: str = "after_published",
    module: str = "",
) -> Path:
    """Write :func:`to_results_json` as UTF-8 JSON (Korean stays readable: no ``\\u`` escapes)."""
    path = Path(path)
    document = to_results_json(result, lang, hidden_visibility=hidden_visibility, module=module)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
