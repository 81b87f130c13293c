"""One term per idea, as the lecture spells it, in everything a student reads; lecture pointers that hold.

Student-facing text: the message catalogs, the generated stubs, notebooks and READMEs, the student
bundle's README, the suites' test titles and case names, course.yaml's titles, the notebooks'
helpers (``grader.lesson``). The glossary below lists banned variants of the lecture's terms
(특성맵, 수용영역, 윈도우, 테스트 케이스) and 한다체 endings (the kit speaks 합니다체).

Lecture pointers (「...」 and course.yaml's ``lecture``) must name a section title exactly as the
notes spell it (docs/lecture-notes.ko.md is the course's copy of them), and the section must hold
the idea the pointer is used for (the tables below name, per pointer, a phrase of the section and a
word of the pointing text). English texts name a section in English, then in Korean.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader import messages
from grader.course import load_course
from grader.suite import load_suite
from tests.conftest import ROOT

COURSE = load_course(ROOT)
NOTES = (ROOT / "docs" / "lecture-notes.ko.md").read_text(encoding="utf-8")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def sections() -> dict[str, str]:
    """Level-3 titles of the notes -> their text (up to the next level-3 title)."""
    parts = re.split(r"^### (.+)$", NOTES, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


SECTIONS = sections()

# -- the glossary -------------------------------------------------------------------------------------------

# term the lecture uses -> banned variants (regular expressions over Korean text)
GLOSSARY: dict[str, list[str]] = {
    "특성맵": [r"특징\s?맵", r"특성 맵", r"피[처쳐]\s?맵"],
    "수용영역": [r"수용 영역", r"수용장", r"리셉티브"],
    "윈도우": [r"(?<![가-힣])창(?=[은는이가을를의에도]|으로|\(|\s|$)"],
    "테스트 케이스": [r"사례", r"경우", r"테스트케이스", r"(?<!테스트 )케이스"],
}
# 한다체: a sentence or title ending in 다 that is not 니다 (입니다, 합니다...), e.g. "더한다", "같다".
HANDA = re.compile(r"(?<=[가-힣])(?<!니)다(?=\s*(?:[.!?)]|$|\s/\s))", re.M)


def _texts() -> list[tuple[str, str]]:
    """(where, text) of everything a student reads."""
    from grader.build.lessons import lesson
    from grader.integrations.release import student_readme

    out: list[tuple[str, str]] = []
    for lang in messages.LANGUAGES:
        out += [(f"messages/{lang}:{key}", text) for key, text in messages.catalog(lang).items()]
    for a in COURSE.assignments:
        folder = COURSE.assignments_dir / a.id
        out.append((f"{a.id}/{a.module}", (folder / a.module).read_text(encoding="utf-8")))
        out.append((f"{a.id}/README.md", (folder / "README.md").read_text(encoding="utf-8")))
        import nbformat

        nb = nbformat.read(folder / f"{a.id}.ipynb", as_version=4)
        out += [(f"{a.id}.ipynb:{cell.id}", cell.source) for cell in nb.cells]
        out += [(f"course.yaml:{a.id}", a.title["ko"])] + [(f"course.yaml:{a.id}.{p.id}", p.title["ko"]) for p in a.parts]
        for spec in load_suite(a.id).build(secret=b"glossary", student_id="s"):
            out.append((f"suite {a.id}.{spec.name} title", spec.title["ko"]))
            out += [(f"suite {a.id}.{spec.name} case", c.name) for c in spec.cases]
        instructions = lesson(a.id).instructions
        if instructions:
            out += [(f"lesson {a.id} {lang}", text) for lang, text in instructions.items()]
    out.append(("student README", student_readme(COURSE)))
    out.append(("grader/lesson.py", (ROOT / "grader" / "lesson.py").read_text(encoding="utf-8")))
    return out


TEXTS = _texts()


def _korean_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if HANGUL.search(line)]


def test_the_glossary_finds_what_it_bans():
    """The rules must be able to fail: each banned variant is caught in a sentence that uses it."""
    samples = {
        "특성맵": "필터의 특징 맵을 그립니다.", "수용영역": "뉴런의 수용 영역입니다.",
        "윈도우": "창(window)이 이동합니다.", "테스트 케이스": "3개 사례 통과",
    }
    for term, sample in samples.items():
        assert any(re.search(p, sample) for p in GLOSSARY[term]), term
    assert not any(re.search(p, "필터 f의 특성맵과 윈도우, 수용영역, 테스트 케이스") for ps in GLOSSARY.values() for p in ps)
    assert HANDA.search("필터 하나가 모든 입력 채널을 더한다") and HANDA.search("값이 같다.")
    assert not HANDA.search("모든 입력 채널을 더합니다.") and not HANDA.search("출력 크기 공식 / the output size formula")


@pytest.mark.parametrize("term", sorted(GLOSSARY))
def test_one_term_per_idea(term):
    found = [
        f"{where}: {line.strip()[:120]}"
        for where, text in TEXTS for line in _korean_lines(text)
        for pattern in GLOSSARY[term] if re.search(pattern, line)
    ]
    assert not found, f"use {term!r}:\n" + "\n".join(found)


def test_korean_speaks_hamnida_style():
    """Messages, titles, case names, notebooks and READMEs end their Korean sentences in 합니다체."""
    found = []
    for where, text in TEXTS:
        for line in _korean_lines(text):
            korean = line.split(" / ")[0]  # "한국어 / English": the Korean half
            korean = re.sub(r"「.+?」|`[^`]*`|\"[^\"]*\"", "", korean)  # quotes of the notes or of code
            if HANDA.search(korean):
                found.append(f"{where}: {line.strip()[:120]}")
    assert not found, "\n".join(found)


def test_section_titles_are_spelled_as_in_the_notes():
    """Every 「...」 anywhere names a section exactly (「스트라이드(Stride)」, never 「스트라이드 (Stride)」)."""
    bad = [f"{where}: 「{title}」" for where, text in TEXTS for title in re.findall("「(.+?)」", text) if title not in SECTIONS]
    assert not bad, "\n".join(bad)
    assert set(messages.LECTURE_SECTIONS) == set(SECTIONS)
    for a in COURSE.assignments:
        for title in a.lecture.split(", "):
            assert title in SECTIONS, (a.id, title)


# -- pointers hold their idea ------------------------------------------------------------------------------------

# message key -> per section it quotes: (a phrase of that section, a word of the Korean message)
MESSAGE_IDEAS: dict[str, dict[str, tuple[str, str]]] = {
    "diagnosis.wrong_shape": {
        "패딩 (padding)": ("크기를 조절", "출력 크기"), "스트라이드(Stride)": ("출력 데이터의 크기", "출력 크기"),
        "2D Convolution Layer - 4D Tensors": ("4D Tensor", "(N, Ho, Wo, F)"),
    },
    "diagnosis.flipped_kernel": {"합성곱 (Convolution) vs 교차 상관 (Cross-correlation)": ("교차 상관을 사용", "교차 상관")},
    "diagnosis.unflipped_kernel": {"합성곱 (Convolution) vs 교차 상관 (Cross-correlation)": ("필터를 뒤집은 다음", "뒤집")},
    "diagnosis.hw_transposed": {"합성곱층 연산": ("(높이, 너비)", "(높이, 너비)")},
    "diagnosis.stride_ignored": {"스트라이드(Stride)": ("필터가 이동하는 간격", "이동하는 간격")},
    "diagnosis.stride_swapped": {"스트라이드(Stride)": ("필터가 이동하는 간격", "간격")},
    "diagnosis.same_padding_symmetric": {"패딩 (padding)": ("주변을 특정값으로 채워", "패딩")},
    "diagnosis.same_padding_wrong_side": {"패딩 (padding)": ("주변을 특정값으로 채워", "패딩")},
    "diagnosis.nonzero_padding": {"패딩 (padding)": ("zero-padding", "zero-padding")},
    "diagnosis.padding_wrong_axes": {"패딩 (padding)": ("입력 데이터 주변", "패딩")},
    "diagnosis.output_size_off_by_one": {"합성곱층 연산": ("윈도우", "윈도우")},
    "diagnosis.no_channel_sum": {"3차원 데이터의 합성곱": ("필터의 개수", "필터 개수")},
    "diagnosis.missing_bias": {"합성곱층 연산": ("편향(bias)은 필터를 적용한 후에 더함", "편향")},
    "diagnosis.layout_nchw": {"2D Convolution Layer - 4D Tensors": ("4D Tensor", "(N, H, W, C)")},
    "diagnosis.no_validation": {"3차원 데이터의 합성곱": ("채널 수가 같아야", "채널 수")},
    "diagnosis.relu_leaky": {"Activation Function": ("음수는 0으로", "0으로")},
    "diagnosis.relu_abs": {"Activation Function": ("음수는 0으로", "0으로")},
    "diagnosis.relu_before_bias": {"합성곱층 연산": ("편향(bias)은 필터를 적용한 후에 더함", "편향")},
    "diagnosis.wrong_dtype": {},
    "diagnosis.output_size_ceil": {"스트라이드(Stride)": ("출력 데이터의 크기", "윈도우")},
    "diagnosis.same_padding_stride1": {"패딩 (padding)": ("출력 데이터의 공간적 크기", "출력 길이")},
    "diagnosis.explicit_padding_order": {"패딩 (padding)": ("주변을 특정값으로 채워", "패딩")},
    "diagnosis_for.a01_correlation.wrong_shape": {"합성곱층 연산": ("윈도우", "윈도우")},
    "diagnosis_for.a01_correlation.output_size_off_by_one": {"합성곱층 연산": ("윈도우", "윈도우")},
    "diagnosis_for.a02_padding_stride.wrong_shape": {
        "패딩 (padding)": ("크기를 조절", "출력 크기"), "스트라이드(Stride)": ("출력 데이터의 크기", "출력 크기"),
    },
    "diagnosis.same_padding_negative": {"패딩 (padding)": ("주변을 특정값으로 채워", "패딩")},
    "diagnosis.bias_inside_window": {"합성곱층 연산": ("편향(bias)은 필터를 적용한 후에 더함", "필터를 적용한 뒤")},
    "diagnosis.batch_index": {"2D Convolution Layer - 4D Tensors": ("4D Tensor", "4D 텐서")},
    "diagnosis.flip_one_axis": {"합성곱 (Convolution) vs 교차 상관 (Cross-correlation)": ("필터를 뒤집은 다음", "뒤집")},
    "diagnosis.params_no_bias": {"합성곱층 연산": ("편향(bias)", "편향")},
    "diagnosis.params_no_channels": {"3차원 데이터의 합성곱": ("필터의 채널 수", "채널 수")},
    "diagnosis.channels_not_filters": {"3차원 데이터의 합성곱": ("필터의 개수", "필터의 개수")},
    "diagnosis.valid_same_confused": {"패딩 (padding)": ("출력 데이터의 공간적 크기", "공간적 크기")},
    "diagnosis.receptive_field_off_by_one": {"합성곱층 (Convolutional layer)": ("수용영역", "수용영역")},
    "diagnosis.receptive_field_own_stride": {"합성곱층 (Convolutional layer)": ("수용영역", "수용영역")},
    "diagnosis.hwio_order": {"2D Convolution Layer - 4D Tensors": ("4D Tensor", "(kh, kw, C, F)")},
    "diagnosis.tf_strides_format": {"실습 코드": ("parameter", "parameter")},
    "diagnosis.tf_padding_format": {"실습 코드": ("padding", "padding")},
    "diagnosis.tf_data_format": {"실습 코드": ("parameter", "parameter")},
}

# assignment -> per section of its course.yaml ``lecture``: (a phrase of that section, a word of its instructions)
ASSIGNMENT_IDEAS: dict[str, dict[str, tuple[str, str]]] = {
    "a00_fc_vs_conv": {
        "완전연결 계층 (Fully-connected layer)의 문제점": ("데이터의 형상이 무시됨", "형상이 무시"),
        "합성곱층 (Convolutional layer)": ("수용영역", "수용영역"),
        "필터 (Filter)": ("특성맵", "특성맵"),
    },
    "a01_correlation": {
        "합성곱 (Convolution) vs 교차 상관 (Cross-correlation)": ("교차 상관", "교차 상관"),
        "필터 (Filter)": ("특성맵", "윈도우"),
    },
    "a02_padding_stride": {"패딩 (padding)": ("zero-padding", "zero-padding"), "스트라이드(Stride)": ("필터가 이동하는 간격", "이동하는 간격")},
    "a03_multichannel": {
        "3차원 데이터의 합성곱": ("필터의 개수", "필터의 개수"),
        "2D Convolution Layer - 4D Tensors": ("4D Tensor", "4D 텐서"),
        "합성곱층 연산": ("편향(bias)은 필터를 적용한 후에 더함", "편향"),
    },
    "a04_relu_layer": {"Activation Function": ("ReLU", "ReLU"), "합성곱층 연산": ("편향(bias)은 필터를 적용한 후에 더함", "편향")},
    "a05_tf_conv2d": {"실습 코드": ("parameter", "parameter")},
}


def test_every_message_pointer_names_a_section_that_holds_its_idea():
    for key, text in messages.catalog("ko").items():
        quoted = re.findall("「(.+?)」", text)
        if not quoted:
            continue
        assert key in MESSAGE_IDEAS, f"{key}: add the idea it points at to MESSAGE_IDEAS"
        assert set(quoted) == set(MESSAGE_IDEAS[key]), (key, quoted)
        bare = re.sub("「.+?」", "", text)
        for title, (phrase, word) in MESSAGE_IDEAS[key].items():
            assert phrase in SECTIONS[title], f"{key}: 「{title}」 does not say {phrase!r}"
            assert word in bare, f"{key}: the message does not speak of {word!r}"
        # The English message points at the same sections.
        assert set(re.findall("「(.+?)」", messages.catalog("en")[key])) == set(quoted), key


def test_every_assignment_points_at_sections_that_hold_its_ideas():
    from grader.build.lessons import lesson

    for a in COURSE.assignments:
        titles = a.lecture.split(", ")
        assert set(titles) == set(ASSIGNMENT_IDEAS[a.id]), a.id
        instructions = lesson(a.id).instructions["ko"]
        for title, (phrase, word) in ASSIGNMENT_IDEAS[a.id].items():
            assert phrase in SECTIONS[title], f"{a.id}: 「{title}」 does not say {phrase!r}"
            assert word in instructions, f"{a.id}: the instructions do not speak of {word!r}"
        # What the assignment's files point at is among its sections.
        folder = COURSE.assignments_dir / a.id
        for name in (a.module, "README.md", f"{a.id}.ipynb"):
            pointed = set(re.findall("「(.+?)」", (folder / name).read_text(encoding="utf-8")))
            assert pointed <= set(titles), (a.id, name, pointed - set(titles))


def test_english_names_the_sections_in_english():
    """--lang en: a section is named in English first, then by its Korean title (to find it in the notes)."""
    for key in messages.catalog("en"):
        shown = messages.text(key, "en", **{f: "x" for f in messages.fields(messages.catalog("en")[key])})
        for title in re.findall("「(.+?)」", shown):
            english = messages.LECTURE_SECTIONS_EN[title]
            if english != title:
                assert f"“{english}” (「{title}」)" in shown, (key, shown)
    from grader.build.lessons import lesson

    for a in COURSE.assignments:
        english = lesson(a.id).instructions["en"]
        for title in re.findall("「(.+?)」", english):
            name = messages.LECTURE_SECTIONS_EN[title]
            assert name == title or f"“{name}” (「{title}」)" in english, (a.id, title)
        readme = (COURSE.assignments_dir / a.id / "README.md").read_text(encoding="utf-8")
        assert f"Lecture notes: {messages.sections(a.lecture, 'en')}" in readme


def test_suite_titles_and_case_names_show_the_right_half():
    """Case names written "한국어 / English" show Korean in ko and English in en; English-only names stay."""
    from grader.localize import bilingual

    for a in COURSE.assignments:
        for spec in load_suite(a.id).build(secret=b"glossary", student_id="s"):
            assert spec.title["ko"] and spec.title["en"] and not HANGUL.search(spec.title["en"]), (a.id, spec.name)
            for case in spec.cases:
                ko, en = bilingual(case.name, "ko"), bilingual(case.name, "en")
                assert not HANGUL.search(en), (a.id, spec.name, case.name)
                if HANGUL.search(case.name):
                    assert HANGUL.search(ko) and ko != case.name, (a.id, case.name)


def test_stub_docstrings_are_korean_first():
    """Each docstring of a generated stub opens in Korean; its English follows."""
    for a in COURSE.assignments:
        tree = ast.parse((COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8"))
        nodes = [tree, *(n for n in tree.body if isinstance(n, ast.FunctionDef))]
        for node in nodes:
            doc = ast.get_docstring(node) or ""
            first = doc.splitlines()[0] if doc else ""
            assert HANGUL.search(first), (a.id, getattr(node, "name", "module"), first)
            assert re.search(r"[A-Za-z]{4,}", doc.split("Parameters")[0]), (a.id, getattr(node, "name", "module"))


def test_the_notes_copy_is_the_lecture():
    """docs/lecture-notes.ko.md keeps the lecture's titles (the seed of the course)."""
    assert list(SECTIONS)[:3] == ["완전연결 계층 (Fully-connected layer)의 문제점", "합성곱층 (Convolutional layer)", "필터 (Filter)"]
    assert "수용영역" in SECTIONS["합성곱층 (Convolutional layer)"] and "특성맵" in SECTIONS["필터 (Filter)"]
    assert Path(ROOT / "docs" / "lecture-notes.ko.md").is_file()


# -- statements that must stay true --------------------------------------------------------------------------


def test_not_implemented_quotes_the_line_the_stubs_hold():
    from grader.build.markers import TODO, stub_line

    for lang in messages.LANGUAGES:
        quoted = re.search(r"`(raise NotImplementedError\(.*?\))`", messages.explain("not_implemented", lang)).group(1)
        pattern = re.escape(quoted).replace(re.escape("<함수>" if lang == "ko" else "<function>"), r"\w+")
        for a in COURSE.assignments:
            stub = (COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8")
            assert re.search(pattern, stub), (lang, a.id, quoted)
        assert TODO in quoted and stub_line("f").startswith(quoted.split("(")[0])


def test_readmes_offer_only_the_helpers_the_stub_has():
    for a in COURSE.assignments:
        stub = (COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8")
        helpers = [n.name for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef) and n.name not in a.functions
                   and "raise NotImplementedError" not in ast.get_source_segment(stub, n)]
        readme = (COURSE.assignments_dir / a.id / "README.md").read_text(encoding="utf-8")
        assert ("도우미 함수" in readme) == bool(helpers), a.id
        for name in helpers:
            assert f"`{name}`" in readme, (a.id, name)


def test_lowercase_same_and_the_ph_pw_form_are_documented_where_they_apply():
    from grader.build.lessons import lesson

    for a in ("a02_padding_stride", "a03_multichannel", "a04_relu_layer", "a00_fc_vs_conv"):
        ko, en = lesson(a).instructions["ko"], lesson(a).instructions["en"]
        assert '"same"' in ko and '"same"' in en, a
        assert "(ph, pw)" in ko and "(ph, pw)" in en, a
    for name in ("correlate2d", "conv2d"):
        for a in ("a02_padding_stride", "a03_multichannel"):
            stub = (COURSE.assignments_dir / a / COURSE.assignment(a).module).read_text(encoding="utf-8")
            if f"def {name}(" in stub:
                doc = ast.get_docstring(next(n for n in ast.parse(stub).body if getattr(n, "name", "") == name))
                assert "(ph, pw)" in doc and '"same"' in doc, (a, name)
