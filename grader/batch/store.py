"""The batch's memory: one SQLite file (``OUT/grades.sqlite``) with every finished submission.

Each result is committed the moment it arrives (WAL mode, one transaction per result), so a batch
killed with ``kill -9`` loses at most the submissions that were running. A rerun looks every
submission up by ``(assignment, student_id, fingerprint)`` -- the fingerprint is the SHA-256 of the
submitted file's bytes -- and grades only those without a trusted result. A student who resubmits
gets a new fingerprint and is graded again; an ``internal_error`` is never reused, since it blames
the grader and asks for a re-run.

Results are stored as JSON (:func:`to_dict` / :func:`from_dict`), not pickle: the store is read
back by the trusted grader and must never be able to run code. Every report can be rebuilt from it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from grader.cases import Raises
from grader.results import CaseResult, FailureExample, GradingResult, PartScore, Status, TestResult

SCHEMA_VERSION = 1
"""Bumped when the JSON of a result changes shape; older rows are then graded again, not misread."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    assignment   TEXT    NOT NULL,
    student_id   TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    score        REAL,
    graded_at    TEXT    NOT NULL,
    run          INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    result       TEXT    NOT NULL,
    PRIMARY KEY (assignment, student_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS runs (
    run         INTEGER PRIMARY KEY AUTOINCREMENT,
    assignment  TEXT NOT NULL,
    started_at  TEXT NOT NULL
);
"""


# --- fingerprints ---------------------------------------------------------------------------------


def fingerprint(path: Path | None) -> str:
    """SHA-256 of the submitted file's bytes; a fixed marker when there is nothing to read.

    Parameters
    ----------
    path
        The file that will be graded, or ``None`` when the student has none.

    Returns
    -------
    str
        ``sha256:<hex>``, ``none`` (no file) or ``unreadable:<error name>``. The markers make a
        missing or broken submission a stable key too, so its row is reused like any other.
    """
    from grader.submission import SubmissionError, read_submitted

    if path is None:
        return "none"
    try:
        data = read_submitted(path)  # a regular file only, never through a link, capped
    except SubmissionError as e:
        return f"unreadable:{type(e.__cause__ or e).__name__}"
    return "sha256:" + hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    """Now, as grades.csv writes it: ISO-8601 UTC with a ``Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- GradingResult <-> JSON -----------------------------------------------------------------------
#
# FailureExample carries the inputs, the reference answer and the student's output of a visible
# case: arbitrary nested values with ndarrays, tuples and Raises. They are tagged so that they come
# back with the same type, dtype and bytes (a report drawn from the store must equal the original).


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype != object:
        array = value if value.flags.c_contiguous else value.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        return {
            "__ndarray__": base64.b64encode(array.tobytes()).decode("ascii"),
            "dtype": array.dtype.str,
            "shape": list(array.shape),
        }
    if isinstance(value, np.generic):
        return {**_encode(np.asarray(value)), "scalar": True}
    if isinstance(value, Raises):
        return {"__raises__": value.exception}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    # Anything else (object arrays, sets...) is shown, not rebuilt: reports only describe it.
    return {"__repr__": repr(value)[:2000]}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        data = base64.b64decode(value["__ndarray__"])
        array = np.frombuffer(data, dtype=np.dtype(value["dtype"])).reshape(value["shape"]).copy()
        return array[()] if value.get("scalar") else array
    if "__raises__" in value:
        return Raises(value["__raises__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__repr__" in value:
        return value["__repr__"]
    raise ValueError(f"unknown tagged value {sorted(value)}")


def _test_to_dict(test: TestResult) -> dict[str, Any]:
    example = test.example
    return {
        "name": test.name,
        "part": test.part,
        "title": dict(test.title),
        "visibility": test.visibility,
        "number": test.number,
        "score": test.score,
        "max_score": test.max_score,
        "cases": [{"name": c.name, "passed": c.passed, "codes": list(c.codes), "detail": c.detail,
                   "facts": {code: dict(f) for code, f in (c.facts or {}).items()}} for c in test.cases],
        "example": None
        if example is None
        else {
            "case": example.case,
            "inputs": _encode(dict(example.inputs)),
            "expected": _encode(example.expected),
            "got": _encode(example.got),
        },
    }


def _test_from_dict(data: dict[str, Any]) -> TestResult:
    example = data.get("example")
    return TestResult(
        name=data["name"],
        part=data["part"],
        title=dict(data["title"]),
        visibility=data["visibility"],
        number=data["number"],
        cases=[CaseResult(c["name"], c["passed"], tuple(c["codes"]), c["detail"], c.get("facts") or {})
               for c in data["cases"]],
        score=data["score"],
        max_score=data["max_score"],
        example=None
        if example is None
        else FailureExample(
            case=example["case"],
            inputs=_decode(example["inputs"]),
            expected=_decode(example["expected"]),
            got=_decode(example["got"]),
        ),
    )


def to_dict(result: GradingResult) -> dict[str, Any]:
    """A JSON-ready dict holding everything in ``result`` (arrays included, bit for bit).

    This is the store's own format, versioned by :data:`SCHEMA_VERSION`; the student-facing
    results.json (Gradescope schema) is a report and lives in :mod:`grader.report`.
    """
    return {
        "version": SCHEMA_VERSION,
        "assignment": result.assignment,
        "student_id": result.student_id,
        "status": result.status.value,
        "message": result.message,
        "execution_time": result.execution_time,
        "output": result.output,
        "source_lines": dict(result.source_lines),
        "source_file": result.source_file,
        "message_words": [[key, [list(f) for f in fields]] for key, fields in result.message_words],
        "sandbox": result.sandbox,
        "parts": [
            {"id": p.id, "title": dict(p.title), "score": p.score, "max_score": p.max_score} for p in result.parts
        ],
        "tests": [_test_to_dict(t) for t in result.tests],
    }


def from_dict(data: dict[str, Any]) -> GradingResult:
    """The inverse of :func:`to_dict`; raises ``ValueError`` for another schema version."""
    if data.get("version") != SCHEMA_VERSION:
        raise ValueError(f"stored result has version {data.get('version')!r}, expected {SCHEMA_VERSION}")
    return GradingResult(
        assignment=data["assignment"],
        student_id=data["student_id"],
        status=Status(data["status"]),
        tests=[_test_from_dict(t) for t in data["tests"]],
        parts=[PartScore(p["id"], dict(p["title"]), p["score"], p["max_score"]) for p in data["parts"]],
        message=data["message"],
        execution_time=data["execution_time"],
        output=data["output"],
        source_lines=dict(data["source_lines"]),
        source_file=data["source_file"],
        message_words=[(key, tuple((str(k), str(v)) for k, v in fields)) for key, fields in data.get("message_words", [])],
        sandbox=str(data.get("sandbox", "")),
    )


# --- the SQLite file ------------------------------------------------------------------------------


class Stored:
    """A result read back from the store, with when it was first graded and by which run."""

    __slots__ = ("result", "graded_at", "run")

    def __init__(self, result: GradingResult, graded_at: str, run: int):
        self.result = result
        self.graded_at = graded_at
        self.run = run


class Store:
    """``grades.sqlite``: finished submissions keyed by ``(assignment, student_id, fingerprint)``.

    Used from one thread (the batch's main thread); every :meth:`record` is its own committed
    transaction, so whatever was recorded survives a kill of the process.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)  # autocommit; explicit BEGIN below
        # WAL: a commit is one append + fsync, and readers (a test, a curious instructor) never block it.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.run: int | None = None

    def start_run(self, assignment: str) -> int:
        """Number this run, so the rows it graded can be told from the reused ones."""
        cursor = self._db.execute("INSERT INTO runs (assignment, started_at) VALUES (?, ?)", (assignment, utc_now()))
        self.run = int(cursor.lastrowid)
        return self.run

    def lookup(self, assignment: str, student_id: str, fingerprint: str) -> Stored | None:
        """The trusted stored result for this exact file, or ``None`` when it must be graded.

        Internal errors and rows of another schema version do not count: they are graded again.
        """
        row = self._db.execute(
            "SELECT result, graded_at, run FROM results WHERE assignment=? AND student_id=? AND fingerprint=?"
            " AND status != ? AND version = ?",
            (assignment, student_id, fingerprint, Status.INTERNAL_ERROR.value, SCHEMA_VERSION),
        ).fetchone()
        if row is None:
            return None
        try:
            return Stored(from_dict(json.loads(row[0])), row[1], row[2])
        except (ValueError, KeyError, TypeError):  # a damaged row is a reason to re-grade, not to stop
            return None

    def record(self, result: GradingResult, fingerprint: str, graded_at: str | None = None) -> str:
        """Store one result and commit; return its ``graded_at``.

        ``graded_at`` of an earlier trusted row for the same file is kept (a rerun must not move
        the date of a grade); an internal error is replaced by the new result.
        """
        previous = self._db.execute(
            "SELECT graded_at, status FROM results WHERE assignment=? AND student_id=? AND fingerprint=?",
            (result.assignment, result.student_id, fingerprint),
        ).fetchone()
        if previous is not None and previous[1] != Status.INTERNAL_ERROR.value:
            graded_at = previous[0]
        graded_at = graded_at or utc_now()
        score = None if result.status is Status.INTERNAL_ERROR else result.score
        payload = json.dumps(to_dict(result), ensure_ascii=False, separators=(",", ":"))
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    result.assignment,
                    result.student_id,
                    fingerprint,
                    result.status.value,
                    score,
                    graded_at,
                    self.run or 0,
                    SCHEMA_VERSION,
                    payload,
                ),
            )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # Ctrl-C may land after COMMIT: nothing to roll back then
                self._db.execute("ROLLBACK")
            raise
        return graded_at

    def graded_by_run(self, assignment: str, run: int) -> int:
        """How many results the given run recorded (a resumed run grades only the missing ones)."""
        row = self._db.execute("SELECT COUNT(*) FROM results WHERE assignment=? AND run=?", (assignment, run)).fetchone()
        return int(row[0])

    def rows(self, assignment: str) -> Iterator[tuple[str, str, str, int]]:
        """``(student_id, fingerprint, status, run)`` of every stored row of an assignment."""
        yield from self._db.execute(
            "SELECT student_id, fingerprint, status, run FROM results WHERE assignment=? ORDER BY student_id",
            (assignment,),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
