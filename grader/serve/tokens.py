"""Upload tokens: who is uploading to ``grader serve``, derived from the course secret.

A token names its holder and carries an HMAC of the name under a key derived from the course
secret, so the server checks a token with no list of tokens at all::

    s.<student_id>.<generation>.<mac>      a student's token
    i.<generation>.<mac>                   the instructor's token

``mac`` is the first 160 bits of HMAC-SHA256(key, kind | id | generation) in base64url, where
``key`` = HMAC-SHA256(course secret, "conv-grader upload tokens v1"): the hidden cases' seeds and the
tokens never share a key. Anyone without the secret can neither forge a token nor turn one into
another student's.

Revoking: the revocation list (``revoked-tokens.txt`` beside course.yaml, never released) holds one token or one student id a line (``#`` starts a comment). A listed token stops
working at once (the server reads the file again when it changes); a listed student id stops every
token of that student. To give a student a new token after revoking the old one, raise their
``generation`` in the roster (a column of its own, 1 when absent) and run ``grader tokens`` again
(``grader tokens --instructor --generation 2`` for the instructor's).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from grader.course import Course

INSTRUCTOR = "instructor"
"""The role of the instructor's token (and the ``student_id`` its submissions carry by default)."""

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Student ids a token can carry: ASCII (an HTTP header holds it), no path separators."""

REVOKED_FILE = "revoked-tokens.txt"
_DOMAIN = b"conv-grader upload tokens v1"
_MAC_BYTES = 20


class TokenError(Exception):
    """A roster or a request for tokens that cannot be served; the message names the problem."""


@dataclass(frozen=True)
class Holder:
    """Who a valid token belongs to."""

    student_id: str
    """The student's id; :data:`INSTRUCTOR` for the instructor."""
    instructor: bool
    token: str


def secret_is_set(course: Course) -> bool:
    """Whether the course has a real secret (without one, anybody could compute every token)."""
    return not course.secret().startswith(b"unset-secret:")


def _key(course: Course) -> bytes:
    return hmac.new(course.secret(), _DOMAIN, hashlib.sha256).digest()


def _mac(key: bytes, kind: str, subject: str, generation: int) -> str:
    digest = hmac.new(key, f"{kind}|{subject}|{generation}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def student_token(course: Course, student_id: str, generation: int = 1) -> str:
    """The upload token of ``student_id`` (``generation`` counts the tokens they were given)."""
    if not STUDENT_ID.match(student_id):
        raise TokenError(f"{student_id!r}: a student id for tokens is 1-64 ASCII letters, digits, '_', '.' or '-'")
    return f"s.{student_id}.{generation}.{_mac(_key(course), 's', student_id, generation)}"


def instructor_token(course: Course, generation: int = 1) -> str:
    """The instructor's own token: every submission, the dashboard, the exports."""
    return f"i.{generation}.{_mac(_key(course), 'i', INSTRUCTOR, generation)}"


class Revocations:
    """The revocation list, read again whenever the file changes (a revoked token stops at once)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._stamp: tuple[float, int] | None = None
        self._entries: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def entries(self) -> frozenset[str]:
        try:
            info = self.path.stat()
            stamp = (info.st_mtime, info.st_size)
        except OSError:
            return frozenset()
        with self._lock:
            if stamp != self._stamp:
                text = self.path.read_text(encoding="utf-8", errors="replace")
                self._entries = frozenset(parse_revocations(text))
                self._stamp = stamp
            return self._entries

    def revoke(self, entries: Iterable[str]) -> list[str]:
        """Append tokens or student ids to the list; returns those that were not on it yet."""
        known = self.entries()
        new = [e.strip() for e in entries if e.strip() and e.strip() not in known]
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.writelines(f"{entry}\n" for entry in new)
        return new


def parse_revocations(text: str) -> list[str]:
    """The entries of a revocation list: one token or student id a line, ``#`` comments."""
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def revocation_file(course: Course) -> Path:
    return course.root / REVOKED_FILE


def verify(course: Course, token: str, revoked: frozenset[str] = frozenset()) -> Holder | None:
    """The holder of ``token``, or ``None`` when it is malformed, forged or revoked."""
    token = token.strip()
    if not token or len(token) > 200 or token in revoked:
        return None
    parts = token.split(".")
    try:
        if parts[0] == "i" and len(parts) == 3:
            kind, subject, generation, mac = "i", INSTRUCTOR, int(parts[1]), parts[2]
        elif parts[0] == "s" and len(parts) >= 4:
            kind, subject, generation, mac = "s", ".".join(parts[1:-2]), int(parts[-2]), parts[-1]
        else:
            return None
    except ValueError:
        return None
    if generation < 1 or (kind == "s" and (not STUDENT_ID.match(subject) or subject in revoked)):
        return None
    if not hmac.compare_digest(mac, _mac(_key(course), kind, subject, generation)):
        return None
    return Holder(subject, kind == "i", token)


# --- grader tokens ------------------------------------------------------------------------------------


def read_roster(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The roster CSV's columns and rows (a ``student_id`` column required; any others are kept).

    Raises ``TokenError`` naming the file and the line for a missing column, a bad or repeated id.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a spreadsheet's export starts with a BOM
    except FileNotFoundError:
        raise TokenError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TokenError(f"{path}: cannot be read as UTF-8 text: {e}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if "student_id" not in columns:
        raise TokenError(f"{path}: no student_id column (the first line must name the columns, e.g. student_id,name,email)")
    reader.fieldnames = columns
    rows, seen = [], set()
    for line, row in enumerate(reader, start=2):
        student = (row.get("student_id") or "").strip()
        if not student and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        if not STUDENT_ID.match(student):
            raise TokenError(
                f"{path}: line {line}: student_id {student!r} is not 1-64 ASCII letters, digits, '_', '.' or '-'"
            )
        if student in seen:
            raise TokenError(f"{path}: line {line}: student_id {student!r} is listed twice")
        generation = (row.get("generation") or "1").strip() or "1"
        if not generation.isdigit() or int(generation) < 1:
            raise TokenError(f"{path}: line {line}: generation {generation!r} is not a whole number >= 1")
        seen.add(student)
        rows.append({k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k is not None})
    return columns, rows


def tokens_csv(course: Course, columns: list[str], rows: list[dict[str, str]]) -> str:
    """``student_id,token`` then the roster's other columns (name, email...), for a mail merge."""
    others = [c for c in columns if c not in ("student_id", "token")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "token", *others])
    for row in rows:
        generation = int(row.get("generation") or 1)
        writer.writerow([row["student_id"], student_token(course, row["student_id"], generation), *(row.get(c, "") for c in others)])
    return out.getvalue()


def main(
    course: Course,
    roster: str | os.PathLike[str] | None,
    out: str | os.PathLike[str] | None,
    *,
    instructor: bool = False,
    generation: int = 1,
    revoke: Iterable[str] = (),
) -> int:
    """``grader tokens ROSTER.csv --out TOKENS.csv`` (``--instructor``, ``--revoke TOKEN|ID``).

    Returns 0 when done, 1 when the roster is unusable, 2 for a usage error (no secret, nothing asked).
    """
    revoke = list(revoke)
    if not secret_is_set(course):
        print(
            f"grader tokens: the course has no secret (set ${course.secret_env} or write {course.root / course.secret_file}):"
            " without one anybody could compute every token",
            file=sys.stderr,
        )
        return 2
    if roster is None and not instructor and not revoke:
        print("grader tokens: give a ROSTER.csv (with --out), --instructor or --revoke", file=sys.stderr)
        return 2
    if revoke:
        added = Revocations(revocation_file(course)).revoke(revoke)
        print(f"revoked {len(added)} (already listed: {len(revoke) - len(added)}) in {revocation_file(course)}")
    if roster is not None:
        if out is None:
            print("grader tokens: --out TOKENS.csv is required with a roster", file=sys.stderr)
            return 2
        try:
            columns, rows = read_roster(Path(roster))
        except TokenError as e:
            print(f"grader tokens: {e}", file=sys.stderr)
            return 1
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        # The file holds every student's credentials: readable by the instructor alone.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(tokens_csv(course, columns, rows))
        print(f"wrote {len(rows)} tokens to {out} (columns student_id,token{''.join(',' + c for c in columns if c not in ('student_id', 'token'))})")
    if instructor:
        print(f"instructor token: {instructor_token(course, max(1, generation))}")
    return 0
