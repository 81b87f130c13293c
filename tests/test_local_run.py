"""``grader check`` where the POSIX sandbox is not available (students on Windows), tested on Linux.

The portable path (``grader.local_run``: a plain child process, deadlines, results in a file) must give
the verdicts of the sandbox path, survive what the sandbox survives (endless loops, a process that
exits, a syntax error), and run on a machine without ``fork``, ``resource``, ``fcntl`` or ``pass_fds``:
a ``sitecustomize`` takes those away from every Python process of the test, and the check must
notice by itself and still print what it prints on Linux.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from grader.check import check_result
from grader.course import load_course
from tests.conftest import ROOT

COURSE = load_course(ROOT)
CORPUS = ROOT / "tests" / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]


def _summary(result) -> list:
    return [result.status.value, [(p.id, round(p.score, 9)) for p in result.parts],
            [(t.name, [(c.name, c.passed, c.codes, c.detail) for c in t.cases]) for t in result.tests]]


def quick(assignment_id: str):
    """The assignment with short wall-time limits (1.5 s a call, 10 s in all): endless loops end sooner."""
    a = COURSE.assignment(assignment_id)
    return dataclasses.replace(a, limits=dataclasses.replace(a.limits, call_timeout=1.5, timeout=10.0))


def _both(monkeypatch, assignment: str, path: Path):
    monkeypatch.setenv("GRADER_CHECK_RUNNER", "sandbox")
    sandbox, _ = check_result(COURSE, quick(assignment), path, "en")
    monkeypatch.setenv("GRADER_CHECK_RUNNER", "portable")
    portable, _ = check_result(COURSE, quick(assignment), path, "en")
    return sandbox, portable


# One mutant per assignment and a correct notebook: the portable verdicts are the sandbox's.
SAMPLE = [(m["assignment"], CORPUS / "mutants" / m["assignment"] / m["name"])
          for m in {m["assignment"]: m for m in MANIFEST}.values()]
SAMPLE += [("a03_multichannel", CORPUS / "correct" / "a03_notebook"), ("a05_tf_conv2d", CORPUS / "correct" / "a05_einsum")]


@pytest.mark.parametrize("assignment, path", SAMPLE, ids=[p.name for _, p in SAMPLE])
def test_portable_verdicts_are_the_sandboxs(monkeypatch, assignment, path):
    sandbox, portable = _both(monkeypatch, assignment, path)
    assert _summary(portable) == _summary(sandbox)


# Hostile or broken submissions: the same status, and the same codes on the failing cases.
HOSTILE = ["loop_in_call.py", "os_exit_in_call.py", "sys_exit_at_import.py", "syntax_error.py", "missing_function.py",
           "import_tensorflow.py", "loop_at_import.py"]


@pytest.mark.parametrize("name", HOSTILE)
def test_portable_path_survives_what_the_sandbox_survives(monkeypatch, tmp_path, name):
    submission = tmp_path / "multichannel.py"
    submission.write_bytes((CORPUS / "attacks" / name).read_bytes())
    sandbox, portable = _both(monkeypatch, "a03_multichannel", submission)
    assert portable.status is sandbox.status, (portable.status, portable.message)
    assert [sorted(set(t.codes)) for t in portable.tests] == [sorted(set(t.codes)) for t in sandbox.tests]
    assert portable.score == sandbox.score


def test_one_endless_call_costs_that_call_only(monkeypatch, tmp_path):
    """After a call is killed for time, a fresh child goes on with the next calls."""
    source = (ROOT / "solutions" / "a01_correlation" / "correlation.py").read_text(encoding="utf-8")
    source = source.replace('    x = np.asarray(x)\n    k = np.asarray(k)\n    if x.ndim != 2',
                            '    x = np.asarray(x)\n    k = np.asarray(k)\n    while x.size == 9:\n        pass\n    if x.ndim != 2', 1)
    submission = tmp_path / "correlation.py"
    submission.write_text(source, encoding="utf-8")
    monkeypatch.setenv("GRADER_CHECK_RUNNER", "portable")
    result, _ = check_result(COURSE, quick("a01_correlation"), submission, "en")
    failed = [c for t in result.tests for c in t.cases if not c.passed]
    assert failed and all(c.codes == ("timeout",) for c in failed)
    assert any(c.passed for t in result.tests for c in t.cases)  # the calls after it ran


WINDOWS_LIKE = textwrap.dedent('''\
    """Make this interpreter look like Windows to the grader: no fork, no resource, no fcntl, no pass_fds."""
    import os, subprocess, sys
    for name in ("fork", "forkpty", "register_at_fork", "pidfd_open", "setsid", "wait4"):
        if hasattr(os, name):
            delattr(os, name)
    sys.modules["resource"] = None
    sys.modules["fcntl"] = None
    _Popen = subprocess.Popen
    class Popen(_Popen):
        def __init__(self, *args, pass_fds=(), **kwargs):
            if pass_fds:
                raise AssertionError("pass_fds not supported on Windows")
            super().__init__(*args, **kwargs)
    subprocess.Popen = Popen
''')


def _run_check(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("submission", ["tests/corpus/mutants/a03_multichannel/mc_same_symmetric",
                                        "tests/corpus/correct/a00_closed_forms"])
def test_grader_check_on_a_machine_without_posix_features(tmp_path, submission):
    (tmp_path / "sitecustomize.py").write_text(WINDOWS_LIKE, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if k != "GRADER_CHECK_RUNNER"}
    assignment = "a03_multichannel" if "a03" in submission else "a00_fc_vs_conv"
    windows = _run_check([assignment, submission, "--lang", "en"], {**base, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])})
    linux = _run_check([assignment, submission, "--lang", "en"], {**base, "PYTHONPATH": str(ROOT)})
    assert "Traceback" not in windows.stderr, windows.stderr[-2000:]
    assert windows.returncode == linux.returncode and windows.stdout == linux.stdout, (windows.stdout, windows.stderr[-2000:])
    probe = subprocess.run([sys.executable, "-c", "import os, grader.local_run as r; print(hasattr(os, 'fork'), r.runner_kind())"],
                           env={**base, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}, capture_output=True, text=True)
    assert probe.stdout.split() == ["False", "portable"], probe.stderr
