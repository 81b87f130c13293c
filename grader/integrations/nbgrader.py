"""An nbgrader course whose scores come from this grader, not from the student's kernel.

In plain nbgrader the student's code and the test cells share one kernel: an answer cell can redefine
``np.allclose`` or the test helpers and earn full marks, and any stderr line (a warning, a TensorFlow
notice) zeroes a correct answer. Here nbgrader keeps its workflow (gradebook, release, collect,
feedback, export) and only the *scores* change hands:

* ``init_course`` writes ``nbgrader_config.py`` and one source notebook per assignment, generated from
  ``solutions/<id>/<module>.py``: read-only cells for imports and provided helpers, one answer cell per
  function holding a solution region, and per course.yaml part one locked test cell that only shows
  ``grader_part("<part>")``. Nothing hidden is in ``source/`` (so nothing hidden reaches ``release/``).
* :class:`TrustedGrades` is an autograde preprocessor placed before ``SaveAutoGrades``. It runs in
  nbgrader's (the instructor's) process: it grades the sanitized notebook with
  :func:`grader.grading.grade_path` (public + per-student hidden cases, student code in the sandbox) and
  overwrites every test cell's outputs with the trusted outcome: a stdout stream with the localized
  feedback of the part and an ``execute_result`` holding the part's score, which nbgrader's
  ``determine_grade`` reads as partial credit. ``Execute`` is left out of the pipeline, so student code
  never runs in nbgrader's kernel at all.
"""

from __future__ import annotations

import ast
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode

from grader.course import Assignment, Course, Part
from grader.outputs import OutputError, prepare_output

try:  # nbgrader is an instructor dependency; `grader nbgrader init` works without it
    from nbgrader.preprocessors import NbGraderPreprocessor as _Base
except ImportError:  # pragma: no cover - exercised only on a student install
    from traitlets.config import Configurable as _Base  # type: ignore[assignment]

from traitlets import Bool, Unicode

log = logging.getLogger(__name__)

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SCHEMA_VERSION = 3
SETUP_ID = "grader_part"
"""grade_id of the read-only cell that defines ``grader_part``."""
TEST_COMMENT = "# 채점은 grader가 샌드박스에서 합니다 / graded by the grader, in a sandbox"
PREPROCESSOR = "grader.integrations.nbgrader.TrustedGrades"

# Words of this integration only (the reports' words come from grader.report.text).
_WORDS = {
    "ko": {
        "part": "{title} ({part}): {score} / {max_score}점",
        "hidden": "숨은 테스트: 입력은 보여 주지 않습니다.",
        "footer": "이 출력은 grader가 썼습니다: 노트북의 함수를 샌드박스에서 실행해 TensorFlow(float64)와 비교했습니다.",
        "unknown": "이 채점 셀({grade_id})은 course.yaml의 부분이 아니어서 grader가 채점하지 않았습니다 (0점).",
    },
    "en": {
        "part": "{title} ({part}): {score} / {max_score} points",
        "hidden": "Hidden test: its inputs are not shown.",
        "footer": "Written by the grader: your functions ran in a sandbox and were compared with TensorFlow (float64).",
        "unknown": "This grading cell ({grade_id}) is not a part of course.yaml, so the grader did not grade it (0 points).",
    },
}


class NotebookError(ValueError):
    """A solution file that cannot become a source notebook (bad markers, a grade_id clash...)."""


class GraderFailed(RuntimeError):
    """The grader itself failed on a submission. nbgrader then records no score for it, logs the error,
    and ``nbgrader autograde`` exits 1: a grader failure never becomes a student's zero."""


# -- the source notebooks --------------------------------------------------------------------------


def _points(value: float) -> str:
    return f"{value:g}"


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _code(cell_id: str, source: str, meta: dict[str, Any]) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source=source, metadata=meta)
    cell.id = cell_id
    if meta["nbgrader"]["locked"]:  # what Jupyter's "read-only" and nbgrader's LockCells set
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False
    return cell


def _markdown(cell_id: str, source: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source=source)
    cell.id = cell_id
    return cell


def _segments(source: str, filename: str) -> tuple[str, list[tuple[str, str]]]:
    """The module docstring and the code split into cells: ``(name, text)``.

    Each top-level ``def``/``class`` (with its decorators and the comments right above it) is one
    segment named after it; consecutive other statements (imports, constants) form one segment named
    after the first name they bind.
    """
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        raise NotebookError(f"{filename}:{e.lineno}: the solution is not valid Python: {e.msg}") from None
    lines = source.splitlines()
    body = list(tree.body)
    docstring = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        docstring = ast.get_docstring(tree) or ""
        body = body[1:]

    def start(node: ast.stmt) -> int:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        while first > 1 and lines[first - 2].lstrip().startswith("#"):  # comments above belong to it
            first -= 1
        return first

    groups: list[tuple[str, int]] = []  # (name, first line) of each segment
    previous_plain = False
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            groups.append((node.name, start(node)))
            previous_plain = False
        elif not previous_plain:
            names = [t.id for t in ast.walk(node) if isinstance(t, ast.Name)]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = ["imports"]
            groups.append((names[0] if names else "setup", start(node)))
            previous_plain = True
    segments = []
    for i, (name, first) in enumerate(groups):
        last = groups[i + 1][1] - 1 if i + 1 < len(groups) else len(lines)
        text = "\n".join(lines[first - 1:last]).strip("\n")
        if text.strip():
            segments.append((name, text))
    return docstring, segments


def _grader_part_source(assignment: Assignment) -> str:
    """The read-only cell every test cell calls: it says what is graded and how; it grades nothing."""
    entries = "\n".join(
        f'        "{p.id}": "{p.title.get("ko", p.id)} / {p.title.get("en", p.id)} ({_points(p.points)}점/points)",'
        for p in assignment.parts
    )
    return f'''def grader_part(part):
    """채점 셀이 부르는 함수: 무엇을 채점하는지 알려 줄 뿐, 점수는 제출 후 grader가 정합니다.

    Called by the grading cells: it says what is graded; the score is decided by the grader after you submit.
    """
    parts = {{
{entries}
    }}
    print(f"[{{part}}] {{parts.get(part, part)}}")
    print("제출 후 grader가 함수를 샌드박스에서 공개 + 숨은 테스트로 채점하고, 이 셀의 출력을 채점 결과로 바꿉니다.")
    print("After you submit, the grader runs your functions in a sandbox on public and hidden tests and writes the result here.")
    print("지금 공개 테스트로 확인 / check now on the public tests:  grader check {assignment.id} {assignment.id}.ipynb")'''


def _intro(course: Course, assignment: Assignment, docstring: str) -> str:
    title = f"# {assignment.title.get('ko', assignment.id)} / {assignment.title.get('en', assignment.id)}"
    lines = [title, ""]
    if assignment.lecture:
        from grader.messages import sections

        lines += [f"강의 노트: **{sections(assignment.lecture, 'ko')}**  ", f"Lecture notes: **{sections(assignment.lecture, 'en')}**", ""]
    if docstring:
        lines += [docstring.strip(), ""]
    parts = ", ".join(f"`{p.id}` ({_points(p.points)})" for p in assignment.parts)
    lines += [
        "## 하는 일 / What to do",
        "",
        "- `raise NotImplementedError()`가 있는 답안 셀을 채우세요. 잠긴 셀(읽기 전용)은 채점 때 원본으로 되돌아갑니다.",
        "  Fill in the answer cells (the ones that `raise NotImplementedError()`); locked cells are restored when graded.",
        f"- 공개 테스트 / public tests: `grader check {assignment.id} {assignment.id}.ipynb`",
        f"- 채점 부분 / graded parts ({_points(assignment.max_score)}): {parts}",
        "",
        "## 채점 방법 / How it is graded",
        "",
        "- 제출하면 grader가 노트북의 코드 셀에서 import, 함수 정의, 간단한 대입만 꺼내 별도의 제한된 프로세스(샌드박스)에서 "
        "공개 테스트와 학생마다 다른 숨은 테스트로 실행하고, TensorFlow(`tf.nn.conv2d`, float64)의 결과와 비교합니다.",
        "  The grader takes the imports, function definitions and simple assignments of your code cells, runs them in a "
        "separate, limited process on public tests and on hidden tests seeded for you, and compares with TensorFlow.",
        "- 맨 위 수준의 호출(데모, `print`)은 채점 때 실행되지 않습니다. 경고나 stderr 출력은 감점되지 않습니다.",
        "  Top-level calls (demos, prints) are not run when grading; warnings and stderr output never cost points.",
        "- 채점 셀의 출력은 grader가 씁니다: 노트북 안에서 `np.allclose`나 `grader_part`를 바꾸거나 출력을 흉내 내도 점수는 바뀌지 않습니다.",
        "  The grading cells' outputs are written by the grader: redefining `np.allclose` or `grader_part`, or printing "
        "a score, changes nothing.",
    ]
    return "\n".join(lines)


def _part_markdown(index: int, part: Part) -> str:
    functions = ", ".join(f"`{f}`" for f in part.functions)
    return (
        f"### 채점 {index} / Part {index}: {part.title.get('ko', part.id)} / {part.title.get('en', part.id)}"
        f" — {_points(part.points)}점 / points\n\n"
        f"함수 / functions: {functions}. 부분 id / part id: `{part.id}`."
    )


def source_notebook(course: Course, assignment: Assignment) -> NotebookNode:
    """The nbgrader source notebook of an assignment, generated from its solution module.

    Deterministic: cell ids are derived from names, never random, so re-running ``init`` changes nothing.
    """
    path = course.solutions_dir / assignment.id / assignment.module
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise NotebookError(f"{path}: cannot read the solution: {e.strerror or e}") from None
    docstring, segments = _segments(text, str(path))

    cells = [_markdown("intro", _intro(course, assignment, docstring))]
    used: set[str] = {SETUP_ID, *(p.id for p in assignment.parts)}
    solved = 0
    for name, code in segments:
        begins, ends = code.count(BEGIN), code.count(END)
        if begins != ends:
            raise NotebookError(f"{path}: {name}: {begins} {BEGIN!r} but {ends} {END!r}")
        answer = begins > 0
        base = grade_id = f"{'answer' if answer else 'provided'}_{name}"
        n = 1
        while grade_id in used:  # a second block of imports, a function named like a part...
            n += 1
            grade_id = f"{base}_{n}"
        used.add(grade_id)
        solved += answer
        meta = _meta(grade_id, solution=answer, locked=not answer)
        cells.append(_code(grade_id.replace("_", "-"), code, meta))
    if not solved:
        raise NotebookError(f"{path}: no {BEGIN!r} region: students would have nothing to write")

    cells.append(_markdown("grading", "## 채점 / Grading\n\n아래 셀은 지우거나 고치지 마세요. / Leave the cells below as they are."))
    cells.append(_code("grader-part", _grader_part_source(assignment), _meta(SETUP_ID, locked=True)))
    for i, part in enumerate(assignment.parts, start=1):
        cells.append(_markdown(f"part-{part.id}".replace("_", "-"), _part_markdown(i, part)))
        meta = _meta(part.id, grade=True, locked=True, points=part.points)
        cells.append(_code(f"test-{part.id}".replace("_", "-"), f'grader_part("{part.id}")  {TEST_COMMENT}', meta))

    nb = nbformat.v4.new_notebook(cells=cells)
    nb.nbformat_minor = 5
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    _validate(nb, str(path))
    return nb


def _validate(nb: NotebookNode, where: str) -> None:
    from nbgrader.nbgraderformat import MetadataValidator

    nbformat.validate(nb)
    try:
        MetadataValidator().validate_nb(nb)
    except Exception as e:  # ValidationError and friends from nbgrader
        raise NotebookError(f"{where}: generated notebook has bad nbgrader metadata: {e}") from None


# -- the course folder -----------------------------------------------------------------------------


def config_text(course: Course, directory: Path) -> str:
    """``nbgrader_config.py`` for a course in ``directory`` graded by :class:`TrustedGrades`."""
    package_root = Path(__file__).resolve().parents[2]
    course_file = course.root / "course.yaml"
    return f'''"""nbgrader configuration written by `grader nbgrader init` (course {course.id}).

Scores come from the grader, not from the student's kernel: the TrustedGrades preprocessor grades
each notebook in the grader's sandbox and writes every test cell's outcome before SaveAutoGrades.
Execute is left out, so student code never runs in nbgrader's kernel. See docs/nbgrader.md.
Re-running `grader nbgrader init` rewrites this file.
"""

import sys

# Where the grader package lives, for when it is not installed into nbgrader's Python.
if {str(package_root)!r} not in sys.path:
    sys.path.insert(0, {str(package_root)!r})

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)

c.CourseDirectory.root = {str(directory)!r}
c.CourseDirectory.course_id = {course.id!r}

# The course whose suites, points and limits decide the grades.
c.TrustedGrades.course = {str(course_file)!r}
c.TrustedGrades.lang = {course.language!r}
# Student code runs only behind a kernel-enforced sandbox (`grader doctor` says what this machine
# gives); True grades with the in-process guards only where there is none.
c.TrustedGrades.allow_weak_sandbox = False

# A test cell the student deleted comes back, so the grader can score it.
c.OverwriteCells.add_missing_cells = True

c.Autograde.autograde_preprocessors = [
    # "nbgrader.preprocessors.Execute" is left out on purpose: nothing runs in a kernel.
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    {PREPROCESSOR!r},
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
'''


def init_course(course: Course, directory: Path) -> list[Path]:
    """Write ``directory/nbgrader_config.py`` and ``directory/source/<id>/<id>.ipynb`` for every
    assignment; return the files written. Files already there with the same content are left alone
    (and still listed); ``source/<id>/`` gets nothing else."""
    directory = Path(directory).resolve()
    written = []
    outputs = [(directory / "nbgrader_config.py", config_text(course, directory))]
    for assignment in course.assignments:
        nb = source_notebook(course, assignment)
        outputs.append((directory / "source" / assignment.id / f"{assignment.id}.ipynb", nbformat.writes(nb) + "\n"))
    for path, text in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stray_files(course: Course, directory: Path) -> list[Path]:
    """Files in ``source/<id>/`` other than the notebook: nbgrader copies them into ``release/``."""
    stray = []
    for assignment in course.assignments:
        folder = Path(directory) / "source" / assignment.id
        keep = folder / f"{assignment.id}.ipynb"
        if folder.is_dir():
            stray += [p for p in sorted(folder.rglob("*")) if p.is_file() and p != keep and ".ipynb_checkpoints" not in p.parts]
    return stray


def main(course: Course, directory: Path) -> int:
    """``grader nbgrader init DIR``: write the course and print the headless pipeline.

    0 when written; 2 when ``DIR`` is neither new, empty nor a course this command wrote before
    (an nbgrader course of the instructor's own is never written into); 1 for a notebook error.
    """
    directory = Path(directory).resolve()
    try:
        prepare_output(directory, "nbgrader init", protect=(course.root,))
    except OutputError as e:
        print(f"grader nbgrader init: {e}", file=sys.stderr)
        return 2
    try:
        written = init_course(course, directory)
    except NotebookError as e:
        print(f"grader nbgrader init: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    for path in stray_files(course, directory):
        print(f"warning: {path} is not a notebook: nbgrader copies it into release/ for every student", file=sys.stderr)
    first = course.assignments[0].id
    print(
        f"\nnext, in {directory}:\n"
        f"  nbgrader db assignment add {first}\n"
        f"  nbgrader generate_assignment {first} --force\n"
        f"  (collect submissions into submitted/<student>/{first}/{first}.ipynb)\n"
        f"  nbgrader autograde {first} --force\n"
        f"  nbgrader generate_feedback {first} --force\n"
        f"  nbgrader export --to grades.csv"
    )
    return 0


# -- autograding -----------------------------------------------------------------------------------


def grade_notebook(course: Course, assignment: Assignment, nb: NotebookNode, student_id: str):
    """Grade an in-memory notebook as :func:`grader.grading.grade_path` grades the same file."""
    from grader.grading import grade_path

    with tempfile.TemporaryDirectory(prefix="grader-nbgrader-") as scratch:
        path = Path(scratch) / f"{assignment.id}.ipynb"
        nbformat.write(nb, str(path))
        return grade_path(course, assignment, path, student_id=student_id)


def part_feedback(result, part: Part, lang: str) -> str:
    """What a student reads under the test cell of ``part``: score, tests, diagnoses; no hidden input."""
    from grader.report import (
        explanations,
        is_visible,
        localized,
        points,
        status_reason,
        student_message,
        test_label,
        text,
        visible_details,
    )

    words = _WORDS.get(lang, _WORDS["en"])
    score = result.part_score(part.id)
    lines = [words["part"].format(title=localized(part.title, lang), part=part.id,
                                  score=points(score), max_score=points(part.points))]
    reason = status_reason(result, lang)
    if reason:
        lines.append(f"⚠️ {reason}")
        message = student_message(result, lang)
        if message:
            lines += [f"   {line}" for line in message.splitlines()[:20]]
    for test in (t for t in result.tests if t.part == part.id):
        mark = "✅" if test.passed else "❌"
        counts = text("report.cases_passed", lang, passed=test.cases_passed, total=test.cases_total)
        lines.append(f"{mark} {test_label(test, lang)} ({counts})")
        if test.passed:
            continue
        explained = explanations(test.codes, lang, assignment=result.assignment, facts=test.facts)
        if explained:
            lines += [f"   - {code}: {why}" for code, why in explained]
        else:
            lines.append(f"   - {text('report.no_diagnosis', lang)}")
        details = visible_details(test, lang)
        lines += [f"   · {d}" for d in details]
        if not is_visible(test):
            lines.append(f"   · {words['hidden']}")
    lines.append(words["footer"])
    return "\n".join(lines) + "\n"


def _outputs(feedback: str, score: float) -> list[NotebookNode]:
    return [
        nbformat.v4.new_output("stream", name="stdout", text=feedback),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=None),
    ]


def apply_result(nb: NotebookNode, assignment: Assignment, result, lang: str) -> dict[str, float]:
    """Overwrite every grade cell's outputs with the trusted outcome; return ``{grade_id: score}``."""
    scores: dict[str, float] = {}
    parts = {p.id: p for p in assignment.parts}
    words = _WORDS.get(lang, _WORDS["en"])
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.get("cell_type") != "code":
            continue
        grade_id = meta.get("grade_id", "")
        cell.execution_count = None
        part = parts.get(grade_id)
        if part is None:
            log.warning("grade cell %r is not a part of %s in course.yaml: scored 0", grade_id, assignment.id)
            cell.outputs = _outputs(words["unknown"].format(grade_id=grade_id) + "\n", 0.0)
            scores[grade_id] = 0.0
            continue
        cap = min(part.points, float(meta.get("points", part.points)))
        score = min(max(result.part_score(part.id), 0.0), cap)
        cell.outputs = _outputs(part_feedback(result, part, lang), score)
        scores[grade_id] = score
    return scores


class TrustedGrades(_Base):
    """nbgrader autograde preprocessor: grade in the sandbox, write each test cell's trusted outcome.

    Place it before ``SaveAutoGrades`` in ``c.Autograde.autograde_preprocessors`` (``init_course`` does).
    """

    course = Unicode("", help="course.yaml (or its folder); default: found from the working folder").tag(config=True)
    lang = Unicode("", help="feedback language, ko or en; default: course.yaml").tag(config=True)
    allow_weak_sandbox = Bool(
        False, help="grade even where no kernel-enforced sandbox runs (in-process guards only; see `grader doctor`)"
    ).tag(config=True)
    _secret_checked = False

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        from grader.course import CourseError, find_course, load_course
        from grader.results import Status
        from grader.sandbox import layers
        from grader.tf_logging import silence_tensorflow

        if self.allow_weak_sandbox:
            layers.allow_weak()
        try:
            layers.preflight("nbgrader autograde")  # measured once per process
        except layers.Refused as e:
            raise GraderFailed(str(e)) from None

        silence_tensorflow()  # nbgrader's own process loads TensorFlow for the answers: keep its log lines out
        info = resources.get("nbgrader", {})
        student_id, assignment_id = info.get("student", ""), info.get("assignment", "")
        try:
            course = load_course(self.course) if self.course else find_course()
            assignment = course.assignment(assignment_id)
        except CourseError as e:
            raise GraderFailed(f"cannot grade {assignment_id} for {student_id}: {e}") from None
        if not TrustedGrades._secret_checked:  # once per autograde run, not once per notebook
            TrustedGrades._secret_checked = True
            from grader.secret import warn_if_missing

            warn_if_missing(course, "nbgrader autograde")
        result = grade_notebook(course, assignment, nb, student_id)
        if result.status is Status.INTERNAL_ERROR:
            raise GraderFailed(f"the grader failed on {student_id}/{assignment_id}: {result.message}")
        lang = self.lang or course.language
        scores = apply_result(nb, assignment, result, lang)
        self.log.info(
            "grader: %s/%s %s/%s (%s) %s", student_id, assignment_id, f"{result.score:g}",
            f"{result.max_score:g}", result.status.value, scores,
        )
        return nb, resources
