"""The trusted side reads every file a student hands in as hostile (issue 9, class 6).

Regular files only, never through a link, a size cap before and while reading; deep or huge
content is the student's status (``unreadable``/``syntax_error``), never the grader's; discovery
never hangs and gives every student a row. ``tests/test_attack_classes.py`` runs the same files
through a whole ``grader batch``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from grader.batch import discover as discovery
from grader.course import load_course
from grader.results import Status
from grader.submission import SubmissionError, locate, read_submitted, submitted_code_digest

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT)
A03 = COURSE.assignment("a03_multichannel")
SOLUTION = ROOT / "solutions" / "a03_multichannel" / "multichannel.py"


def _folder(tmp_path: Path, name: str = "kim") -> Path:
    d = tmp_path / name
    d.mkdir(parents=True)
    return d


@pytest.mark.parametrize("make, words", [
    (lambda p: p.symlink_to(SOLUTION), "symbolic link"),
    (lambda p: p.symlink_to("/dev/zero"), "symbolic link"),
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: os.mknod(p, 0o644 | 0o020000, os.makedev(1, 5)), "a device"),
    (lambda p: (p.write_bytes(b"#" * (5 << 20))), "larger than"),
    (lambda p: (p.with_name("elsewhere.txt").write_text("x = 1\n"), os.link(p.with_name("elsewhere.txt"), p)),
     "hard link"),
])
def test_a_module_that_is_not_a_plain_file_of_its_own_is_refused_in_one_line(tmp_path, make, words):
    path = _folder(tmp_path) / "multichannel.py"
    make(path)
    started = time.monotonic()
    with pytest.raises(SubmissionError) as caught:
        read_submitted(path)
    assert words in str(caught.value) and caught.value.status == "unreadable" and "\n" not in str(caught.value)
    with pytest.raises(SubmissionError):
        locate(path.parent, A03)  # the folder holds nothing else: the problem is named, nothing is followed
    assert time.monotonic() - started < 2, "a FIFO or device must never block the grader"


def test_a_linked_student_folder_or_file_gets_a_row_of_its_own_and_is_never_followed(tmp_path):
    d = _folder(tmp_path, "class")
    (d / "kim").symlink_to(ROOT / "solutions" / "a03_multichannel")
    (d / "lee.py").symlink_to(SOLUTION)
    _folder(d, "park")
    (d / "park" / "multichannel.py").write_text(SOLUTION.read_text())
    rows = {s.student_id: s for s in discovery.discover(d, A03)}
    assert set(rows) == {"kim", "lee", "park"}
    for student in ("kim", "lee"):
        assert rows[student].status is Status.UNREADABLE and rows[student].path is None
        assert "symbolic link" in rows[student].note
    assert rows["park"].gradable


def test_exact_module_names_are_found_in_a_folder_of_thousands_of_files(tmp_path):
    d = _folder(tmp_path)
    for i in range(2500):
        (d / f"a{i:05d}.txt").write_text("data")
    (d / "multichannel.py").write_text(SOLUTION.read_text())
    assert locate(d, A03).path == d / "multichannel.py"


@pytest.mark.parametrize("text", [
    '{"nbformat": 4, "cells": ' + "[" * 100_000 + "]" * 100_000 + "}",
    json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "source": {"not": "text"}, "metadata": {}, "outputs": []}]}),
    json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "source": [1, 2], "metadata": {}, "outputs": []}]}),
], ids=["deep-json", "source-dict", "source-ints"])
def test_malformed_notebooks_are_the_students_unreadable_status(tmp_path, text):
    from grader.grading import grade_path

    path = _folder(tmp_path) / "a03_multichannel.ipynb"
    path.write_text(text)
    result = grade_path(COURSE, A03, path.parent, student_id="kim")
    assert result.status is Status.UNREADABLE and result.score == 0, result.message


def test_code_too_long_to_parse_is_a_syntax_error_not_the_graders_failure(tmp_path):
    from grader.grading import grade_path

    path = _folder(tmp_path) / "multichannel.py"
    path.write_text("x = " + "+".join(["1"] * 200_000) + "\ndef conv2d(x, w, b=None, stride=1, padding='VALID'):\n    return x\n")
    result = grade_path(COURSE, A03, path, student_id="kim")
    assert result.status is Status.SYNTAX_ERROR and result.score == 0, result.message


def test_a_student_cannot_take_the_names_of_the_batchs_own_files(tmp_path):
    d = _folder(tmp_path, "class")
    for name in ("grades.sqlite-journal", "grades.sqlite-wal", "GRADES.CSV", "similarity.csv"):
        (d / f"{name}.py").write_text(SOLUTION.read_text())
    folders = {s.folder.casefold() for s in discovery.discover(d, A03)}
    assert not folders & discovery.RESERVED, folders


def test_discovery_gives_a_hung_lookup_its_row_and_goes_on(tmp_path, monkeypatch):
    d = _folder(tmp_path, "class")
    for name in ("ahn", "bae", "cho"):
        _folder(d, name)
        (d / name / "multichannel.py").write_text(SOLUTION.read_text())
    real = discovery._located

    def slow(student_id, *args, **kwargs):
        if student_id == "bae":
            time.sleep(30)  # a read stuck on a hung network mount
        return real(student_id, *args, **kwargs)

    monkeypatch.setattr(discovery, "_located", slow)
    monkeypatch.setattr(discovery, "LOCATE_TIMEOUT", 0.5)
    started = time.monotonic()
    rows = {s.student_id: s for s in discovery.discover(d, A03)}
    assert time.monotonic() - started < 10
    assert rows["ahn"].gradable and rows["cho"].gradable
    assert rows["bae"].status is Status.UNREADABLE and "longer than" in rows["bae"].note


def test_the_code_digest_follows_the_file_handed_in(tmp_path):
    """Hidden cases are seeded by it: the same file (found in a folder or named itself) gets the same
    digest, a changed file a new one."""
    from grader.suite import load_suite

    import nbformat

    a, b = _folder(tmp_path, "a"), _folder(tmp_path, "b")
    source = SOLUTION.read_text()
    (a / "multichannel.py").write_text(source)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), str(b / "a03_multichannel.ipynb"))
    digest = submitted_code_digest(a, A03)
    assert digest and digest == submitted_code_digest(a / "multichannel.py", A03)
    assert submitted_code_digest(b, A03) not in ("", digest)  # the notebook is another file
    (b / "multichannel.py").write_text(source + "\n# a second submission\n")
    assert submitted_code_digest(b / "multichannel.py", A03) != digest
    suite = load_suite(A03.id)

    def values(code: str) -> list:
        specs = suite.build(secret=b"k", student_id="kim", visibility=("hidden",), code=code)
        return [repr(c.args) for s in specs for c in s.cases]

    assert values(digest) == values(digest)
    assert values(digest) != values(submitted_code_digest(b / "multichannel.py", A03))
