"""Reports: pure functions of a :class:`~grader.results.GradingResult`.

One module per format; each function takes a result (and a language) and returns a string, a dict or
a list, and only the ``write_*`` functions touch the filesystem::

    gradescope  to_results_json, write_results_json         results.json (Gradescope schema)
    markdown    feedback_markdown, job_summary_markdown     feedback.md, $GITHUB_STEP_SUMMARY
    html        feedback_html                               feedback.html (with pictures of a visible failure)
    plots       failure_example_png, histogram_png          matplotlib, imported only when a picture is drawn
    csv         grades_csv_header, grades_csv_row, write_grades_csv
    summary     summary_html                                the class summary.html
    (here)      write_feedback                              results.json + feedback.md + feedback.html

The public names are loaded on first use (PEP 562), so ``import grader.report`` stays cheap: a student's
``grader check`` never pays for matplotlib.

The helpers below are shared by every format, so that a student reads the same words everywhere and,
above all, so that the rule "a hidden test shows only its part, its diagnoses and its case counts" is
written once (:func:`visible_details`) instead of once per format.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from grader import messages
from grader.results import CaseResult, GradingResult, Status, TestResult

if TYPE_CHECKING:  # only for annotations: grader.course pulls in jsonschema (seconds to import)
    from grader.course import Assignment

_EXPORTS = {
    "to_results_json": "gradescope",
    "write_results_json": "gradescope",
    "feedback_markdown": "markdown",
    "job_summary_markdown": "markdown",
    "feedback_html": "html",
    "failure_example_png": "plots",
    "histogram_png": "plots",
    "grades_csv_header": "csv",
    "grades_csv_row": "csv",
    "write_grades_csv": "csv",
    "summary_html": "summary",
}

__all__ = sorted([*_EXPORTS, "write_feedback"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


# --- words -------------------------------------------------------------------------------------------

def text(key: str, lang: str, **fields: Any) -> str:
    """The localized text for ``key`` from the message registry, with ``fields`` filled in.

    A key the registry lacks shows as the key itself: a missing translation must never stop
    results.json from being written (a test keeps every key the reports use in the registry).
    """
    try:
        return messages.text(key, lang, **fields)
    except KeyError:
        return key


def explain(code: str, lang: str, *, assignment: str | None = None, facts: Mapping[str, str] | None = None) -> str:
    """The localized explanation of a diagnosis code (SPEC §5), pointing at the lecture notes, worded
    for ``assignment`` and naming the ``facts`` of the diagnosis (an exception, a class of case)."""
    return messages.explain(code, lang, assignment=assignment, facts=facts)


def label(code: str, lang: str) -> str:
    """A few words naming a diagnosis code, for tables."""
    return messages.label(code, lang)


def localized(mapping: Mapping[str, str] | str | None, lang: str) -> str:
    """Pick ``lang`` from a ``{"ko": ..., "en": ...}`` title, else English, else any language."""
    if not mapping:
        return ""
    if isinstance(mapping, str):
        return mapping
    return mapping.get(lang) or mapping.get("en") or next(iter(mapping.values()), "")


def assignment_heading(assignment: Assignment | None, lang: str, fallback: str = "") -> str:
    """How every report names an assignment: ``"3차원 데이터의 합성곱 (a03_multichannel)"``; the id
    alone (``fallback``) when the assignment is not known."""
    if assignment is None:
        return fallback
    title = localized(assignment.title, lang)
    return f"{title} ({assignment.id})" if title and title != assignment.id else assignment.id


def score_text(score: float, max_score: float, lang: str) -> str:
    """``"7.5/16 points"`` / ``"7.5/16점"``."""
    return text("report.points", lang, score=points(score), max_score=points(max_score))


# --- what a student may see of a test ----------------------------------------------------------------


def is_visible(test: TestResult) -> bool:
    """Only ``"visible"`` is visible: any other (or misspelt) visibility is treated as hidden."""
    return test.visibility == "visible"


def test_label(test: TestResult, lang: str) -> str:
    """``"channels: sums_over_input_channels — 입력 채널을 모두 더한다"``: part, test, what it checks."""
    title = localized(test.title, lang)
    name = f"{test.part}: {test.name}"
    return f"{name} — {title}" if title else name


# Not a test, whatever its name: pytest would otherwise collect it in any test module importing it.
test_label.__test__ = False  # type: ignore[attr-defined]


def failing_cases(test: TestResult) -> list[CaseResult]:
    return [c for c in test.cases if not c.passed]


def explanations(codes: list[str], lang: str, *, assignment: str | None = None,
                 facts: Mapping[str, Mapping[str, str]] | None = None) -> list[tuple[str, str]]:
    """``(code, explanation)`` for each code once, in the given order (``facts``: by code, as
    :attr:`TestResult.facts <grader.results.TestResult.facts>` gives them)."""
    facts = facts or {}
    return [(code, explain(code, lang, assignment=assignment, facts=facts.get(code))) for code in dict.fromkeys(codes)]


class Explainer:
    """Explains each diagnosis once per report: the first test that carries a code gets its whole
    message, later tests refer back to it by name (with the exception or case class they found)."""

    def __init__(self, lang: str, assignment: str | None = None):
        self.lang = lang
        self.assignment = assignment
        self._seen: set[tuple[str, str]] = set()

    def __call__(self, test: TestResult) -> list[tuple[str, str]]:
        """``(code, text)`` for each code of a failing test, explained or referred to."""
        facts = test.facts
        out = []
        for code in dict.fromkeys(test.codes):
            found = facts.get(code, {})
            key = (code, found.get("variant", ""))  # another variant says something new: explain it
            if key in self._seen:
                out.append((code, messages.refer(code, self.lang, facts=found)))
            else:
                self._seen.add(key)
                out.append((code, explain(code, self.lang, assignment=self.assignment, facts=found)))
        return out


def visible_details(test: TestResult, lang: str | None = None) -> list[str]:
    """Detail lines of the failing cases, ``"case name: detail"``; empty for a hidden test.

    The one gate for hidden tests: case names, values and positions may hint at hidden inputs, so
    every format gets them from here and a hidden test yields nothing. With ``lang``, the case
    name's half and the detail's words are those of ``lang`` (``grader.localize``).
    """
    if not is_visible(test):
        return []
    if lang is None:
        return [f"{c.name}: {c.detail}" if c.detail else c.name for c in failing_cases(test)]
    from grader.localize import case_line

    return [case_line(c.name, c.detail, lang) for c in failing_cases(test)]


def status_reason(result: GradingResult, lang: str, module: str = "") -> str:
    """Why a submission was not graded normally, in one localized sentence; empty when it was graded.

    ``module`` is the file name the student should have submitted (``multichannel.py``), named in the
    no-submission sentence.
    """
    if result.status is Status.GRADED:
        return ""
    if result.status is Status.INTERNAL_ERROR:
        return text("report.grader_failed_not_you", lang)
    module = module or Path(result.source_file).name or result.assignment
    return text(f"status_help.{result.status.value}", lang, module=module)


def student_message(result: GradingResult, lang: str = "en") -> str:
    """The grader's own words about a failed run (``result.message``), as far as the student may see them.

    An internal error's message is about the grader (paths, tracebacks of trusted code) and may mention
    hidden material, so it is kept for the instructor (summary.html) and never shown to the student.
    """
    if result.status in (Status.GRADED, Status.INTERNAL_ERROR):
        return ""
    return message(result, lang)


def message(result: GradingResult, lang: str) -> str:
    """``result.message`` in ``lang``: from its ``message_words`` when it has them (what the grader says
    about the files handed in), else as recorded (the sandbox's technical detail)."""
    if result.message_words:
        return "; ".join(text(f"submission.{key}", lang, **dict(fields)) for key, fields in result.message_words)
    return result.message.strip()


def graded_file_text(result: GradingResult, lang: str) -> str:
    """``"채점한 파일: a03_multichannel.ipynb"``; empty when no file was graded."""
    return text("report.graded_file", lang, file=result.source_file) if result.source_file else ""


def points(value: float) -> str:
    """A score for people: at most two decimals, no trailing zeros (``7.5``, ``3.33``, ``4``)."""
    out = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def full_marks(score: float, max_score: float) -> bool:
    # Part scores are rounded to 6 decimals by scoring.py, hence the tolerance.
    return score >= max_score - 1e-6


# --- the files of one student ------------------------------------------------------------------------


def write_feedback(
    result: GradingResult,
    folder: str | os.PathLike[str],
    lang: str,
    *,
    assignment: Assignment | None = None,
    hidden_visibility: str = "after_published",
    pictures: bool = True,
) -> list[Path]:
    """Write ``results.json``, ``feedback.md`` and ``feedback.html`` of one submission into ``folder``.

    Parameters
    ----------
    result
        The graded submission.
    folder
        Created if missing.
    lang
        ``"ko"`` or ``"en"``.
    assignment
        Gives the title and the module file name shown to the student.
    hidden_visibility
        Gradescope visibility of hidden tests (see :func:`~grader.report.gradescope.to_results_json`).
    pictures
        Draw heatmaps of visible failures in feedback.html.

    Returns
    -------
    list of Path
        The three files, results.json first.
    """
    from grader.report.gradescope import write_results_json
    from grader.report.html import feedback_html
    from grader.report.markdown import feedback_markdown

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    module = assignment.module if assignment else ""
    written = [write_results_json(result, folder / "results.json", lang, hidden_visibility=hidden_visibility,
                                  module=module)]
    markdown = feedback_markdown(result, lang, assignment=assignment)
    page = feedback_html(result, lang, assignment=assignment, pictures=pictures)
    for name, content in (("feedback.md", markdown), ("feedback.html", page)):
        (folder / name).write_text(content, encoding="utf-8")
        written.append(folder / name)
    return written
