"""The ASGI app of ``grader serve`` (Starlette): the API of SPEC §9 and the pages.

API (``Authorization: Bearer <token>``)::

    GET  /api/v1/health             200 {"status": "ready", ...} once grading runs; 503 before
    POST /api/v1/submissions        multipart assignment + file -> 202 {"id", ...} once stored
    GET  /api/v1/submissions        the caller's uploads (the instructor's: everyone's)
    GET  /api/v1/submissions/{id}   {"id", "status": queued|running|done, "results": results.json | null}

Pages (signed in with the same token, kept in an HttpOnly, SameSite=Strict cookie)::

    GET  /                          sign-in, then the upload form
    POST /login, /logout, /upload
    GET  /submissions/{id}          waits (reloading itself), then the feedback page
    GET  /attempts                  the student's attempts (the instructor: everyone's)
    GET  /dashboard[/{assignment}[/grades.csv|/attempts.csv]]   the instructor's

An upload is checked in this order, and nothing is stored unless every check passes: the token
(401), the size announced and then read (413), the form (415), the assignment (422), its dates
(403), the file name (400/415), the bytes (413/415/422), the student's uploads of the last hour
(429). ``results`` is exactly the results.json ``grader grade`` writes: hidden tests show their
part, score, case counts and diagnoses, never a case name, an input or a detail.
"""

from __future__ import annotations

import csv
import io
import math
import re
import threading
from collections import OrderedDict
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from grader import messages
from grader.course import Course, CourseError
from grader.report import text
from grader.serve import pages, policy
from grader.serve.dispatcher import Dispatcher
from grader.serve.store import Accepted, RateLimited, Row, ServerStore
from grader.serve.tokens import INSTRUCTOR, STUDENT_ID, Holder, Revocations, revocation_file, verify
from grader.serve.uploads import Refused, check_content, check_name

COOKIE = "grader_token"
LANG_COOKIE = "grader_lang"
FORM_OVERHEAD = 64 * 1024
"""Bytes a multipart body may hold beyond the file itself (boundaries, headers, the other fields)."""
FEEDBACK_CACHE = 256


class Server:
    """What every request needs: the course, the store, the dispatcher, the revocation list."""

    def __init__(self, course: Course, store: ServerStore, dispatcher: Dispatcher, *, lang: str | None = None,
                 engine: str = "process"):
        self.course = course
        self.store = store
        self.dispatcher = dispatcher
        self.lang = messages.language(lang or course.language)
        self.engine = engine
        self.revocations = Revocations(revocation_file(course))
        self.largest_upload = max(a.submissions.max_upload_kb for a in course.assignments) * 1024
        self._pages: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._pages_lock = threading.Lock()

    def holder(self, token: str | None) -> Holder | None:
        return verify(self.course, token, self.revocations.entries()) if token else None

    def known(self) -> str:
        return ", ".join(a.id for a in self.course.assignments)

    def cached_page(self, key: tuple[str, str]) -> str | None:
        with self._pages_lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def cache_page(self, key: tuple[str, str], page: str) -> None:
        with self._pages_lock:
            self._pages[key] = page
            while len(self._pages) > FEEDBACK_CACHE:
                self._pages.popitem(last=False)


# --- helpers ---------------------------------------------------------------------------------------


def _server(request: Request) -> Server:
    return request.app.state.server


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return messages.language(asked) if asked else _server(request).lang


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _message(refused: Refused, lang: str) -> str:
    return text(refused.key, lang, **refused.fields)


def _api_error(refused: Refused, lang: str) -> JSONResponse:
    headers = dict(refused.headers)
    if refused.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="grader"'
    return JSONResponse({"error": refused.code, "message": _message(refused, lang)}, refused.status, headers=headers)


def _api_holder(request: Request) -> Holder:
    token = _bearer(request)
    if token is None:
        raise Refused(401, "no_token")
    holder = _server(request).holder(token)
    if holder is None:
        raise Refused(401, "bad_token")
    return holder


def _page_holder(request: Request) -> Holder | None:
    return _server(request).holder(request.cookies.get(COOKIE))


def _html(document: str, status: int = 200, request: Request | None = None) -> HTMLResponse:
    response = HTMLResponse(document, status)
    response.headers["Cache-Control"] = "no-store"
    if request is not None and request.query_params.get("lang"):
        response.set_cookie(LANG_COOKIE, _lang(request), max_age=365 * 86400, samesite="strict")
    return response


def _visible_row(server: Server, holder: Holder, ident: str) -> Row:
    row = server.store.get(ident)
    if row is None or not (holder.instructor or row.student_id == holder.student_id):
        raise Refused(404, "not_found")  # someone else's upload does not exist, as far as you know
    return row


# --- taking an upload ------------------------------------------------------------------------------


async def _read_form(request: Request, server: Server):
    """The multipart form, read with a cap on its size: a body over the largest upload allowed is
    refused as soon as it is announced or read past that, before anything is parsed or kept."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refused(415, "not_multipart")
    limit = server.largest_upload + FORM_OVERHEAD
    too_large = Refused(413, "too_large", {"size_kb": 0, "max_kb": server.largest_upload // 1024})
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > limit:
        too_large.fields["size_kb"] = -(-int(announced) // 1024)
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            too_large.fields["size_kb"] = -(-len(body) // 1024)
            raise too_large
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=2, max_fields=10, max_part_size=FORM_OVERHEAD)
    except MultiPartException:
        raise Refused(415, "not_multipart") from None
    sent_name = _sent_filename(bytes(body), request.headers.get("content-type", ""))
    if sent_name is not None and any(c in sent_name for c in "/\\:"):
        await form.close()
        raise Refused(400, "path_in_filename", {"name": sent_name[:80]})
    return form


_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')


def _sent_filename(body: bytes, content_type: str) -> str | None:
    """The file name exactly as the client sent it. python-multipart cuts a Windows path
    (``C:\\Users\\kim\\m.py``, as old browsers sent) down to its last part before the form reaches
    us; a path in the name must be refused, not silently trimmed, so the part's header is read here."""
    found = _BOUNDARY.search(content_type)
    if not found:
        return None
    marker = b"--" + found[1].encode("latin-1")
    for part in body.split(marker)[1:]:
        head = part.split(b"\r\n\r\n", 1)[0]
        name = re.search(rb'filename="((?:[^"\\\r\n]|\\.)*)"', head)
        if name:
            return name[1].decode("utf-8", "replace").replace('\\"', '"').replace("\\\\", "\\")
    return None


async def take_upload(request: Request, holder: Holder) -> Accepted:
    """Check an upload and store it (one committed transaction); ``Refused`` when it is not taken."""
    server = _server(request)
    form = await _read_form(request, server)
    try:
        assignment_id = str(form.get("assignment") or "").strip()
        if not assignment_id:
            raise Refused(422, "no_assignment", {"known": server.known()})
        try:
            assignment = server.course.assignment(assignment_id)
        except CourseError:
            raise Refused(422, "unknown_assignment", {"assignment": assignment_id[:80], "known": server.known()}) from None
        window = policy.window(assignment)
        dates = policy.dates(assignment)
        if not holder.instructor and window is policy.Window.NOT_OPEN:
            raise Refused(403, "not_open", {"opens": policy.shown(dates.opens, assignment)})
        if not holder.instructor and window is policy.Window.CLOSED:
            raise Refused(403, "closed", {"due": policy.shown(dates.due, assignment)})
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Refused(400, "no_file")
        name = check_name(upload.filename)
        content = await upload.read()
        await run_in_threadpool(check_content, name, content, assignment)
        student = holder.student_id
        if holder.instructor:
            student = str(form.get("student_id") or "").strip() or INSTRUCTOR
            if not STUDENT_ID.match(student):
                raise Refused(400, "bad_student", {"student": student[:80]})
        key = (request.headers.get("idempotency-key") or "").strip()[:128] or None
        per_hour = None if holder.instructor else assignment.submissions.attempts_per_hour
        outcome = await run_in_threadpool(
            lambda: server.store.accept(
                student_id=student, assignment=assignment.id, filename=name, content=content,
                late=window is policy.Window.LATE, by_instructor=holder.instructor, per_hour=per_hour,
                idempotency_key=key,
            )
        )
    finally:
        await form.close()
    if isinstance(outcome, RateLimited):
        raise Refused(429, "rate_limited", {"count": per_hour, "minutes": math.ceil(outcome.retry_after / 60)},
                      {"Retry-After": str(outcome.retry_after)})
    server.dispatcher.wake()
    return outcome


# --- API -------------------------------------------------------------------------------------------


async def health(request: Request) -> JSONResponse:
    server = _server(request)
    counts = await run_in_threadpool(server.store.status_counts)
    dispatcher = server.dispatcher
    state = "ready" if dispatcher.ready.is_set() else ("failed" if dispatcher.failed else "starting")
    body = {"status": state, "engine": server.engine, **counts}
    if dispatcher.failed:
        body["error"] = dispatcher.failed
    return JSONResponse(body, 200 if state == "ready" else 503)


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "assignment": row.assignment,
        "student_id": row.student_id,
        "status": row.status,
        "late": row.late,
        "received_at": row.received_at,
        "graded_at": row.graded_at,
        "score": row.score,
        "max_score": row.max_score,
    }


async def post_submission(request: Request) -> JSONResponse:
    lang = _lang(request)
    try:
        holder = _api_holder(request)
        accepted = await take_upload(request, holder)
    except Refused as refused:
        return _api_error(refused, lang)
    location = f"/api/v1/submissions/{accepted.id}"
    return JSONResponse(
        {"id": accepted.id, "status": "queued", "late": accepted.late, "url": location, "repeated": accepted.repeated},
        202, headers={"Location": location},
    )


def _results(server: Server, row: Row, lang: str) -> dict[str, Any] | None:
    from grader.report.gradescope import to_results_json

    result = server.store.result(row.id)
    if result is None:
        return None
    return to_results_json(result, lang, module=server.course.assignment(row.assignment).module)


async def get_submission(request: Request) -> JSONResponse:
    lang = _lang(request)
    server = _server(request)
    try:
        holder = _api_holder(request)
        row = await run_in_threadpool(_visible_row, server, holder, request.path_params["id"])
    except Refused as refused:
        return _api_error(refused, lang)
    results = await run_in_threadpool(_results, server, row, lang) if row.status == "done" else None
    return JSONResponse({**_row_json(row), "results": results})


async def list_submissions(request: Request) -> JSONResponse:
    lang = _lang(request)
    server = _server(request)
    try:
        holder = _api_holder(request)
    except Refused as refused:
        return _api_error(refused, lang)
    rows = await run_in_threadpool(server.store.attempts, None if holder.instructor else holder.student_id)
    return JSONResponse({"submissions": [_row_json(r) for r in rows]})


# --- pages -----------------------------------------------------------------------------------------


async def home(request: Request) -> HTMLResponse:
    lang, holder = _lang(request), _page_holder(request)
    if holder is None:
        return _html(pages.login_page(lang), request=request)
    return _html(pages.upload_page(_server(request).course, holder, lang), request=request)


async def login(request: Request) -> Response:
    lang = _lang(request)
    try:
        form = await request.form(max_files=0, max_fields=5)
    except MultiPartException:
        return _html(pages.login_page(lang, text("serve.error.bad_token", lang)), 400)
    token = str(form.get("token") or "").strip()
    holder = _server(request).holder(token)
    if holder is None:
        return _html(pages.login_page(lang, text("serve.error.bad_token", lang)), 401)
    response = RedirectResponse("/dashboard" if holder.instructor else "/", 303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/", 303)
    response.delete_cookie(COOKIE)
    return response


async def upload(request: Request) -> Response:
    lang, holder = _lang(request), _page_holder(request)
    server = _server(request)
    if holder is None:
        return _html(pages.login_page(lang, text("serve.error.bad_token", lang)), 401)
    try:
        accepted = await take_upload(request, holder)
    except Refused as refused:
        return _html(pages.upload_page(server.course, holder, lang, error=_message(refused, lang)), refused.status)
    return RedirectResponse(f"/submissions/{accepted.id}", 303)


def _feedback_document(server: Server, row: Row, holder: Holder, lang: str) -> str:
    from grader.report.html import feedback_html

    key = (row.id, lang)
    document = server.cached_page(key)
    if document is None:
        result = server.store.result(row.id)
        assignment = server.course.assignment(row.assignment)
        document = feedback_html(result, lang, assignment=assignment, pictures=True)
        server.cache_page(key, document)
    return pages.with_nav(document, holder, lang, f"/submissions/{row.id}", before=pages.feedback_lines(row, lang))


async def feedback(request: Request) -> HTMLResponse:
    lang, holder = _lang(request), _page_holder(request)
    server = _server(request)
    if holder is None:
        return _html(pages.login_page(lang), 401)
    try:
        row = await run_in_threadpool(_visible_row, server, holder, request.path_params["id"])
    except Refused as refused:
        return _html(pages.upload_page(server.course, holder, lang, error=_message(refused, lang)), refused.status)
    if row.status != "done":
        return _html(pages.waiting_page(row, holder, lang), request=request)
    return _html(await run_in_threadpool(_feedback_document, server, row, holder, lang), request=request)


def _counting_ids(server: Server, rows: list[Row]) -> set[str]:
    ids: set[str] = set()
    for assignment in {r.assignment for r in rows}:
        try:
            counts = server.course.assignment(assignment).submissions.counts
        except CourseError:
            continue
        ids.update(r.id for r in server.store.counting(assignment, counts))
    return ids


async def attempts(request: Request) -> HTMLResponse:
    lang, holder = _lang(request), _page_holder(request)
    server = _server(request)
    if holder is None:
        return _html(pages.login_page(lang), 401)
    student = request.query_params.get("student") if holder.instructor else holder.student_id

    def build() -> str:
        rows = server.store.attempts(student)
        return pages.attempts_page(rows, _counting_ids(server, rows), server.course, holder, lang)

    return _html(await run_in_threadpool(build), request=request)


def _instructor(request: Request) -> Holder:
    holder = _page_holder(request)
    if holder is None:
        raise Refused(401, "no_token")
    if not holder.instructor:
        raise Refused(403, "instructor_only")
    return holder


def _refused_page(request: Request, refused: Refused) -> HTMLResponse:
    lang = _lang(request)
    if refused.status == 401:
        return _html(pages.login_page(lang, _message(refused, lang)), 401)
    holder = _page_holder(request)
    return _html(pages.upload_page(_server(request).course, holder, lang, error=_message(refused, lang)), refused.status)


def _assignment(server: Server, request: Request):
    try:
        return server.course.assignment(request.path_params["assignment"])
    except CourseError:
        raise Refused(404, "unknown_assignment", {"assignment": request.path_params["assignment"][:80],
                                                  "known": server.known()}) from None


async def dashboard(request: Request) -> HTMLResponse:
    lang = _lang(request)
    server = _server(request)
    try:
        holder = _instructor(request)
    except Refused as refused:
        return _refused_page(request, refused)

    def build() -> str:
        per_assignment = {}
        for a in server.course.assignments:
            rows = server.store.counting(a.id, a.submissions.counts)
            scores = [r.score for r in rows if r.score is not None]
            per_assignment[a.id] = (len(rows), sum(scores) / len(scores) if scores else None)
        return pages.dashboard_page(server.course, holder, lang, server.store.status_counts(), per_assignment)

    return _html(await run_in_threadpool(build), request=request)


def _counting_results(server: Server, assignment) -> list[tuple[Row, Any]]:
    rows = server.store.counting(assignment.id, assignment.submissions.counts)
    return [(row, server.store.result(row.id)) for row in rows]


def _assignment_view(build):
    """An instructor's view of one assignment: the sign-in and the assignment are checked here, then
    ``build(server, holder, assignment, lang, request)`` makes the response in a worker thread."""

    async def endpoint(request: Request) -> Response:
        server = _server(request)
        try:
            holder = _instructor(request)
            assignment = _assignment(server, request)
        except Refused as refused:
            return _refused_page(request, refused)
        return await run_in_threadpool(build, server, holder, assignment, _lang(request), request)

    endpoint.__doc__ = build.__doc__
    return endpoint


@_assignment_view
def class_summary(server: Server, holder: Holder, assignment, lang: str, request: Request) -> Response:
    """The live summary.html of ``grader batch``, from each student's counting upload."""
    from grader.report.summary import summary_html

    results = [result for _, result in _counting_results(server, assignment)]
    page = summary_html(results, assignment, lang)
    return _html(pages.with_nav(page, holder, lang, f"/dashboard/{assignment.id}", refresh=30), request=request)


def _csv_response(rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@_assignment_view
def grades_csv(server: Server, holder: Holder, assignment, lang: str, request: Request) -> Response:
    """SPEC §8's grades.csv from each student's counting upload (students who uploaded nothing have no row)."""
    from grader.report.csv import grades_csv_header, grades_csv_row

    rows = [grades_csv_header(assignment)]
    rows += [grades_csv_row(result, assignment, row.graded_at) for row, result in _counting_results(server, assignment)]
    return _csv_response(rows, f"{assignment.id}-grades.csv")


@_assignment_view
def attempts_csv(server: Server, holder: Holder, assignment, lang: str, request: Request) -> Response:
    """Every upload of an assignment: when, late or not, its score, and whether it counts."""
    counting = {r.id for r in server.store.counting(assignment.id, assignment.submissions.counts)}
    out = [["id", "student_id", "assignment", "filename", "received_at", "late", "status", "result_status",
            "score", "max_score", "graded_at", "counts"]]
    for r in reversed(server.store.attempts(assignment=assignment.id)):
        out.append([r.id, r.student_id, r.assignment, r.filename, r.received_at, int(r.late), r.status,
                    r.result_status or "", "" if r.score is None else r.score, "" if r.max_score is None else r.max_score,
                    r.graded_at or "", int(r.id in counting)])
    return _csv_response(out, f"{assignment.id}-attempts.csv")


async def failed(request: Request, error: Exception) -> Response:
    """A bug of the server's own: JSON for the API (the client retries), never a traceback."""
    lang = _lang(request)
    message = text("serve.error.internal", lang)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": "internal", "message": message}, 500)
    return HTMLResponse(pages.error_page(message, lang), 500)


def create_app(server: Server) -> Starlette:
    app = Starlette(exception_handlers={Exception: failed}, routes=[
        Route("/api/v1/health", health),
        Route("/api/v1/submissions", post_submission, methods=["POST"]),
        Route("/api/v1/submissions", list_submissions, methods=["GET"]),
        Route("/api/v1/submissions/{id}", get_submission),
        Route("/", home),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/submissions/{id}", feedback),
        Route("/attempts", attempts),
        Route("/dashboard", dashboard),
        Route("/dashboard/{assignment}", class_summary),
        Route("/dashboard/{assignment}/grades.csv", grades_csv),
        Route("/dashboard/{assignment}/attempts.csv", attempts_csv),
    ])
    app.state.server = server
    return app
