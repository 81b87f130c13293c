"""The server's memory and its queue: one SQLite file, ``DATA/server.sqlite``.

An upload is accepted by one committed transaction (``synchronous=FULL``: on disk, not only in the
page cache) that holds the file's bytes, who sent it, when, and whether it was late; the ``202``
goes out only after it. The queue is the ``status`` column::

    queued --claim--> running --finish--> done
                         \\--requeue (engine failure) --> queued

``finish`` records a result only for a row that is ``running`` and counts it (``gradings``), in
the same transaction. A server killed with ``kill -9`` left its running rows unfinished: at the
next start :meth:`ServerStore.recover` puts them back in the queue, so every accepted upload ends
with exactly one recorded result. Results are stored as :func:`grader.batch.store.to_dict` JSON
(never pickle), from which every report is rebuilt.

Each thread has its own connection (SQLite connections are not shared across threads); WAL mode
lets the pages read while the dispatcher writes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.results import GradingResult, Status
from grader.serve.tokens import INSTRUCTOR

STORE_FILE = "server.sqlite"
HOUR = 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    student_id      TEXT    NOT NULL,
    assignment      TEXT    NOT NULL,
    filename        TEXT    NOT NULL,
    content         BLOB    NOT NULL,
    sha256          TEXT    NOT NULL,
    received        REAL    NOT NULL,
    received_at     TEXT    NOT NULL,
    late            INTEGER NOT NULL,
    by_instructor   INTEGER NOT NULL,
    idempotency_key TEXT,
    status          TEXT    NOT NULL,
    engine_attempts INTEGER NOT NULL DEFAULT 0,
    gradings        INTEGER NOT NULL DEFAULT 0,
    result_status   TEXT,
    score           REAL,
    max_score       REAL,
    graded_at       TEXT,
    finished        REAL,
    result          TEXT
);
CREATE INDEX IF NOT EXISTS by_status ON submissions (status, seq);
CREATE INDEX IF NOT EXISTS by_student ON submissions (student_id, assignment, received);
CREATE UNIQUE INDEX IF NOT EXISTS by_retry_key ON submissions (student_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
"""

_ROW = (
    "id, seq, student_id, assignment, filename, sha256, received, received_at, late, by_instructor, status,"
    " engine_attempts, gradings, result_status, score, max_score, graded_at, finished"
)


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Row:
    """One upload as the pages and the API see it (without its bytes and its result)."""

    id: str
    seq: int
    student_id: str
    assignment: str
    filename: str
    sha256: str
    received: float
    received_at: str
    late: bool
    by_instructor: bool
    status: str
    engine_attempts: int
    gradings: int
    result_status: str | None
    score: float | None
    max_score: float | None
    graded_at: str | None
    finished: float | None
    """When the result was recorded (seconds since the epoch, like ``received``)."""

    @classmethod
    def of(cls, values: tuple) -> "Row":
        row = cls(*values)
        return cls(**{**row.__dict__, "late": bool(row.late), "by_instructor": bool(row.by_instructor)})


@dataclass(frozen=True)
class Claimed:
    """An upload handed to the dispatcher: its bytes come along."""

    id: str
    seq: int
    student_id: str
    assignment: str
    filename: str
    content: bytes
    engine_attempts: int


@dataclass(frozen=True)
class Accepted:
    id: str
    late: bool
    repeated: bool = False
    """Nothing was added: the same ``Idempotency-Key`` came before, or the file is the same as the
    student's last upload of the assignment (a push that did not touch it); this is that upload's id."""


@dataclass(frozen=True)
class RateLimited:
    retry_after: int
    """Seconds until the oldest upload of the last hour leaves the window."""


class ServerStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._db().executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # an accepted upload survives a power cut, not only a kill
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- taking an upload ------------------------------------------------------------------------

    def accept(
        self,
        *,
        student_id: str,
        assignment: str,
        filename: str,
        content: bytes,
        late: bool,
        by_instructor: bool,
        per_hour: int | None,
        idempotency_key: str | None = None,
        now: float | None = None,
    ) -> Accepted | RateLimited:
        """Store an upload and commit, unless the student used up their uploads of the last hour.

        A retry (same ``idempotency_key``) or the same bytes as the student's last upload of the
        assignment gives that upload back instead (``repeated``), and costs no attempt.

        The count and the insert are one transaction (``BEGIN IMMEDIATE``), so two uploads at the
        same moment cannot both take the last place. ``per_hour=None``: no limit (the instructor).
        """
        now = time.time() if now is None else now
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            if idempotency_key is not None:
                seen = db.execute(
                    "SELECT id, late FROM submissions WHERE student_id=? AND idempotency_key=?",
                    (student_id, idempotency_key),
                ).fetchone()
                if seen is not None:
                    db.execute("ROLLBACK")
                    return Accepted(seen[0], bool(seen[1]), repeated=True)
            digest = hashlib.sha256(content).hexdigest()
            last = db.execute(
                "SELECT id, late, sha256 FROM submissions WHERE student_id=? AND assignment=? ORDER BY seq DESC LIMIT 1",
                (student_id, assignment),
            ).fetchone()
            if last is not None and last[2] == digest:  # a push that changed nothing in this assignment
                db.execute("ROLLBACK")
                return Accepted(last[0], bool(last[1]), repeated=True)
            if per_hour is not None:
                count, oldest = db.execute(
                    "SELECT COUNT(*), MIN(received) FROM submissions WHERE student_id=? AND assignment=? AND received>?",
                    (student_id, assignment, now - HOUR),
                ).fetchone()
                if count >= per_hour:
                    db.execute("ROLLBACK")
                    return RateLimited(max(1, int(oldest + HOUR - now) + 1))
            ident = secrets.token_urlsafe(9)
            db.execute(
                "INSERT INTO submissions (id, student_id, assignment, filename, content, sha256, received, received_at,"
                " late, by_instructor, idempotency_key, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued')",
                (
                    ident, student_id, assignment, filename, content, digest, now,
                    utc_iso(now), int(late), int(by_instructor), idempotency_key,
                ),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return Accepted(ident, late)

    # --- the queue -------------------------------------------------------------------------------

    def recover(self) -> int:
        """At start: uploads left ``running`` by a server that died go back to the queue."""
        return self._db().execute("UPDATE submissions SET status='queued' WHERE status='running'").rowcount

    def claim(self, limit: int) -> list[Claimed]:
        """Up to ``limit`` queued uploads, oldest first, now ``running``."""
        if limit <= 0:
            return []
        rows = self._db().execute(
            "UPDATE submissions SET status='running', engine_attempts=engine_attempts+1 WHERE seq IN"
            " (SELECT seq FROM submissions WHERE status='queued' ORDER BY seq LIMIT ?)"
            " RETURNING id, seq, student_id, assignment, filename, content, engine_attempts",
            (limit,),
        ).fetchall()
        return sorted((Claimed(*r) for r in rows), key=lambda c: c.seq)

    def finish(self, ident: str, result: GradingResult) -> bool:
        """Record the result of a running upload (and count it); ``False`` when it was not running."""
        from grader.batch.store import to_dict, utc_now

        payload = json.dumps(to_dict(result), ensure_ascii=False, separators=(",", ":"))
        internal = result.status is Status.INTERNAL_ERROR
        return (
            self._db().execute(
                "UPDATE submissions SET status='done', gradings=gradings+1, result_status=?, score=?, max_score=?,"
                " graded_at=?, finished=?, result=? WHERE id=? AND status='running'",
                (result.status.value, None if internal else result.score, result.max_score, utc_now(), time.time(),
                 payload, ident),
            ).rowcount
            == 1
        )

    def requeue(self, ident: str) -> bool:
        """A running upload whose engine failed goes back to the queue."""
        return self._db().execute("UPDATE submissions SET status='queued' WHERE id=? AND status='running'", (ident,)).rowcount == 1

    # --- reading -----------------------------------------------------------------------------------

    def get(self, ident: str) -> Row | None:
        row = self._db().execute(f"SELECT {_ROW} FROM submissions WHERE id=?", (ident,)).fetchone()
        return Row.of(row) if row else None

    def result(self, ident: str) -> GradingResult | None:
        """The recorded result of an upload (``None`` until it is done)."""
        from grader.batch.store import from_dict

        row = self._db().execute("SELECT result FROM submissions WHERE id=? AND status='done'", (ident,)).fetchone()
        return from_dict(json.loads(row[0])) if row and row[0] else None

    def attempts(self, student_id: str | None = None, assignment: str | None = None) -> list[Row]:
        """Uploads, newest first: one student's, one assignment's, or all."""
        where, args = [], []
        if student_id is not None:
            where.append("student_id=?")
            args.append(student_id)
        if assignment is not None:
            where.append("assignment=?")
            args.append(assignment)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return [Row.of(r) for r in self._db().execute(f"SELECT {_ROW} FROM submissions{clause} ORDER BY seq DESC", args)]

    def counting(self, assignment: str, counts: str) -> list[Row]:
        """Each student's attempt that counts (``last``: the latest graded one; ``best``: the highest
        score, the latest on a tie), by student id. An upload the instructor made for a student counts
        as theirs; the instructor's own (student id ``instructor``) and internal errors never count."""
        order = "received DESC" if counts == "last" else "score DESC, received DESC"
        rows = self._db().execute(
            f"SELECT {_ROW} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY student_id ORDER BY {order}) AS n"
            " FROM submissions WHERE assignment=? AND status='done' AND student_id != ? AND result_status != ?)"
            " WHERE n=1 ORDER BY student_id",
            (assignment, INSTRUCTOR, Status.INTERNAL_ERROR.value),
        )
        return [Row.of(r) for r in rows]

    def status_counts(self) -> dict[str, int]:
        counts = dict(self._db().execute("SELECT status, COUNT(*) FROM submissions GROUP BY status").fetchall())
        return {s: int(counts.get(s, 0)) for s in ("queued", "running", "done")}

    def audit(self) -> dict[str, Any]:
        """For tests and the benchmark: uploads, their statuses, and how often each was graded."""
        db = self._db()
        total = db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        gradings = dict(db.execute("SELECT id, gradings FROM submissions").fetchall())
        return {"total": total, "statuses": self.status_counts(), "gradings": gradings}
