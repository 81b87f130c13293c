"""`grader release`: the student bundle leaks nothing (solutions, hidden suites, secret) and works on its own.

The end-to-end test installs the bundle into a fresh virtual environment and runs `grader check` and
`grader ci` there. A fully isolated venv would need numpy & co. from the network, so the venv gets the
system site-packages folders as plain path entries (a ``.pth`` of paths: unlike
``--system-site-packages`` this runs none of their ``.pth`` hooks, so an editable install of this course
cannot leak in); what it proves instead: the ``grader`` package that
runs is the bundle's installed copy (``grader.__file__`` inside the venv, and ``grader.suites`` cannot be
imported), and TensorFlow is never imported (asserted inside the process after the command ran).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import site
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml

from grader.course import load_course
from grader.integrations.release import ReleaseError, build_release
from tests.conftest import ROOT, SOLUTIONS

ENV_SECRET = "env-" + secrets.token_hex(16)
FILE_SECRET = "file-" + secrets.token_hex(16)


@pytest.fixture(scope="module")
def instructor_course(tmp_path_factory):
    """A copy of the course with a secret file, grades, a demo class and tests lying around (none may ship)."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "course.yaml", root / "course.yaml")
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    shutil.copytree(ROOT / "assignments", root / "assignments", ignore=ignore)
    shutil.copytree(ROOT / "solutions", root / "solutions", ignore=ignore)
    (root / ".grader-secret").write_text(FILE_SECRET + "\n", encoding="utf-8")
    (root / "grades").mkdir()
    (root / "grades" / "grades.csv").write_text("student_id,score\nalice,16\n", encoding="utf-8")
    (root / "demo" / "a03_multichannel" / "alice").mkdir(parents=True)  # made-up students' (correct) code
    shutil.copy(SOLUTIONS["a03_multichannel"], root / "demo" / "a03_multichannel" / "alice" / "multichannel.py")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("def test_x(): pass\n", encoding="utf-8")
    return load_course(root)


@pytest.fixture(scope="module")
def bundle(instructor_course, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADER_SECRET", ENV_SECRET)
    try:
        out = tmp_path_factory.mktemp("release") / "student-repo"
        written = build_release(instructor_course, out)
    finally:
        patch.undo()
    assert written and all(p.is_file() for p in written)
    return out


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _regions(text: str) -> list[list[str]]:
    regions, current = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("### BEGIN SOLUTION"):
            current = []
        elif stripped.startswith("### END SOLUTION"):
            regions.append(current)
            current = None
        elif current is not None:
            current.append(stripped)
    return regions


def _outside_regions(text: str) -> set[str]:
    inside, out = False, set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("### BEGIN SOLUTION"):
            inside = True
        elif stripped.startswith("### END SOLUTION"):
            inside = False
        elif not inside:
            out.add(stripped)
    return out


def _grader_lines() -> set[str]:
    """Lines of the grader's own code (minus suites): generic statements such as ``else:`` or the
    validation checks the reference also makes; a solution line found there is not a leak."""
    package = ROOT / "grader"
    return {
        line.strip()
        for p in package.rglob("*.py")
        if "suites" not in p.relative_to(package).parts
        for line in p.read_text(encoding="utf-8").splitlines()
    }


def test_layout(bundle, instructor_course):
    top = {p.name for p in bundle.iterdir()}
    assert {"assignments", "grader", "course.yaml", "pyproject.toml", "README.md", ".github", ".gitignore"} <= top
    assert not top & {"solutions", "tests", "grades", ".grader-secret", "benchmarks", "docs", "demo"}
    for a in instructor_course.assignments:
        assert (bundle / "assignments" / a.id / a.module).is_file()
        assert (bundle / "assignments" / a.id / "fixtures" / "public.npz").is_file()
    assert (bundle / "grader" / "cli.py").is_file() and (bundle / "grader" / "check.py").is_file()
    assert not list(bundle.rglob("__pycache__"))


def test_no_hidden_suite(bundle):
    assert not (bundle / "grader" / "suites").exists()
    assert not [p for p in _files(bundle) if "suites" in p.relative_to(bundle).parts]
    suite_bytes = {p.read_bytes() for p in (ROOT / "grader" / "suites").rglob("*.py") if p.stat().st_size > 200}
    assert not [p for p in _files(bundle) if p.read_bytes() in suite_bytes]
    # The titles of hidden tests (their docstrings) appear nowhere: the public fixtures hold visible ones only.
    from grader.suite import load_suite

    hidden_titles = [
        t.title()["en"]
        for a in [a.id for a in load_course(ROOT).assignments]
        for t in load_suite(a)
        if t.visibility == "hidden" and len(t.title()["en"]) > 15
    ]
    assert hidden_titles
    texts = [p.read_bytes().decode("utf-8", "replace") for p in _files(bundle)]
    leaked = [title for title in hidden_titles if any(title in text for text in texts)]
    assert not leaked


def test_no_solution_code(bundle):
    generic = _grader_lines()
    distinctive: set[str] = set()
    regions: list[list[str]] = []
    for path in SOLUTIONS.values():
        text = path.read_text(encoding="utf-8")
        outside = _outside_regions(text)
        for region in _regions(text):
            code = [line for line in region if line and not line.startswith("#")]
            regions.append(code)
            distinctive |= {line for line in code if line not in outside and line not in generic}
    assert len(distinctive) > 40, "the check would prove nothing"
    for path in _files(bundle):
        text = path.read_bytes().decode("utf-8", "replace")
        lines = {line.strip() for line in text.splitlines()}
        # notebooks hold source lines as JSON strings: "    out = ...\n",
        if path.suffix == ".ipynb":
            for cell in json.loads(text)["cells"]:
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                lines |= {line.strip() for line in source.splitlines()}
        found = distinctive & lines
        assert not found, f"{path.relative_to(bundle)} holds solution lines: {sorted(found)[:5]}"
        # No whole region (3+ code lines in a row), even of generic lines, anywhere.
        flat = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        for region in regions:
            if len(region) >= 3:
                assert "\n".join(region) not in flat, f"{path.relative_to(bundle)} holds a solution region"


def test_no_secret(bundle, instructor_course):
    for path in _files(bundle):
        data = path.read_bytes()
        assert ENV_SECRET.encode() not in data and FILE_SECRET.encode() not in data, path
    released = yaml.safe_load((bundle / "course.yaml").read_text(encoding="utf-8"))
    assert "secret" not in released
    expected = {k: v for k, v in instructor_course.raw.items() if k != "secret"}
    assert released == expected
    assert load_course(bundle).assignments == instructor_course.assignments


def test_student_pyproject_is_light(bundle):
    project = tomllib.loads((bundle / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {d.split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    assert names == {"numpy", "pytest", "pyyaml", "fastjsonschema", "nbformat", "rich", "matplotlib"}  # pictures
    assert "optional-dependencies" not in project
    assert project["scripts"]["grader"] == "grader.cli:run"


def test_workflow_runs_ci_per_assignment(bundle, instructor_course):
    workflow = yaml.safe_load((bundle / ".github" / "workflows" / "grader.yml").read_text(encoding="utf-8"))
    assert "push" in workflow[True]  # YAML 1.1 reads the key `on` as True
    job = workflow["jobs"]["check"]
    assert job["strategy"]["matrix"]["assignment"] == [a.id for a in instructor_course.assignments]
    assert job["strategy"]["fail-fast"] is False
    steps = job["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11"
    runs = [s.get("run", "") for s in steps]
    assert any("pip install ." in r for r in runs)
    assert any(r.startswith('grader ci "$ASSIGNMENT" "assignments/$ASSIGNMENT"') for r in runs)


def test_refuses_to_overwrite_an_unrelated_folder(instructor_course, tmp_path):
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.tex").write_text("...", encoding="utf-8")
    with pytest.raises(ReleaseError):
        build_release(instructor_course, other)
    assert (other / "thesis.tex").is_file()
    with pytest.raises(ReleaseError):
        build_release(instructor_course, instructor_course.root)
    # An earlier release is replaced.
    out = tmp_path / "bundle"
    build_release(instructor_course, out)
    (out / "stale.txt").write_text("old", encoding="utf-8")
    build_release(instructor_course, out)
    assert not (out / "stale.txt").exists()


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.mark.slow
def test_check_works_in_the_bundle_without_tensorflow(bundle, tmp_path):
    """Student install of the bundle in a venv; `grader check` and `grader ci` on the stub and a solution."""
    repo = tmp_path / "repo"
    shutil.copytree(bundle, repo)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = _venv_python(venv)
    venv_site = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    system_sites = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(venv_site) / "system-packages.pth").write_text("\n".join(system_sites) + "\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--no-build-isolation", "--quiet", str(repo)],
        capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # Outside the repository, so that `import grader` cannot come from the current folder.
    runner = tmp_path / "run_grader.py"
    runner.write_text(
        textwrap.dedent(
            """\
            import sys
            from pathlib import Path
            import grader
            from grader.cli import main
            rc = main(sys.argv[1:])
            assert "tensorflow" not in sys.modules, "tensorflow was imported"
            print("GRADER_FILE=" + str(Path(grader.__file__).resolve()))
            sys.exit(rc)
            """
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_COURSE") and not k.startswith("GITHUB_")}

    def grader(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(python), str(runner), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300
        )

    stub = grader("check", "a03_multichannel")
    assert stub.returncode == 1, stub.stdout + stub.stderr
    installed = Path(stub.stdout.split("GRADER_FILE=")[1].split()[0])
    assert venv.resolve() in installed.parents, installed  # the bundle's installed grader, not this checkout
    assert importlib.util.find_spec("grader.suites") is not None  # (here) but not in the venv:
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('grader.suites'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert probe.stdout.strip() == "None", probe.stdout + probe.stderr

    shutil.copy(SOLUTIONS["a03_multichannel"], repo / "assignments" / "a03_multichannel" / "multichannel.py")
    solved = grader("check", "a03_multichannel")
    assert solved.returncode == 0, solved.stdout + solved.stderr

    # What the student's GitHub workflow runs: no hidden suites here, so public tests from the fixtures.
    ci = grader("ci", "a03_multichannel", "assignments/a03_multichannel", "--out", "grader-output/a03")
    assert ci.returncode == 0, ci.stdout + ci.stderr
    doc = json.loads((repo / "grader-output" / "a03" / "results.json").read_text(encoding="utf-8"))
    assert doc["score"] == doc["max_score"] > 0
    assert {t["visibility"] for t in doc["tests"]} == {"visible"}


def test_student_install_has_the_graders_own_dependencies_and_no_tensorflow():
    """One list of dependencies: the bundle's pyproject takes the main pyproject's, never its extras."""
    import tomllib

    from grader.course import load_course
    from grader.integrations.release import student_pyproject

    main = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    student = tomllib.loads(student_pyproject(load_course(ROOT)))["project"]
    assert student["dependencies"] == main["dependencies"]
    assert not any("tensorflow" in d or "nbgrader" in d for d in student["dependencies"])


# -- no working answer in the bundle (issue 9, part 5) -----------------------------------------------


def _run_own_session(args: list[str], cwd: Path, stdin: Path | None = None) -> subprocess.Popen:
    """A helper process in a session of its own (whatever it starts can be ended with it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("GRADER_")}
    with open(stdin or os.devnull, "rb") as source:
        return subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdin=source,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _finish(process: subprocess.Popen, timeout: float = 600) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(process.pid, 9)  # anything the helper left behind in its own session
        except (ProcessLookupError, PermissionError):
            pass
    assert process.returncode == 0, err[-3000:]
    return out, err


def _probe(root: Path, scratch: Path, *only: str) -> dict:
    report = scratch / "probe.json"
    cwd = scratch / "cwd"
    cwd.mkdir()
    _finish(_run_own_session([str(ROOT / "tests" / "answer_probe.py"), str(root), "--out", str(report), *only], cwd))
    assert not list(cwd.iterdir()), "the probed code wrote files"
    return json.loads(report.read_text(encoding="utf-8"))


def test_the_bundle_leaves_out_every_module_that_computes_answers(bundle, instructor_course):
    from grader.integrations.release import instructor_only_files

    excluded = instructor_only_files()
    assert {"reference.py", "diagnose/models"} <= excluded
    assert not [rel for rel in excluded if (bundle / "grader" / rel).exists()]
    assert (bundle / "grader" / "diagnose" / "__init__.py").is_file() and (bundle / "grader" / "diagnose" / "settle.py").is_file()
    for a in instructor_course.assignments:  # what the check diagnoses with instead
        assert (bundle / "assignments" / a.id / "fixtures" / "diagnoses.npz").is_file()


def test_no_function_in_the_bundle_computes_an_answer(bundle, tmp_path):
    """Every callable of every module of the bundle's grader, called on small arrays: none returns a
    right cross-correlation, convolution, SAME split or output size."""
    report = _probe(bundle, tmp_path)
    assert report["modules"] >= 40 and report["callables"] >= 300 and report["calls"] >= 5000, report
    assert report["unimportable"] == ["grader.__main__: SystemExit"], report["unimportable"]
    assert report["hits"] == []


def test_the_probe_finds_the_answers_the_instructor_side_holds(tmp_path):
    """The same probe on this repository's diagnosis models: it must find them (so it can fail)."""
    hits = _probe(ROOT, tmp_path, "--only", "grader.diagnose")["hits"]
    assert "grader.diagnose.models.core.correlate_nhwc: NHWC convolution" in hits
    assert "grader.diagnose.models.core.tf_same: TensorFlow's SAME split" in hits
    assert any(h.startswith("grader.diagnose.models.core.problem: 2-D cross-correlation") for h in hits)


def test_check_in_the_bundle_diagnoses_the_corpus_as_the_repository_does(bundle, tmp_path):
    """`grader check`'s diagnoses in the bundle (stored analyses, no model) equal the repository's
    (live models) on every corpus submission."""
    import yaml

    corpus = ROOT / "tests" / "corpus"
    manifest = yaml.safe_load((corpus / "mutants" / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
    ids = {a.id[:3]: a.id for a in load_course(ROOT).assignments}
    submissions = [[m["assignment"], str(corpus / "mutants" / m["assignment"] / m["name"])] for m in manifest]
    submissions += [[ids[p.name[:3]], str(p)] for p in sorted((corpus / "correct").iterdir()) if p.is_dir()]
    listing = tmp_path / "submissions.json"
    listing.write_text(json.dumps(submissions), encoding="utf-8")
    script = str(ROOT / "tests" / "check_codes.py")
    runs = [_run_own_session([script, str(root), str(tmp_path / f"{name}.json"), mode], tmp_path, listing)
            for name, root, mode in (("bundle", bundle, "stored"), ("repository", ROOT, "live"))]
    for process in runs:  # both at once
        _finish(process)
    stored = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    live = json.loads((tmp_path / "repository.json").read_text(encoding="utf-8"))
    assert stored == live
    named = [code for tests in stored.values() for codes, _ in tests.values() for code in codes]
    assert len(named) > 60 and {"flipped_kernel", "same_padding_symmetric", "layout_nchw"} <= set(named)
