"""grader demo: the bundled class is up to date and every student ends as demo/roster.json says."""

from __future__ import annotations

import csv
import html
import importlib.util
import re
from pathlib import Path
from urllib.parse import unquote

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
    assert main(course, out=out, jobs=2, lang="ko", timeout=4, pictures=False) == 0
    printed = capsys.readouterr().out
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["student_id"].lstrip("'"): r for r in csv.DictReader(handle)}
    expected = roster(course)
    assert set(rows) == set(expected)
    assert f"as expected (demo/roster.json): {len(expected)} of {len(expected)}" in printed
    assert "mean score" in printed and "summary.html" in printed and "no_submission" in printed
    _summary_shows_every_student_as_the_roster_says(course, out, rows, expected)


def _cells(page: str, table_id: str) -> list[list[str]]:
    body = page[page.index(f'id="{table_id}"'):]
    body = body[:body.index("</table>")]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]]


def _summary_shows_every_student_as_the_roster_says(course, out: Path, rows, expected) -> None:
    """summary.html, student by student against demo/roster.json: one row each, the status, score
    and diagnosis the roster expects, the folder they handed in, a link to a feedback page that
    exists; every diagnosis of grades.csv counted; the unreadable ones explained in Korean."""
    from grader.messages import text

    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "<title>3차원 데이터의 합성곱 (a03_multichannel) — 반 전체 요약</title>" in page
    assert str(out) not in page and str(course.root) not in page  # relative paths only
    assert text("report.sandbox", "ko", modes=text("report.sandbox_jail", "ko")) in html.unescape(page)
    with (out / "submissions.csv").open(encoding="utf-8", newline="") as handle:
        found = {r["student_id"]: r for r in csv.DictReader(handle)}
    students = {html.unescape(c[0]): c for c in _cells(page, "student-table")}
    assert set(students) == set(expected)
    parts = len(course.assignment("a03_multichannel").parts)
    for sid, entry in expected.items():
        cells = students[sid]
        handed_in, graded, score, status, diagnoses, link = cells[1], cells[2], cells[3], cells[4], cells[5 + parts], cells[6 + parts]
        kind, _, arg = entry["expect"].partition(":")
        assert f"<code>{rows[sid]['status']}</code>" in status, (sid, status)
        assert abs(float(score) - float(rows[sid]["score"])) < 0.006, (sid, score, rows[sid]["score"])  # 2 vs 4 decimals
        if kind == "status":
            assert f"<code>{arg}</code>" in status, (sid, status)
        if kind == "wrong":
            assert f">{arg}</code>" in diagnoses, (sid, diagnoses)
        if kind == "correct":
            assert score == "16", (sid, score)
        if kind == "zero":
            assert score == "0", (sid, score)
        assert html.escape(found[sid]["source"]) in handed_in, (sid, handed_in)  # "=1+1", "kang doyun"
        if found[sid]["graded_file"]:
            assert html.escape(found[sid]["graded_file"]) in graded, (sid, graded)
        href = re.search(r'href="([^"]+)"', link).group(1)
        assert (out / unquote(href)).is_file() and unquote(href) == f"{found[sid]['folder']}/feedback.html", (sid, href)
    codes = {code for r in rows.values() for code in r["diagnoses"].split(";") if code}
    counted = {re.search(r"<code>(\w+)</code>", c[0]).group(1) for c in _cells(page, "diagnosis-table")}
    assert codes == counted  # every diagnosis, not the top ten
    problems = page[page.index('id="not-graded"'):]
    for sid, entry in expected.items():
        if rows[sid]["status"] != "graded":
            assert f"<td>{html.escape(sid)}</td>" in problems, sid
    assert text("submission.not_json", "ko", file="a03_multichannel.ipynb", line=1, column=44) in problems


def test_meets():
    from grader.results import GradingResult, PartScore, Status

    full = GradingResult("a", "s", Status.GRADED, parts=[PartScore("p", {}, 4.0, 4.0)])
    assert meets("correct", full) and not meets("below", full) and not meets("zero", full)
    assert meets("status:no_submission", GradingResult("a", "s", Status.NO_SUBMISSION))
