"""grader serve in one process: tokens, policies, the store's queue, every refusal of the API, the pages.

The server's grading is checked here through its dispatcher on a thread engine; a real server
process (kill -9, restart, the browser, the workflow's client) is in test_serve_live.py.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import stat
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader.course import CourseError, load_course, parse_course
from grader.serve import policy, tokens
from grader.serve.store import ServerStore
from tests.conftest import ROOT, SOLUTIONS

from starlette.testclient import TestClient  # noqa: E402

from grader.serve.app import Server, create_app  # noqa: E402
from grader.serve.dispatcher import Dispatcher  # noqa: E402

SECRET = "serve-test-secret"
A03 = "a03_multichannel"
MUTANT = ROOT / "tests/corpus/mutants/a03_multichannel/mc_same_symmetric/multichannel.py"
NOTEBOOK = ROOT / "demo/a03_multichannel/song_minho"


def make_course(root: Path, defaults: dict | None = None, **per_assignment: dict):
    """The repository's course with ``submissions`` policies, rooted in ``root`` (its revocation list)."""
    data = copy.deepcopy(load_course(ROOT).raw)
    if defaults is not None:
        data.setdefault("defaults", {})["submissions"] = defaults
    for entry in data["assignments"]:
        if entry["id"] in per_assignment:
            entry["submissions"] = per_assignment[entry["id"]]
    return parse_course(data, root)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", SECRET)


# --- tokens ------------------------------------------------------------------------------------------


def test_tokens_name_their_holder_and_cannot_be_forged_or_moved(tmp_path):
    course = make_course(tmp_path)
    kim = tokens.student_token(course, "kim")
    teacher = tokens.instructor_token(course)
    assert tokens.verify(course, kim) == tokens.Holder("kim", False, kim)
    assert tokens.verify(course, teacher).instructor and tokens.verify(course, teacher).student_id == tokens.INSTRUCTOR
    assert tokens.verify(course, f"  {kim}\n") is not None  # pasted with blanks around it
    forged = [
        kim.replace("s.kim.", "s.lee."),  # another student's name on kim's mac
        kim[:-2] + ("AA" if not kim.endswith("AA") else "BB"),
        kim.replace(".1.", ".2."),  # another generation
        "i." + kim.split(".", 2)[2],  # kim's mac as the instructor's
        "", "s..1.x", "garbage", "i.x.y", "s.kim.0." + kim.rsplit(".", 1)[1],
    ]
    assert [f for f in forged if tokens.verify(course, f) is not None] == []
    other = make_course(tmp_path)
    os.environ["GRADER_SECRET"] = "another course"
    try:
        assert tokens.verify(other, kim) is None  # another secret: nothing carries over
    finally:
        os.environ["GRADER_SECRET"] = SECRET
    # Student ids with dots stay whole; generations are distinct tokens.
    dotted = tokens.student_token(course, "hong.gildong", 3)
    assert tokens.verify(course, dotted).student_id == "hong.gildong"
    assert tokens.student_token(course, "kim", 2) != kim
    with pytest.raises(tokens.TokenError):
        tokens.student_token(course, "../etc")


def test_revoked_tokens_and_students_stop_at_once(tmp_path):
    course = make_course(tmp_path)
    revoked = tokens.Revocations(tokens.revocation_file(course))
    kim1, kim2 = tokens.student_token(course, "kim"), tokens.student_token(course, "kim", 2)
    lee = tokens.student_token(course, "lee")
    assert revoked.revoke([kim1]) == [kim1]
    assert revoked.revoke([kim1]) == []  # listed once
    assert tokens.verify(course, kim1, revoked.entries()) is None
    assert tokens.verify(course, kim2, revoked.entries()) is not None  # the new generation works
    time.sleep(0.01)
    revoked.path.write_text(revoked.path.read_text() + "lee   # dropped the course\n", encoding="utf-8")
    assert tokens.verify(course, lee, revoked.entries()) is None  # a student id stops all their tokens


def test_grader_tokens_writes_a_mail_merge_csv(tmp_path, capsys):
    course = make_course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeffstudent_id,name,email\n2024001,김민준,kim@example.ac.kr\n\n2024002,이서연,lee@example.ac.kr\n",
                      encoding="utf-8")
    out = tmp_path / "tokens.csv"
    assert tokens.main(course, roster, out, instructor=True) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["student_id", "token", "name", "email"]
    assert [(r["student_id"], r["name"]) for r in rows] == [("2024001", "김민준"), ("2024002", "이서연")]
    assert all(tokens.verify(course, r["token"]).student_id == r["student_id"] for r in rows)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert f"instructor token: {tokens.instructor_token(course)}" in capsys.readouterr().out


def test_grader_tokens_command_line(tmp_path, capsys):
    from grader import cli

    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nkim\n", encoding="utf-8")
    out = tmp_path / "tokens.csv"
    assert cli.main(["--course", str(ROOT), "tokens", str(roster), "--out", str(out)]) == 0
    (kim,) = list(csv.DictReader(out.open(encoding="utf-8")))
    course = load_course(ROOT)
    assert tokens.verify(course, kim["token"]).student_id == "kim"
    assert cli.main(["--course", str(ROOT), "tokens", "--instructor", "--generation", "2"]) == 0
    assert tokens.instructor_token(course, 2) in capsys.readouterr().out
    assert cli.main(["--course", str(ROOT), "tokens"]) == 2  # nothing asked


@pytest.mark.parametrize("content, problem", [
    ("name,email\nkim,k@x\n", "no student_id column"),
    ("student_id\nkim\nkim\n", "line 3: student_id 'kim' is listed twice"),
    ("student_id\n../kim\n", "line 2: student_id '../kim'"),
    ("student_id,generation\nkim,zero\n", "line 2: generation 'zero'"),
])
def test_grader_tokens_names_the_roster_problem(tmp_path, capsys, content, problem):
    course = make_course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(content, encoding="utf-8")
    assert tokens.main(course, roster, tmp_path / "out.csv") == 1
    assert problem in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_grader_tokens_and_serve_refuse_a_course_without_secret(tmp_path, monkeypatch, capsys):
    from grader.serve import main as serve

    monkeypatch.delenv("GRADER_SECRET")
    course = make_course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\nkim\n", encoding="utf-8")
    assert tokens.main(course, roster, tmp_path / "out.csv") == 2
    assert serve(course, port=0, data=tmp_path / "data") == 2
    assert capsys.readouterr().err.count("no secret") == 2
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "data").exists()


# --- policies ------------------------------------------------------------------------------------------


def test_policies_merge_defaults_and_read_dates_in_the_course_zone(tmp_path):
    course = make_course(
        tmp_path,
        {"attempts_per_hour": 5, "counts": "best", "timezone": "Asia/Seoul", "due": "2026-03-16 23:59"},
        a03_multichannel={"opens": datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc), "late": "reject", "max_upload_kb": 64},
        a04_relu_layer={"due": datetime(2026, 4, 1).date()},
    )
    a03, a04, a01 = (course.assignment(a) for a in (A03, "a04_relu_layer", "a01_correlation"))
    assert (a03.submissions.attempts_per_hour, a03.submissions.counts, a03.submissions.late) == (5, "best", "reject")
    assert a01.submissions.late == "accept" and a01.submissions.max_upload_kb == 4096
    due = policy.dates(a01).due
    assert due == datetime(2026, 3, 16, 14, 59, tzinfo=timezone.utc)  # 23:59 in Seoul
    assert policy.dates(a04).due.hour == 23 and policy.dates(a04).due.minute == 59  # a date: the whole day
    seoul = datetime(2026, 3, 16, 14, 0, tzinfo=timezone.utc)
    assert policy.window(a01, seoul) is policy.Window.OPEN
    assert policy.window(a01, seoul + timedelta(hours=1)) is policy.Window.LATE
    assert policy.window(a03, seoul + timedelta(hours=1)) is policy.Window.CLOSED
    assert policy.window(a03, datetime(2026, 3, 1, tzinfo=timezone.utc)) is policy.Window.NOT_OPEN
    assert policy.shown(due, a01) == "2026-03-16 23:59 (Asia/Seoul)"
    # Policies are not part of a grade: the batch's grading key sees the raw course.yaml only.
    assert a01 == load_course(ROOT).assignment("a01_correlation")


@pytest.mark.parametrize("policies, problem", [
    ({"due": "next friday"}, "defaults.submissions.due: expected a date and time"),
    ({"counts": "first"}, "counts: expected one of"),
    ({"attempts_per_hour": 0}, "attempts_per_hour: expected a number >= 1"),
    ({"opens": "2026-03-10T00:00:00", "due": "2026-03-01T00:00:00"}, "must come before due"),
    ({"deadline": "2026-03-10"}, "unknown field(s) 'deadline'"),
])
def test_bad_policies_name_the_field(tmp_path, policies, problem):
    with pytest.raises(CourseError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        make_course(tmp_path, policies)


def test_an_unknown_time_zone_stops_the_server_at_start(tmp_path):
    course = make_course(tmp_path, {"timezone": "Asia/Seol", "due": "2026-03-16 23:59"})
    with pytest.raises(CourseError, match="unknown time zone 'Asia/Seol'"):
        policy.check(course)
    assert policy.zone("+09:00").utcoffset(None) == timedelta(hours=9)


# --- the store -----------------------------------------------------------------------------------------


def _result(score: float, student: str = "kim"):
    from grader.results import GradingResult, PartScore, Status

    result = GradingResult(A03, student, Status.GRADED)
    result.parts = [PartScore("channels", {"ko": "x", "en": "x"}, score, 16.0)]
    return result


def test_the_queue_records_each_upload_exactly_once_and_recovers_after_a_crash(tmp_path):
    store = ServerStore(tmp_path / "s.sqlite")
    ids = [store.accept(student_id=f"s{i}", assignment=A03, filename="m.py", content=f"x={i}".encode(), late=False,
                        by_instructor=False, per_hour=None).id for i in range(4)]
    first = store.claim(3)
    assert [c.id for c in first] == ids[:3] and all(c.engine_attempts == 1 for c in first)
    assert store.finish(ids[0], _result(16))
    assert not store.finish(ids[0], _result(0))  # done already: a second result is refused
    assert not store.finish(ids[3], _result(0))  # never handed out
    # A server killed now: its running uploads go back to the queue, the finished one stays.
    again = ServerStore(tmp_path / "s.sqlite")
    assert again.recover() == 2
    assert [c.id for c in again.claim(10)] == ids[1:]
    for ident in ids[1:]:
        assert again.finish(ident, _result(8))
    audit = again.audit()
    assert audit["total"] == 4 and audit["statuses"]["done"] == 4 and set(audit["gradings"].values()) == {1}
    assert again.result(ids[0]).score == 16 and again.get(ids[0]).engine_attempts == 1


def test_retries_and_unchanged_pushes_give_the_same_upload_and_cost_no_attempt(tmp_path):
    store = ServerStore(tmp_path / "s.sqlite")
    take = lambda content, key=None: store.accept(  # noqa: E731
        student_id="kim", assignment=A03, filename="m.py", content=content, late=False, by_instructor=False,
        per_hour=2, idempotency_key=key)
    first = take(b"x = 1", "k1")
    assert take(b"x = 1", "k1") == type(first)(first.id, False, repeated=True)  # a retry after a lost answer
    assert take(b"x = 1").id == first.id  # the same file as the last upload: nothing new to grade
    second = take(b"x = 2")
    assert second.id != first.id and not second.repeated
    limited = take(b"x = 3")
    assert limited.retry_after > 3500  # two an hour: the third waits for the first to leave the window
    assert store.audit()["total"] == 2


def test_which_attempt_counts(tmp_path):
    store = ServerStore(tmp_path / "s.sqlite")
    for i, score in enumerate([10, 16, 4]):
        ident = store.accept(student_id="kim", assignment=A03, filename="m.py", content=f"{i}".encode(), late=False,
                             by_instructor=False, per_hour=None, now=1000.0 + i).id
        store.claim(1)
        store.finish(ident, _result(score))
    assert [r.score for r in store.counting(A03, "last")] == [4]
    assert [r.score for r in store.counting(A03, "best")] == [16]


# --- the API's refusals: a clear 4xx, and nothing stored ---------------------------------------------------


class _Idle:
    """An engine that is never asked: these tests stop before grading."""

    def submit(self, job):  # pragma: no cover - would mean an upload got through
        raise AssertionError("nothing should be graded here")

    def shutdown(self) -> None:
        pass


@pytest.fixture()
def idle_server(tmp_path):
    now = datetime.now(timezone.utc)
    course = make_course(
        tmp_path,
        {"attempts_per_hour": 3},
        a03_multichannel={"max_upload_kb": 8},
        a01_correlation={"opens": (now + timedelta(days=1)).isoformat()},
        a02_padding_stride={"due": (now - timedelta(days=1)).isoformat(), "late": "reject"},
        a04_relu_layer={"due": (now - timedelta(days=1)).isoformat()},
    )
    store = ServerStore(tmp_path / "data" / "server.sqlite")
    dispatcher = Dispatcher(course, store, _Idle(), window=2, work=tmp_path / "data" / "work")
    app = create_app(Server(course, store, dispatcher))
    with TestClient(app) as client:
        yield course, store, client, tmp_path / "data"


def _post(client, token, assignment=A03, name="multichannel.py", content=None, lang="en", **extra):
    content = SOLUTIONS[A03].read_bytes() if content is None else content
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/submissions?lang={lang}", headers=headers, data={"assignment": assignment},
                       files={"file": (name, content, "application/octet-stream")}, **extra)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("multichannel.py", SOLUTIONS[A03].read_text())
    return buffer.getvalue()


REFUSALS = [
    # (what, post arguments, status, code, words of the message)
    ("no token", dict(token=None), 401, "no_token", "No token"),
    ("forged token", dict(token="s.kim.1.AAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401, "bad_token", "not valid"),
    ("unknown assignment", dict(assignment="a09_pooling"), 422, "unknown_assignment", "a09_pooling"),
    ("not open yet", dict(assignment="a01_correlation", name="correlation.py"), 403, "not_open", "Opens"),
    ("closed, late refused", dict(assignment="a02_padding_stride", name="p.py"), 403, "closed", "closed"),
    ("path in the name", dict(name="../../etc/multichannel.py"), 400, "path_in_filename", "contains a path"),
    ("windows path", dict(name="C:\\Users\\kim\\multichannel.py"), 400, "path_in_filename", "contains a path"),
    ("a zip by name", dict(name="work.zip", content=_zip()), 415, "archive", "archive"),
    ("a zip named .py", dict(content=_zip()), 415, "archive", "archive"),
    ("not a module", dict(name="report.pdf", content=b"%PDF-1.4"), 415, "wrong_type", "neither a notebook"),
    ("oversize", dict(content=b"x = 1\n" * 3000), 413, "too_large", "too large"),
    ("oversize body", dict(content=b"# x\n" * 40000), 413, "too_large", "too large"),
    ("broken notebook", dict(name="a03.ipynb", content=b'{"cells": [1, 2'), 422, "bad_notebook", "Not a valid notebook"),
    ("not UTF-8", dict(content="x = 'é'\n".encode("latin-1")), 415, "not_text", "not a UTF-8"),
    ("empty", dict(content=b"  \n"), 400, "empty", "empty"),
]


def test_every_bad_upload_is_a_clear_4xx_and_stores_nothing(idle_server):
    course, store, client, data = idle_server
    kim = tokens.student_token(course, "kim")
    for what, kwargs, status, code, words in REFUSALS:
        kwargs = {"token": kim, **kwargs}
        response = _post(client, **kwargs)
        assert (response.status_code, response.json().get("error")) == (status, code), what
        assert words in response.json()["message"], (what, response.json())
    korean = _post(client, kim, name="../x.py", lang="ko").json()["message"]
    assert "경로" in korean  # Korean unless asked otherwise
    assert _post(client, None).headers["www-authenticate"].startswith("Bearer")
    form = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {kim}"}, json={"assignment": A03})
    assert (form.status_code, form.json()["error"]) == (415, "not_multipart")
    assert store.audit()["total"] == 0
    assert sorted(p.name for p in data.iterdir()) == ["server.sqlite", "server.sqlite-shm", "server.sqlite-wal"]


def test_late_uploads_are_taken_and_marked_and_the_hourly_limit_holds(idle_server):
    course, store, client, _ = idle_server
    kim, lee = tokens.student_token(course, "kim"), tokens.student_token(course, "lee")
    late = _post(client, kim, assignment="a04_relu_layer", name="relu_layer.py", content=b"def relu(x):\n    return x\n")
    assert late.status_code == 202 and late.json()["late"] is True
    accepted = [_post(client, kim, content=f"x = {i}\n".encode()) for i in range(3)]
    assert [r.status_code for r in accepted] == [202, 202, 202]
    limited = _post(client, kim, content=b"x = 99\n")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 3000
    assert "3" in limited.json()["message"]
    assert _post(client, lee, content=b"x = 99\n").status_code == 202  # per student
    teacher = tokens.instructor_token(course)
    for i in range(4):  # the instructor has no limit and may upload for a student, even when closed
        response = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {teacher}"},
                               data={"assignment": "a02_padding_stride", "student_id": "kim"},
                               files={"file": ("p.py", f"y = {i}\n".encode())})
        assert response.status_code == 202
    assert store.audit()["total"] == 1 + 3 + 1 + 4
    # Each sees their own uploads only (the instructor's for them included); the instructor sees all of them.
    assert len(client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {kim}"}).json()["submissions"]) == 8
    mine = accepted[0].json()["id"]
    assert client.get(f"/api/v1/submissions/{mine}", headers={"Authorization": f"Bearer {lee}"}).status_code == 404
    seen = client.get(f"/api/v1/submissions/{mine}", headers={"Authorization": f"Bearer {teacher}"}).json()
    assert (seen["status"], seen["results"], seen["student_id"]) == ("queued", None, "kim")


def test_pages_sign_in_and_keep_students_apart(idle_server):
    course, store, client, _ = idle_server
    assert "토큰" in client.get("/").text  # the sign-in page, Korean first
    assert client.post("/login", data={"token": "nope"}).status_code == 401
    client.post("/login", data={"token": tokens.student_token(course, "kim")})
    page = client.get("/")
    assert 'name="assignment"' in page.text and "a03_multichannel" in page.text and 'type="file"' in page.text
    assert "마감" in page.text  # a04's due date is shown
    assert client.get("/dashboard").status_code == 403
    refused = client.post("/upload", data={"assignment": A03}, files={"file": ("x.zip", _zip())})
    assert refused.status_code == 415 and "압축 파일" in refused.text and store.audit()["total"] == 0
    sent = client.post("/upload", data={"assignment": A03}, files={"file": ("m.py", b"x = 1\n")}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/submissions/")
    waiting = client.get(sent.headers["location"])
    assert 'http-equiv="refresh"' in waiting.text and "채점" in waiting.text
    assert "m.py" in client.get("/attempts?lang=en").text
    client.post("/logout")
    client.post("/login", data={"token": tokens.student_token(course, "lee")})
    assert client.get(sent.headers["location"]).status_code == 404
    client.post("/login", data={"token": tokens.instructor_token(course)})
    dashboard = client.get("/dashboard?lang=en")
    assert dashboard.status_code == 200 and "queued 1" in dashboard.text
    grades = client.get(f"/dashboard/{A03}/grades.csv")
    assert grades.text.splitlines()[0].startswith("student_id,assignment,score,max_score,status,channels")


# --- grading through the dispatcher ---------------------------------------------------------------------


def test_the_dispatcher_grades_uploads_and_shows_no_hidden_case(tmp_path):
    from grader.batch.executor import ThreadExecutor

    course = make_course(tmp_path)
    store = ServerStore(tmp_path / "server.sqlite")
    executor = ThreadExecutor(2)
    dispatcher = Dispatcher(course, store, executor, window=4, work=tmp_path / "work")
    app = create_app(Server(course, store, dispatcher))
    kim, lee = tokens.student_token(course, "kim"), tokens.student_token(course, "lee")
    notebook = next(NOTEBOOK.glob("*.ipynb"))
    try:
        with TestClient(app) as client:
            wrong = _post(client, kim, name="multichannel.py", content=MUTANT.read_bytes()).json()["id"]
            right = _post(client, lee, name=notebook.name, content=notebook.read_bytes()).json()["id"]
            assert client.get("/api/v1/health").status_code == 503  # TensorFlow not loaded yet
            dispatcher.start()
            deadline = time.monotonic() + 120
            while store.status_counts()["done"] < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.get("/api/v1/health").json()["status"] == "ready"
            got = client.get(f"/api/v1/submissions/{wrong}?lang=en", headers={"Authorization": f"Bearer {kim}"}).json()
            nb = client.get(f"/api/v1/submissions/{right}", headers={"Authorization": f"Bearer {lee}"}).json()
    finally:
        dispatcher.stop()
        executor.shutdown()
    assert got["status"] == "done" and 0 < got["results"]["score"] < got["results"]["max_score"]
    assert "same_padding_symmetric" in json.dumps(got["results"]["tests"])
    # song_minho's notebook flips the kernel: graded as a notebook, diagnosed.
    assert nb["status"] == "done" and "flipped_kernel" in json.dumps(nb["results"])
    # The same results.json as `grader grade`: hidden tests by part, score and counts only.
    result = store.result(wrong)
    hidden = [t for t in result.tests if t.visibility != "visible"]
    assert hidden and any(not t.passed for t in hidden)
    served = json.dumps(got, ensure_ascii=False)
    details = [c.detail for t in hidden for c in t.cases if not c.passed and c.detail]
    assert details and not [d for d in details if d in served]  # values, positions: never shown
    visible = [c.detail for t in result.tests if t.visibility == "visible" for c in t.cases if not c.passed and c.detail]
    assert visible and all(d in served for d in visible)  # (the check can see a detail when one is there)
    assert store.audit()["gradings"] == {wrong: 1, right: 1}


def test_uploaded_notebooks_are_parsed_one_at_a_time(tmp_path, monkeypatch):
    """CPython 3.11's ast.parse can fail ("SystemError: AST constructor recursion depth mismatch",
    python/cpython#106905) when two threads parse at once and a collection runs finalizers: the
    load test met it in the server's thread pool, rarely and only under load. The server's check
    therefore parses one notebook at a time; this watches for two parses overlapping."""
    import concurrent.futures as cf
    import threading

    from grader import submission
    from grader.serve.uploads import check_content

    a03 = make_course(tmp_path).assignment(A03)
    notebook = next(NOTEBOOK.glob("*.ipynb")).read_bytes()
    inside, most, lock = 0, 0, threading.Lock()
    real = submission.extract_notebook_source

    def watched(*args, **kwargs):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.005)  # long enough for the other threads to arrive
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(submission, "extract_notebook_source", watched)
    with cf.ThreadPoolExecutor(8) as pool:
        kinds = list(pool.map(lambda _: check_content("a03.ipynb", notebook, a03), range(40)))
    assert kinds == ["notebook"] * 40 and most == 1


def test_a_failure_of_the_server_itself_is_a_500_that_blames_the_server(idle_server, monkeypatch):
    course, store, client, _ = idle_server
    monkeypatch.setattr(ServerStore, "accept", lambda *a, **k: 1 / 0)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = _post(quiet, tokens.student_token(course, "kim"))
    assert response.status_code == 500 and response.json()["error"] == "internal"
    assert "not your fault" in response.json()["message"] and "ZeroDivisionError" not in response.text


def test_an_engine_failure_is_retried_and_only_then_blames_the_grader(tmp_path):
    """A dead engine process or a lost Dask job puts the upload back in the queue; after three
    hand-outs the student sees the grader's failure, never a grade of zero."""
    import concurrent.futures as cf

    from grader.batch.executor import ThreadExecutor

    class Flaky:
        def __init__(self, failures: dict[str, int]):
            self.failures, self.inner = failures, ThreadExecutor(2)

        def submit(self, job):
            if self.failures.get(job.student_id, 0) > 0:
                self.failures[job.student_id] -= 1
                future = cf.Future()
                future.set_exception(BrokenPipeError("engine process died"))
                return future
            return self.inner.submit(job)

        def shutdown(self):
            self.inner.shutdown()

    course = make_course(tmp_path)
    store = ServerStore(tmp_path / "server.sqlite")
    engine = Flaky({"kim": 2, "lee": 5})
    ids = {s: store.accept(student_id=s, assignment=A03, filename="multichannel.py", content=SOLUTIONS[A03].read_bytes(),
                           late=False, by_instructor=False, per_hour=None).id for s in ("kim", "lee")}
    dispatcher = Dispatcher(course, store, engine, window=2, work=tmp_path / "work", log=lambda line: None)
    dispatcher.start()
    try:
        deadline = time.monotonic() + 120
        while store.status_counts()["done"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        dispatcher.stop()
        engine.shutdown()
    kim, lee = store.get(ids["kim"]), store.get(ids["lee"])
    assert (kim.result_status, kim.score, kim.engine_attempts, kim.gradings) == ("graded", 16.0, 3, 1)
    assert (lee.result_status, lee.score, lee.engine_attempts, lee.gradings) == ("internal_error", None, 3, 1)
    from grader.report.gradescope import to_results_json

    shown = to_results_json(store.result(ids["lee"]), "en")
    assert "not your fault" in shown["output"] and "BrokenPipeError" not in json.dumps(shown)


def test_a_revoked_token_is_refused_by_the_running_server(idle_server):
    course, store, client, _ = idle_server
    kim = tokens.student_token(course, "kim")
    assert _post(client, kim, content=b"x = 1\n").status_code == 202
    tokens.Revocations(tokens.revocation_file(course)).revoke([kim])  # `grader tokens --revoke`, server running
    refused = _post(client, kim, content=b"x = 2\n")
    assert (refused.status_code, refused.json()["error"]) == (401, "bad_token")
    assert client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {kim}"}).status_code == 401
    assert _post(client, tokens.student_token(course, "kim", 2), content=b"x = 2\n").status_code == 202
    assert store.audit()["total"] == 2
