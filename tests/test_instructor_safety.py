"""Nothing an instructor made is overwritten, nothing ends in a traceback: output folders, Ctrl-C,
the course secret, TensorFlow's log lines, statuses that mean one thing, the check hint."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.cli import main
from grader.outputs import MARKER, OutputError, prepare_output
from tests.conftest import ROOT, SOLUTIONS

A03 = "a03_multichannel"
DEMO = ROOT / "demo" / A03


# --- output folders ----------------------------------------------------------------------------------


def test_prepare_output_accepts_new_empty_and_its_own_folders_only(tmp_path):
    new = prepare_output(tmp_path / "new" / "out", "batch")
    assert json.loads((new / MARKER).read_text())["command"] == "batch"
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".DS_Store").write_text("x")  # what an OS drops into any folder
    assert prepare_output(tmp_path / "empty", "grade").is_dir()
    (new / "grades.csv").write_text("ours\n")
    assert prepare_output(new, "batch") == new  # an earlier output of the same command
    with pytest.raises(OutputError, match="output of `grader batch`"):
        prepare_output(new, "grade")  # another command's output
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "grades.csv").write_text("the instructor's own\n")
    with pytest.raises(OutputError, match="files this command did not write"):
        prepare_output(mine, "batch")
    assert not (mine / MARKER).exists() and (mine / "grades.csv").read_text() == "the instructor's own\n"
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        prepare_output(tmp_path / "file", "ci")
    with pytest.raises(OutputError, match="would write over"):
        prepare_output(tmp_path, "demo", protect=(tmp_path / "course",))


VERBS = {
    "grade": ["grade", A03, str(SOLUTIONS[A03]), "--out"],
    "batch": ["batch", A03, str(DEMO), "--out"],
    "demo": ["demo", "--out"],
    "ci": ["ci", A03, str(SOLUTIONS[A03]), "--out"],
    "gradescope": ["gradescope", "--out"],
    "nbgrader init": ["nbgrader", "init"],
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_refuses_an_existing_file_or_a_folder_it_did_not_write(verb, tmp_path, capsys):
    target = tmp_path / "grades.csv"
    target.write_text("the instructor's own\n")
    assert main(["--course", str(ROOT), *VERBS[verb], str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and f"grader {verb}: {target}" in err, err
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "summary.html").write_text("the instructor's own\n")
    assert main(["--course", str(ROOT), *VERBS[verb], str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did not write" in err, err
    assert target.read_text() == (folder / "summary.html").read_text() == "the instructor's own\n"
    assert sorted(p.name for p in folder.iterdir()) == ["summary.html"]


def test_batch_never_writes_inside_the_class_folder(tmp_path, capsys):
    students = tmp_path / "class"
    shutil.copytree(DEMO / "kim_minjun", students / "kim_minjun")
    assert main(["--course", str(ROOT), "batch", A03, str(students), "--out", str(students / "out")]) == 2
    assert "inside the class folder" in capsys.readouterr().err
    assert sorted(p.name for p in students.iterdir()) == ["kim_minjun"]


# --- Ctrl-C ------------------------------------------------------------------------------------------

# Runs the batch as a terminal would (its own process group, SIGINT to the whole group) and, as the
# subreaper of everything it starts, counts what is left of its own process tree afterwards.
_INTERRUPT = textwrap.dedent(
    """
    import ctypes, json, os, signal, sqlite3, subprocess, sys, time
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    # As in a terminal: a test run started in the background (`cmd &`, some CI runners) inherits
    # SIGINT ignored, and the batch would inherit that too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    out = sys.argv[1]
    batch = subprocess.Popen([sys.executable, "-m", "grader", *sys.argv[2:]], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    store, recorded, deadline = os.path.join(out, "grades.sqlite"), 0, time.time() + 120
    while time.time() < deadline and batch.poll() is None:
        try:
            recorded = sqlite3.connect(store).execute("SELECT COUNT(*) FROM results WHERE status = 'graded'").fetchone()[0]
        except sqlite3.Error:
            recorded = 0
        if recorded >= 3:
            break
        time.sleep(0.05)
    os.killpg(batch.pid, signal.SIGINT)
    started = time.time()
    _, err = batch.communicate(timeout=60)
    seconds = time.time() - started

    def descendants():
        me, found = os.getpid(), []
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == me:
                os.waitpid(int(pid), os.WNOHANG)  # reap what has ended
                if os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(pid))
        return found

    left, deadline = descendants(), time.time() + 10
    while left and time.time() < deadline:
        time.sleep(0.1)
        left = descendants()
    print(json.dumps({"code": batch.returncode, "err": err, "seconds": seconds, "left": len(left), "recorded": recorded}))
    """
)


def test_ctrl_c_prints_one_line_exits_130_and_leaves_no_process_behind(tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_SECRET": "test-secret"}
    args = ["batch", A03, str(DEMO), "--out", str(out), "--jobs", "2", "--timeout", "20"]
    done = subprocess.run([sys.executable, "-c", _INTERRUPT, str(out), *args], capture_output=True, text=True,
                          env=env, timeout=240, cwd=ROOT)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["recorded"] >= 3, report  # interrupted in the middle of grading
    assert report["code"] == 130 and report["err"] == "grader: interrupted\n", report
    assert report["seconds"] < 10, report  # not held up by the looping student's 20 s
    assert report["left"] == 0, report  # engines, sandbox servers and workers are all gone


# --- the course secret --------------------------------------------------------------------------------


def test_secret_init_writes_a_strong_private_secret_once(tmp_path, capsys):
    shutil.copyfile(ROOT / "course.yaml", tmp_path / "course.yaml")
    assert main(["--course", str(tmp_path), "secret", "init"]) == 0
    path = tmp_path / ".grader-secret"
    value = path.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", value)  # 256 random bits
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from grader.course import load_course
    from grader.secret import has_secret

    assert has_secret(load_course(tmp_path)) or os.environ.get("GRADER_SECRET")
    capsys.readouterr()
    assert main(["--course", str(tmp_path), "secret", "init"]) == 2  # never replaced
    assert "exists already" in capsys.readouterr().err and path.read_text().strip() == value


def test_hidden_grading_without_a_secret_warns_once_and_the_summary_says_so(tmp_path, course, monkeypatch, capsys):
    from grader.batch.runner import main as batch_main

    monkeypatch.delenv(course.secret_env, raising=False)
    if (course.root / course.secret_file).exists():
        pytest.skip("this checkout has a .grader-secret")  # never touch the instructor's secret
    students = tmp_path / "class"
    shutil.copytree(DEMO / "empty_folder", students / "empty_folder")  # no module: nothing to run
    assert batch_main(course, A03, students, tmp_path / "out", jobs=1, lang="en") == 0
    assert capsys.readouterr().err.count("no course secret") == 1
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "no secret" in page and "grader secret init" in page
    monkeypatch.setenv(course.secret_env, "a-secret")
    assert batch_main(course, A03, students, tmp_path / "out2", jobs=1, lang="en") == 0
    assert "no course secret" not in capsys.readouterr().err
    assert "no secret" not in (tmp_path / "out2" / "summary.html").read_text(encoding="utf-8")


# --- TensorFlow's log lines ---------------------------------------------------------------------------

TF_NOISE = re.compile(r"absl|oneDNN|cpu_feature_guard|TF_ENABLE_ONEDNN_OPTS|^[IWEF]\d{4} ", re.MULTILINE)


def test_grader_grade_keeps_tensorflow_log_lines_off_stderr(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}  # as on a fresh terminal
    env.update(PYTHONPATH=str(ROOT), GRADER_SECRET="test-secret")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", A03, str(SOLUTIONS[A03]), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "16/16" in done.stdout  # TensorFlow did answer: it was loaded
    assert not TF_NOISE.search(done.stderr), done.stderr


def test_the_noise_pattern_catches_what_tensorflow_prints_when_not_silenced():
    """The check above can fail: these are the lines TensorFlow 2.21 prints at load by default."""
    seen = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796158800.099270   11817 port.cc:153] oneDNN custom operations are on.\n"
    )
    assert len(TF_NOISE.findall(seen)) >= 2


# --- statuses that mean one thing ----------------------------------------------------------------------


def test_a_run_that_ended_the_same_way_on_every_case_has_that_status():
    from grader.grading import _whole_run_ending
    from grader.results import CaseResult, GradingResult, Status, TestResult

    def result(*cases):
        test = TestResult("t", "p", {}, "visible", "1", list(cases))
        return GradingResult("a", "s", Status.GRADED, tests=[test])

    looping = result(CaseResult("c1", False, ("timeout",), "killed after 5 s"), CaseResult("c2", False, ("timeout",), "not run"))
    _whole_run_ending(looping)
    assert looping.status is Status.TIMEOUT and looping.message == "killed after 5 s"
    shell = result(CaseResult("c1", False, ("forbidden_operation",)), CaseResult("c2", False, ("forbidden_operation",)))
    _whole_run_ending(shell)
    assert shell.status is Status.FORBIDDEN
    slow_on_big_cases = result(CaseResult("c1", True), CaseResult("c2", False, ("timeout",)))
    _whole_run_ending(slow_on_big_cases)
    assert slow_on_big_cases.status is Status.GRADED  # some cases finished: graded, with a diagnosis
    mixed = result(CaseResult("c1", False, ("timeout",)), CaseResult("c2", False, ("crashed",)))
    _whole_run_ending(mixed)
    assert mixed.status is Status.GRADED


# --- grader check: the notebook's hint, one language ------------------------------------------------


def test_the_notebooks_check_hint_works_from_any_folder_of_the_course(tmp_path, capsys):
    from grader.check import main as check_main

    hint = f"grader check {A03} {A03}.ipynb"
    notebook = json.loads((ROOT / "assignments" / A03 / f"{A03}.ipynb").read_text(encoding="utf-8"))
    assert any(hint in "".join(cell["source"]) for cell in notebook["cells"])
    for folder in (ROOT, ROOT / "solutions", ROOT / "assignments" / A03, tmp_path):
        code = check_main(str(ROOT), A03, f"{A03}.ipynb", lang="en", cwd=folder)
        out = capsys.readouterr().out
        assert code == 1 and f"{A03}.ipynb" in out, (folder, code, out)  # the stub: runs, fails


def test_grader_check_answers_in_the_language_asked_for_bad_files(tmp_path, capsys):
    from grader.check import main as check_main

    (tmp_path / "notes.txt").write_text("not code\n")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    assert check_main(str(ROOT), A03, str(tmp_path / "notes.txt"), lang="ko") == 2
    assert "파이썬 모듈이나 노트북이 아닙니다" in capsys.readouterr().err
    assert check_main(str(ROOT), A03, str(tmp_path / "broken.ipynb"), lang="ko") == 2
    err = capsys.readouterr().err
    assert "올바른 노트북이 아닙니다" in err and str(tmp_path) not in err


# --- which file was graded ----------------------------------------------------------------------------


def test_every_report_names_the_file_that_was_graded(tmp_path, monkeypatch, course):
    """A folder with the stub .py and a solved notebook: the notebook is graded, and each report says so."""
    from grader.integrations.ci import main as ci_main
    from grader.report import feedback_html, feedback_markdown
    from grader.report.summary import StudentRow, summary_html

    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = ci_main(course, A03, DEMO / "two_files", lang="en", out=tmp_path / "ci", hidden=False)
    assert code == 0
    said = "graded file: a03_multichannel.ipynb"
    results = json.loads((tmp_path / "ci" / "results.json").read_text(encoding="utf-8"))
    assert said in results["output"]
    assert said in summary.read_text(encoding="utf-8")

    from grader.results import GradingResult, PartScore, Status

    result = GradingResult(A03, "kim", Status.GRADED, parts=[PartScore("channels", {}, 4, 4)],
                           source_file="work/a03_multichannel.ipynb")
    assignment = course.assignment(A03)
    for lang, words in (("en", "graded file: work/a03_multichannel.ipynb"), ("ko", "채점한 파일: work/a03_multichannel.ipynb")):
        assert words in feedback_markdown(result, lang, assignment=assignment)
        assert words in feedback_html(result, lang, assignment=assignment, pictures=False)
    page = summary_html([result], assignment, "en", students=[StudentRow(result, "kim", "kim", "kim/work/a03_multichannel.ipynb")])
    assert "<code>kim/work/a03_multichannel.ipynb</code>" in page
