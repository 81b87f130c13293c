"""`grader ci`: results.json, the job summary, ::error annotations on the failing function's def line, exit codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from grader.integrations import ci
from tests.conftest import ROOT, SOLUTIONS

CORRELATION = "a01_correlation"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A student repository checked out by GitHub Actions: cwd = $GITHUB_WORKSPACE, a step summary file."""
    summary = tmp_path / "step_summary.md"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTOR", "octocat")
    return tmp_path


def _commit(repo, source: str, assignment=CORRELATION, name="correlation.py"):
    path = repo / "assignments" / assignment / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return path


def _def_line(source: str, function: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if line.startswith(f"def {function}("))


def _annotations(out: str) -> list[dict]:
    found = []
    for line in out.splitlines():
        m = re.match(r"^::error (?P<props>[^:]*)::(?P<message>.*)$", line)
        if m:
            props = dict(p.split("=", 1) for p in m["props"].split(","))
            found.append({**props, "message": m["message"]})
    return found


def test_solution_passes_with_summary_and_results(course, repo, capsys):
    path = _commit(repo, SOLUTIONS[CORRELATION].read_text(encoding="utf-8"))
    rc = ci.main(course, CORRELATION, path.relative_to(repo), lang="en", out=repo / "out", hidden=False)
    out = capsys.readouterr().out
    assert rc == 0
    assert "::error" not in out
    summary = (repo / "step_summary.md").read_text(encoding="utf-8")
    assert "| part | score | status |" in summary.lower() or "|---|---:|:---:|" in summary
    assert "`cross_correlate2d`" in summary and "`convolve2d`" in summary
    assert "Public tests only" in summary
    doc = json.loads((repo / "out" / "results.json").read_text(encoding="utf-8"))
    assert doc["tests"] and all(t["status"] == "passed" for t in doc["tests"])
    assert all(t["visibility"] == "visible" for t in doc["tests"])


def test_mutant_fails_with_annotation_on_def_line(course, repo, capsys):
    source = SOLUTIONS[CORRELATION].read_text(encoding="utf-8")
    mutant = source.replace("return cross_correlate2d(x, k[::-1, ::-1])", "return cross_correlate2d(x, k)")
    assert mutant != source
    _commit(repo, mutant)
    # The folder is what the workflow passes; the annotation names the file inside it.
    rc = ci.main(course, CORRELATION, f"assignments/{CORRELATION}", lang="en", out=repo / "out", hidden=False)
    out = capsys.readouterr().out
    assert rc == 1
    found = _annotations(out)
    assert found, out
    assert {a["file"] for a in found} == {f"assignments/{CORRELATION}/correlation.py"}
    assert {int(a["line"]) for a in found} == {_def_line(mutant, "convolve2d")}
    assert all("convolve2d" in a["title"] for a in found)
    assert all("%0A" not in a["message"] and "\n" not in a["message"] for a in found)
    doc = json.loads((repo / "out" / "results.json").read_text(encoding="utf-8"))
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert failed and all(t["extra_data"]["part"] == "convolve2d" for t in failed)
    assert any("unflipped_kernel" in t["extra_data"]["diagnosis"] for t in failed)
    summary = (repo / "step_summary.md").read_text(encoding="utf-8")
    assert "unflipped_kernel" in summary and "❌" in summary


def test_summary_printed_without_github(course, repo, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    stub = ROOT / "assignments" / CORRELATION / "correlation.py"
    path = _commit(repo, stub.read_text(encoding="utf-8"))
    rc = ci.main(course, CORRELATION, path, lang="ko", out=repo / "out", hidden=False)
    out = capsys.readouterr().out
    assert rc == 1
    assert "|---|---:|:---:|" in out and "not_implemented" in out
    assert "공개 테스트만" in out
    lines = {int(a["line"]) for a in _annotations(out)}
    stub_text = stub.read_text(encoding="utf-8")
    assert lines == {_def_line(stub_text, "cross_correlate2d"), _def_line(stub_text, "convolve2d")}


def test_syntax_error_is_one_annotation(course, repo, capsys):
    path = _commit(repo, "def cross_correlate2d(x, k):\n    return (\n")
    rc = ci.main(course, CORRELATION, path, lang="en", out=repo / "out", hidden=False)
    found = _annotations(capsys.readouterr().out)
    assert rc == 1
    assert len(found) == 1 and "syntax_error" in found[0]["title"]
    assert json.loads((repo / "out" / "results.json").read_text(encoding="utf-8"))["score"] == 0


def test_missing_path_is_a_usage_error(course, repo, capsys):
    assert ci.main(course, CORRELATION, "nowhere.py", lang="en", out=repo / "out", hidden=False) == 2


def test_escaping_follows_github_rules():
    assert ci.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert ci.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = ci.annotation("x\ny", file="dir,a/b:c.py", line=7, title="t: 1, 2")
    assert line == "::error file=dir%2Ca/b%3Ac.py,line=7,title=t%3A 1%2C 2::x%0Ay"


def test_public_mode_never_imports_tensorflow(tmp_path):
    """What a student's CI job runs: the stored public answers, no TensorFlow in the process."""
    target = tmp_path / "correlation.py"
    shutil.copy(SOLUTIONS[CORRELATION], target)
    code = (
        "import sys\n"
        "from grader.course import load_course\n"
        "from grader.integrations import ci\n"
        f"rc = ci.main(load_course({str(ROOT)!r}), {CORRELATION!r}, {str(target)!r}, lang='en',"
        f" out={str(tmp_path / 'out')!r}, hidden=False)\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "sys.exit(rc)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("GITHUB_")}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
def test_instructor_repository_runs_hidden_tests_too(course, repo, capsys):
    """Where the hidden suites exist (this repository), public and hidden tests run (TensorFlow reference)."""
    path = _commit(repo, SOLUTIONS[CORRELATION].read_text(encoding="utf-8"))
    rc = ci.main(course, CORRELATION, path, lang="en", out=repo / "out")
    assert rc == 0, capsys.readouterr().out
    doc = json.loads((repo / "out" / "results.json").read_text(encoding="utf-8"))
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "after_published"}
    assert "Public and hidden tests" in (repo / "step_summary.md").read_text(encoding="utf-8")
