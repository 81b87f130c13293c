"""summary.html: the class view of one assignment, for the instructor, from many GradingResults.

It hides nothing: every student has a row (sortable, with a link to their feedback page and the
folder they handed in), every diagnosis code is counted (a chart of the most frequent, a table of
all), every submission that was not graded normally says why, in the page's language. Paths are
relative: to the class folder for what students handed in, to the summary itself for links.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from grader.report import assignment_heading, explain, full_marks, label, localized, message, points, text
from grader.report.html import esc, page, table
from grader.results import GradingResult, Status

if TYPE_CHECKING:  # only for annotations: grader.course pulls in jsonschema (seconds to import)
    from grader.course import Assignment
    from grader.report.similarity import SimilarityReport

CHART_CODES = 12
"""Diagnosis codes drawn in the chart; the table under it lists every code."""


@dataclass
class StudentRow:
    """One student as summary.html shows them.

    Attributes
    ----------
    result
        The graded (or failed) submission.
    folder
        The student's output folder, relative to the summary (``_1_1-bac90eef``): the link goes to
        ``<folder>/feedback.html``. Empty: no link.
    handed_in
        What the student handed in, relative to the class folder (``=1+1``, ``seo_jun.py``).
    graded_file
        The file that was graded, relative to the class folder; empty when none was.
    notes
        ``(key, fields)`` pairs of ``submission.<key>`` messages: why this file, what was ignored.
    """

    result: GradingResult
    folder: str = ""
    handed_in: str = ""
    graded_file: str = ""
    notes: list[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=list)


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


def code_counts(results: Sequence[GradingResult], top: int | None = None) -> list[tuple[str, int]]:
    """Every diagnosis code with the number of students whose results carry it (one student's 40
    failing cases must not outweigh 10 students' one), most frequent first, ties by name; the first
    ``top`` only when given."""
    counts = Counter(code for r in results for code in set(r.codes))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked if top is None else ranked[:top]


def _pictures():
    try:
        from grader.report import plots
    except ImportError:  # matplotlib is an instructor extra; the tables still tell the story
        return None
    return plots


def _none(lang: str) -> list[str]:
    return [f"<p>{esc(text('report.none', lang))}</p>"]


def _sandbox_line(results: Sequence[GradingResult], lang: str) -> list[str]:
    """Where the students' code ran (results.json says it per student): the jail, Landlock, or no
    kernel layer at all (``--allow-weak-sandbox``), which is shown as a warning."""
    modes = Counter(r.sandbox for r in results if r.sandbox)
    if not modes:
        return []
    words = [text(f"report.sandbox_{mode}", lang) + (f" ({count})" if len(modes) > 1 else "")
             for mode, count in modes.most_common()]
    line = esc(text("report.sandbox", lang, modes="; ".join(words)))
    if "none" in modes:
        return [f'<div class="box" role="alert">{line}</div>']
    return [f"<p>{line}</p>"]


def _status_cell(status: Status, lang: str) -> str:
    return f"<code>{esc(status.value)}</code> {esc(text(f'status.{status.value}', lang))}"


def _status_section(results: Sequence[GradingResult], lang: str) -> list[str]:
    head = [esc(text("report.status", lang)), esc(text("report.students", lang))]
    rows = [[_status_cell(s, lang), str(n)] for s, n in status_counts(results).items()]
    return [f'<h2 id="status">{esc(text("report.status", lang))}</h2>', *table(head, rows, numeric={1})]


def _score_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    # Internal errors are left out: they have no score, only a pending re-run.
    scores = [r.score for r in scored(results)]
    out = [f'<h2 id="score">{esc(text("report.score", lang))}</h2>']
    if not scores:
        return out + _none(lang)
    maximum = points(assignment.max_score)
    mean, median = statistics.fmean(scores), statistics.median(scores)
    head = [esc(text(k, lang)) for k in ("report.students", "report.mean", "report.median")]
    out += table(head, [[str(len(scores)), f"{points(mean)} / {maximum}", f"{points(median)} / {maximum}"]],
                 numeric={0, 1, 2})
    plots = _pictures()
    if plots is not None:
        png = plots.histogram_png(scores, assignment.max_score)
        out.append(f'<figure><img src="{plots.data_uri(png)}" alt="{esc(text("report.score", lang))}"></figure>')
    return out


def _part_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    head = [esc(text(k, lang)) for k in ("report.part", "report.full_score", "report.mean")]
    rows = []
    for (part_id, rate, mean), part in zip(part_stats(results, assignment), assignment.parts):
        name = f"{esc(localized(part.title, lang))} <code>{esc(part_id)}</code>"
        rows.append([name, f"{100 * rate:.0f}%", f"{points(mean)} / {points(part.points)}"])
    return [f'<h2 id="parts">{esc(text("report.part", lang))}</h2>', *table(head, rows, numeric={1, 2})]


def _code_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    out = [f'<h2 id="diagnoses">{esc(text("report.common_mistakes", lang))}</h2>']
    counts = code_counts(results)
    if not counts:
        return out + _none(lang)
    out.append(f"<p>{esc(text('report.all_diagnoses', lang, count=len(counts), shown=min(CHART_CODES, len(counts))))}</p>")
    plots = _pictures()
    if plots is not None:
        top = counts[:CHART_CODES]
        png = plots.bar_chart_png([c for c, _ in top], [n for _, n in top], xlabel="students")
        out.append(f'<figure><img src="{plots.data_uri(png)}" alt="{esc(text("report.common_mistakes", lang))}"></figure>')
    head = [esc(text(k, lang)) for k in ("report.diagnosis", "report.students", "report.why")]
    rows = [
        [f"<code>{esc(code)}</code> {esc(label(code, lang))}", str(n), esc(explain(code, lang, assignment=assignment.id))]
        for code, n in counts
    ]
    return out + table(head, rows, numeric={1}, attrs='class="sortable" id="diagnosis-table"')


def _student_section(rows: Sequence[StudentRow], assignment: Assignment, lang: str) -> list[str]:
    out = [f'<h2 id="students">{esc(text("report.per_student", lang))}</h2>',
           f'<p class="hint">{esc(text("report.sort_hint", lang))}</p>']
    if not rows:
        return out + _none(lang)
    head = [esc(text(k, lang)) for k in ("report.student", "report.handed_in", "report.graded_file_column",
                                         "report.score", "report.status")]
    head += [f"<code>{esc(p.id)}</code>" for p in assignment.parts]
    head += [esc(text("report.diagnosis", lang)), esc(text("report.feedback", lang))]
    numeric = {3, *range(5, 5 + len(assignment.parts))}
    body = []
    for row in rows:
        r = row.result
        trusted = r.status is not Status.INTERNAL_ERROR
        score = points(r.score) if trusted else ""
        parts = [points(r.part_score(p.id)) if trusted else "" for p in assignment.parts]
        codes = " ".join(f'<code title="{esc(label(c, lang))}">{esc(c)}</code>' for c in r.codes)
        link = f'<a href="{esc(_url(row.folder))}/feedback.html">feedback.html</a>' if row.folder else ""
        notes = "".join(f'<div class="note">{esc(text(f"submission.{k}", lang, **dict(f)))}</div>' for k, f in row.notes)
        body.append([
            esc(r.student_id),
            f"<code>{esc(row.handed_in)}</code>" if row.handed_in else "",
            (f"<code>{esc(row.graded_file)}</code>" if row.graded_file else "–") + notes,
            score,
            _status_cell(r.status, lang),
            *parts,
            codes,
            link,
        ])
    return out + ['<div class="scroll">', *table(head, body, numeric=numeric, attrs='class="sortable" id="student-table"'), "</div>"]


def _url(folder: str) -> str:
    from urllib.parse import quote

    return quote(folder, safe="")


def _problem_section(results: Sequence[GradingResult], assignment: Assignment, lang: str) -> list[str]:
    out = [f'<h2 id="not-graded">{esc(text("report.not_graded", lang))}</h2>']
    problems = sorted(
        (r for r in results if r.status is not Status.GRADED), key=lambda r: (r.status.value, r.student_id)
    )
    if not problems:
        return out + _none(lang)
    head = [esc(text(k, lang)) for k in ("report.student", "report.status", "report.message", "report.detail")]
    rows = []
    for r in problems:
        why = text("report.grader_failed_not_you", lang) if r.status is Status.INTERNAL_ERROR else text(
            f"status_help.{r.status.value}", lang, module=assignment.module)
        # The grader's own sentences in this page's language; the sandbox's technical detail (what
        # the code did, e.g. "sys.exit(0) while being imported") as it was recorded, marked as code.
        # The instructor sees internal errors' messages too (students never do).
        said = message(r, lang)
        detail = esc(said) if r.message_words else (f"<code>{esc(said)}</code>" if said else "")
        rows.append([esc(r.student_id), f"<code>{esc(r.status.value)}</code>", esc(why), detail])
    return out + table(head, rows)


_SORT_SCRIPT = """<script>
// Click a column heading of a sortable table to sort by it (again: the other way round).
document.querySelectorAll("table.sortable").forEach((tableEl) => {
  tableEl.querySelectorAll("th").forEach((th, column) => {
    th.addEventListener("click", () => {
      const rows = [...tableEl.querySelectorAll("tr")].slice(1);
      const up = th.dataset.order !== "up";
      tableEl.querySelectorAll("th").forEach((other) => delete other.dataset.order);
      th.dataset.order = up ? "up" : "down";
      const key = (row) => row.children[column].textContent.trim();
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        const nx = parseFloat(x), ny = parseFloat(y);
        const order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? order : -order;
      });
      rows.forEach((row) => tableEl.appendChild(row));
    });
  });
});
</script>"""


def summary_html(
    results: Sequence[GradingResult],
    assignment: Assignment,
    lang: str,
    *,
    students: Sequence[StudentRow] | None = None,
    no_secret: bool = False,
    similarity: SimilarityReport | None = None,
) -> str:
    """The class summary of one assignment as a self-contained page.

    Parameters
    ----------
    results
        One result per student (graded or not).
    assignment
        Gives the parts (order, titles, points) and the maximum score.
    lang
        ``"ko"`` or ``"en"``: every word of the page (the sandbox's technical details excepted).
    students
        The per-student rows (links, folders handed in, graded files), in the order to show; by
        default one row per result without links.
    no_secret
        Hidden cases were seeded without a course secret: the page says so at the top.
    similarity
        Pairs of suspiciously similar submissions (``grader batch``), shown for a human to judge.

    Returns
    -------
    str
        Counts by status; mean and median score and a histogram (internal errors excluded); per part
        the fraction of students with the full part score and the mean part score; every diagnosis
        code with its count (a chart of the most frequent); one sortable row per student; the
        submissions that were not graded normally with the reason; similar submissions.
    """
    title = f"{assignment_heading(assignment, lang)} — {text('report.summary_title', lang)}"
    rows = list(students) if students is not None else [StudentRow(r, graded_file=r.source_file) for r in results]
    body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(text('report.students', lang))}: {len(results)}</p>"]
    if no_secret:
        body.append(f'<div class="box" role="alert"><strong>no secret</strong> — {esc(text("report.no_secret", lang))}</div>')
    body += _sandbox_line(results, lang)
    body += _status_section(results, lang)
    body += _score_section(results, assignment, lang)
    body += _part_section(results, assignment, lang)
    body += _code_section(results, assignment, lang)
    body += _student_section(rows, assignment, lang)
    body += _problem_section(results, assignment, lang)
    if similarity is not None:
        from grader.report.similarity import similarity_section

        body += similarity_section(similarity, lang)
    body.append(_SORT_SCRIPT)
    return page(title, body, lang, body_class="wide")
