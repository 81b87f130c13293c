"""grader serve as a process, used the way students and instructors use it: a real browser, the
workflow's step, and a ``kill -9`` in the middle of a class's uploads followed by a restart."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_batch import _alive, _descendants

import starlette  # noqa: E402,F401  (the instructor extras: the test run installs them)

SECRET = "live-test-secret"
A03 = "a03_multichannel"
DEMO = ROOT / "demo" / A03
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_SECRET": SECRET, "TF_CPP_MIN_LOG_LEVEL": "2"}


def course():
    from grader.course import load_course

    return load_course(ROOT)


def token(student: str) -> str:
    from grader.serve.tokens import instructor_token, student_token

    saved = os.environ.get("GRADER_SECRET")
    os.environ["GRADER_SECRET"] = SECRET  # (read by the course when the token is computed)
    try:
        return instructor_token(course()) if student == "instructor" else student_token(course(), student)
    finally:
        if saved is None:
            os.environ.pop("GRADER_SECRET")
        else:
            os.environ["GRADER_SECRET"] = saved


class Live:
    """A ``grader serve`` process on a free port, its URL read from its first line."""

    def __init__(self, data: Path, *extra: str):
        self.data = data
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--port", "0", "--data", str(data), "--jobs", "2", *extra],
            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.proc.stdout], daemon=True).start()
        self.stderr: list[str] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        try:
            first = lines.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise AssertionError(f"grader serve did not start: {''.join(self.stderr)[-2000:]}") from None
        found = re.search(r"http://[\d.]+:\d+/", first)
        assert found, first
        self.url = found[0]
        self.first_line = first
        deadline = time.monotonic() + 120
        while self.get("api/v1/health")[0] != 200:
            assert self.proc.poll() is None and time.monotonic() < deadline, "".join(self.stderr)[-2000:]
            time.sleep(0.2)

    def get(self, path: str, who: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path)
        if who:
            request.add_header("Authorization", f"Bearer {token(who)}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")
        except OSError:
            return 0, {}

    def post(self, who: str, path: Path, key: str) -> tuple[int, dict]:
        from grader.serve.client import multipart

        body, content_type = multipart({"assignment": A03}, "file", path.name, path.read_bytes())
        request = urllib.request.Request(self.url + "api/v1/submissions", data=body, method="POST")
        request.add_header("Authorization", f"Bearer {token(who)}")
        request.add_header("Content-Type", content_type)
        request.add_header("Idempotency-Key", key)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _done(data: Path) -> dict[str, tuple[str, int, str | None]]:
    """id -> (status, gradings, result status) of every upload stored so far (read beside the server)."""
    import sqlite3

    db = data / "server.sqlite"
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return {i: (s, g, r) for i, s, g, r in con.execute("SELECT id, status, gradings, result_status FROM submissions")}
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


# --- a class uploading while the server is killed ------------------------------------------------------

CLASS = ["kim_minjun", "lee_seoyeon", "han_jiwoo", "lim_sora", "shin_dongwook", "kwon_eunbi", "hwang_taeyang",
         "jo_haeun", "song_minho", "park_jiho", "choi_yuna", "ahn_jaehyun"]


def _file(student: str) -> Path:
    return next(p for p in sorted((DEMO / student).rglob("*")) if p.suffix in (".py", ".ipynb"))


def test_kill_9_mid_load_then_restart_grades_every_accepted_upload_exactly_once(tmp_path):
    data = tmp_path / "data"
    server = Live(data)
    acked: dict[str, str] = {}  # student -> id the server answered with
    keys = {s: uuid.uuid4().hex for s in CLASS}
    lock = threading.Lock()

    def send(students: list[str], live: Live) -> None:
        for student in students:
            status, body = live.post(student, _file(student), keys[student])
            if status == 202:
                with lock:
                    acked[student] = body["id"]

    family: list[int] = []
    try:
        senders = [threading.Thread(target=send, args=(CLASS[i::3], server)) for i in range(3)]
        for t in senders:
            t.start()
        deadline = time.monotonic() + 120
        while sum(r[0] == "done" for r in _done(data).values()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        family = _descendants(server.proc.pid)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        for t in senders:
            t.join(timeout=30)
        before = _done(data)
        assert 3 <= sum(r[0] == "done" for r in before.values()) < len(before) or len(before) < len(CLASS), \
            "the server must be killed while uploads are still coming or being graded"
        # Nothing the server started outlives it (engine processes, sandbox fork servers).
        deadline = time.monotonic() + 15
        while [p for p in family if _alive(p)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert family and not [p for p in family if _alive(p)]

        server = Live(data)
        assert re.search(r"\b[1-9]\d* uploads back in the queue", server.first_line) or \
            all(r[0] != "running" for r in before.values()), server.first_line
        # Students whose upload got no answer send it again, with the same Idempotency-Key.
        send([s for s in CLASS if s not in acked], server)
        assert len(acked) == len(CLASS)
        deadline = time.monotonic() + 120
        while any(r[0] != "done" for r in _done(data).values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        rows = _done(data)
        scores = {s: server.get(f"api/v1/submissions/{i}", s)[1] for s, i in acked.items()}
    finally:
        server.stop()
        for pid in family:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert sorted(rows) == sorted(acked.values())  # none lost, none twice
    assert {i: r[1] for i, r in rows.items()} == {i: 1 for i in acked.values()}  # each graded exactly once
    assert {r[0] for r in rows.values()} == {"done"} and "internal_error" not in {r[2] for r in rows.values()}
    assert scores["kim_minjun"]["results"]["score"] == 16 and scores["han_jiwoo"]["results"]["score"] < 16


# --- one server for the browser and the workflow -----------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = Live(tmp_path_factory.mktemp("serve") / "data")
    yield server
    server.stop()


def test_the_workflow_step_posts_the_work_and_writes_the_hidden_test_summary(live, tmp_path):
    from grader.integrations.release import workflow_yaml

    job = yaml.safe_load(workflow_yaml(course()))["jobs"]["check"]
    step = next(s for s in job["steps"] if "grader.serve.client" in s.get("run", ""))
    assert "secrets.GRADER_URL" in job["env"]["GRADER_SERVER"] and "env.GRADER_SERVER == 'true'" in step["if"]
    assert step["env"]["GRADER_TOKEN"] == "${{ secrets.GRADER_TOKEN }}" and step["continue-on-error"] is True
    repo = tmp_path / "repo"  # the student's repository: their (wrong) work in the assignment folder
    repo.mkdir()
    shutil.copy(ROOT / "course.yaml", repo / "course.yaml")
    shutil.copytree(DEMO / "lim_sora", repo / "assignments" / A03)
    summary = tmp_path / "summary.md"
    env = {**ENV, "ASSIGNMENT": A03, "GRADER_URL": live.url, "GRADER_TOKEN": token("lim_sora"),
           "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("GRADER_SECRET")  # a student's runner has no course secret
    done = subprocess.run(["bash", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    text = summary.read_text(encoding="utf-8")
    assert "숨겨진 테스트 포함" in text and "/16점" in text and "❌" in text
    assert "no_channel_sum" in text or "입력 채널" in text  # the diagnosis reaches the student
    assert re.search(r"a03_multichannel: [\d.]+/16 \(multichannel\.py", done.stdout)
    # Without the server (a wrong address), the step warns and fails alone (continue-on-error).
    env["GRADER_URL"] = "http://127.0.0.1:9/"
    offline = subprocess.run(["bash", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=180)
    assert offline.returncode == 1 and "::warning" in offline.stdout


def _browser(tmp_path: Path, chromium: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1100,1400", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.mark.slow
def test_a_student_uploads_in_a_browser_and_reads_the_feedback(live, tmp_path, chromium_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    notebook = next((DEMO / "song_minho").glob("*.ipynb"))  # flips the kernel
    browser = _browser(tmp_path, chromium_path)
    browser.implicitly_wait(15)  # an element of the next page is waited for, not looked up on the last one
    wait = WebDriverWait(browser, 120, poll_frequency=0.2)

    def follow(link) -> str:
        """Click a link, wait for its page, return the page's text."""
        href = link.get_attribute("href")
        link.click()
        wait.until(lambda b: b.current_url == href and b.execute_script("return document.readyState") == "complete")
        return browser.find_element(By.TAG_NAME, "body").text

    try:
        browser.get(live.url)
        browser.find_element(By.ID, "token").send_keys(token("song_minho"))
        browser.find_element(By.ID, "login").click()
        Select(browser.find_element(By.ID, "assignment")).select_by_value(A03)
        browser.find_element(By.ID, "file").send_keys(str(notebook))
        assert browser.find_element(By.ID, "chosen").text == notebook.name  # the drop zone shows the file
        browser.find_element(By.ID, "submit").click()
        # The waiting page reloads itself until the feedback is there.
        received = wait.until(lambda b: b.find_elements(By.ID, "received"))
        assert received[0].get_attribute("data-status") == "done"
        page = browser.find_element(By.TAG_NAME, "body").text
        ident = browser.current_url.rstrip("/").rsplit("/", 1)[1]
        heatmaps = browser.execute_script(
            "return [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
        attempts = follow(browser.find_element(By.LINK_TEXT, "제출 기록"))
        browser.get(live.url + f"submissions/{ident}?lang=en")
        english = browser.find_element(By.TAG_NAME, "body").text
        # The instructor signs in on the same browser and opens the class summary of a03.
        browser.get(live.url + "?lang=ko")
        browser.find_element(By.CSS_SELECTOR, "nav button").click()  # sign out
        browser.find_element(By.ID, "token").send_keys(token("instructor"))
        browser.find_element(By.ID, "login").click()
        browser.find_element(By.ID, "queue")  # (the dashboard's own line)
        dashboard = browser.find_element(By.TAG_NAME, "body").text
        summary = follow(browser.find_element(By.CSS_SELECTOR, f'a[href="/dashboard/{A03}"]'))
        charts = browser.execute_script(
            "return [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
    finally:
        browser.quit()
    status, body = live.get(f"api/v1/submissions/{ident}", "song_minho")
    assert status == 200 and body["status"] == "done"
    results = body["results"]
    assert 0 < results["score"] < results["max_score"]
    from grader.report import points

    assert f"{points(results['score'])}/16점" in page  # the total, as the API gives it
    assert "flipped_kernel" in page and "합성곱 (Convolution) vs 교차 상관" in page
    assert heatmaps >= 1  # the picture of the first visible failure loaded
    assert notebook.name in attempts and "성적에 반영" in attempts
    assert "flipped_kernel" in english and "points" in english
    assert "교수자 대시보드" in dashboard and "grades.csv" in dashboard
    assert "반 전체 요약" in summary and "flipped_kernel" in summary and charts >= 1
