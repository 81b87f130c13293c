"""feedback.md for the student and a compact Markdown job summary for CI ($GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.report import (
    Explainer,
    assignment_heading,
    explanations,
    full_marks,
    graded_file_text,
    is_visible,
    localized,
    points,
    score_text,
    status_reason,
    student_message,
    test_label,
    text,
    visible_details,
)
from grader.results import GradingResult, Status, TestResult

if TYPE_CHECKING:  # only for annotations
    from grader.course import Assignment

PASS, FAIL, WARN = "✅", "❌", "⚠️"

# Characters that change the meaning of inline Markdown (and `|`, which would split a table cell).
# An underscore inside a word (`a03_multichannel`) is literal in CommonMark, so only one at a word's
# edge is escaped: feedback.md is also read as plain text, where every backslash shows.
_SPECIAL = re.compile(r"([\\`*\[\]<>|~]|(?<!\w)_|_(?!\w))")


def escape(value: str) -> str:
    """Plain text that renders as itself in Markdown, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def code(value: str) -> str:
    """An inline code span that survives backticks in ``value`` (the fence is longer than any run)."""
    value = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _fenced(value: str, prefix: str = "") -> list[str]:
    """A fenced block for multi-line text such as a syntax error; the fence outgrows any inner one."""
    longest = max((len(run) for run in re.findall(r"`{3,}", value)), default=2)
    fence = "`" * (longest + 1)
    return [prefix + fence, *(prefix + line for line in value.splitlines()), prefix + fence]


def _title_and_module(result: GradingResult, lang: str, assignment: Assignment | None) -> tuple[str, str]:
    return assignment_heading(assignment, lang, result.assignment), assignment.module if assignment else ""


def _status_box(result: GradingResult, lang: str, module: str) -> list[str]:
    if result.status is Status.GRADED:
        return []
    status = text(f"status.{result.status.value}", lang)
    lines = [f"> {WARN} **{escape(text('report.not_graded', lang))}: {escape(status)}**", ">"]
    lines.append(f"> {escape(status_reason(result, lang, module))}")
    message = student_message(result, lang)
    if message:
        lines += [">", *_fenced(message, "> ")]
    return lines + [""]


def _total(result: GradingResult, lang: str) -> str:
    return f"**{escape(text('report.total', lang))}: {escape(score_text(result.score, result.max_score, lang))}**"


def part_table(result: GradingResult, lang: str) -> list[str]:
    """The per-part table: title (id), score / max, ✅ or ❌."""
    head = [text("report.part", lang), text("report.score", lang), text("report.status", lang)]
    lines = [f"| {' | '.join(escape(h) for h in head)} |", "|---|---:|:---:|"]
    for part in result.parts:
        title = localized(part.title, lang)
        name = f"{escape(title)} ({code(part.id)})" if title else code(part.id)
        mark = PASS if full_marks(part.score, part.max_score) else FAIL
        lines.append(f"| {name} | {points(part.score)} / {points(part.max_score)} | {mark} |")
    return lines


def _failed_test(test: TestResult, lang: str, explainer: Explainer | None = None) -> list[str]:
    # The heading names the part, the test and what it checks (its title).
    lines = [f"### {FAIL} {escape(test_label(test, lang))}", ""]
    counts = text("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
    lines.append(f"- {escape(counts)}")
    explained = (explainer or Explainer(lang))(test)
    if explained:
        lines.append(f"- **{escape(text('report.why', lang))}**")
        lines += [f"  - {code(c)} {escape(e)}" for c, e in explained]
    details = visible_details(test, lang)
    if details:
        lines.append(f"- **{escape(text('report.detail', lang))}:**")
        lines += [f"  - {code(d)}" for d in details]
    elif not is_visible(test):
        lines.append(f"- _{escape(text('report.hidden_case', lang))}_")
    return lines + [""]


def feedback_markdown(result: GradingResult, lang: str, *, assignment: Assignment | None = None) -> str:
    """feedback.md: title, status box, total, per-part table, then what to fix for each failed test.

    Parameters
    ----------
    result
        The graded submission.
    lang
        ``"ko"`` or ``"en"``.
    assignment
        When given, its title replaces the assignment id and its module file is named when nothing
        was submitted.

    Returns
    -------
    str
        Markdown. For each failed test: what it checks, cases passed, each diagnosis explained once
        and, for visible tests only, the detail lines.
    """
    title, module = _title_and_module(result, lang, assignment)
    lines = [f"# {escape(text('report.feedback_title', lang, assignment=title))}", ""]
    graded = graded_file_text(result, lang)
    if graded:
        lines += [escape(graded), ""]
    lines += _status_box(result, lang, module)
    if result.parts:  # a run stopped before scoring has no parts: "0 / 0" would say nothing
        lines += [_total(result, lang), "", *part_table(result, lang), ""]
    failed = [t for t in result.tests if not t.passed]
    if failed:
        lines += [f"## {escape(text('report.tests_failed', lang, failed=len(failed)))}", ""]
        explainer = Explainer(lang, result.assignment)  # each diagnosis explained once, then named
        for test in failed:
            lines += _failed_test(test, lang, explainer)
        lines.append(f"{escape(text('report.next_step', lang))}")
    elif result.status is Status.GRADED:
        lines += [f"{PASS} {escape(text('report.all_passed', lang))}", ""]
    return "\n".join(lines).rstrip() + "\n"


def job_summary_markdown(result: GradingResult, lang: str, *, assignment: Assignment | None = None) -> str:
    """A compact summary for a CI job page ($GITHUB_STEP_SUMMARY): one heading with the score, the part
    table, one line per failed test with its codes, and each diagnosis explained once."""
    title, module = _title_and_module(result, lang, assignment)
    mark = PASS if result.status is Status.GRADED and full_marks(result.score, result.max_score) else FAIL
    score = escape(score_text(result.score, result.max_score, lang))
    lines = [f"### {mark} {escape(title)}: {score}", ""]
    graded = graded_file_text(result, lang)
    if graded:
        lines += [escape(graded), ""]
    if result.status is not Status.GRADED:
        lines += [f"> {WARN} {escape(status_reason(result, lang, module))}", ""]
    if result.parts:
        lines += part_table(result, lang) + [""]
    failed = [t for t in result.tests if not t.passed]
    for test in failed:
        codes = " ".join(code(c) for c in test.codes)
        counts = f"{test.cases_passed}/{test.cases_total}"
        lines.append(f"- {FAIL} {escape(test_label(test, lang))} ({counts}) {codes}".rstrip())
    codes = list(dict.fromkeys(c for t in failed for c in t.codes))
    if codes:
        facts: dict[str, dict[str, str]] = {}
        for t in failed:
            for c, found in t.facts.items():
                for name, value in found.items():
                    known = facts.setdefault(c, {}).get(name)
                    facts[c][name] = value if not known or value in known.split(", ") else f"{known}, {value}"
        lines += ["", f"**{escape(text('report.why', lang))}**", ""]
        lines += [f"- {code(c)} {escape(e)}" for c, e in explanations(codes, lang, assignment=result.assignment, facts=facts)]
    return "\n".join(lines).rstrip() + "\n"
