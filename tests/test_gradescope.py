"""`grader gradescope`: the autograder zip, run in a fake /autograder layout with the current Python.

setup.sh's pip installs are not run here (they download TensorFlow); both scripts are checked with
``bash -n`` and run_autograder runs for real, with ``AUTOGRADER_ROOT`` pointing at ``tmp_path/autograder``
and ``GRADER_PYTHON`` at this interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from grader.outputs import MARKER

from grader.course import load_course
from grader.integrations.gradescope import build_autograder_zip, main
from tests.conftest import ROOT, SOLUTIONS

ASSIGNMENT = "a01_correlation"

RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "max_score": {"type": "number", "minimum": 0},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "stdout_visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility", "extra_data"],
                "properties": {
                    "name": {"type": "string"},
                    "number": {"type": "string"},
                    "score": {"type": "number"},
                    "max_score": {"type": "number"},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
                    "extra_data": {
                        "type": "object",
                        "required": ["part", "diagnosis", "cases_passed", "cases_total"],
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def autograder_zip(course, tmp_path_factory):
    return build_autograder_zip(course, ASSIGNMENT, tmp_path_factory.mktemp("zips"))


def _layout(zip_path, tmp_path, metadata=None):
    """What Gradescope does before a run: the zip in source/, run_autograder copied to the root."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return root


def _run(root, python=sys.executable):
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADER_SECRET", "GRADER_COURSE", "PYTHONPATH") and not k.startswith("TF_")}
    env.update(AUTOGRADER_ROOT=str(root), GRADER_PYTHON=python)
    run = subprocess.run(
        ["bash", str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # What the grader printed reaches the instructor's log: none of TensorFlow's native log lines.
    assert not re.search(r"absl|oneDNN|cpu_feature_guard|^[IWEF]\d{4} ", run.stdout + run.stderr, re.M), run.stdout + run.stderr
    doc = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, RESULTS_SCHEMA)
    return doc, run


def test_zip_contents(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        archive.extractall(tmp_path)
    assert {"setup.sh", "run_autograder", "course.yaml", "pyproject.toml", "grader/__init__.py"} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert f"grader/suites/{ASSIGNMENT}/__init__.py" in names
    assert not [n for n in names if n.startswith("grader/suites/a0") and not n.startswith(f"grader/suites/{ASSIGNMENT}/")]
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "assignments/")) or "__pycache__" in n]
    assert ".grader-secret" not in names
    solution_body = "return cross_correlate2d(x, k[::-1, ::-1])"
    assert not [n for n in names if solution_body in (tmp_path / n).read_text(encoding="utf-8", errors="replace")]
    for script in ("setup.sh", "run_autograder"):
        check = subprocess.run(["bash", "-n", str(tmp_path / script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    setup = (tmp_path / "setup.sh").read_text(encoding="utf-8")
    assert "tensorflow-cpu" in setup and '"$SOURCE"' in setup


def test_secret_only_when_asked(course, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRADER_SECRET", "s3cret-for-gradescope")
    plain = build_autograder_zip(course, ASSIGNMENT, tmp_path / "plain")
    assert b"s3cret-for-gradescope" not in plain.read_bytes()
    with_secret = build_autograder_zip(course, ASSIGNMENT, tmp_path / "secret", include_secret=True)
    with zipfile.ZipFile(with_secret) as archive:
        assert archive.read(".grader-secret").strip() == b"s3cret-for-gradescope"
    assert main(course, tmp_path / "all") == 0
    assert "warning" in capsys.readouterr().err
    written = sorted(p.name for p in (tmp_path / "all").iterdir() if p.name != MARKER)  # (+ the output marker)
    assert written == [f"autograder-{a.id}.zip" for a in course.assignments]
    load_course(ROOT)  # the course itself is untouched


@pytest.mark.slow
def test_solution_gets_full_score(autograder_zip, tmp_path):
    root = _layout(autograder_zip, tmp_path, {"id": 42, "users": [{"email": "kim@example.edu", "sid": "s1234", "name": "Kim"}]})
    # A repository upload: the module sits in a subfolder.
    target = root / "submission" / "assignments" / ASSIGNMENT / "correlation.py"
    target.parent.mkdir(parents=True)
    shutil.copy(SOLUTIONS[ASSIGNMENT], target)
    doc, run = _run(root)
    assert doc["score"] == doc["max_score"] == 10
    assert doc["tests"] and all(t["status"] == "passed" for t in doc["tests"])
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "after_published"}  # hidden tests ran
    assert "s1234" in run.stdout  # the student id seeding the hidden cases came from the metadata


@pytest.mark.slow
def test_stub_gets_zero_with_a_clear_output(autograder_zip, tmp_path):
    root = _layout(autograder_zip, tmp_path)
    shutil.copy(ROOT / "assignments" / ASSIGNMENT / "correlation.py", root / "submission" / "correlation.py")
    doc, _ = _run(root)
    assert doc["score"] == 0 and doc["max_score"] == 10
    assert doc["tests"] and all(t["status"] == "failed" for t in doc["tests"])
    assert all("not_implemented" in t["extra_data"]["diagnosis"] for t in doc["tests"])
    assert all("NotImplementedError" in t["output"] for t in doc["tests"] if t["visibility"] == "visible")


@pytest.mark.slow
def test_empty_submission_still_gets_results(autograder_zip, tmp_path):
    root = _layout(autograder_zip, tmp_path)
    doc, _ = _run(root)
    assert doc["score"] == 0
    assert "correlation.py" in doc["output"]


def test_fallback_when_the_grader_cannot_run(autograder_zip, tmp_path):
    root = _layout(autograder_zip, tmp_path)
    shutil.copy(SOLUTIONS[ASSIGNMENT], root / "submission" / "correlation.py")
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text('{"score": 1000, "tests": []}', encoding="utf-8")  # forged
    doc, _ = _run(root, python=str(tmp_path / "no-such-python"))
    assert doc["score"] == 0 and doc["max_score"] == 10 and doc["tests"] == []
    assert "not yours" in doc["output"]
