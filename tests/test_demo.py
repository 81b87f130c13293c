"""grader demo: the bundled class is up to date and every student ends as demo/roster.json says."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from grader.demo import class_dir, main, meets, roster

ROOT = Path(__file__).resolve().parent.parent


def _make_class():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "demo" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_demo_class_matches_its_generator(course):
    make = _make_class()
    expected = make.files()
    found = {p.relative_to(class_dir(course)): p.read_bytes() for p in class_dir(course).rglob("*") if p.is_file()}
    assert found == expected, "run: python demo/make_class.py"
    assert roster(course) == make.roster()


def test_roster_has_every_kind_of_student(course):
    kinds = [entry["expect"].partition(":")[0] for entry in roster(course).values()]
    assert len(kinds) >= 30
    assert {"correct", "wrong", "zero", "below", "status"} <= set(kinds)
    assert sum(p.suffix == ".ipynb" for p in class_dir(course).rglob("*.ipynb")) >= 5


def test_demo_grades_every_student_as_expected(course, tmp_path, capsys):
    out = tmp_path / "demo-output"
    # A short time limit keeps the infinite loop from costing the full 20 s; pictures are not checked.
    assert main(course, out=out, jobs=2, lang="en", timeout=4, pictures=False) == 0
    printed = capsys.readouterr().out
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["student_id"].lstrip("'"): r for r in csv.DictReader(handle)}
    expected = roster(course)
    assert set(rows) == set(expected)
    assert f"as expected (demo/roster.json): {len(expected)} of {len(expected)}" in printed
    assert "mean score" in printed and "summary.html" in printed and "no_submission" in printed
    assert (out / "summary.html").is_file()


def test_meets():
    from grader.results import GradingResult, PartScore, Status

    full = GradingResult("a", "s", Status.GRADED, parts=[PartScore("p", {}, 4.0, 4.0)])
    assert meets("correct", full) and not meets("below", full) and not meets("zero", full)
    assert meets("status:no_submission", GradingResult("a", "s", Status.NO_SUBMISSION))
