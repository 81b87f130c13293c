"""What an upload must be before anything is stored: checks on the bytes and the file name alone.

Each refusal is an :class:`Refused` with an HTTP status, a stable code and the message registry's
key (``serve.error.<code>``), so the API and the pages say the same thing in Korean or English.
A syntax error is *not* a refusal: the student gets it as feedback, like any other grade.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from grader.course import Assignment

SUFFIXES = (".py", ".ipynb")
MAX_NAME = 255

# File signatures of archives and of what a notebook or a module never is (zip, gzip, 7z, rar,
# tar's "ustar" at 257, PDF, PNG/JPEG): named, so the student hears "a zip", not "unreadable".
# CPython 3.11's ast.parse is not safe in two threads at once: it can fail with "SystemError: AST
# constructor recursion depth mismatch" (python/cpython#106905, fixed in 3.12). Uploads are checked
# in the server's thread pool, so notebooks are parsed one at a time (a few ms each).
_PARSING = threading.Lock()

_ARCHIVES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh")


@dataclass
class Refused(Exception):
    """An upload that is not taken; nothing was written for it."""

    status: int
    code: str
    fields: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"serve.error.{self.code}"

    def __str__(self) -> str:
        return f"{self.status} {self.code}"


def check_name(name: str | None) -> str:
    """The file name as sent; refused when missing, a path, hidden or of another kind."""
    if not name:
        raise Refused(400, "no_file")
    shown = name[:80]
    if any(c in name for c in "/\\\0") or name in (".", "..") or ":" in name or any(ord(c) < 32 for c in name):
        raise Refused(400, "path_in_filename", {"name": shown})
    if len(name) > MAX_NAME or name.startswith("."):
        raise Refused(400, "bad_filename", {"name": shown})
    lowered = name.lower()
    if lowered.endswith((".zip", ".tar", ".gz", ".tgz", ".7z", ".rar", ".bz2")):
        raise Refused(415, "archive", {"name": shown})
    if not lowered.endswith(SUFFIXES):
        raise Refused(415, "wrong_type", {"name": shown})
    return name


def check_content(name: str, content: bytes, assignment: Assignment) -> str:
    """The kind of the upload (``module`` or ``notebook``) once its bytes pass; ``Refused`` otherwise."""
    limit = assignment.submissions.max_upload_kb * 1024
    if len(content) > limit:
        raise Refused(413, "too_large", {"size_kb": -(-len(content) // 1024), "max_kb": assignment.submissions.max_upload_kb})
    if not content.strip():
        raise Refused(400, "empty", {"name": name[:80]})
    if content.startswith(_ARCHIVES) or content[257:262] == b"ustar":
        raise Refused(415, "archive", {"name": name[:80]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Refused(415, "not_text", {"name": name[:80], "byte": e.start}) from None
    if "\0" in text:
        raise Refused(415, "not_text", {"name": name[:80], "byte": text.index("\0")})
    if name.lower().endswith(".ipynb"):
        from grader.submission import SubmissionError, extract_notebook_source

        try:
            with _PARSING:
                extract_notebook_source(text, name[:80])
        except SubmissionError as e:
            raise Refused(422, "bad_notebook", {"reason": str(e)[:300]}) from None
        return "notebook"
    return "module"
