"""The one registry of student-facing text, in Korean (the course language) and English.

Texts live in ``ko.yaml`` and ``en.yaml`` beside this file, with exactly the same keys, grouped in
sections and addressed with dotted keys:

``diagnosis.<code>``
    What the misconception of a diagnosis code (SPEC §5) is, pointing at the lecture-notes section
    by its title in 「」. Also ``diagnosis.unknown`` ({code}) for a code without a message.
``label.<code>``
    A few words naming the code, for tables, the grades CSV and the class summary.
``status.<status>`` / ``status_help.<status>``
    Each ``grader.results.Status`` value: a label and one sentence (``status_help.no_submission``
    takes {module}).
``report.<word>``
    Words and short phrases of the reports: passed, failed, points ({score}, {max_score}), part, test,
    case, cases_passed ({passed}, {total}), hidden_case, grader_failed_not_you, no_diagnosis, ...
``check.<word>``
    Sentences of ``grader check``, the student's local check.
``diagnosis_variant.<code>.<variant>`` / ``diagnosis_for.<assignment>.<code>``
    A diagnosis worded for what happened (``integer_truncation.products``) or for one assignment.
``fact_default.<field>``, ``case_class.<name>``, ``diagnosis_ref.*``
    The facts a diagnosis names (an exception, the class of a crashing case), and the line that
    refers back to a diagnosis already explained in the same report.

>>> text("report.points", "en", score=3, max_score=5)
'3/5 points'
>>> explain("flipped_kernel", "ko").startswith("「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」")
True
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from grader.course import load_yaml

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
HERE = Path(__file__).resolve().parent
_QUOTED = re.compile("「(.+?)」")

#: Section titles of the lecture notes that messages may quote in 「」 (tests check the quotes).
LECTURE_SECTIONS = (
    "완전연결 계층 (Fully-connected layer)의 문제점",
    "합성곱층 (Convolutional layer)",
    "필터 (Filter)",
    "합성곱 (Convolution) vs 교차 상관 (Cross-correlation)",
    "합성곱층 연산",
    "패딩 (padding)",
    "스트라이드(Stride)",
    "3차원 데이터의 합성곱",
    "2D Convolution Layer - 4D Tensors",
    "Activation Function",
    "실습 코드",
)

#: The same titles in English, shown in English texts before the Korean title (which the notes spell).
LECTURE_SECTIONS_EN = {
    "완전연결 계층 (Fully-connected layer)의 문제점": "The problem with fully-connected layers",
    "합성곱층 (Convolutional layer)": "Convolutional layer",
    "필터 (Filter)": "Filter",
    "합성곱 (Convolution) vs 교차 상관 (Cross-correlation)": "Convolution vs cross-correlation",
    "합성곱층 연산": "Convolution layer operation",
    "패딩 (padding)": "Padding",
    "스트라이드(Stride)": "Stride",
    "3차원 데이터의 합성곱": "Convolution of 3-D data",
    "2D Convolution Layer - 4D Tensors": "2D Convolution Layer - 4D Tensors",
    "Activation Function": "Activation Function",
    "실습 코드": "Practice code",
}


def section(title: str, lang: str | None = None) -> str:
    """A lecture section named for ``lang``: 「title」 in Korean, “English” (「title」) in English."""
    english = LECTURE_SECTIONS_EN.get(title)
    if language(lang) == "ko" or english is None or english == title:
        return f"「{title}」"
    return f"“{english}” (「{title}」)"


def sections(titles: str, lang: str | None = None) -> str:
    """course.yaml's ``lecture`` (titles joined by ", ") with every title named for ``lang``."""
    return ", ".join(section(t.strip(), lang) for t in titles.split(", ") if t.strip())


def _translate_sections(text: str) -> str:
    """Every 「Korean title」 of an English text preceded by its English name."""
    return _QUOTED.sub(lambda m: section(m.group(1), "en"), text)


def language(lang: str | None) -> str:
    """``"ko"``, ``"ko-KR"``, ``"ko_KR"`` -> ``"ko"``; None -> the default (ko); anything unknown -> ``"en"``."""
    if not lang:
        return DEFAULT_LANGUAGE
    base = str(lang).replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """Every text of one language, by dotted key (read once per process)."""
    path = HERE / f"{language(lang)}.yaml"
    return _flatten(load_yaml(path.read_text(encoding="utf-8")) or {})


def fields(template: str) -> set[str]:
    """The ``{name}`` format fields a template uses."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``.

    Raises
    ------
    KeyError
        When no language has ``key``, or a field the text needs is not given.
    """
    lang = language(lang)
    template = catalog(lang).get(key)
    if template is None:
        # A key missing in one file only is a bug the tests catch; still show something readable.
        template = next((catalog(other)[key] for other in LANGUAGES if key in catalog(other)), None)
        if template is None:
            raise KeyError(f"no message {key!r}")
    missing = fields(template) - values.keys()
    if missing:
        raise KeyError(f"message {key!r} needs {', '.join(sorted(missing))}")
    out = template.format(**values)
    return _translate_sections(out) if lang == "en" else out


def explain(code: str, lang: str = DEFAULT_LANGUAGE, *, assignment: str | None = None,
            facts: Mapping[str, str] | None = None) -> str:
    """What the misconception of diagnosis ``code`` is, in ``lang`` (a generic line for an unknown code).

    Parameters
    ----------
    code
        A diagnosis code (SPEC §5).
    assignment
        The assignment id: ``diagnosis_for.<assignment>.<code>`` words the message for its functions
        and shapes (a01 has no channels) when the catalog has it.
    facts
        What this diagnosis found (``grader.results.CaseResult.facts[code]``): ``variant`` selects
        ``diagnosis_variant.<code>.<variant>``; ``exception`` and ``case_class`` fill the message's
        fields (a case class by its ``case_class.*`` name). A missing fact reads as ``fact_default.*``.
    """
    lang = language(lang)
    words = catalog(lang)
    facts = dict(facts or {})
    keys = [f"diagnosis_variant.{code}.{facts['variant']}"] if facts.get("variant") else []
    keys += [f"diagnosis_for.{assignment}.{code}"] if assignment else []
    keys.append(f"diagnosis.{code}")
    template = next((words[k] for k in keys if k in words), None)
    if template is None:
        return text("diagnosis.unknown", lang, code=code)
    out = template.format(**{name: _fact(name, facts.get(name), lang) for name in fields(template)})
    return _translate_sections(out) if lang == "en" else out


def _fact(name: str, value: str | None, lang: str) -> str:
    """A fact as the student reads it: a case class by its localized name, a missing one by its default."""
    if not value:
        return text(f"fact_default.{name}", lang)
    if name == "case_class":
        words = catalog(lang)
        return ", ".join(words.get(f"case_class.{part.strip()}", part.strip()) for part in str(value).split(","))
    return str(value)


def refer(code: str, lang: str = DEFAULT_LANGUAGE, *, facts: Mapping[str, str] | None = None) -> str:
    """A diagnosis already explained in the same report, referred to by name (and its facts)."""
    facts = dict(facts or {})
    shown = [_fact(name, facts.get(name), lang) for name in ("exception", "case_class") if facts.get(name)]
    if shown:
        return text("diagnosis_ref.see_above_with", lang, label=label(code, lang), facts=", ".join(shown))
    return text("diagnosis_ref.see_above", lang, label=label(code, lang))


def label(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A few words naming diagnosis ``code``, for tables and the grades CSV."""
    key = f"label.{code}"
    if key in catalog(language(lang)):
        return text(key, lang)
    return text("label.unknown", lang, code=code)
