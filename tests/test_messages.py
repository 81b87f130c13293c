"""The message registry: both languages complete and consistent, every SPEC §5 code explained."""

from __future__ import annotations

import re

import pytest

from grader import messages
from grader.diagnose import CODES_BY_FUNCTION
from grader.results import Status
from tests.conftest import ROOT

# SPEC §5, in its order: the stable machine names.
SPEC_CODES = (
    "not_implemented", "syntax_error", "missing_function", "not_ndarray", "wrong_shape", "wrong_dtype",
    "timeout", "memory_limit", "crashed", "forbidden_import", "forbidden_operation",
    "flipped_kernel", "unflipped_kernel", "hw_transposed", "stride_ignored", "stride_swapped",
    "same_padding_symmetric", "same_padding_wrong_side", "nonzero_padding", "padding_wrong_axes",
    "output_size_off_by_one", "no_channel_sum", "missing_bias", "layout_nchw", "integer_truncation",
    "mutates_input", "no_validation", "relu_leaky", "relu_abs", "relu_before_bias",
    "output_size_ceil", "same_padding_negative", "same_padding_stride1", "bias_inside_window", "batch_index",
    "flip_one_axis", "explicit_padding_order", "wrong_exception", "crashed_on_case",
)

# SPEC §5: "New assignments add their own codes here": a00's and a05's, documented in docs/diagnosis-codes.md.
ASSIGNMENT_CODES = tuple(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs" / "diagnosis-codes.md").read_text(encoding="utf-8"), re.M))

# Misconceptions about an idea of the lecture notes: their message must name its section.
CONCEPT_CODES = (
    "flipped_kernel", "unflipped_kernel", "hw_transposed", "stride_ignored", "stride_swapped",
    "same_padding_symmetric", "same_padding_wrong_side", "nonzero_padding", "padding_wrong_axes",
    "output_size_off_by_one", "no_channel_sum", "missing_bias", "layout_nchw", "no_validation",
    "relu_leaky", "relu_abs", "relu_before_bias", "output_size_ceil", "same_padding_negative",
    "same_padding_stride1", "bias_inside_window", "batch_index", "flip_one_axis", "explicit_padding_order",
)

HANGUL = re.compile("[\uac00-\ud7a3]")


def test_both_languages_have_exactly_the_same_keys():
    ko, en = messages.catalog("ko"), messages.catalog("en")
    assert set(ko) == set(en), sorted(set(ko) ^ set(en))


def test_format_fields_agree_between_languages():
    ko, en = messages.catalog("ko"), messages.catalog("en")
    for key in ko:
        assert messages.fields(ko[key]) == messages.fields(en[key]), key


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_every_spec_code_has_a_message_and_a_label(lang):
    import importlib

    from grader.diagnose import MODEL_MODULES

    for module in MODEL_MODULES:  # every model module registers its functions' codes (whatever ran before)
        importlib.import_module(module)
    assert len(ASSIGNMENT_CODES) >= 11 and not set(ASSIGNMENT_CODES) & set(SPEC_CODES), ASSIGNMENT_CODES
    for code in SPEC_CODES + ASSIGNMENT_CODES:
        template = messages.catalog(lang)[f"diagnosis.{code}"]
        defaults = {name: messages.text(f"fact_default.{name}", lang) for name in messages.fields(template)}
        assert messages.explain(code, lang) == messages.text(f"diagnosis.{code}", lang, **defaults)
        assert messages.label(code, lang)
    for function, codes in CODES_BY_FUNCTION.items():  # diagnose never returns a code without a message
        assert set(codes) <= set(SPEC_CODES + ASSIGNMENT_CODES), (function, set(codes) - set(SPEC_CODES + ASSIGNMENT_CODES))
    assert {"fc_params", "conv_output_shape", "receptive_field", "stack_filters"} <= set(CODES_BY_FUNCTION)


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_every_status_has_a_label_and_an_explanation(lang):
    for status in Status:
        assert messages.text(f"status.{status.value}", lang)
        template = messages.catalog(lang)[f"status_help.{status.value}"]
        assert messages.text(f"status_help.{status.value}", lang, **{f: "x" for f in messages.fields(template)})


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_concept_messages_point_at_a_lecture_section(lang):
    for code in CONCEPT_CODES:
        quoted = re.findall("「(.+?)」", messages.explain(code, lang))
        assert quoted, (lang, code)
    for key, template in messages.catalog(lang).items():
        for title in re.findall("「(.+?)」", template):
            assert title in messages.LECTURE_SECTIONS, (lang, key, title)


def test_korean_is_korean_and_english_is_not():
    for key, template in messages.catalog("ko").items():
        if key.startswith(("diagnosis.", "status_help.")):
            assert HANGUL.search(template), key
    for key, template in messages.catalog("en").items():
        # English texts may quote a Korean section title or a line of the stubs (in backticks), nothing else in Korean.
        assert not HANGUL.search(re.sub("「.+?」|`[^`]*`", "", template)), key


def test_text_formats_and_complains():
    assert messages.text("report.points", "en", score=3, max_score=5) == "3/5 points"
    assert messages.text("report.cases_passed", "ko", passed=2, total=4) == "2/4개 테스트 케이스 통과"
    with pytest.raises(KeyError, match="max_score"):
        messages.text("report.points", "en", score=3)
    with pytest.raises(KeyError, match="no message"):
        messages.text("report.no_such_word")


def test_language_names():
    assert messages.language("ko-KR") == "ko" and messages.language("en_US") == "en"
    assert messages.language(None) == "ko"
    assert messages.language("fr") == "en"
    assert messages.text("report.passed", "ko_KR") == "통과"


def test_unknown_code_gets_a_generic_line():
    assert "future_code" in messages.explain("future_code", "en")
    assert "future_code" in messages.label("future_code", "ko")
