"""summary.html: the class view of one assignment, for the instructor, from many GradingResults."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TYPE_CHECKING, Sequence

from grader.report import explain, full_marks, label, localized, points, text
from grader.report.html import esc, page, table
from grader.results import GradingResult, Status

if TYPE_CHECKING:  # only for annotations: grader.course pulls in jsonschema (seconds to import)
    from grader.course import Assignment

TOP_CODES = 10


def scored(results: Sequence[GradingResult]) -> list[GradingResult]:
    """Results whose score means something: all but internal errors (those need a re-run, not a zero)."""
    return [r for r in results if r.status is not Status.INTERNAL_ERROR]


def status_counts(results: Sequence[GradingResult]) -> dict[Status, int]:
    """Submissions per status, every status listed (zeros included) in the order of :class:`Status`."""
    counts = Counter(r.status for r in results)
    return {status: counts.get(status, 0) for status in Status}


def part_stats(results: Sequence[GradingResult], assignment: Assignment) -> list[tuple[str, float, float]]:
    """``(part id, fraction of students with the part's full score, mean part score)`` per part."""
    population = scored(results)
    out = []
    for part in assignment.parts:
        values = [r.part_score(part.id) for r in population]
        full = sum(full_marks(v, part.points) for v in values)
        out.append(
            (part.id, full / len(values) if values else 0.0, statistics.fmean(values) if values else 0.0)
        )
    return out


def code_counts(results: Sequence[GradingResult], top: int = TOP_CODES) -> list[tuple[str, int]]:
    """The most frequent diagnosis codes, counted once per student (one student's 40 failing cases
    must not outweigh 10 students' one), most frequent first, ties by name."""
    counts = Counter(code for r in results for code in set(r.codes))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def _histogram(scores: list[float], max_score: float) -> list[str]:
    try:
        from grader.report.plots import data_uri, histogram_png
    except ImportError:  # matplotlib is an instructor extra; the tables still tell the story
        return []
    png = histogram_png(scores, max_score)
    return [f'<figure><img src="{data_uri(png)}" alt="histogram"></figure>']


def _none(lang: str) -> list[str]:
    return [f"<p>{esc(text('report.none', lang))}</p>"]


def _status_section(results: Sequence[GradingResult], lang: str) -> list[str]:
    head = [esc(text("report.status", lang)), esc(text("report.students", lang))]
    rows = [
        [f"<code>{esc(s.value)}</code> {esc(text(f'status.{s.value}', lang))}", str(n)]
        for s, n in status_counts(results).items()
    ]
    return [f"<h2>{esc(text('report.status', lang))}</h2>", *table(head, rows, numeric={1})]


def _score_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    # Internal errors are left out: they have no score, only a pending re-run.
    scores = [r.score for r in scored(results)]
    out = [f"<h2>{esc(text('report.score', lang))}</h2>"]
    if not scores:
        return out + _none(lang)
    maximum = points(assignment.max_score)
    mean, median = statistics.fmean(scores), statistics.median(scores)
    head = [esc(text(k, lang)) for k in ("report.students", "report.mean", "report.median")]
    out += table(head, [[str(len(scores)), f"{points(mean)} / {maximum}", f"{points(median)} / {maximum}"]],
                 numeric={0, 1, 2})
    return out + _histogram(scores, assignment.max_score)


def _part_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    head = [esc(text(k, lang)) for k in ("report.part", "report.full_score", "report.mean")]
    rows = []
    for (part_id, rate, mean), part in zip(part_stats(results, assignment), assignment.parts):
        name = f"{esc(localized(part.title, lang))} <code>{esc(part_id)}</code>"
        rows.append([name, f"{100 * rate:.0f}%", f"{points(mean)} / {points(part.points)}"])
    return [f"<h2>{esc(text('report.part', lang))}</h2>", *table(head, rows, numeric={1, 2})]


def _code_section(results: Sequence[GradingResult], lang: str) -> list[str]:
    out = [f"<h2>{esc(text('report.common_mistakes', lang))}</h2>"]
    counts = code_counts(results)
    if not counts:
        return out + _none(lang)
    head = [esc(text(k, lang)) for k in ("report.diagnosis", "report.students", "report.why")]
    rows = [
        [f"<code>{esc(code)}</code> {esc(label(code, lang))}", str(n), esc(explain(code, lang))]
        for code, n in counts
    ]
    return out + table(head, rows, numeric={1})


def _problem_section(results: Sequence[GradingResult], lang: str) -> list[str]:
    out = [f"<h2>{esc(text('report.not_graded', lang))}</h2>"]
    problems = sorted(
        (r for r in results if r.status is not Status.GRADED), key=lambda r: (r.status.value, r.student_id)
    )
    if not problems:
        return out + _none(lang)
    head = [esc(text(k, lang)) for k in ("report.student", "report.status", "report.message")]
    # The instructor sees the full message, internal errors included (students never do).
    rows = [[esc(r.student_id), f"<code>{esc(r.status.value)}</code>", esc(r.message)] for r in problems]
    return out + table(head, rows)


def summary_html(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> str:
    """The class summary of one assignment as a self-contained page.

    Parameters
    ----------
    results
        One result per student (graded or not).
    assignment
        Gives the parts (order, titles, points) and the maximum score.
    lang
        ``"ko"`` or ``"en"``.

    Returns
    -------
    str
        Counts by status; mean and median score and a histogram (internal errors excluded); per part
        the fraction of students with the full part score and the mean part score; the 10 most
        frequent diagnosis codes with their explanation; the submissions that were not graded
        normally (timeout, crash, refused, unreadable, no submission...) with their message.
    """
    name = localized(assignment.title, lang) or assignment.id
    title = f"{name} — {text('report.summary_title', lang)}"
    body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(text('report.students', lang))}: {len(results)}</p>"]
    body += _status_section(results, lang)
    body += _score_section(results, assignment, lang)
    body += _part_section(results, assignment, lang)
    body += _code_section(results, lang)
    body += _problem_section(results, lang)
    return page(title, body, lang)
