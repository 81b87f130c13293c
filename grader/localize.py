"""Showing the right language of texts that are written once: case names and detail lines.

- Case names (and any suite text) are written ``"한국어 / English"``, like test titles:
  :func:`bilingual` shows the Korean half in Korean reports and the English half otherwise. A
  plain English-only name (``"stride (1, 2)"``, ``"(top, bottom), (left, right)"``) is shown as it is.
- Detail lines are written in English by the judge (``grader.compare``: ``max |diff| 0.5 at index
  (0, 1)``, ``shape (2, 2), expected (3, 3)``...). :func:`detail` translates them phrase by phrase
  into Korean with the table below; a phrase the table does not know stays as it is, so a new
  detail is never lost, only left untranslated (``tests/test_localize.py`` lists every template the
  judge writes and requires each to be translated).

The numbers, shapes, dtypes, names and exception class names inside a phrase are kept verbatim.
"""

from __future__ import annotations

import re

from grader.messages import language

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_SEPARATOR = " / "


def split_bilingual(text: str) -> tuple[str, str] | None:
    """``"한국어 / English"`` -> ``("한국어", "English")``; None when ``text`` is not written that way.

    The split is at the first `` / `` with Hangul before it and none after it, so a Korean half
    may hold a slash of its own (``"SAME: ceil(n / s), 커널과 무관 / SAME: ..."``) and ``"a / b"`` or
    ``"3 / 4 channels"`` are not bilingual.
    """
    start = text.find(_SEPARATOR)
    while start != -1:
        ko, en = text[:start], text[start + len(_SEPARATOR):]
        if _HANGUL.search(ko) and en.strip() and not _HANGUL.search(en):
            return ko.strip(), en.strip()
        start = text.find(_SEPARATOR, start + 1)
    return None


def bilingual(text: str, lang: str | None) -> str:
    """The half of ``"한국어 / English"`` for ``lang``; any other text unchanged (see :func:`split_bilingual`)."""
    halves = split_bilingual(text)
    if halves is None:
        return text
    return halves[0] if language(lang) == "ko" else halves[1]


# (pattern over one "; "-separated phrase, Korean template with the pattern's groups)
_KO: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), k)
    for p, k in (
        (r"^max \|diff\| (?P<v>\S+) at index (?P<i>\(.*\))$", r"최대 |차이| \g<v>, 위치 \g<i>"),
        (r"^first difference at index (?P<i>\(.*\)): got (?P<g>\S+), expected (?P<e>\S+)$",
         r"첫 번째 차이 위치 \g<i>: 결과 \g<g>, 기대값 \g<e>"),
        (r"^max \|diff\| (?P<v>\S+)$", r"최대 |차이| \g<v>"),
        (r"^non-finite difference$", r"차이가 유한하지 않습니다 (NaN 또는 inf)"),
        (r"^non-finite value at index (?P<i>\(.*\))$", r"위치 \g<i>에 유한하지 않은 값"),
        (r"^(?P<n>\d+) of (?P<m>\d+) values differ$", r"\g<m>개 값 중 \g<n>개가 다릅니다"),
        (r"^(?P<n>\d+) NaN/inf where a finite value is expected$", r"유한한 값이 와야 할 곳에 NaN/inf \g<n>개"),
        (r"^values of dtype (?P<d>\S+) cannot be compared$", r"dtype \g<d>의 값은 비교할 수 없습니다"),
        (r"^shape (?P<g>\(.*\)), expected (?P<e>\(.*\))$", r"모양 \g<g>, 기대한 모양 \g<e>"),
        (r"^dtype (?P<g>\S+), expected (?P<e>\S+) \(the input's dtype\)$", r"dtype \g<g>, 기대한 dtype \g<e> (입력의 dtype)"),
        (r"^dtype (?P<g>\S+), expected (?P<e>float64 or float32)$", r"dtype \g<g>, 기대한 dtype float64 또는 float32"),
        (r"^dtype (?P<g>\S+), expected (?P<e>\S+)$", r"dtype \g<g>, 기대한 dtype \g<e>"),
        (r"^raised NotImplementedError$", r"NotImplementedError가 발생했습니다 (아직 구현하지 않음)"),
        (r"^raised (?P<x>\w+), expected (?P<e>\w+)$", r"\g<x>가 발생했습니다 (\g<e>를 기대함)"),
        (r"^raised (?P<x>\w+): (?P<m>.*)$", r"\g<x>가 발생했습니다: \g<m>"),
        (r"^raised (?P<x>\w+)$", r"\g<x>가 발생했습니다"),
        (r"^returned (?P<g>.+), expected a numpy\.ndarray$", r"\g<g>을(를) 반환했습니다 (numpy.ndarray를 기대함)"),
        (r"^returned (?P<g>.+), expected a tuple of (?P<n>\d+) ints$", r"\g<g>을(를) 반환했습니다 (정수 \g<n>개의 튜플을 기대함)"),
        (r"^returned a (?P<t>\w+) of (?P<k>.+), expected ints$", r"\g<k>의 \g<t>을(를) 반환했습니다 (정수를 기대함)"),
        (r"^returned (?P<g>.+), expected int$", r"\g<g>을(를) 반환했습니다 (int를 기대함)"),
        (r"^returned (?P<g>.+), expected a dict$", r"\g<g>을(를) 반환했습니다 (dict를 기대함)"),
        (r"^returned (?P<g>.+), expected (?P<e>\w+)$", r"\g<g>을(를) 반환했습니다 (\g<e>를 기대함)"),
        (r"^returned (?P<g>.+), expected (?P<e>.+)$", r"\g<g>을(를) 반환했습니다 (기대값: \g<e>)"),
        (r"^off by (?P<d>[+-]\d+)$", r"\g<d>만큼 어긋났습니다"),
        (r"^item (?P<i>\d+) off by (?P<d>[+-]\d+)$", r"항목 \g<i>이(가) \g<d>만큼 어긋났습니다"),
        (r"^modified its inputs? (?P<n>.+) in place$", r"입력 \g<n>을(를) 그 자리에서 바꿨습니다"),
        (r"^missing key (?P<k>'.*')$", r"키 \g<k>가 없습니다"),
        (r"^unexpected key (?P<k>'.*')$", r"필요 없는 키 \g<k>가 있습니다"),
        (r"^(?P<a>strides|padding|data_format) (?P<g>.+), expected (?P<e>.+)$", r"\g<a> \g<g>, 기대값 \g<e>"),
        (r"^timeout: killed after (?P<s>\S+) s of wall time(?P<w>.*)$", r"시간 초과: \g<s>초 뒤에 멈췄습니다\g<w>"),
        (r"^memory_limit: (?P<m>.*)$", r"메모리 초과: \g<m>"),
        (r"^crashed: (?P<m>.*)$", r"비정상 종료: \g<m>"),
        (r"^missing_function: (?P<m>.*)$", r"함수 없음: \g<m>"),
        (r"^forbidden_operation: (?P<m>.*)$", r"금지된 동작: \g<m>"),
        (r"^forbidden_import: (?P<m>.*)$", r"금지된 import: \g<m>"),
        (r"^refused_value: (?P<m>.*)$", r"보낼 수 없는 반환값: \g<m>"),
    )
]

#: How the judge joins the phrases of one detail line.
PHRASE_SEPARATOR = "; "


_ITEMS = re.compile(r"^item \d+ off by [+-]\d+(, item \d+ off by [+-]\d+)+$")


def _phrase(phrase: str) -> str:
    gated = _GATED.match(phrase)
    if gated:
        return _gated_ko(gated)
    if _ITEMS.match(phrase):  # "item 1 off by +2, item 3 off by -2": one phrase per item
        return ", ".join(_phrase(item) for item in phrase.split(", "))
    for pattern, template in _KO:
        match = pattern.match(phrase)
        if match:
            return match.expand(template)
    return phrase


# The validation gate (grader.scoring) names the valid cases that withheld a case's credit: a visible
# case names "test/case" (English halves, joined by ", "; a case name may hold ", " itself), which
# Korean shows as tests and counts; a hidden case names tests and counts already.
_GATED = re.compile(r"^raised ValueError as it must, but earns credit only once (?P<f>\w+) computes valid input "
                    r"correctly: (?:valid cases failed in (?P<tests>(?:\w+ \(\d+\)(?:, )?)+)|"
                    r"(?P<cases>.+?)(?: \(\+(?P<more>\d+)\))? failed)$")
_TEST_OF_CASE = re.compile(r"(?:^|, )([A-Za-z_][A-Za-z0-9_]*)/")


def _gated_ko(match: re.Match[str]) -> str:
    head = f"ValueError를 올바르게 발생시켰지만, {match['f']}가 올바른 입력을 맞게 계산해야 이 테스트 케이스의 점수를 받습니다: "
    if match["tests"]:
        counts = [(test, int(n)) for test, n in re.findall(r"(\w+) \((\d+)\)", match["tests"])]
        more = 0
    else:
        tests = _TEST_OF_CASE.findall(match["cases"]) or ["?"]
        counts = [(test, tests.count(test)) for test in dict.fromkeys(tests)]
        more = int(match["more"] or 0)
    listed = ", ".join(f"{test}의 테스트 케이스 {n}개" for test, n in counts)
    return f"{head}{listed}{f' 외 {more}개' if more else ''}가 실패했습니다"


def detail(text: str, lang: str | None) -> str:
    """A judge's detail line in ``lang`` (English as written; Korean phrase by phrase)."""
    if not text or language(lang) != "ko":
        return text
    return PHRASE_SEPARATOR.join(_phrase(p) for p in text.split(PHRASE_SEPARATOR))


def translated(phrase: str) -> bool:
    """True when the table knows ``phrase`` (for the tests)."""
    return bool(_GATED.match(phrase)) or any(pattern.match(phrase) for pattern, _ in _KO)


def case_line(name: str, text: str, lang: str | None) -> str:
    """``"case name: detail"`` in ``lang``, or the name alone when there is no detail."""
    shown = bilingual(name, lang)
    return f"{shown}: {detail(text, lang)}" if text else shown
