"""Case names and detail lines in the student's language (grader/localize.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grader.cases import Case, Raises
from grader.check import InProcessOutcome
from grader.compare import DEFAULT_TOLERANCE, judge_case
from grader.localize import PHRASE_SEPARATOR, bilingual, case_line, detail, split_bilingual, translated

ENGLISH_WORDS = re.compile(r"\b(expected|returned|raised|differ|index|off by|in place|shape|values|missing key|killed)\b")


@pytest.mark.parametrize(
    "name, ko, en",
    [
        ("강의 실습, SAME / the lecture's practice, SAME", "강의 실습, SAME", "the lecture's practice, SAME"),
        ("SAME: ceil(n / s), 커널과 무관 / SAME: ceil(n / s) whatever the kernel", "SAME: ceil(n / s), 커널과 무관",
         "SAME: ceil(n / s) whatever the kernel"),
        ("stride (1, 2)", "stride (1, 2)", "stride (1, 2)"),  # English-only names keep working
        ("(top, bottom), (left, right)", "(top, bottom), (left, right)", "(top, bottom), (left, right)"),
        ("3 / 4 channels", "3 / 4 channels", "3 / 4 channels"),
        ("한국어만 / ", "한국어만 / ", "한국어만 / "),
    ],
)
def test_bilingual_names_show_the_right_half(name, ko, en):
    assert bilingual(name, "ko") == ko and bilingual(name, "en") == en
    assert bilingual(name, "ko-KR") == ko and bilingual(name, None) == ko  # the default language is Korean
    assert (split_bilingual(name) is None) == (ko == en)


def _judged(case: Case, outcome: InProcessOutcome) -> str:
    return judge_case(case, outcome, DEFAULT_TOLERANCE).detail


def _details() -> list[str]:
    """Every kind of detail line the judge writes (grader/compare.py, grader/diagnose_shapes.py)."""
    a = np.arange(6.0).reshape(2, 3)
    array = Case("a", "cross_correlate2d", (a, np.ones((1, 1))), expected=a)
    ints = Case("i", "output_size", (5, 3, 1, "VALID"), expected=3)
    pair = Case("p", "same_padding", (4, 2, 1), expected=(0, 1))
    shape = Case("s", "conv_output_shape", ((1, 5, 5, 1), (3, 3, 1, 2), 1, "VALID"), expected=(1, 3, 3, 2))
    dtype = Case("d", "zero_pad", (np.ones((1, 1, 1, 1), np.uint8), 0), expected=np.ones((1, 1, 1, 1), np.uint8))
    reject = Case("r", "output_size", (5, 3, 0, "VALID"), expected=Raises("ValueError"))
    args = Case("k", "tf_conv2d_args", (2, "SAME"), expected={"strides": [1, 2, 2, 1], "padding": "SAME", "data_format": "NHWC"})
    wrong = a.copy()
    wrong[1, 2] = 99.0
    nan = a.copy()
    nan[0, 0] = np.nan
    mutated = InProcessOutcome(value=a, args_after=(a + 1, np.ones((1, 1))))
    return [
        _judged(array, InProcessOutcome(value=wrong)),
        _judged(array, InProcessOutcome(value=nan)),
        _judged(array, InProcessOutcome(value=np.zeros((3, 3)))),
        _judged(array, InProcessOutcome(value=a.tolist())),
        _judged(array, InProcessOutcome(value=a.astype(np.float16))),
        _judged(array, InProcessOutcome(value=np.array([["a"] * 3] * 2))),
        _judged(array, mutated),
        _judged(array, InProcessOutcome(error="IndexError", error_bases=("IndexError", "Exception"), message="index 3 is out of bounds")),
        _judged(array, InProcessOutcome(error="IndexError", error_bases=("IndexError",))),
        _judged(array, InProcessOutcome(error="NotImplementedError", error_bases=("NotImplementedError",))),
        _judged(array, InProcessOutcome(fault="timeout", detail="killed after 5 s of wall time")),
        _judged(array, InProcessOutcome(fault="crashed", detail="the call ran sys.exit(1)")),
        _judged(array, InProcessOutcome(fault="missing_function", detail="notebook.cross_correlate2d is missing")),
        _judged(array, InProcessOutcome(fault="memory_limit", detail="MemoryError")),
        _judged(ints, InProcessOutcome(value=4)),
        _judged(ints, InProcessOutcome(value=3.0)),
        _judged(ints, InProcessOutcome(value="3")),
        _judged(pair, InProcessOutcome(value=(1, 0))),
        _judged(pair, InProcessOutcome(value=[0.0, 1.0])),
        _judged(pair, InProcessOutcome(value=3)),
        _judged(shape, InProcessOutcome(value=(1, 4, 4, 1))),
        _judged(dtype, InProcessOutcome(value=np.ones((1, 1, 1, 1)))),
        _judged(reject, InProcessOutcome(value=3)),
        _judged(reject, InProcessOutcome(error="TypeError", error_bases=("TypeError",))),
        _judged(args, InProcessOutcome(value={"strides": [2, 2], "padding": "same", "data_format": "NCHW", "x": 1})),
        _judged(args, InProcessOutcome(value={"padding": "SAME"})),
        _judged(args, InProcessOutcome(value=[1, 2])),
    ]


def _gated(*names: str, visibility: str = "visible") -> str:
    """The detail the validation gate (grader.scoring) writes when the valid cases ``names`` failed."""
    from grader.cases import TestSpec
    from grader.results import CaseResult, TestResult
    from grader.scoring import gate_validation

    x = np.ones((3, 3))
    valid = TestSpec("examples", "p", {"en": "t"}, "visible", tuple(Case(n, "conv2d", (x,)) for n in names))
    reject = TestSpec("rejects", "p", {"en": "t"}, visibility, (Case("r", "conv2d", (x,), expected=Raises("ValueError")),))
    tests = [TestResult("examples", "p", {"en": "t"}, "visible", "1", [CaseResult(n, False, (), "") for n in names]),
             TestResult("rejects", "p", {"en": "t"}, visibility, "2", [CaseResult("r", True, (), "")])]
    gate_validation([valid, reject], tests)
    return tests[1].cases[0].detail


def test_every_detail_the_judge_writes_is_translated():
    details = _details() + [_gated("3x3, stride 2"), _gated("a", "b, c", "d"), _gated("a", "b", visibility="hidden")]
    assert all(details), details
    untranslated = [p for d in details for p in d.split(PHRASE_SEPARATOR)
                    if not translated(p) and not re.fullmatch(r"item \d+ off by [+-]\d+(, item \d+ off by [+-]\d+)+", p)]
    assert not untranslated, untranslated
    for line in details:
        korean = detail(line, "ko")
        assert re.search(r"[\uac00-\ud7a3]", korean), line
        # Names, numbers, code and the exception's own message stay; the sentence words do not.
        korean = re.sub(r"발생했습니다: .*$", "", korean)
        words = ENGLISH_WORDS.findall(re.sub(r"'[^']*'|\([^)]*\)|\w+\.\w+|\b[A-Z]\w*Error\b", "", korean))
        assert not words, (line, korean, words)
        assert detail(line, "en") == line


def test_numbers_and_positions_survive_translation():
    assert detail("max |diff| 2.5 at index (0, 1, 2, 0); 3 of 24 values differ", "ko") == \
        "최대 |차이| 2.5, 위치 (0, 1, 2, 0); 24개 값 중 3개가 다릅니다"
    assert detail("item 1 off by +2, item 3 off by -2", "ko") == "항목 1이(가) +2만큼 어긋났습니다, 항목 3이(가) -2만큼 어긋났습니다"
    assert detail("a phrase the table does not know", "ko") == "a phrase the table does not know"
    assert case_line("강의 실습, VALID / the lecture's practice, VALID", "shape (2, 2), expected (3, 3)", "ko") == \
        "강의 실습, VALID: 모양 (2, 2), 기대한 모양 (3, 3)"


def test_the_validation_gate_names_cases_in_english_and_hidden_ones_by_count():
    """A visible validation case names the public cases that failed (English halves, as detail lines are
    written); Korean names their tests and counts. A hidden one names tests and counts only."""
    names = ("짝수 필터, 스트라이드 1 / even kernel, stride 1", "3x3, 스트라이드 2 / 3x3, stride 2", "1x1 / 1x1 kernel")
    line = _gated(*names)
    assert line.endswith("correctly: examples/even kernel, stride 1, examples/3x3, stride 2 (+1) failed"), line
    assert detail(line, "en") == line
    assert detail(line, "ko").endswith("examples의 테스트 케이스 2개 외 1개가 실패했습니다")
    hidden = _gated(*names, visibility="hidden")
    assert hidden.endswith("correctly: valid cases failed in examples (3)") and "kernel" not in hidden
    assert detail(hidden, "ko").endswith("examples의 테스트 케이스 3개가 실패했습니다")
