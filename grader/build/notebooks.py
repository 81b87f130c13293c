"""Student notebooks (nbformat v4) and the instruction texts they share with the READMEs.

A notebook is, in order: a title cell; the instructions in Korean then English; how to work; a
Google Colab cell (does nothing elsewhere); a setup cell (the course folder on the path, numpy,
matplotlib, the helpers of ``grader.lesson``); the lesson's intro cells; then per segment of the stub
module a read-only cell (imports, provided helpers) or, per function, an answer cell holding the stub
(signature, docstring, ``raise NotImplementedError``) marked as an nbgrader answer cell, a "try it"
cell that checks the docstring's examples with ✅/❌, and the lesson's pictures for that function;
and last the check: ``from grader import check; check("<id>")`` on the functions of the live kernel.

Texts and pictures come from ``grader.build.lessons.<id>`` where it exists (else from the module
docstring). Code cells that only show something are tagged ``demo`` and never graded. Cell ids are
fixed names, so regeneration is byte-identical.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.build.lessons import DEMO_TAG, Cell, lesson
from grader.course import Assignment, Course
from grader.messages import sections


def instructions(assignment: Assignment, module_doc: str) -> dict[str, str]:
    """The ko and en instruction texts: the lesson's, or (a new assignment) its module docstring's."""
    given = lesson(assignment.id).instructions
    if given:
        return given
    paragraphs = [p.strip() for p in module_doc.split("\n\n") if p.strip()]
    hangul = re.compile(r"[\uac00-\ud7a3]")
    ko = "\n\n".join(p for p in paragraphs[1:] if hangul.search(p)) or assignment.title["ko"]
    en = "\n\n".join(p for p in paragraphs[1:] if not hangul.search(p)) or assignment.title["en"]
    return {
        "ko": f"## 과제 설명\n\n강의 노트: **{sections(assignment.lecture, 'ko')}**\n\n{ko}\n",
        "en": f"## What to do\n\nLecture notes: **{sections(assignment.lecture, 'en')}**\n\n{en}\n",
    }


# -- reading the stub module -----------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A top-level piece of the stub module."""

    kind: str
    """``setup`` (imports, provided helpers, constants) or ``function`` (a function to implement)."""
    name: str
    source: str
    doc: str = ""
    signature: str = ""


def _def_header(lines: list[str], node: ast.FunctionDef) -> str:
    """The ``def`` line(s) as written, without the trailing colon."""
    first_body = node.body[0]
    end = first_body.lineno - 1
    header = " ".join(line.strip() for line in lines[node.lineno - 1:end])
    return header.rstrip(":").strip()


def split_module(source: str, stubbed: tuple[str, ...]) -> tuple[str, list[Segment]]:
    """The module docstring and the module cut into setup and function segments, in order."""
    tree = ast.parse(source)
    lines = source.splitlines()
    doc = ast.get_docstring(tree) or ""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]
    segments: list[Segment] = []
    setup: list[tuple[str, bool]] = []
    for node in body:
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        text = "\n".join(lines[start - 1:node.end_lineno])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in stubbed:
            if setup:
                segments.append(Segment("setup", "setup", _join_setup(setup)))
                setup = []
            segments.append(Segment("function", node.name, text, ast.get_docstring(node) or "", _def_header(lines, node)))
        else:
            setup.append((text, isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))))
    if setup:
        segments.append(Segment("setup", "setup", _join_setup(setup)))
    return doc, segments


def _join_setup(pieces: list[tuple[str, bool]]) -> str:
    out = ""
    previous_block = False
    for text, is_block in pieces:
        if out:
            out += "\n\n\n" if (is_block or previous_block) else "\n"
        out += text
        previous_block = is_block
    return out


def examples(doc: str) -> list[tuple[str, str]]:
    """The docstring's ``>>>`` examples as (source, expected output)."""
    import doctest

    try:
        return [(e.source.rstrip("\n"), e.want.rstrip("\n")) for e in doctest.DocTestParser().get_examples(doc)]
    except ValueError:
        return []


def _text_literal(text: str) -> str:
    """A Python string literal of ``text`` that reads well in a cell (triple quotes when possible)."""
    if '"""' not in text and "\\" not in text and not text.endswith('"'):
        return f'"""{text}"""' if "\n" in text else repr(text)
    return repr(text)


def try_it_source(function: str, doc: str) -> str:
    """A cell that runs the docstring's examples of ``function`` and prints ✅/❌ against their outputs."""
    lines = [f"# 직접 해 보기 / try it: {function}"]
    for source, want in examples(doc):
        try:
            tree = ast.parse(source)
            is_expression = len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
        except SyntaxError:
            is_expression = False
        if is_expression and want:
            lines.append(f"expect(lambda: {source}, {_text_literal(want)})")
        else:
            lines.append(source)
    return "\n".join(lines) if len(lines) > 1 else ""


# -- the notebook ----------------------------------------------------------------------------------

ANSWER_META = {"grade": False, "locked": False, "schema_version": 3, "solution": True}
SETUP_META = {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3, "solution": False}

COLAB_REPOSITORY = "<강의 저장소 주소 / your course repository URL>"

HOW_TO = """\
## 사용 방법 / How to work

각 함수 셀의 `raise NotImplementedError(...)` 줄을 여러분의 코드로 바꾸세요. 함수 이름과 매개변수는 바꾸지 마세요. \
"직접 해 보기 / try it" 셀이 ✅/❌로 확인해 주고, 그림 셀이 결과를 보여 줍니다. 마지막 셀의 `check()`가 공개 테스트를 돌립니다 \
(저장하지 않아도 됩니다). 채점에는 함수 정의, import, 상수만 쓰입니다 (그림이나 print 셀은 채점에 영향을 주지 않습니다).

Replace the `raise NotImplementedError(...)` line of each function cell with your code; keep the function names \
and parameters. The "try it" cells check with ✅/❌, the picture cells show your results, and `check()` in the last cell \
runs the public tests (no need to save). Grading uses only your function definitions, imports and constants \
(plots and prints do not matter)."""

COLAB_MD = """\
### Google Colab에서 열었을 때 / On Google Colab

아래 셀을 한 번 실행하세요: 강의 저장소를 받아 채점 도구를 설치합니다 (`COURSE_REPOSITORY`에 교수자가 알려 준 주소를 넣으세요). \
Jupyter나 VS Code에서는 아무것도 하지 않습니다.

Run the cell below once: it fetches the course repository and installs the checking tool (put the address your \
instructor gave you in `COURSE_REPOSITORY`). In Jupyter or VS Code it does nothing."""


def colab_source(repository: str) -> str:
    return f"""\
# Google Colab에서만 실행됩니다 / does something on Google Colab only
import subprocess
import sys

COURSE_REPOSITORY = {repository!r}
if "google.colab" in sys.modules:
    if not COURSE_REPOSITORY.startswith("https://"):
        print("COURSE_REPOSITORY에 강의 저장소 주소를 넣으세요 / set COURSE_REPOSITORY to your course's repository")
    else:
        subprocess.run(["git", "clone", "--quiet", "--depth", "1", COURSE_REPOSITORY, "/content/course"], check=False)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", "/content/course"], check=True)
        sys.path.insert(0, "/content/course")"""


SETUP_SOURCE = """\
# 준비: 그림과 ✅/❌ 확인에 쓰는 도우미입니다 (채점과 무관) / setup: helpers for pictures and ✅/❌ checks (not graded)
import sys
from pathlib import Path

try:
    import grader
except ImportError:  # 설치하지 않았으면 이 노트북이 있는 강의 폴더에서 찾습니다 / not installed: the course folder around this notebook
    sys.path[:0] = [str(p) for p in (Path.cwd(), *Path.cwd().parents) if (p / "grader" / "__init__.py").is_file()][:1]
import matplotlib.pyplot as plt
import numpy as np
from grader.lesson import *  # noqa: F403  expect, show, house, SOBEL_X, when_implemented, draw_grid, ..."""


def check_cell_source(assignment: Assignment) -> str:
    return f'from grader import check\n\ncheck("{assignment.id}")'


def _demo(source: str, cell_id: str):
    from nbformat import v4

    cell = v4.new_code_cell(source, id=cell_id)
    cell.metadata["tags"] = [DEMO_TAG]
    return cell


def _lesson_cells(cells: list[Cell], prefix: str) -> list:
    from nbformat import v4

    out = []
    for index, cell in enumerate(cells):
        cell_id = f"{prefix}-{index}"
        out.append(v4.new_markdown_cell(cell.source, id=cell_id) if cell.kind == "markdown" else _demo(cell.source, cell_id))
    return out


def build_notebook(course: Course, assignment: Assignment, stub_source: str, stubbed: tuple[str, ...]) -> str:
    """The notebook's JSON text (deterministic)."""
    import nbformat
    from nbformat import v4

    doc, segments = split_module(stub_source, stubbed)
    texts = instructions(assignment, doc)
    extra = lesson(assignment.id).cells
    cells = []
    title = (
        f"# {assignment.id}: {assignment.title['ko']} / {assignment.title['en']}\n\n"
        f"**{course.title.get('ko', '')}** / {course.title.get('en', '')}\n\n"
        f"강의 노트: {sections(assignment.lecture, 'ko')}  \nLecture notes: {sections(assignment.lecture, 'en')}\n\n"
        f"모듈 / module: `{assignment.module}` · 배점 / points: {assignment.max_score:g}"
    )
    cells.append(v4.new_markdown_cell(title, id="title"))
    cells.append(v4.new_markdown_cell(texts["ko"].rstrip(), id="instructions-ko"))
    cells.append(v4.new_markdown_cell(texts["en"].rstrip(), id="instructions-en"))
    cells.append(v4.new_markdown_cell(HOW_TO, id="how-to"))
    cells.append(v4.new_markdown_cell(COLAB_MD, id="colab-about"))
    repository = str(((course.raw or {}).get("course") or {}).get("repository") or COLAB_REPOSITORY)
    cells.append(_demo(colab_source(repository), "colab"))
    cells.append(_demo(SETUP_SOURCE, "lesson-setup"))
    cells += _lesson_cells(extra.get("intro", []), "intro")
    for index, segment in enumerate(segments):
        if segment.kind == "setup":
            cell = v4.new_code_cell(segment.source, id=f"setup-{index}" if index else "setup")
            cell.metadata["nbgrader"] = {**SETUP_META, "grade_id": cell.id}
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
            cells.append(cell)
            continue
        graded = segment.name in assignment.functions
        heading = f"## `{segment.signature}`" + ("" if graded else " — 채점하지 않음 / not graded")
        cells.append(v4.new_markdown_cell(heading, id=f"about-{segment.name}"))
        cell = v4.new_code_cell(segment.source, id=f"answer-{segment.name}")
        cell.metadata["nbgrader"] = {**ANSWER_META, "grade_id": segment.name}
        cells.append(cell)
        demo = try_it_source(segment.name, segment.doc)
        if demo:
            cells.append(_demo(demo, f"try-{segment.name}"))
        cells += _lesson_cells(extra.get(f"after:{segment.name}", []), f"lesson-{segment.name}")
    cells += _lesson_cells(extra.get("end", []), "end")
    cells.append(
        v4.new_markdown_cell(
            "## 검사 / Check\n\n"
            "아래 셀이 공개 테스트를 이 커널에 정의된 함수로 돌립니다 (저장하지 않아도 됩니다). "
            f"터미널에서는 저장한 뒤 과정의 어느 폴더에서나 `grader check {assignment.id} {assignment.id}.ipynb`, "
            f"또는 `pytest assignments/{assignment.id}`.\n\n"
            "The cell below runs the public tests on the functions defined in this kernel (no need to save). "
            f"In a terminal, after saving, from any folder of the course: `grader check {assignment.id} {assignment.id}.ipynb`, "
            f"or `pytest assignments/{assignment.id}`.",
            id="check-about",
        )
    )
    cells.append(v4.new_code_cell(check_cell_source(assignment), id="check"))
    nb = v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"
