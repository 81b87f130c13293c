"""The server's HTML pages, Korean first (``?lang=en`` switches): pure functions returning documents.

Every text comes from the message registry (``serve.*``, ``report.*``); every value is escaped
(:func:`grader.report.html.esc`). The feedback page is :func:`grader.report.html.feedback_html`
itself and the class summary is :func:`grader.report.summary.summary_html`, with the server's
navigation put in front: a student reads the same feedback as from ``grader grade``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from grader.course import Assignment, Course
from grader.report import localized, points, text
from grader.report.html import esc, page, table
from grader.serve import policy
from grader.serve.store import Row
from grader.serve.tokens import Holder

EXTRA_CSS = """
nav { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: center; border-bottom: 1px solid #d0d7de;
      padding-bottom: .6rem; margin-bottom: 1rem; font-size: .95rem; }
nav .brand { font-weight: 600; margin-right: auto; }
nav form { display: inline; margin: 0; }
nav button { background: none; border: none; color: #0969da; cursor: pointer; padding: 0; font: inherit; }
a { color: #0969da; }
form.upload { display: grid; gap: 1rem; max-width: 36rem; }
label.field { display: grid; gap: .3rem; font-weight: 600; }
select, input[type=text], input[type=password] { font: inherit; padding: .4rem; border: 1px solid #d0d7de; border-radius: 6px; }
.drop { display: block; border: 2px dashed #8c959f; border-radius: 8px; padding: 1.5rem; text-align: center;
        color: #57606a; cursor: pointer; }
.drop.over { border-color: #0969da; background: #ddf4ff; }
.drop input { display: block; margin: .6rem auto 0; }
button.primary { font: inherit; font-weight: 600; background: #1f883d; color: white; border: none; border-radius: 6px;
                 padding: .5rem 1.2rem; cursor: pointer; justify-self: start; }
.error { border-left: 4px solid #cf222e; background: #ffebe9; padding: .7rem 1rem; margin: 1rem 0; }
.late { color: #9a6700; font-weight: 600; }
.muted { color: #57606a; font-size: .9rem; }
ul.assignments { padding-left: 1.2rem; }
"""

# Shows the chosen file's name in the drop zone and highlights it while a file is dragged over it
# (the file input itself takes the drop: no upload code of our own).
DROP_SCRIPT = """<script>
(() => {
  const zone = document.getElementById("drop"), input = document.getElementById("file"), name = document.getElementById("chosen");
  if (!zone || !input) return;
  ["dragenter", "dragover"].forEach((e) => zone.addEventListener(e, () => zone.classList.add("over")));
  ["dragleave", "drop"].forEach((e) => zone.addEventListener(e, () => zone.classList.remove("over")));
  input.addEventListener("change", () => { name.textContent = input.files.length ? input.files[0].name : ""; });
})();
</script>"""

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}


def _t(key: str, lang: str, **fields: object) -> str:
    return esc(text(f"serve.{key}", lang, **fields))


def _other(lang: str) -> str:
    return "en" if lang == "ko" else "ko"


def nav(holder: Holder | None, lang: str, path: str = "/") -> str:
    """The bar on top of every page: where to go, the other language, sign out."""
    items = [f'<span class="brand">{_t("brand", lang)}</span>']
    if holder is not None:
        items.append(f'<a href="/">{_t("upload_link", lang)}</a>')
        items.append(f'<a href="/attempts">{_t("attempts_link", lang)}</a>')
        if holder.instructor:
            items.append(f'<a href="/dashboard">{_t("dashboard_link", lang)}</a>')
    other = _other(lang)
    items.append(f'<a href="{esc(path)}?lang={other}" hreflang="{other}">{esc(LANGUAGE_NAMES[other])}</a>')
    if holder is not None:
        items.append(f'<span class="muted">{_t("signed_in_as", lang, student=holder.student_id)}</span>')
        items.append(f'<form method="post" action="/logout"><button type="submit">{_t("logout", lang)}</button></form>')
    return f"<nav>{''.join(items)}</nav>"


def _page(title: str, body: Iterable[str], lang: str, *, refresh: int | None = None) -> str:
    document = page(title, [*body], lang)
    head = f"<style>{EXTRA_CSS}</style>"
    if refresh:
        head += f'<meta http-equiv="refresh" content="{int(refresh)}">'
    return document.replace("</head>", head + "</head>", 1)


def with_nav(document: str, holder: Holder | None, lang: str, path: str, *, before: Sequence[str] = (),
             refresh: int | None = None) -> str:
    """A report page (feedback, class summary) with the server's bar and lines in front of it."""
    head = f"<style>{EXTRA_CSS}</style>" + (f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else "")
    document = document.replace("</head>", head + "</head>", 1)
    return document.replace("<body>", "<body>\n" + nav(holder, lang, path) + "".join(before), 1)


def error_box(message: str | None) -> list[str]:
    return [f'<div class="error" role="alert" id="error">{esc(message)}</div>'] if message else []


def error_page(message: str, lang: str) -> str:
    return _page(text("serve.brand", lang), [nav(None, lang), f"<h1>{_t('brand', lang)}</h1>", *error_box(message)], lang)


def login_page(lang: str, error: str | None = None) -> str:
    body = [
        nav(None, lang),
        f"<h1>{_t('brand', lang)}</h1>",
        *error_box(error),
        f"<p>{_t('login_prompt', lang)}</p>",
        '<form class="upload" method="post" action="/login">',
        f'<label class="field">{_t("token_label", lang)}'
        '<input type="password" name="token" id="token" autocomplete="off" required></label>',
        f'<button class="primary" type="submit" id="login">{_t("login_button", lang)}</button>',
        "</form>",
    ]
    return _page(text("serve.brand", lang), body, lang)


def window_text(assignment: Assignment, lang: str) -> str:
    """``제출 가능 · 마감: 2026-03-16 23:59 (Asia/Seoul)`` for the assignment picker."""
    found = policy.dates(assignment)
    parts = [text(f"serve.window_{policy.window(assignment).value}", lang)]
    if found.opens and policy.window(assignment) is policy.Window.NOT_OPEN:
        parts.append(text("serve.opens", lang, opens=policy.shown(found.opens, assignment)))
    if found.due:
        parts.append(text("serve.due", lang, due=policy.shown(found.due, assignment)))
    return " · ".join(parts)


def upload_page(course: Course, holder: Holder, lang: str, *, error: str | None = None,
                chosen: str | None = None) -> str:
    options = []
    for a in course.assignments:
        selected = " selected" if a.id == chosen else ""
        label = f"{a.id} — {localized(a.title, lang)} ({window_text(a, lang)})"
        options.append(f'<option value="{esc(a.id)}"{selected}>{esc(label)}</option>')
    rules = "".join(
        f"<li><code>{esc(a.id)}</code>: {_t('counts_' + a.submissions.counts, lang)}; "
        f"{_t('per_hour', lang, count=a.submissions.attempts_per_hour)}</li>"
        for a in course.assignments
    )
    student_field = (
        f'<label class="field">{_t("student", lang)}<input type="text" name="student_id" id="student_id"'
        ' placeholder="instructor"></label>'
        if holder.instructor else ""
    )
    body = [
        nav(holder, lang),
        f"<h1>{_t('upload_heading', lang)}</h1>",
        *error_box(error),
        f"<p>{_t('upload_intro', lang)}</p>",
        '<form class="upload" method="post" action="/upload" enctype="multipart/form-data">',
        f'<label class="field">{_t("assignment_label", lang)}<select name="assignment" id="assignment" required>'
        + "".join(options) + "</select></label>",
        student_field,
        f'<label class="drop" id="drop">{_t("drop_hint", lang)}'
        '<input type="file" name="file" id="file" accept=".ipynb,.py" required>'
        '<span id="chosen"></span></label>',
        f'<button class="primary" type="submit" id="submit">{_t("submit_button", lang)}</button>',
        "</form>",
        f'<ul class="assignments muted">{rules}</ul>',
        DROP_SCRIPT,
    ]
    return _page(text("serve.title", lang), body, lang)


def _score(row: Row) -> str:
    if row.status != "done":
        return ""
    if row.score is None:
        return "—"
    return f"{points(row.score)} / {points(row.max_score or 0)}"


def _status(row: Row, lang: str) -> str:
    if row.status == "done" and row.result_status and row.result_status != "graded":
        return f"{_t('done', lang)} ({esc(text('status.' + row.result_status, lang))})"
    return _t(row.status, lang)


def waiting_page(row: Row, holder: Holder, lang: str) -> str:
    """Until the grade is in: the page reloads itself every second and becomes the feedback."""
    body = [
        nav(holder, lang, f"/submissions/{row.id}"),
        f"<h1>{_t('waiting_heading', lang)}</h1>",
        f'<p id="waiting" data-status="{esc(row.status)}">{_t("waiting_body", lang, status=text("serve." + row.status, lang))}</p>',
        f"<p class=\"muted\">{_t('received', lang, id=row.id, received_at=row.received_at)}</p>",
    ]
    if row.late:
        body.append(f'<p class="late">{_t("late_mark", lang)}</p>')
    return _page(text("serve.waiting_heading", lang), body, lang, refresh=1)


def feedback_lines(row: Row, lang: str) -> list[str]:
    """What the server adds above the feedback: which upload this is, and the late mark."""
    out = [f'<p class="muted" id="received" data-status="done">{_t("received", lang, id=row.id, received_at=row.received_at)}</p>']
    if row.late:
        out.append(f'<p class="late" id="late">{_t("late_mark", lang)}</p>')
    return out


def attempts_page(rows: Sequence[Row], counting: set[str], course: Course, holder: Holder, lang: str) -> str:
    head = [_t(k, lang) for k in ("submitted_at", "assignment_label", "file", "status_label", "score", "late")]
    if holder.instructor:
        head.insert(1, _t("student", lang))
    body_rows = []
    for row in rows:
        marks = []
        if row.id in counting:
            marks.append(f"<strong>{_t('counts_mark', lang)}</strong>")
        cells = [
            f'<a href="/submissions/{esc(row.id)}">{esc(row.received_at)}</a>',
            f"<code>{esc(row.assignment)}</code>",
            esc(row.filename),
            _status(row, lang),
            " ".join([_score(row), *marks]),
            f'<span class="late">{_t("late_mark", lang)}</span>' if row.late else "",
        ]
        if holder.instructor:
            cells.insert(1, esc(row.student_id))
        body_rows.append(cells)
    body = [nav(holder, lang, "/attempts"), f"<h1>{_t('attempts_heading', lang)}</h1>"]
    body += table(head, body_rows) if body_rows else [f"<p>{_t('no_attempts', lang)}</p>"]
    return _page(text("serve.attempts_heading", lang), body, lang)


def dashboard_page(course: Course, holder: Holder, lang: str, queue: dict[str, int],
                   per_assignment: dict[str, tuple[int, float | None]]) -> str:
    """Every assignment: how many students count, their mean, links to the summary and the exports."""
    head = [_t("assignment_label", lang), _t("students_counted", lang), esc(text("report.mean", lang)), "", "", ""]
    rows = []
    for a in course.assignments:
        count, mean = per_assignment.get(a.id, (0, None))
        rows.append([
            f"<code>{esc(a.id)}</code> {esc(localized(a.title, lang))}<br><span class=\"muted\">{esc(window_text(a, lang))}</span>",
            str(count),
            "" if mean is None else f"{points(mean)} / {points(a.max_score)}",
            f'<a href="/dashboard/{esc(a.id)}">{_t("summary_link", lang)}</a>',
            f'<a href="/dashboard/{esc(a.id)}/grades.csv">{_t("grades_csv", lang)}</a>',
            f'<a href="/dashboard/{esc(a.id)}/attempts.csv">{_t("attempts_csv", lang)}</a>',
        ])
    body = [
        nav(holder, lang, "/dashboard"),
        f"<h1>{_t('dashboard_heading', lang)}</h1>",
        f"<p>{_t('dashboard_intro', lang)}</p>",
        f'<p id="queue">{_t("queue", lang, **queue)}</p>',
        *table(head, rows, numeric={1, 2}),
    ]
    return _page(text("serve.dashboard_heading", lang), body, lang, refresh=30)
