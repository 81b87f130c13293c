"""feedback.html: the Markdown feedback as one self-contained page, with pictures of a visible failure.

Everything is escaped with :func:`html.escape` (titles, codes, details, messages): details and
messages are derived from the student's code and output. The page loads nothing from the network:
inline CSS, pictures as ``data:`` URIs.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Iterable

import numpy as np

from grader.localize import bilingual
from grader.report import (
    Explainer,
    assignment_heading,
    explanations,
    full_marks,
    graded_file_text,
    is_visible,
    label,
    localized,
    points,
    score_text,
    status_reason,
    student_message,
    test_label,
    text,
    visible_details,
)
from grader.results import FailureExample, GradingResult, Status, TestResult, array_summary

if TYPE_CHECKING:  # only for annotations
    from grader.course import Assignment

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.6rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 0 0 .5rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .35rem .7rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; }
pre { background: #f6f8fa; padding: .7rem; overflow-x: auto; white-space: pre-wrap; }
.box { border-left: 4px solid #d4a72c; background: #fff8c5; padding: .7rem 1rem; margin: 1rem 0; }
.box.internal { border-color: #0969da; background: #ddf4ff; }
.total { font-size: 1.2rem; font-weight: 600; }
.bar { background: #eaeef2; border-radius: 4px; height: .6rem; max-width: 24rem; }
.bar > div { background: #2da44e; height: 100%; border-radius: 4px; }
.test { border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.test.failed { border-left: 4px solid #cf222e; }
.hidden-note { color: #57606a; font-style: italic; }
.ok { color: #1a7f37; } .bad { color: #cf222e; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { color: #57606a; font-size: .9rem; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[data-order="up"]::after { content: " ▲"; } table.sortable th[data-order="down"]::after { content: " ▼"; }
.note, .hint { color: #57606a; font-size: .85rem; }
body.wide { max-width: 96rem; } .scroll { overflow-x: auto; }
.file { color: #57606a; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.pair pre { font-size: .8rem; max-height: 40rem; overflow: auto; }
mark { background: #ffd8b5; }
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: Iterable[str], lang: str, body_class: str = "") -> str:
    """A complete HTML document around ``body`` (already escaped fragments)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{esc(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            f'<body class="{esc(body_class)}">' if body_class else "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def table(head: list[str], rows: Iterable[list[str]], numeric: set[int] = frozenset(), attrs: str = "") -> list[str]:
    """A table from already-escaped cells; columns in ``numeric`` are right-aligned; ``attrs`` (already
    escaped) go into the ``<table>`` tag."""
    out = [f"<table {attrs}>" if attrs else "<table>", "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for row in rows:
        cells = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        out.append(f"<tr>{cells}</tr>")
    return out + ["</table>"]


def _status_box(result: GradingResult, lang: str, module: str) -> list[str]:
    if result.status is Status.GRADED:
        return []
    kind = "box internal" if result.status is Status.INTERNAL_ERROR else "box"
    heading = f"{text('report.not_graded', lang)}: {text(f'status.{result.status.value}', lang)}"
    out = [f'<div class="{kind}" role="alert">', f"<strong>{esc(heading)}</strong>"]
    out.append(f"<p>{esc(status_reason(result, lang, module))}</p>")
    message = student_message(result, lang)
    if message:
        out.append(f"<pre>{esc(message)}</pre>")
    return out + ["</div>"]


def _total(result: GradingResult, lang: str) -> list[str]:
    total = f"{text('report.total', lang)}: {score_text(result.score, result.max_score, lang)}"
    share = 100 * result.score / result.max_score if result.max_score else 0
    return [
        f'<p class="total">{esc(total)}</p>',
        f'<div class="bar"><div style="width: {max(0.0, min(100.0, share)):.1f}%"></div></div>',
    ]


def _part_table(result: GradingResult, lang: str) -> list[str]:
    head = [esc(text(k, lang)) for k in ("report.part", "report.score", "report.status")]
    rows = []
    for part in result.parts:
        ok = full_marks(part.score, part.max_score)
        mark = '<span class="ok">✅</span>' if ok else '<span class="bad">❌</span>'
        title = localized(part.title, lang)
        name = f"{esc(title)} <code>{esc(part.id)}</code>" if title else f"<code>{esc(part.id)}</code>"
        rows.append([name, f"{points(part.score)} / {points(part.max_score)}", mark])
    return table(head, rows, numeric={1})


def _picture(example: FailureExample, lang: str, tolerance=None) -> list[str]:
    """The heatmaps of a visible test's first failing case, or nothing when there is nothing to draw.

    ``tolerance`` is the part's (course.yaml): the difference is drawn against it."""
    try:
        from grader.report.plots import data_uri, failure_example_png

        png = failure_example_png(example, tolerance)
    except Exception:  # noqa: BLE001 - a picture is a bonus: failing to draw (no matplotlib on a
        return []  # student install, odd values) must never cost the student their feedback page.
    if png is None:
        return []
    expected, got = text("report.expected", lang), text("report.got", lang)
    e, g = example.expected, example.got
    if isinstance(e, np.ndarray) and isinstance(g, np.ndarray) and e.shape != g.shape:
        caption = f"{label('wrong_shape', lang)}: {expected} {tuple(e.shape)} · {got} {tuple(g.shape)}"
    else:
        caption = f"{expected} · {got} · |{got} − {expected}|"
    return [
        "<figure>",
        f'<img src="{data_uri(png)}" alt="{esc(text("report.example", lang))}">',
        f"<figcaption>{esc(caption)}</figcaption>",
        "</figure>",
    ]


def _tolerance(assignment: Assignment | None, part: str):
    """The part's tolerance (course.yaml), or None (compare.py's defaults) when it is not known."""
    try:
        return assignment.part(part).tolerance if assignment is not None else None
    except KeyError:
        return None


def _describe(value: object, limit: int = 120) -> str:
    """An input of a visible case in a few words: arrays by dtype and shape, other values by repr."""
    if isinstance(value, np.ndarray):
        return array_summary(value)
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _example(example: FailureExample, lang: str, pictures: bool, tolerance=None) -> list[str]:
    out = [f"<p><strong>{esc(text('report.example', lang))}:</strong> <code>{esc(bilingual(example.case, lang))}</code></p>"]
    if example.inputs:
        items = "".join(
            f"<li><code>{esc(name)}</code>: {esc(_describe(value))}</li>" for name, value in example.inputs.items()
        )
        out.append(f"<ul>{items}</ul>")
    return out + (_picture(example, lang, tolerance) if pictures else [])


def _failed_test(test: TestResult, lang: str, pictures: bool, assignment: Assignment | None = None,
                 explainer: Explainer | None = None) -> list[str]:
    # The heading names the part, the test and what it checks (its title).
    out = ['<section class="test failed">', f"<h3>❌ {esc(test_label(test, lang))}</h3>"]
    counts = text("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
    out.append(f"<p>{esc(counts)}</p>")
    explained = (explainer or Explainer(lang))(test)
    if explained:
        out.append(f"<p><strong>{esc(text('report.why', lang))}</strong></p>")
        out.append("<ul>" + "".join(f"<li><code>{esc(c)}</code> {esc(e)}</li>" for c, e in explained) + "</ul>")
    details = visible_details(test, lang)
    if details:
        out.append(f"<p><strong>{esc(text('report.detail', lang))}</strong></p>")
        out.append("<ul>" + "".join(f"<li><code>{esc(d)}</code></li>" for d in details) + "</ul>")
    # Never a picture (nor the example's inputs) for a hidden test, whatever the result holds.
    if is_visible(test) and test.example is not None:
        out += _example(test.example, lang, pictures, _tolerance(assignment, test.part))
    elif not is_visible(test):
        out.append(f'<p class="hidden-note">{esc(text("report.hidden_case", lang))}</p>')
    return out + ["</section>"]


def feedback_html(
    result: GradingResult, lang: str, *, assignment: Assignment | None = None, pictures: bool = True
) -> str:
    """feedback.html: the content of :func:`~grader.report.markdown.feedback_markdown` as a page.

    Parameters
    ----------
    result
        The graded submission.
    lang
        ``"ko"`` or ``"en"``.
    assignment
        When given, its title replaces the assignment id and its module file is named when nothing
        was submitted.
    pictures
        Draw the heatmaps of visible failures (a few tenths of a second each); a batch in a hurry can
        skip them.

    Returns
    -------
    str
        A self-contained HTML document; a failing visible test with a ``FailureExample`` gets heatmaps
        of expected, got and their difference as an embedded PNG (when matplotlib is installed).
    """
    name = assignment_heading(assignment, lang, result.assignment)
    module = assignment.module if assignment else ""
    title = text("report.feedback_title", lang, assignment=name)
    body = [f"<h1>{esc(title)}</h1>"]
    graded = graded_file_text(result, lang)
    if graded:
        body.append(f'<p class="file">{esc(graded)}</p>')
    body += _status_box(result, lang, module)
    if result.parts:  # a run stopped before scoring has no parts: "0 / 0" would say nothing
        body += _total(result, lang) + _part_table(result, lang)
    failed = [t for t in result.tests if not t.passed]
    if failed:
        body.append(f"<h2>{esc(text('report.tests_failed', lang, failed=len(failed)))}</h2>")
        explainer = Explainer(lang, result.assignment)  # each diagnosis explained once, then named
        for test in failed:
            body += _failed_test(test, lang, pictures, assignment, explainer)
        body.append(f"<p>{esc(text('report.next_step', lang))}</p>")
    elif result.status is Status.GRADED:
        body.append(f'<p class="ok">✅ {esc(text("report.all_passed", lang))}</p>')
    return page(title, body, lang)
