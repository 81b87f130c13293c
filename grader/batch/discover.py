"""Finding the students in a batch folder: exactly one :class:`Submission` per student.

Three layouts are understood (see :func:`discover`)::

    DIR/<student_id>/...                        a folder per student holding a .py or .ipynb
    DIR/<student_id>.py | DIR/<student_id>.ipynb a loose file per student
    DIR/submitted/<student_id>/<assignment>/    nbgrader's course root (or DIR = its submitted/ folder)

Nothing is graded or run here. Each student's module is located with
:func:`grader.submission.locate` (the same choice ``grader grade`` makes), so a student whose
folder is empty, holds two candidate files or an unreadable one still gets a row with a status
and a note saying what was found.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from grader.course import Assignment
from grader.results import Status
from grader.submission import SubmissionError, Words, locate, rank_candidates

MODULE_SUFFIXES = (".py", ".ipynb")

# What grader batch writes beside the student folders in OUT: no student folder may take these names.
STORE_FILE = "grades.sqlite"
GRADES_FILE = "grades.csv"
SUMMARY_FILE = "summary.html"
DISCOVERY_FILE = "submissions.csv"
SIMILARITY_FILE = "similarity.csv"
# SQLite's own files beside the store too: a student named grades.sqlite-journal must not take
# the folder SQLite needs (every later run on OUT would fail to open the store).
RESERVED = frozenset(name.casefold() for name in (
    STORE_FILE, GRADES_FILE, SUMMARY_FILE, DISCOVERY_FILE, SIMILARITY_FILE,
    *(STORE_FILE + suffix for suffix in ("-journal", "-wal", "-shm")),
))

# Entries that are never students: tool and OS litter. Names starting with "." are hidden too.
IGNORED_NAMES = frozenset({"__pycache__", "__MACOSX", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class Submission:
    """One student's row-to-be.

    Attributes
    ----------
    student_id
        The student's name as found (folder or file stem), NFC-normalized; seeds the hidden cases.
    source
        The folder or loose file that stands for the student in ``DIR``.
    path
        The module to grade (a ``.py`` or ``.ipynb``), or ``None`` when there is nothing to grade.
    status
        ``None`` when the module is to be graded; otherwise the status decided without running
        anything (``no_submission``, ``unreadable``).
    note
        Why this module was chosen, or why there is none, in one line (empty when obvious).
    folder
        The output folder name under ``OUT``: readable, unique, safe on every filesystem.
    words
        ``note`` as :class:`~grader.submission.Words`, for reports in any language.
    """

    student_id: str
    source: Path
    path: Path | None
    status: Status | None = None
    note: str = ""
    folder: str = ""
    words: tuple[Words, ...] = ()

    @property
    def gradable(self) -> bool:
        return self.status is None and self.path is not None


def is_hidden(path: Path) -> bool:
    """``.DS_Store``, ``.ipynb_checkpoints``, ``.git`` and friends: never a student, never a module."""
    return path.name.startswith(".") or path.name in IGNORED_NAMES


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return []


def nbgrader_submitted(directory: Path, assignment: Assignment) -> tuple[Path, bool] | None:
    """Where nbgrader's ``<student>/<assignment>/`` folders are, and whether the layout is certain.

    ``directory`` is an nbgrader course root when it has a ``submitted/`` folder, and nbgrader's
    ``submitted/`` itself when it is named so (certain: a student without the assignment's folder
    has not submitted it). When some student folder merely holds a folder named after the
    assignment, the layout is a guess: a student without one is looked up in their whole folder.
    """
    if (directory / "submitted").is_dir():
        return directory / "submitted", True
    if directory.name == "submitted":
        return directory, True
    for entry in _entries(directory):
        if entry.is_dir() and not is_hidden(entry) and (entry / assignment.id).is_dir():
            return directory, False
    return None


def student_id_of(name: str) -> str:
    """The student id a folder or file name stands for (NFC: macOS zips store names decomposed)."""
    return unicodedata.normalize("NFC", name)


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def safe_folder(student_id: str) -> str:
    """A folder name for ``OUT/<folder>/``: the id when it is already safe, else a readable form.

    Letters (any script), digits, ``_ - .`` are kept; runs of anything else become ``_``; leading
    dots are dropped (a hidden output folder would be missed). A changed name gets a short hash of
    the original so that ``"kim a"`` and ``"kim_a"`` never share a folder.
    """
    cleaned = _UNSAFE.sub("_", student_id).lstrip(".")[:80] or "student"
    if cleaned == student_id:
        return cleaned
    digest = hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned}-{digest}"


def _unique_folders(submissions: list[Submission]) -> list[Submission]:
    """Give each submission its folder; names equal up to case (macOS, Windows) get a suffix."""
    taken: set[str] = set(RESERVED)
    out = []
    for sub in submissions:
        folder = safe_folder(sub.student_id)
        if folder.casefold() in taken:
            digest = hashlib.sha256(sub.student_id.encode("utf-8")).hexdigest()
            n = 8
            while f"{folder}-{digest[:n]}".casefold() in taken:
                n += 4
            folder = f"{folder}-{digest[:n]}"
        taken.add(folder.casefold())
        out.append(Submission(sub.student_id, sub.source, sub.path, sub.status, sub.note, folder, sub.words))
    return out


LOCATE_TIMEOUT = 20.0
"""Seconds one student's files may take to be looked at (a hung network mount, say) before the
student gets a row saying so and discovery goes on with the next."""


class _Watchdog:
    """Runs each student's lookup in a daemon thread and gives up on one that hangs.

    Discovery reads student files (regular files only, capped: see ``submission.read_submitted``),
    but a filesystem can still hang a read. The student whose lookup hangs gets an ``unreadable``
    row; the abandoned thread is a daemon, so it never keeps the batch from ending.
    """

    def __init__(self, timeout: float | None = None):
        self.timeout = LOCATE_TIMEOUT if timeout is None else timeout

    def located(self, student_id: str, source: Path, target: Path, assignment: Assignment,
                note: Words | None = None) -> Submission:
        box: list[Submission] = []
        worker = threading.Thread(target=lambda: box.append(_located(student_id, source, target, assignment, note)),
                                  name=f"discover-{student_id}"[:60], daemon=True)
        worker.start()
        worker.join(self.timeout)
        if box:
            return box[0]
        words = (Words.of("lookup_timeout", file=source.name, seconds=f"{self.timeout:g}"),)
        return Submission(student_id, source, None, Status.UNREADABLE, words[0].say(), words=words)


def _linked(student_id: str, entry: Path) -> Submission | None:
    """A student entry that is a symbolic link is never followed (it could point at the solutions
    or at a classmate's folder): the student gets a row saying so."""
    if not entry.is_symlink():
        return None
    words = (Words.of("linked", file=entry.name),)
    return Submission(student_id, entry, None, Status.UNREADABLE, words[0].say(), words=words)


def _located(
    student_id: str, source: Path, target: Path, assignment: Assignment, note: Words | None = None
) -> Submission:
    """Locate the module in ``target`` (a file or folder); a problem becomes the row's status."""
    words = (note,) if note else ()
    try:
        found = locate(target, assignment)
    except SubmissionError as e:
        status = Status(getattr(e, "status", Status.UNREADABLE.value))
        if not target.exists() or (target.is_dir() and not any(not is_hidden(p) for p in _entries(target))):
            status = Status.NO_SUBMISSION
        words += (e.words,) if e.words else ()
        text = "; ".join(filter(None, [note.say() if note else "", str(e)]))
        return Submission(student_id, source, None, status, text, words=words)
    words += found.words
    return Submission(student_id, source, found.path, None, "; ".join(w.say() for w in words), words=words)


def _from_nbgrader(submitted: Path, assignment: Assignment, strict: bool, watchdog: _Watchdog) -> list[Submission]:
    out = []
    for entry in _entries(submitted):
        if is_hidden(entry) or not (entry.is_dir() or entry.is_symlink()):
            continue
        sid = student_id_of(entry.name)
        linked = _linked(sid, entry)
        if linked is not None:
            out.append(linked)
            continue
        target = entry / assignment.id
        # nbgrader keeps every assignment of a student side by side: when the layout is certain,
        # another assignment's notebook must never stand in for a missing one.
        if not strict and not target.is_dir():
            target = entry
        out.append(watchdog.located(sid, entry, target, assignment))
    return out


def _from_folders(directory: Path, assignment: Assignment, watchdog: _Watchdog) -> list[Submission]:
    """A folder or a loose module file per student; a student with both gets one row (the folder)."""
    folders: dict[str, Path] = {}
    loose: dict[str, list[Path]] = {}
    for entry in _entries(directory):
        if is_hidden(entry):
            continue
        if entry.is_dir():  # a link to a folder too: it gets its row, and the row says it was not followed
            folders[student_id_of(entry.name)] = entry
        elif entry.suffix in MODULE_SUFFIXES:  # a dangling link named like a module counts too
            loose.setdefault(student_id_of(entry.stem), []).append(entry)
    out = []
    for sid in sorted(set(folders) | set(loose)):
        files = loose.get(sid, [])
        if sid in folders:
            note = Words.of("ignored_loose", files=", ".join(p.name for p in files)) if files else None
            out.append(_linked(sid, folders[sid]) or watchdog.located(sid, folders[sid], folders[sid], assignment, note))
        elif len(files) == 1:
            out.append(_linked(sid, files[0]) or watchdog.located(sid, files[0], files[0], assignment))
        else:
            out.append(_loose_duplicates(sid, files, assignment, watchdog))
    return out


def _loose_duplicates(student_id: str, files: list[Path], assignment: Assignment, watchdog: _Watchdog) -> Submission:
    """``kim.py`` and ``kim.ipynb`` side by side: prefer the one with more work done, as locate does."""
    # The ranking locate uses inside a folder, so both layouts choose alike.
    chosen, *others = rank_candidates(files, files[0].parent)
    note = Words.of("two_files", file=chosen.name, others=", ".join(p.name for p in others))
    return _linked(student_id, chosen) or watchdog.located(student_id, chosen, chosen, assignment, note)


def discover(directory: Path, assignment: Assignment) -> list[Submission]:
    """Every student in ``directory``, sorted by student id, each with a unique output folder.

    Parameters
    ----------
    directory
        A folder of student folders or loose files, an nbgrader course root, or its ``submitted/``.
    assignment
        Gives the module name the submissions are looked up by (and nbgrader's folder name).

    Returns
    -------
    list of Submission
        One per student folder (a folder holding only hidden files is a ``no_submission`` row) and
        per loose ``.py``/``.ipynb`` stem. Hidden entries (``.DS_Store``, ``.git``...) are skipped.
    """
    directory = Path(directory)
    watchdog = _Watchdog()
    nbgrader = nbgrader_submitted(directory, assignment)
    found = (_from_nbgrader(nbgrader[0], assignment, strict=nbgrader[1], watchdog=watchdog) if nbgrader
             else _from_folders(directory, assignment, watchdog))
    return _unique_folders(sorted(found, key=lambda s: s.student_id))
