"""The student side of ``grader serve``: upload a submission, wait for its grade, write a summary.

Used by the student repository's workflow (``grader release`` writes the step) when the repository
has the secrets ``GRADER_URL`` and ``GRADER_TOKEN``::

    python -m grader.serve.client a03_multichannel assignments/a03_multichannel

It needs the standard library only (the student install has no HTTP client): ``urllib`` for the
requests, and a multipart body written here (the standard library has no encoder for one). The
Markdown summary (score, then every test: its part, points and what it says; hidden tests only
as much as results.json shows of them) goes to ``$GITHUB_STEP_SUMMARY`` when set, else to stdout.

Exit status: 0 when the feedback arrived, 1 when it did not (the server refused the upload,
could not be reached, or took longer than ``--wait``), 2 for a usage error. The workflow step
does not fail the job for it: the public tests decide the job's status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Sequence

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
RETRIES = 3


class ClientError(Exception):
    """The server refused or could not be reached; the message says which and why."""


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (RFC 7578) and its content type."""
    boundary = f"grader-{uuid.uuid4().hex}"
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [f"--{boundary}".encode(), f'Content-Disposition: form-data; name="{name}"'.encode(), b"",
                  value.encode("utf-8")]
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="{file_field}"; filename="{quoted}"'.encode("utf-8"),
        b"Content-Type: application/octet-stream",
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def _request(url: str, token: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float = 60.0) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the course's own server
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            body = json.loads(e.read() or b"{}")
        except ValueError:
            body = {}
        return e.code, body


def upload(base: str, token: str, assignment: str, path: Path, *, lang: str = "ko") -> dict[str, Any]:
    """POST the file; the server's ``{"id", ...}``. Retried (with one ``Idempotency-Key``, so a
    retry after a lost answer never makes a second submission) when the server cannot be reached."""
    body, content_type = multipart({"assignment": assignment}, "file", path.name, path.read_bytes())
    headers = {"Content-Type": content_type, "Idempotency-Key": uuid.uuid4().hex}
    url = f"{base.rstrip('/')}/api/v1/submissions?lang={lang}"
    for attempt in range(RETRIES):
        try:
            status, answer = _request(url, token, data=body, headers=headers)
        except (OSError, ValueError) as e:  # URLError, a reset connection, a timeout
            if attempt == RETRIES - 1:
                raise ClientError(f"{base}: cannot reach the server ({e})") from None
            time.sleep(0.5 * 2 ** attempt)
            continue
        if status == 202:
            return answer
        if status >= 500 and attempt < RETRIES - 1:
            time.sleep(0.5 * 2 ** attempt)
            continue
        raise ClientError(f"HTTP {status}: {answer.get('message') or answer.get('error') or 'refused'}")
    raise ClientError(f"{base}: no answer")  # (not reached)


def wait(base: str, token: str, ident: str, *, lang: str = "ko", limit: float = 600.0, every: float = 2.0) -> dict[str, Any]:
    """Poll the submission until it is ``done``; its JSON (with ``results``). Polls quickly at
    first (a grade usually takes a second or two), then every ``every`` seconds."""
    url = f"{base.rstrip('/')}/api/v1/submissions/{ident}?lang={lang}"
    deadline = time.monotonic() + limit
    pause = 0.25
    while True:
        try:
            status, answer = _request(url, token)
        except (OSError, ValueError):
            status, answer = 0, {}
        if status == 200 and answer.get("status") == "done":
            return answer
        if status in (401, 403, 404):
            raise ClientError(f"HTTP {status}: {answer.get('message') or answer.get('error')}")
        if time.monotonic() > deadline:
            raise ClientError(f"no grade after {limit:.0f} s (last status: {answer.get('status') or status})")
        time.sleep(pause)
        pause = min(every, pause * 2)


def summary_markdown(answer: dict[str, Any], lang: str, link: str = "") -> str:
    """The job summary: the score, then a table of every test from the server's results.json."""
    from grader.messages import text
    from grader.report import points

    results = answer.get("results") or {}
    lines = [f"## {text('serve.client.heading', lang, assignment=answer.get('assignment', ''))}", ""]
    lines.append(f"**{text('report.points', lang, score=points(results.get('score', 0)), max_score=points(results.get('max_score', 0)))}**"
                 + (f" · {text('serve.late_mark', lang)}" if answer.get("late") else ""))
    if results.get("output"):
        lines += ["", str(results["output"])]
    lines += ["", f"| {text('report.test', lang)} | {text('report.score', lang)} | {text('report.status', lang)} |",
              "|---|---:|---|"]
    for test in results.get("tests", []):
        mark = "✅" if test.get("status") == "passed" else "❌"
        name = str(test.get("name", "")).replace("|", "\\|")
        lines.append(f"| {name} | {points(test.get('score', 0))} / {points(test.get('max_score', 0))} | {mark} |")
    failed = [t for t in results.get("tests", []) if t.get("status") != "passed"]
    for test in failed:
        lines += ["", f"### ❌ {test.get('name', '')}", "", *(f"> {line}" if line else ">" for line in str(test.get("output", "")).splitlines())]
    if link:
        lines += ["", text("serve.client.link", lang, url=link)]
    return "\n".join(lines) + "\n"


def _write_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown)
    else:
        sys.stdout.write(markdown)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.serve.client", description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("path", help="the .py or .ipynb, or the assignment folder (the file you worked in is sent)")
    parser.add_argument("--url", default=os.environ.get("GRADER_URL"), help="the server (default: $GRADER_URL)")
    parser.add_argument("--token", default=os.environ.get("GRADER_TOKEN"), help="your token (default: $GRADER_TOKEN)")
    parser.add_argument("--wait", type=float, default=600.0, help="seconds to wait for the grade (default: 600)")
    parser.add_argument("--lang", choices=["ko", "en"], help="language of the summary (default: course.yaml's)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if not args.url or not args.token:
        print("grader: set GRADER_URL and GRADER_TOKEN (or --url and --token)", file=sys.stderr)
        return EXIT_USAGE
    from grader.course import CourseError, find_course
    from grader.submission import SubmissionError, locate

    try:
        course = find_course()
        assignment = course.assignment(args.assignment)
        path = locate(Path(args.path), assignment).path
    except (CourseError, SubmissionError) as e:
        print(f"grader: {e}", file=sys.stderr)
        return EXIT_USAGE
    lang = args.lang or course.language
    try:
        sent = upload(args.url, args.token, assignment.id, path, lang=lang)
        answer = wait(args.url, args.token, sent["id"], lang=lang, limit=args.wait)
    except ClientError as e:
        print(f"::warning title=grader serve::{e}")
        return EXIT_FAIL
    _write_summary(summary_markdown(answer, lang, f"{args.url.rstrip('/')}/submissions/{answer['id']}"))
    results = answer.get("results") or {}
    print(f"{assignment.id}: {results.get('score', 0):g}/{results.get('max_score', 0):g} ({path.name}, submission {answer['id']})")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
