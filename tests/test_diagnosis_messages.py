"""What a student reads about a diagnosis: worded for the assignment, pointing only at lecture sections
that hold the idea, naming what happened (exception, class of case, how integers overflowed), and
explained once per report."""

from __future__ import annotations

import re

import pytest

from grader import messages
from grader.diagnose.codes import CODES_BY_FUNCTION, GENERIC, ORTHOGONAL, OUTCOME
from grader.results import CaseResult, GradingResult, PartScore, Status
from grader.results import TestResult as Result

CONV = "합성곱 (Convolution) vs 교차 상관 (Cross-correlation)"
OPS = "합성곱층 연산"
PAD = "패딩 (padding)"
STRIDE = "스트라이드(Stride)"
CHANNELS = "3차원 데이터의 합성곱"
TENSORS = "2D Convolution Layer - 4D Tensors"
ACT = "Activation Function"
PRACTICE = "실습 코드"
LAYER = "합성곱층 (Convolutional layer)"

#: The lecture sections a code's messages may point at: each holds the idea the code is about.
SECTIONS: dict[str, set[str]] = {
    "flipped_kernel": {CONV}, "unflipped_kernel": {CONV}, "flip_one_axis": {CONV},
    "hw_transposed": {OPS}, "output_size_off_by_one": {OPS},
    "missing_bias": {OPS}, "bias_inside_window": {OPS}, "relu_before_bias": {OPS},
    "stride_ignored": {STRIDE}, "stride_swapped": {STRIDE}, "output_size_ceil": {STRIDE},
    "same_padding_symmetric": {PAD, PRACTICE}, "same_padding_wrong_side": {PAD, PRACTICE},
    "same_padding_stride1": {PAD, PRACTICE}, "same_padding_negative": {PAD, PRACTICE},
    "explicit_padding_order": {PAD}, "nonzero_padding": {PAD}, "padding_wrong_axes": {PAD},
    "no_channel_sum": {CHANNELS}, "no_validation": {CHANNELS},
    "layout_nchw": {TENSORS, PRACTICE}, "batch_index": {TENSORS},
    "relu_leaky": {ACT}, "relu_abs": {ACT},
    "wrong_shape": {PAD, STRIDE, TENSORS, OPS},
    # a00_fc_vs_conv and a05_tf_conv2d (grader/diagnose_shapes.py)
    "params_no_bias": {OPS}, "params_no_channels": {CHANNELS}, "channels_not_filters": {CHANNELS},
    "valid_same_confused": {PAD}, "hwio_order": {TENSORS},
    "receptive_field_off_by_one": {LAYER}, "receptive_field_own_stride": {LAYER},
    "tf_strides_format": {PRACTICE}, "tf_padding_format": {PRACTICE}, "tf_data_format": {PRACTICE},
}

#: Words that belong to 4-D tensors: never in what a01 (2-D, one channel) says.
FOUR_D = re.compile(r"\bchannels?\b|채널|\bHo\b|\bWo\b|\bN\b|\bF\b|NHWC|HWIO")


def _message_keys(lang: str):
    """(code, key) of every diagnosis message: default, per assignment, per variant."""
    for key in messages.catalog(lang):
        parts = key.split(".")
        if parts[0] == "diagnosis" and parts[1] != "unknown":
            yield parts[1], key
        elif parts[0] == "diagnosis_for":
            yield parts[2], key
        elif parts[0] == "diagnosis_variant":
            yield parts[1], key


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_a_lecture_pointer_names_only_a_section_that_holds_the_idea(lang):
    for code, key in _message_keys(lang):
        quoted = set(re.findall("「(.+?)」", messages.catalog(lang)[key]))
        assert quoted <= SECTIONS.get(code, set()), (lang, key, quoted - SECTIONS.get(code, set()))
        assert quoted <= set(messages.LECTURE_SECTIONS), key


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_a01_never_speaks_of_channels_or_4d_shapes(lang):
    a01 = {c for f in ("cross_correlate2d", "convolve2d") for c in CODES_BY_FUNCTION[f]} | GENERIC | OUTCOME | ORTHOGONAL
    for code in sorted(a01):
        facts = {"exception": "TypeError", "case_class": "non_square", "variant": "products"}
        text = messages.explain(code, lang, assignment="a01_correlation", facts=facts)
        assert not FOUR_D.search(text), (lang, code, text)
    # The default words of these codes do speak of channels: the a01 wording is what avoids them.
    assert FOUR_D.search(messages.explain("wrong_shape", lang)) and FOUR_D.search(messages.explain("no_validation", lang))


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_exceptions_and_classes_of_case_are_named_never_a_default_when_known(lang):
    crash = messages.explain("crashed_on_case", lang, facts={"exception": "IndexError", "case_class": "empty_batch"})
    assert "IndexError" in crash and "N = 0" in crash
    wrong = messages.explain("wrong_exception", lang, assignment="a01_correlation", facts={"exception": "AssertionError"})
    assert "AssertionError" in wrong and "ValueError" in wrong
    unknown = messages.explain("crashed_on_case", lang)
    assert messages.text("fact_default.exception", lang) in unknown
    for name in messages.catalog(lang):
        if name.startswith("case_class."):
            assert messages.text(name, lang)


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_integer_truncation_says_what_happened(lang):
    products = messages.explain("integer_truncation", lang, facts={"variant": "products"})
    stored = messages.explain("integer_truncation", lang, facts={"variant": "stored"})
    assert products != stored
    assert ("float64" in products) and ("144" in products)  # uint8: 200 * 2 wraps to 144, even in a float64 result
    assert "zeros_like" in stored


def _result(tests: list[Result]) -> GradingResult:
    result = GradingResult("a03_multichannel", "s1", Status.GRADED, tests=tests)
    result.parts = [PartScore(p, {"en": p}, 0.0, 4.0) for p in dict.fromkeys(t.part for t in tests)]
    return result


def _test(name: str, part: str, visibility: str, *cases: CaseResult) -> Result:
    return Result(name, part, {"en": name, "ko": name}, visibility, "1", list(cases))


def _flipped(name: str) -> CaseResult:
    return CaseResult(name, False, ("flipped_kernel",), "first difference at index (0, 0, 0, 0)")


def test_reports_explain_a_diagnosis_once_then_refer_to_it():
    from grader.report.html import feedback_html
    from grader.report.markdown import feedback_markdown

    result = _result([
        _test("a", "channels", "visible", _flipped("c1")),
        _test("b", "batch_filters", "hidden", _flipped("c2")),
        _test("c", "bias", "hidden", _flipped("c3"),
              CaseResult("c4", False, ("crashed_on_case",), "raised IndexError: secret detail",
                         {"crashed_on_case": {"exception": "IndexError", "case_class": "empty_batch"}})),
        _test("d", "stride_padding", "hidden",
              CaseResult("c5", False, ("crashed_on_case",), "raised KeyError: x",
                         {"crashed_on_case": {"exception": "KeyError", "case_class": "same_padding"}})),
    ])
    for lang in messages.LANGUAGES:
        for page in (feedback_markdown(result, lang), feedback_html(result, lang, pictures=False)):
            assert page.count(CONV) == 1
            assert page.count(messages.refer("flipped_kernel", lang)) == 2
            crash = messages.explain("crashed_on_case", lang, facts={"exception": "IndexError", "case_class": "empty_batch"})
            assert crash in page or crash.replace('"', "&quot;") in page
            # The second crash is referred to with its own exception and class.
            again = messages.refer("crashed_on_case", lang, facts={"exception": "KeyError", "case_class": "same_padding"})
            assert again in page or again.replace('"', "&quot;") in page
            assert "secret detail" not in page  # a hidden case's message stays hidden


def test_results_json_names_the_exception_of_a_hidden_crash():
    from grader.report.gradescope import to_results_json

    result = _result([_test("d", "batch_filters", "hidden",
                            CaseResult("c", False, ("crashed_on_case",), "raised ZeroDivisionError: n=7",
                                       {"crashed_on_case": {"exception": "ZeroDivisionError", "case_class": "stride_gt_kernel"}}))])
    entry = to_results_json(result, "en")["tests"][0]
    assert "ZeroDivisionError" in entry["output"] and "a stride larger than the kernel" in entry["output"]
    assert "n=7" not in entry["output"] and entry["extra_data"]["diagnosis"] == ["crashed_on_case"]


def test_facts_survive_the_batch_store(tmp_path):
    """A resumed batch keeps what the messages name (the exception, the class of case)."""
    from grader.batch.store import _test_from_dict, _test_to_dict

    test = _test("d", "batch_filters", "hidden",
                 CaseResult("c", False, ("crashed_on_case",), "", {"crashed_on_case": {"exception": "IndexError"}}))
    assert _test_from_dict(_test_to_dict(test)).facts == {"crashed_on_case": {"exception": "IndexError"}}
