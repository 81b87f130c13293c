"""grader check and the generated public tests: solutions pass, stubs fail with not_implemented,
exit codes 0/1/2, notebooks, and no TensorFlow on the student's path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.check import call_in_process, main  # noqa: E402
from grader.course import load_course  # noqa: E402

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]


def solution(assignment_id: str) -> Path:
    return ROOT / "solutions" / assignment_id / COURSE.assignment(assignment_id).module


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **extra)
    env.pop("GRADER_SUBMISSION", None)
    env.update(extra)
    return env


# -- grader check, in process -------------------------------------------------------------------------


@pytest.mark.parametrize("assignment_id", IDS)
def test_every_solution_passes_every_public_test(assignment_id, capsys):
    assert main(COURSE, assignment_id, str(solution(assignment_id)), lang="en") == 0
    out = capsys.readouterr().out
    assert "❌" not in out and "Traceback" not in out
    assert out.count("✅") == len(COURSE.assignment(assignment_id).parts)


@pytest.mark.parametrize("assignment_id", IDS)
def test_untouched_stub_fails_every_part_with_not_implemented(assignment_id, capsys, monkeypatch):
    from grader.build.fixtures import load_fixtures
    from grader.grading import judge
    from grader.submission import write_module

    a = COURSE.assignment(assignment_id)
    monkeypatch.chdir(ROOT / "assignments" / assignment_id)
    assert main(COURSE, None, None, lang="ko") == 1  # assignment and file inferred from the folder
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert captured.out.count("❌") >= len(a.parts)
    assert "not_implemented" in captured.out and "✅" not in captured.out
    # The verdicts themselves: every case of every part, not_implemented and nothing else.
    specs = load_fixtures(ROOT / "assignments" / assignment_id / "fixtures" / "public.npz")
    module = write_module(ROOT / "assignments" / assignment_id / a.module, a, Path(os.environ.get("TMPDIR", "/tmp")) / f"stub-{assignment_id}-{os.getpid()}")
    result = judge(a, specs, module)
    assert {p.id for p in result.parts} == {p.id for p in a.parts}
    assert all(p.score == 0 for p in result.parts)
    assert {t.part for t in result.tests} == {p.id for p in a.parts}
    assert all(c.codes == ("not_implemented",) for t in result.tests for c in t.cases)


def _filled_notebook(assignment_id: str, path: Path) -> Path:
    """The generated notebook with the solution pasted into its answer cells, plus notebook noise."""
    from grader.build.notebooks import split_module

    a = COURSE.assignment(assignment_id)
    text = re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", solution(assignment_id).read_text(encoding="utf-8"), flags=re.M)
    _, segments = split_module(text, a.functions + ("conv2d",) if assignment_id == "a04_relu_layer" else a.functions)
    bodies = {s.name: s.source for s in segments if s.kind == "function"}
    nb = nbformat.read(ROOT / "assignments" / assignment_id / f"{assignment_id}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.id.startswith("answer-"):
            cell.source = bodies[cell.id.removeprefix("answer-")]
    nb.cells.insert(1, nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\n!ls\nfiles = !ls", id="magic"))
    function = a.functions[0]
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import numpy as np\nimg = np.arange(36.0).reshape(6, 6)\n"
            f"plt.imshow(img)\nplt.title('{function} demo')\nplt.show()\ndisplay(img)\nprint({function})",
            id="plot-demo",
        )
    )
    nbformat.write(nb, path)
    return path


def test_filled_in_notebook_with_magics_and_plots_passes(tmp_path, capsys):
    nb = _filled_notebook("a03_multichannel", tmp_path / "a03_multichannel.ipynb")
    assert main(COURSE, "a03_multichannel", str(nb), lang="en") == 0
    assert "❌" not in capsys.readouterr().out
    # The assignment is inferred from the notebook's name.
    assert main(COURSE, None, str(nb), lang="en") == 0


def test_filled_in_notebook_a04_uses_its_ungraded_conv2d(tmp_path):
    nb = _filled_notebook("a04_relu_layer", tmp_path / "work.ipynb")
    assert main(COURSE, "a04_relu_layer", str(nb), lang="ko") == 0


@pytest.mark.parametrize(
    "args, words",
    [
        (("nope", None), "nope"),
        (("a03_multichannel", "does/not/exist.py"), "does/not/exist.py"),
        (("a03_multichannel", "notes.txt"), "not a Python module or notebook"),
        (("a03_multichannel", "broken.ipynb"), "is not a valid notebook"),
        (("a03_multichannel", "empty"), "no multichannel.py"),
    ],
    ids=["unknown-assignment", "missing-path", "not-a-notebook", "corrupt-notebook", "empty-folder"],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, capsys, args, words):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.ipynb").write_text("{ not json")
    (tmp_path / "empty").mkdir()
    assert main(COURSE, *args, lang="en", cwd=tmp_path) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("grader check: ")


def test_malformed_course_yaml_exits_2(tmp_path, capsys):
    (tmp_path / "course.yaml").write_text("course: [unclosed\n")
    assert main(tmp_path, "a03_multichannel", None, lang="en") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "course.yaml" in err[0] and "Traceback" not in err[0]


def test_a_wrong_answer_exits_1_and_says_why(tmp_path, capsys):
    wrong = tmp_path / "multichannel.py"
    text = solution("a03_multichannel").read_text(encoding="utf-8")
    wrong.write_text(text.replace("out += b.astype(np.float64)", "pass"))
    assert main(COURSE, "a03_multichannel", str(wrong), lang="en") == 1
    out = capsys.readouterr().out
    assert "bias" in out and "missing_bias" in out
    assert re.search(r"channels\s.*4/4.*✅", out)


# -- end to end, in a fresh process ---------------------------------------------------------------------


def test_cli_check_never_imports_tensorflow():
    code = (
        "import sys\n"
        "from grader.check import main\n"
        "rc = main(None, 'a03_multichannel', 'solutions/a03_multichannel', lang='en')\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "sys.exit(rc)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", "a01_correlation"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr


@pytest.mark.parametrize("zygote", ["1", "0"])
def test_cli_check_grades_the_same_with_the_early_fork_server_and_with_plain_workers(zygote):
    """``grader check`` starts the sandbox's fork server as it starts; with it turned off
    (``GRADER_SANDBOX_ZYGOTE=0``) the check runs a plain worker and says the same."""
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", "a03_multichannel", "solutions/a03_multichannel", "--lang", "en"],
        cwd=ROOT, env=_env(GRADER_SANDBOX_ZYGOTE=zygote), capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0 and "16/16" in run.stdout and "Traceback" not in run.stdout + run.stderr, run.stdout + run.stderr


@pytest.mark.parametrize("assignment_id", IDS)
def test_generated_public_tests_run_with_plain_pytest(assignment_id):
    target = f"assignments/{assignment_id}"
    # -rN: no short summary (under CI=true pytest repeats each message there, untruncated)
    command = [sys.executable, "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", target]
    passed = subprocess.run(
        command, cwd=ROOT, env=_env(GRADER_SUBMISSION=str(solution(assignment_id))), capture_output=True, text=True, timeout=300
    )
    assert passed.returncode == 0, passed.stdout[-3000:]
    n_cases = int(re.search(r"(\d+) passed", passed.stdout).group(1))
    stub = subprocess.run(command, cwd=ROOT, env=_env(GRADER_LANG="en"), capture_output=True, text=True, timeout=300)
    assert stub.returncode == 1
    assert re.search(rf"\b{n_cases} failed\b", stub.stdout), stub.stdout[-2000:]
    assert "passed" not in stub.stdout.splitlines()[-1]
    assert stub.stdout.count("not_implemented: Not implemented yet") == n_cases


def test_public_tests_accept_a_notebook_submission(tmp_path):
    nb = _filled_notebook("a01_correlation", tmp_path / "a01_correlation.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "assignments/a01_correlation"],
        cwd=ROOT, env=_env(GRADER_SUBMISSION=str(nb)), capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]


# -- in-process calls -------------------------------------------------------------------------------------


def test_call_in_process_copies_inputs_and_reports_errors():
    import types

    from grader.cases import Case

    module = types.ModuleType("student")
    exec(
        "def relu(x):\n    x[x < 0] = 0\n    return x\n"
        "def conv2d_relu(x, w, b):\n    raise NotImplementedError('todo')\n",
        module.__dict__,
    )
    x = np.array([-1.0, 2.0])
    case = Case("c", "relu", (x,), {}, np.array([0.0, 2.0]))
    outcome = call_in_process(module, case)
    assert x.tolist() == [-1.0, 2.0]  # the fixture's array is untouched
    assert outcome.args_after[0].tolist() == [0.0, 2.0] and outcome.error is None
    outcome = call_in_process(module, Case("c", "conv2d_relu", (1, 2, 3)))
    assert outcome.error == "NotImplementedError" and "RuntimeError" in outcome.error_bases and outcome.message == "todo"
    outcome = call_in_process(module, Case("c", "missing", ()))
    assert outcome.fault == "missing_function" and "student.missing is missing" in outcome.detail


# -- grader check and pytest agree; long lists are counted ------------------------------------------------

DIFFERENCE = re.compile(r"first difference at index \([0-9, ]+\): got [-0-9.e+]+, expected [-0-9.e+]+")


@pytest.mark.parametrize("assignment_id, mutant", [
    ("a01_correlation", "xcorr_transposed_output"),
    ("a02_padding_stride", "zp_ones"),
    ("a03_multichannel", "mc_flipped"),
])
def test_check_and_plain_pytest_say_the_same_about_each_failure(assignment_id, mutant, capsys):
    """Same first differing index (and values) and the same diagnoses for the same failing cases."""
    path = ROOT / "tests" / "corpus" / "mutants" / assignment_id / mutant
    assert main(COURSE, assignment_id, str(path), lang="en") == 1
    checked = capsys.readouterr().out
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", f"assignments/{assignment_id}"],
        cwd=ROOT, env=_env(GRADER_SUBMISSION=str(path), GRADER_LANG="en"), capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 1, run.stdout[-3000:]
    in_check, in_pytest = set(DIFFERENCE.findall(checked)), set(DIFFERENCE.findall(run.stdout))
    assert in_check and in_check <= in_pytest  # the check lists three cases a test, pytest every case
    codes = set(re.findall(r"^\s+• (\w+):", checked, re.M))
    assert codes and codes <= set(re.findall(r"^(\w+): ", run.stdout, re.M))


def test_both_ways_hand_the_student_c_contiguous_arrays():
    """The sandbox sends arrays as .npy bytes (C order); pytest's in-process call copies them the
    same way, so the student's code computes the same bits both ways (BLAS rounds by memory layout)."""
    import types

    from grader.cases import Case

    module = types.ModuleType("student")
    exec("def relu(x):\n    return [a.flags.c_contiguous for a in x] if isinstance(x, list) else x.flags.c_contiguous\n",
         module.__dict__)
    view = np.arange(12.0).reshape(3, 4).T
    assert not view.flags.c_contiguous
    assert call_in_process(module, Case("view", "relu", (view,))).value is True
    assert call_in_process(module, Case("list", "relu", ([view, view],))).value == [True, True]


@pytest.mark.parametrize("lang, words, listed", [("en", "… and 1 more", r": off by -\d+$"),
                                                 ("ko", "… 외 1개 테스트 케이스", r": -\d+만큼 어긋났습니다$")])
def test_a_test_with_more_failing_cases_than_listed_says_how_many_more(lang, words, listed, tmp_path, capsys):
    path = tmp_path / "padding_stride.py"
    path.write_text("def zero_pad(x, pad):\n    return 0\n\ndef output_size(n, k, stride=1, padding='VALID'):\n"
                    "    return 0\n\ndef same_padding(n, k, stride=1):\n    return (0, 0)\n\n"
                    "def correlate2d(x, k, stride=1, padding='VALID'):\n    return 0\n", encoding="utf-8")
    assert main(COURSE, "a02_padding_stride", str(path), lang=lang) == 1
    out = capsys.readouterr().out
    block = out.split("output_size_examples")[1].split("❌")[0]
    # three listed (their details in the student's language), one counted
    assert "0/4" in block and len(re.findall(listed, block, re.M)) == 3 and words in block


def test_check_explains_each_diagnosis_once(capsys):
    path = ROOT / "tests" / "corpus" / "mutants" / "a03_multichannel" / "mc_flipped"
    main(COURSE, "a03_multichannel", str(path), lang="en")
    out = capsys.readouterr().out
    failing_tests = len(re.findall(r"^❌ ", out, re.M))
    # Four tests fail on the flipped kernel; the validation test fails too, through the gate (its
    # ValueError earns credit only once conv2d computes valid input), and names no diagnosis.
    assert failing_tests == 5 and out.count("「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」") == 1
    assert out.count("flipped_kernel: flipped the filter (explained above)") == failing_tests - 2
    validation = out.split("❌ validation")[1].split("\ntotal")[0]
    assert "earns credit only once conv2d" in validation and "•" not in validation
