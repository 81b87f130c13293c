"""Student notebooks (nbformat v4) and the instruction texts they share with the READMEs.

A notebook is: a title cell; the instructions in Korean then English (drawn from the lecture
notes' sections); a read-only cell with the imports and provided helpers; per function an answer
cell holding the stub (signature, docstring, ``raise NotImplementedError``) marked as an nbgrader
answer cell, then a small "try it" cell built from the docstring's examples; and a last cell that
runs the local check. Cell ids are fixed names, so regeneration is byte-identical.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.course import Assignment, Course

# -- instruction texts (Korean first, then English), per assignment ------------------------------------

INSTRUCTIONS: dict[str, dict[str, str]] = {
    "a01_correlation": {
        "ko": """\
## 과제 설명

강의 노트 **「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」** 절을 바탕으로 합니다.

- **합성곱**은 한 함수와 다른 함수를 **반전**·이동한 값을 곱해 더하는 연산입니다. 2차원에서는 필터를 위아래, 좌우로 모두 뒤집은 뒤 입력 위를 이동하며 대응하는 원소끼리 곱해 더합니다.
- **교차 상관**은 필터를 뒤집지 않고 그대로 이동하며 곱해 더합니다.
- CNN에서는 필터 값을 학습하므로 둘 중 무엇을 써도 같고, TensorFlow(`tf.nn.conv2d`)를 비롯한 딥러닝 프레임워크의 합성곱층은 실제로 **교차 상관**을 계산합니다.

### 할 일
1. `cross_correlate2d(x, k)`: `x`는 `(H, W)`, `k`는 `(kh, kw)`. 출력은 `(H - kh + 1, W - kw + 1)` (VALID, 스트라이드 1):
   `out[i, j] = Σ_u Σ_v x[i + u, j + v] · k[u, v]` — 필터를 뒤집지 마세요.
2. `convolve2d(x, k)`: 필터를 두 축 모두 뒤집은 뒤(`k[::-1, ::-1]`) 교차 상관을 계산합니다. 출력 모양은 같습니다.

### 주의할 점
- 입력은 `uint8` 이미지나 정수 배열일 수 있습니다. 곱하고 더하기 전에 `float64`로 바꾸세요(오버플로와 정수 잘림 방지). 결과는 실수 `numpy.ndarray`입니다.
- 입력 배열을 수정하지 마세요.
- 2차원이 아닌 입력, 빈 필터, 입력보다 큰 필터는 `ValueError`로 거부하세요.
""",
        "en": """\
## What to do

Based on the lecture notes' section **"Convolution vs cross-correlation"**.

- **Convolution** multiplies one function by the other one **flipped** and shifted, and sums. In 2-D, the filter is flipped upside down and left to right, then slid over the input, multiplying matching elements and summing.
- **Cross-correlation** slides the filter as it is, without flipping it.
- Since a CNN learns its filter values, either choice works; the convolution layers of TensorFlow (`tf.nn.conv2d`) and other frameworks actually compute **cross-correlation**.

### Tasks
1. `cross_correlate2d(x, k)`: `x` is `(H, W)`, `k` is `(kh, kw)`; the output is `(H - kh + 1, W - kw + 1)` (VALID, stride 1):
   `out[i, j] = sum over u, v of x[i + u, j + v] * k[u, v]` — do not flip the filter.
2. `convolve2d(x, k)`: flip the filter on both axes (`k[::-1, ::-1]`), then cross-correlate. Same output shape.

### Watch out
- Inputs may be `uint8` images or integer arrays: convert to `float64` before multiplying and summing (no wrap-around, no truncation). Return a floating-point `numpy.ndarray`.
- Never modify the input arrays.
- Reject inputs that are not 2-D, empty kernels and kernels larger than the input with `ValueError`.
""",
    },
    "a02_padding_stride": {
        "ko": """\
## 과제 설명

강의 노트 **「패딩 (padding)」**과 **「스트라이드 (Stride)」** 절을 바탕으로 합니다.

- **패딩**: 합성곱 전에 입력 주변을 특정 값(주로 0, **zero-padding**)으로 채워 늘립니다. 출력의 공간적 크기를 조절하고 가장자리 정보가 누락되는 것을 막습니다.
- **스트라이드**: 필터가 이동하는 간격입니다. 스트라이드도 출력 크기를 조절합니다.
- 이미지는 `tf.nn.conv2d`처럼 NHWC `(N, H, W, C)` 배치입니다. 패딩은 높이(H)와 너비(W)에만 붙습니다.

### 할 일
1. `zero_pad(x, pad)`: `pad`는 `p`(모든 변에 p), `(ph, pw)`, 또는 `((위, 아래), (왼쪽, 오른쪽))`. N과 C는 패딩하지 않고, dtype은 그대로입니다.
2. `output_size(n, k, stride, padding)`: 한 축의 출력 길이.
   - `"VALID"`: `(n - k) // s + 1`
   - 정수 `p`: `(n + 2p - k) // s + 1`
   - `"SAME"` (TensorFlow): `ceil(n / s)`
3. `same_padding(n, k, stride)`: TensorFlow `"SAME"`의 `(before, after)`.
   `out = ceil(n / s)`, `total = max((out - 1) * s + k - n, 0)`, `before = total // 2`, `after = total - before`.
   패딩 총량이 홀수이면 남는 한 줄은 **아래쪽/오른쪽**으로 갑니다(양쪽에 `k // 2`씩이 아닙니다).
4. `correlate2d(x, k, stride=1, padding="VALID")`: 스트라이드와 패딩이 있는 2차원 교차 상관(필터 반전 없음). 창(window)의 시작 위치는 `(i * sh, j * sw)`입니다.

### 예시 (d2l)
8×8 입력: k3 p1 → 8×8, k3 p1 s2 → 4×4; `output_size(7, 4, 2, "SAME") == 4`; `same_padding(4, 2, 1) == (0, 1)`.

### 주의할 점
- `stride`는 정수 또는 `(sh, sw)`, 1 이상이어야 합니다. 알 수 없는 패딩 문자열, 음수 패딩, 패딩한 입력보다 큰 필터는 `ValueError`.
- 입력 배열을 수정하지 마세요. 결과는 실수 `numpy.ndarray`입니다(`zero_pad`는 입력과 같은 dtype).
""",
        "en": """\
## What to do

Based on the lecture notes' sections **"Padding"** and **"Stride"**.

- **Padding** surrounds the input with a fixed value (usually 0: **zero-padding**) before the convolution, to control the spatial size of the output and keep the information at the borders.
- The **stride** is the step by which the filter moves; it also controls the output size.
- Images are NHWC batches `(N, H, W, C)`, as in `tf.nn.conv2d`; padding applies to height (H) and width (W) only.

### Tasks
1. `zero_pad(x, pad)`: `pad` is `p` (p on every side), `(ph, pw)` or `((top, bottom), (left, right))`. N and C are never padded; the dtype stays.
2. `output_size(n, k, stride, padding)`: output length along one axis.
   - `"VALID"`: `(n - k) // s + 1`
   - int `p`: `(n + 2p - k) // s + 1`
   - `"SAME"` (TensorFlow): `ceil(n / s)`
3. `same_padding(n, k, stride)`: TensorFlow's `"SAME"` split `(before, after)`:
   `out = ceil(n / s)`, `total = max((out - 1) * s + k - n, 0)`, `before = total // 2`, `after = total - before`.
   When the total is odd the extra row/column goes to the **bottom/right** (not `k // 2` on both sides).
4. `correlate2d(x, k, stride=1, padding="VALID")`: 2-D cross-correlation (no flip) with stride and padding; window `(i, j)` starts at `(i * sh, j * sw)`.

### Examples (d2l)
8×8 input: k3 p1 → 8×8, k3 p1 s2 → 4×4; `output_size(7, 4, 2, "SAME") == 4`; `same_padding(4, 2, 1) == (0, 1)`.

### Watch out
- `stride` is an int or `(sh, sw)`, each >= 1. Unknown padding strings, negative padding and kernels larger than the padded input raise `ValueError`.
- Never modify the inputs. Return a floating-point `numpy.ndarray` (`zero_pad` keeps the input's dtype).
""",
    },
    "a03_multichannel": {
        "ko": """\
## 과제 설명

강의 노트 **「3차원 데이터의 합성곱」**, **「2D Convolution Layer - 4D Tensors」**, **「합성곱층 연산」** 절을 바탕으로 합니다.

- **입력 데이터의 채널 수와 필터의 채널 수가 같아야 합니다.** 필터 하나는 모든 입력 채널에 대해 곱한 값을 **모두 더해** 출력 채널 하나를 만듭니다.
- 따라서 **출력 데이터의 채널 수는 사용한 필터의 개수와 같습니다.**
- 입력, 필터, 출력 모두 4D 텐서입니다. `tf.nn.conv2d`처럼 이미지는 NHWC `(N, H, W, C)`, 필터는 HWIO `(kh, kw, C, F)`입니다. 필터는 가로·세로 2차원으로 이동합니다.
- 편향(bias)은 필터를 적용한 **후에** 더합니다: 필터마다 하나씩, 모양 `(F,)`.

### 할 일
`conv2d(x, w, b=None, stride=1, padding="VALID")` → `(N, Ho, Wo, F)`:

`out[n, i, j, f] = b[f] + Σ_u Σ_v Σ_c xp[n, i*sh + u, j*sw + v, c] · w[u, v, c, f]` (`xp`는 H, W를 0으로 패딩한 `x`).

`stride`와 `padding`은 과제 2와 같습니다(`"VALID"`, `"SAME"`, 정수, `((위, 아래), (왼쪽, 오른쪽))`; SAME의 남는 줄은 아래/오른쪽).

### 주의할 점
- 채널을 더하지 않거나(채널별 결과를 따로 두기), NCHW처럼 축을 잘못 읽거나, H와 W를 바꾸는 것이 흔한 실수입니다.
- `x.shape[3] != w.shape[2]`이면 `ValueError`를 내세요. TensorFlow는 채널 수가 배수이면 조용히 그룹 합성곱을 하지만, 이 과제에서는 거부해야 합니다. 편향 길이가 `F`가 아니거나, 차원이 틀리거나, 스트라이드 < 1, 음수·알 수 없는 패딩, 패딩한 입력보다 큰 필터도 `ValueError`.
- `uint8` 입력도 받습니다: `float64`로 계산하세요. 입력 배열을 수정하지 마세요. `N = 0`인 빈 배치도 올바른 모양을 돌려줘야 합니다.
""",
        "en": """\
## What to do

Based on the lecture notes' sections **"Convolution of 3-D data"**, **"2D Convolution Layer - 4D Tensors"** and **"Convolution layer operation"**.

- **The input's channel count must equal the filter's.** One filter multiplies over every input channel and **sums them all** into one output channel.
- Hence **the output has as many channels as there are filters.**
- Inputs, filters and outputs are all 4-D tensors. As in `tf.nn.conv2d`, images are NHWC `(N, H, W, C)` and filters HWIO `(kh, kw, C, F)`; a filter moves in two dimensions (height and width).
- The bias is added **after** the filter: one per filter, shape `(F,)`.

### Task
`conv2d(x, w, b=None, stride=1, padding="VALID")` → `(N, Ho, Wo, F)`:

`out[n, i, j, f] = b[f] + sum over u, v, c of xp[n, i*sh + u, j*sw + v, c] * w[u, v, c, f]` (`xp` is `x` zero-padded on H and W).

`stride` and `padding` work as in assignment 2 (`"VALID"`, `"SAME"`, an int, `((top, bottom), (left, right))`; SAME's extra row/column at the bottom/right).

### Watch out
- Common mistakes: not summing over channels (keeping one result per channel), reading the arrays channels-first (NCHW), swapping H and W.
- Raise `ValueError` when `x.shape[3] != w.shape[2]`: TensorFlow silently runs a grouped convolution when the channel count is a multiple, but this exercise must reject it. Also for a bias not of length `F`, wrong ranks, stride < 1, negative or unknown padding, and kernels larger than the padded input.
- `uint8` inputs are allowed: compute in `float64`. Never modify the inputs. An empty batch (`N = 0`) still has the right output shape.
""",
    },
    "a04_relu_layer": {
        "ko": """\
## 과제 설명

강의 노트 **「Activation Function」** 절(ReLU)과 **「합성곱층 연산」** 절을 바탕으로 합니다.

- **ReLU**는 가장 많이 쓰는 활성화 함수입니다: 음수는 0으로 바꾸고 양수는 그대로 통과시킵니다.
- 합성곱층에서는 필터를 적용한 뒤 **편향(bias)을 더하고**, 그 **다음에** 활성화 함수를 적용합니다:
  `relu(conv2d(x, w) + b)` — `tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(...), b))`와 같습니다.

### 할 일
1. `conv2d(x, w, stride=1, padding="VALID")`: 과제 3에서 만든 `conv2d`를 (편향 없이) 복사해 오세요. 이 함수 자체는 채점하지 않지만 `conv2d_relu`가 사용합니다.
2. `relu(x)`: 모양과 dtype이 같은 **새 배열**을 돌려줍니다(`x`는 그대로). 정수 배열도 정수 그대로입니다.
3. `conv2d_relu(x, w, b, stride=1, padding="VALID")`: `relu(conv2d(x, w, stride, padding) + b)`, 출력 `(N, Ho, Wo, F)`, 모든 값 ≥ 0.

### 주의할 점
- 순서가 중요합니다: 편향을 ReLU **전에** 더하세요. `relu(conv) + b`는 음수가 나올 수 있습니다.
- 음수를 0으로 만드세요: 절댓값(`abs`)이나 leaky ReLU(`0.01 * x`)가 아닙니다.
- `b`의 모양이 `(F,)`가 아니면 `ValueError`. 입력 배열을 수정하지 마세요(`x[x < 0] = 0`은 입력을 바꿉니다).
""",
        "en": """\
## What to do

Based on the lecture notes' sections **"Activation Function"** (ReLU) and **"Convolution layer operation"**.

- **ReLU** is the most used activation function: negative values become 0, positive values pass through unchanged.
- In a convolution layer, the **bias is added** after the filter and the activation comes **last**:
  `relu(conv2d(x, w) + b)` — the same as `tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(...), b))`.

### Tasks
1. `conv2d(x, w, stride=1, padding="VALID")`: copy your `conv2d` from assignment 3 (without the bias). It is not graded itself, but `conv2d_relu` uses it.
2. `relu(x)`: return a **new array** with the same shape and dtype (`x` stays as it was); integer arrays stay integer.
3. `conv2d_relu(x, w, b, stride=1, padding="VALID")`: `relu(conv2d(x, w, stride, padding) + b)`, shape `(N, Ho, Wo, F)`, every value >= 0.

### Watch out
- Order matters: add the bias **before** the ReLU; `relu(conv) + b` can be negative.
- Negatives become 0: not the absolute value (`abs`), not a leaky ReLU (`0.01 * x`).
- Raise `ValueError` when `b` is not of shape `(F,)`. Never modify the inputs (`x[x < 0] = 0` does).
""",
    },
}


def instructions(assignment: Assignment, module_doc: str) -> dict[str, str]:
    """The ko and en instruction texts; a new assignment falls back on its module docstring."""
    if assignment.id in INSTRUCTIONS:
        return INSTRUCTIONS[assignment.id]
    paragraphs = [p.strip() for p in module_doc.split("\n\n") if p.strip()]
    hangul = re.compile(r"[\uac00-\ud7a3]")
    ko = "\n\n".join(p for p in paragraphs[1:] if hangul.search(p)) or assignment.title["ko"]
    en = "\n\n".join(p for p in paragraphs[1:] if not hangul.search(p)) or assignment.title["en"]
    return {
        "ko": f"## 과제 설명\n\n강의 노트: **{assignment.lecture}**\n\n{ko}\n",
        "en": f"## What to do\n\nLecture notes: **{assignment.lecture}**\n\n{en}\n",
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


def try_it_source(function: str, doc: str) -> str:
    """A small cell that calls ``function`` on the docstring's examples and shows the expected result."""
    lines = [f"# 직접 해 보기 / try it: {function}"]
    for source, want in examples(doc):
        try:
            tree = ast.parse(source)
            is_expression = len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
        except SyntaxError:
            is_expression = False
        lines.append(f"print(repr({source}))" if is_expression else source)
        if want:
            lines.append("# 기대값 / expected:")
            lines.extend(f"#   {w}" for w in want.splitlines())
    return "\n".join(lines) if len(lines) > 1 else ""


# -- the notebook ----------------------------------------------------------------------------------

ANSWER_META = {"grade": False, "locked": False, "schema_version": 3, "solution": True}
SETUP_META = {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3, "solution": False}


def check_cell_source(assignment: Assignment) -> str:
    return (
        "# 노트북을 저장한 뒤(Ctrl+S) 실행하세요: 공개 테스트로 검사합니다 (TensorFlow 불필요).\n"
        "# Save the notebook first (Ctrl+S), then run: the public tests check it (no TensorFlow needed).\n"
        "import os, subprocess, sys\n"
        "subprocess.run(\n"
        f'    [sys.executable, "-m", "grader", "check", "{assignment.id}", "{assignment.id}.ipynb"],\n'
        "    # ../.. is the course folder, in case the grader is not installed (pip install -e .)\n"
        '    env={**os.environ, "PYTHONPATH": os.pathsep.join([os.path.abspath("../.."), os.environ.get("PYTHONPATH", "")])},\n'
        ")"
    )


def build_notebook(course: Course, assignment: Assignment, stub_source: str, stubbed: tuple[str, ...]) -> str:
    """The notebook's JSON text (deterministic)."""
    import nbformat
    from nbformat import v4

    doc, segments = split_module(stub_source, stubbed)
    texts = instructions(assignment, doc)
    cells = []
    title = (
        f"# {assignment.id}: {assignment.title['ko']} / {assignment.title['en']}\n\n"
        f"**{course.title.get('ko', '')}** / {course.title.get('en', '')}\n\n"
        f"강의 노트 / Lecture notes: {assignment.lecture}\n\n"
        f"모듈 / module: `{assignment.module}` · 배점 / points: {assignment.max_score:g}"
    )
    cells.append(v4.new_markdown_cell(title, id="title"))
    cells.append(v4.new_markdown_cell(texts["ko"].rstrip(), id="instructions-ko"))
    cells.append(v4.new_markdown_cell(texts["en"].rstrip(), id="instructions-en"))
    cells.append(
        v4.new_markdown_cell(
            "## 사용 방법 / How to work\n\n"
            "각 함수 셀의 `raise NotImplementedError(...)` 줄을 여러분의 코드로 바꾸세요. 함수 이름과 매개변수는 바꾸지 마세요. "
            "「try it」 셀로 확인하고, 마지막 셀로 공개 테스트를 돌리세요. 채점에는 함수 정의, import, 상수만 쓰입니다 "
            "(그림이나 print 같은 셀은 채점에 영향을 주지 않습니다).\n\n"
            "Replace the `raise NotImplementedError(...)` line of each function cell with your code; keep the function names "
            "and parameters. Try it with the \"try it\" cells, then run the public tests with the last cell. Grading uses only "
            "your function definitions, imports and constants (plots and prints do not matter).",
            id="how-to",
        )
    )
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
            cells.append(v4.new_code_cell(demo, id=f"try-{segment.name}"))
    cells.append(
        v4.new_markdown_cell(
            "## 검사 / Check\n\n"
            f"터미널에서 / in a terminal: `grader check {assignment.id} {assignment.id}.ipynb` · "
            f"`pytest assignments/{assignment.id}`",
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
