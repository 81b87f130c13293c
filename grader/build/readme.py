"""The README of an assignment folder: Korean first, then English."""

from __future__ import annotations

import re

from grader.build.notebooks import Segment, instructions, split_module
from grader.course import Assignment, Course
from grader.messages import sections


def provided_helpers(segments: list[Segment]) -> list[str]:
    """Names of the helper functions the stub provides (top-level ``def``s outside the exercise)."""
    import ast

    names = []
    for segment in segments:
        if segment.kind == "setup":
            names += [n.name for n in ast.parse(segment.source).body if isinstance(n, ast.FunctionDef)]
    return names


def _doc_sections(doc: str) -> dict[str, list[str]]:
    """numpydoc sections of a docstring: {"summary": [...], "Parameters": [...], ...}."""
    sections: dict[str, list[str]] = {"summary": []}
    current = "summary"
    lines = doc.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            current = line.strip()
            sections[current] = []
            i += 2
            continue
        sections[current].append(line)
        i += 1
    return sections


def _entries(lines: list[str]) -> list[str]:
    """``name : type`` lines of a Parameters/Returns section (the unindented ones)."""
    return [line.strip() for line in lines if line.strip() and not line.startswith((" ", "\t"))]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def function_table(segments: list[Segment], assignment: Assignment, lang: str) -> str:
    head = {
        "ko": ("함수", "입력", "출력", "채점"),
        "en": ("function", "inputs", "returns", "graded"),
    }[lang]
    yes, no = {"ko": ("예", "아니요 (다른 함수가 사용)"), "en": ("yes", "no (used by another function)")}[lang]
    rows = [f"| {' | '.join(head)} |", "|---|---|---|---|"]
    for seg in segments:
        if seg.kind != "function":
            continue
        sections = _doc_sections(seg.doc)
        params = "<br>".join(f"`{_cell(e)}`" for e in _entries(sections.get("Parameters", [])))
        returns = "<br>".join(f"`{_cell(e)}`" for e in _entries(sections.get("Returns", [])))
        graded = yes if seg.name in assignment.functions else no
        rows.append(f"| `{_cell(seg.signature.removeprefix('def '))}` | {params} | {returns} | {graded} |")
    return "\n".join(rows)


def parts_table(assignment: Assignment, lang: str) -> str:
    head = {"ko": ("파트", "내용", "점수", "함수"), "en": ("part", "what", "points", "functions")}[lang]
    rows = [f"| {' | '.join(head)} |", "|---|---|---:|---|"]
    for part in assignment.parts:
        rule = "" if not part.all_or_nothing else {"ko": " (전부 맞아야 점수)", "en": " (all or nothing)"}[lang]
        functions = ", ".join(f"`{f}`" for f in part.functions)
        rows.append(f"| `{part.id}` | {_cell(part.title[lang])}{rule} | {part.points:g} | {functions} |")
    total = {"ko": "합계", "en": "total"}[lang]
    rows.append(f"| | **{total}** | **{assignment.max_score:g}** | |")
    return "\n".join(rows)


def how_to_check(assignment: Assignment, lang: str) -> str:
    a = assignment
    if lang == "ko":
        return f"""\
### 확인 방법

```bash
grader check {a.id}                                               # assignments/{a.id}/{a.module} 검사
grader check {a.id} assignments/{a.id}/{a.id}.ipynb   # 노트북으로 작업했다면 (저장 후)
pytest assignments/{a.id}                                          # 같은 공개 테스트를 pytest로
```

`assignments/{a.id}/` 폴더 안에서는 `grader check`만 입력해도 됩니다. 검사에는 TensorFlow가 필요 없습니다:
공개 테스트의 정답은 `fixtures/public.npz`에 TensorFlow(`tf.nn.conv2d`, float64)로 미리 계산해 두었습니다.
최종 점수는 여기에 **숨겨진 테스트**(학생마다 다른 입력)를 더해 정해지므로, 공개 테스트를 통과하는 것은 시작일 뿐입니다.
다른 파일을 검사하려면 `GRADER_SUBMISSION=경로 pytest assignments/{a.id}`."""
    return f"""\
### How to check

```bash
grader check {a.id}                                               # checks assignments/{a.id}/{a.module}
grader check {a.id} assignments/{a.id}/{a.id}.ipynb   # if you work in the notebook (save it first)
pytest assignments/{a.id}                                          # the same public tests, with pytest
```

Inside `assignments/{a.id}/`, plain `grader check` is enough. No TensorFlow needed: the public tests' answers were
computed beforehand with TensorFlow (`tf.nn.conv2d`, float64) and stored in `fixtures/public.npz`.
The final score adds **hidden tests** (different inputs for every student), so passing the public tests is only the start.
To check another file: `GRADER_SUBMISSION=path pytest assignments/{a.id}`."""


def build_readme(course: Course, assignment: Assignment, stub_source: str, stubbed: tuple[str, ...]) -> str:
    doc, segments = split_module(stub_source, stubbed)
    texts = instructions(assignment, doc)
    a = assignment
    helpers = provided_helpers(segments)
    shown = ", ".join(f"`{name}`" for name in helpers)
    helpers_ko = f" 제공된 도우미 함수({shown})는 그대로 써도 됩니다." if helpers else ""
    helpers_en = f" The provided helpers ({shown}) are yours to use." if helpers else ""

    def shift(text: str) -> str:  # the instruction texts start at "##": one level down here
        return re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", text, flags=re.M).rstrip()

    return f"""\
# {a.id}: {a.title['ko']} / {a.title['en']}

<!-- `grader build`가 solutions/{a.id}/{a.module}에서 생성한 파일입니다. 고치지 마세요.
     Generated by `grader build` from solutions/{a.id}/{a.module}; do not edit. -->

{course.title.get('ko', '')} · {course.title.get('en', '')}

- 강의 노트: {sections(a.lecture, 'ko')}
- Lecture notes: {sections(a.lecture, 'en')}

- 모듈 / module: [`{a.module}`]({a.module}) · 노트북 / notebook: [`{a.id}.ipynb`]({a.id}.ipynb)
- 배점 / points: {a.max_score:g}

## 한국어

{shift(texts['ko'])}

### 구현할 함수

`{a.module}` 또는 `{a.id}.ipynb`에서 `raise NotImplementedError(...)` 줄을 여러분의 코드로 바꾸세요.
함수 이름과 매개변수는 그대로 두세요.{helpers_ko}

{function_table(segments, a, 'ko')}

{how_to_check(a, 'ko')}

### 배점

{parts_table(a, 'ko')}

각 파트는 (점수 × 통과한 테스트 케이스의 비율)을 받습니다.

## English

{shift(texts['en'])}

### Functions to implement

In `{a.module}` or `{a.id}.ipynb`, replace each `raise NotImplementedError(...)` line with your code.
Keep the function names and parameters.{helpers_en}

{function_table(segments, a, 'en')}

{how_to_check(a, 'en')}

### Parts and points

{parts_table(a, 'en')}

Each part earns its points × the fraction of its cases passed.
"""
