"""The attack classes of issue 9, against the real binary: one ``grader batch`` of a class where
every attacker sits beside correct classmates.

Each attack (``tests/corpus/attack_classes/<class>/``, plus the hostile *files* of class 6 made
here) must score 0, leave no process (counted in the batch's own cgroup), change no file outside its
scratch (the course, the grader, the class folder), leak no secret (the course secret is in the
grader's environment), and leave its correct classmates at full marks; ``grades.csv`` must equal the
SQLite store after the run. The batch runs in the jail with the in-process guards on (what instructors
run), and with the guards off in the jail and under Landlock (what the kernel layers hold alone: a
student can switch the guards off from inside).
"""

from __future__ import annotations

import csv
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "tests" / "corpus" / "attack_classes"
SOLUTION = ROOT / "solutions" / "a03_multichannel" / "multichannel.py"
STUB = ROOT / "assignments" / "a03_multichannel" / "multichannel.py"
GOOD = ("good_a", "good_b_notebook", "zz_good")
MARKERS = (Path("/tmp/pwned-by-student"), Path("/tmp/pwned-solution.py"))


def _attack_files() -> list[Path]:
    return sorted(ATTACKS.glob("*/*.py"))


def test_every_class_has_at_least_two_attacks():
    by_class: dict[str, int] = {}
    for path in _attack_files():
        by_class[path.parent.name] = by_class.get(path.parent.name, 0) + 1
    by_class["hostile_files"] = len(HOSTILE)
    assert set(by_class) == {"guards_off", "path_checks", "syscalls", "outlive", "reach_others", "hostile_files",
                             "wire"}
    assert min(by_class.values()) >= 2, by_class


def _link(target: Path, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _notebook(path: Path, *sources: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, str(path))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


FUNCTION = "def conv2d(x, w, b=None, stride=1, padding='VALID'):\n    return x\n"
# Class 6: the trusted side reads hostile files. Each maker builds one student's folder.
HOSTILE = {
    "link_to_solutions": lambda d, c: _link(ROOT / "solutions" / "a03_multichannel", d),
    "link_to_classmate": lambda d, c: _link(c / "good_a" / "multichannel.py", d / "multichannel.py"),
    "link_to_dev_zero": lambda d, c: _link(Path("/dev/zero"), d / "multichannel.py"),
    "fifo": lambda d, c: (d.mkdir(), os.mkfifo(d / "multichannel.py")),
    "char_device": lambda d, c: (d.mkdir(), os.mknod(d / "multichannel.py", 0o644 | 0o020000, os.makedev(1, 5))),
    "deep_json_notebook": lambda d, c: _write(d / "a03_multichannel.ipynb",
                                              '{"nbformat": 4, "cells": ' + "[" * 200_000 + "]" * 200_000 + "}"),
    "long_expression": lambda d, c: _write(d / "multichannel.py", "x = " + "+".join(["1"] * 200_000) + "\n" + FUNCTION),
    "long_expression_notebook": lambda d, c: _notebook(d / "a03_multichannel.ipynb",
                                                       "x = " + "+".join(["1"] * 200_000), FUNCTION),
    "huge_file": lambda d, c: _write(d / "multichannel.py", "#" * (6 << 20) + "\n" + FUNCTION),
}


def _class(tmp: Path, out: Path) -> Path:
    d = tmp / "class"
    subst = {"@@COURSE@@": str(ROOT), "@@OUT@@": str(out), "@@CLASS@@": str(d)}
    for path in _attack_files():
        text = path.read_text(encoding="utf-8")
        for key, value in subst.items():
            text = text.replace(key, value)
        _write(d / f"{path.parent.name}__{path.stem}" / "multichannel.py", text)
    _write(d / "good_a" / "multichannel.py", SOLUTION.read_text(encoding="utf-8"))
    _notebook(d / "good_b_notebook" / "a03_multichannel.ipynb", SOLUTION.read_text(encoding="utf-8"))
    _write(d / "zz_good" / "multichannel.py", SOLUTION.read_text(encoding="utf-8"))
    _write(d / "zz_stub" / "multichannel.py", STUB.read_text(encoding="utf-8"))  # graded after every attacker
    for name, make in HOSTILE.items():
        make(d / f"hostile_files__{name}", d)
    return d


def _snapshot(*roots: Path) -> dict[str, str]:
    """Path -> content hash of regular files (links and special files by what they are)."""
    snap: dict[str, str] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in ("__pycache__", ".git")]
            for name in files:
                p = Path(folder, name)
                if p.is_symlink():
                    snap[str(p)] = "link:" + os.readlink(p)
                elif p.is_file() and not p.is_char_device():
                    snap[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
                else:
                    snap[str(p)] = "special"
    return snap


def _store_scores(out: Path) -> dict[str, float]:
    db = sqlite3.connect(out / "grades.sqlite")
    try:
        rows = db.execute("SELECT student_id, score, graded_at FROM results WHERE assignment='a03_multichannel'").fetchall()
    finally:
        db.close()
    latest: dict[str, tuple[str, float]] = {}
    for student, score, graded_at in rows:
        if student not in latest or graded_at >= latest[student][0]:
            latest[student] = (graded_at, float(score or 0.0))
    return {s: v[1] for s, v in latest.items()}


def _csv_rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


@pytest.mark.slow
@pytest.mark.parametrize("mode, guards", [("jail", "1"), ("jail", "0"), ("landlock", "0")],
                         ids=["jail-guards-on", "jail-guards-off", "landlock-guards-off"])
def test_a_class_of_attackers_scores_zero_and_harms_no_one(tmp_path, own_cgroup, mode, guards):
    out = tmp_path / "out"
    d = _class(tmp_path, out)
    secret = "s3cret-" + os.urandom(12).hex()
    watched = (ROOT / "grader", ROOT / "solutions", ROOT / "course.yaml", ROOT / "assignments" / "a03_multichannel", d)
    before = _snapshot(*watched[:2], watched[3], d) | {str(watched[2]): hashlib.sha256(watched[2].read_bytes()).hexdigest()}
    for marker in MARKERS:
        assert not marker.exists(), f"{marker} exists before the batch"
    env = {**os.environ, "GRADER_SECRET": secret, "GRADER_SANDBOX": mode, "GRADER_SANDBOX_GUARDS": guards,
           "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run(
        own_cgroup.command([sys.executable, "-m", "grader", "batch", "a03_multichannel", str(d), "--out", str(out),
                            "--jobs", "2", "--lang", "en"]),
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]

    # Nothing the students started is alive once the batch is done: no daemon can rewrite anything.
    deadline = time.monotonic() + 10
    while own_cgroup.procs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not own_cgroup.procs(), f"processes left behind: {sorted(own_cgroup.procs())}"

    rows = _csv_rows(out)
    students = {p.name for p in d.iterdir()}
    assert set(rows) == students, students ^ set(rows)
    for student, row in rows.items():
        assert row["status"] != "internal_error", (student, row)
        if student in GOOD:
            assert float(row["score"]) == float(row["max_score"]) == 16.0, (student, row)
        else:
            assert float(row["score"]) == 0.0, (student, row)  # attackers, hostile files and the stub
    assert _store_scores(out) == {s: float(r["score"]) for s, r in rows.items()}

    after = _snapshot(*watched[:2], watched[3], d) | {str(watched[2]): hashlib.sha256(watched[2].read_bytes()).hexdigest()}
    assert after == before, sorted(set(after.items()) ^ set(before.items()))[:10]
    for marker in MARKERS:
        assert not marker.exists(), f"an attack created {marker}"
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert secret.encode() not in data, f"the course secret leaked into {path}"
            assert b"LEAKED" not in data, f"hidden inputs were read ahead into {path}"
    expected = {"grades.csv", "grades.sqlite", "summary.html", "submissions.csv"}
    assert expected <= {p.name for p in out.iterdir()}
    assert not list(out.glob("fill-*")) and not list(out.rglob("stays-forever"))

    time.sleep(1.0)  # and nothing changes them afterwards
    assert _csv_rows(out) == rows and _store_scores(out) == {s: float(r["score"]) for s, r in rows.items()}
    print(f"{mode} guards={guards}: {len(rows)} students in {elapsed:.1f} s")
