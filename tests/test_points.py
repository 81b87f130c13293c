"""Points that mean what they say (grader/scoring.py, the suites): through the real grading path."""

from __future__ import annotations

from functools import lru_cache

import pytest
import yaml

from grader.course import load_course
from grader.grading import grade_path, prepare
from grader.suite import load_suite
from tests.conftest import ROOT

COURSE = load_course(ROOT)
A03 = COURSE.assignment("a03_multichannel")
MANIFEST = yaml.safe_load((ROOT / "tests/corpus/mutants/MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
STUDENT = "points"


@lru_cache(maxsize=None)
def specs():
    return tuple(prepare(COURSE, A03, STUDENT))


def grade(tmp_path, source: str, name: str = "sub"):
    folder = tmp_path / name
    folder.mkdir()
    (folder / A03.module).write_text(source, encoding="utf-8")
    return grade_path(COURSE, A03, folder, student_id=STUDENT, specs=specs())


def solution_with(old: str, new: str) -> str:
    source = (ROOT / "solutions" / A03.id / A03.module).read_text(encoding="utf-8")
    assert old in source
    return source.replace(old, new, 1)


def test_a_function_that_rejects_everything_gets_nothing(tmp_path):
    result = grade(tmp_path, "def conv2d(x, w, b=None, stride=1, padding='VALID'):\n    raise ValueError('no')\n")
    assert result.score == 0, [(p.id, p.score) for p in result.parts]
    case = next(c for t in result.tests if t.part == "validation" for c in t.cases)
    assert not case.passed and "earns credit only once conv2d computes valid input" in case.detail


def test_raising_on_b_none_loses_bias_free_parts_and_validation(tmp_path):
    """Bias-free parts call conv2d(x, w) with the documented default b=None."""
    result = grade(tmp_path, solution_with("    if b is not None:\n        b = np.asarray(b)",
                                           "    if b is None:\n        raise ValueError('b is required')\n    if b is not None:\n        b = np.asarray(b)"))
    parts = {p.id: p.score for p in result.parts}
    assert parts["channels"] == parts["batch_filters"] == parts["stride_padding"] == 0
    assert parts["validation"] < 1, parts  # its rejections count only where it computes the valid twin
    assert parts["bias"] == 2


def test_validation_credit_needs_only_the_valid_cases_it_varies(tmp_path):
    """A SAME-only mistake keeps the credit of rejections whose twins are not SAME cases."""
    result = grade(tmp_path, solution_with("return total // 2, total - total // 2", "return total - total // 2, total // 2"))
    validation = next(t for t in result.tests if t.name == "rejects_bad_arguments")
    by_name = {c.name: c.passed for c in validation.cases}
    assert by_name["스트라이드 (0, 1) / stride (0, 1)"] and not by_name["소문자 'same' / lowercase 'same'"]


def test_a_missing_channel_sum_costs_more_than_a_flipped_kernel():
    lost = {}
    for entry in MANIFEST:
        if entry["assignment"] == A03.id and entry["code"] in ("no_channel_sum", "flipped_kernel"):
            result = grade_path(COURSE, A03, ROOT / "tests/corpus/mutants" / A03.id / entry["name"], student_id=STUDENT, specs=specs())
            lost.setdefault(entry["code"], []).append(result.max_score - result.score)
    assert lost["no_channel_sum"] and lost["flipped_kernel"]
    assert min(lost["no_channel_sum"]) > max(lost["flipped_kernel"]), lost


def test_every_a03_case_has_several_channels_but_the_one_named_for_one():
    for spec in load_suite(A03.id).build(secret=b"s", student_id="x"):
        for case in spec.cases:
            x = case.args[0]
            if case.expects_error or x.ndim != 4:
                continue
            assert (x.shape[3] == 1) == ("C = 1" in case.name), (spec.name, case.name)


def test_bias_free_parts_leave_b_to_its_default():
    for spec in load_suite(A03.id).build(secret=b"s", student_id="x"):
        if spec.part in ("bias", "validation"):
            continue
        for case in spec.cases:
            assert len(case.args) == 2 and "b" not in case.kwargs, (spec.name, case.name)


# -- the holes issue 10 found by hand: each now loses points, the same for every student ------------
HOLES = [
    ("a02_padding_stride", "total = max((out - 1) * stride + k - n, 0)", "total = (out - 1) * stride + k - n",
     {"same_padding", "correlate2d"}),
    ("a02_padding_stride", "pads = (same_padding(H, kh, sh), same_padding(W, kw, sw))",
     "pads = (same_padding(H, kh, 1), same_padding(W, kw, 1))", {"correlate2d"}),
    ("a03_multichannel", "total = max((math.ceil(n / s) - 1) * s + k - n, 0)", "total = (math.ceil(n / s) - 1) * s + k - n",
     {"stride_padding"}),
    ("a03_multichannel", "(top, bottom), (left, right) = _same_padding(H, kh, sh), _same_padding(W, kw, sw)",
     "(top, bottom), (left, right) = _same_padding(H, kh, 1), _same_padding(W, kw, 1)", {"stride_padding"}),
    ("a03_multichannel", "Ho = (H + top + bottom - kh) // sh + 1", "Ho = -(-(H + top + bottom - kh) // sh) + 1",
     {"stride_padding"}),
    ("a03_multichannel", "xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))\n    w = w.astype(np.float64)",
     "xp = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))", {"channels"}),
]


@pytest.mark.parametrize("assignment_id, old, new, parts", HOLES, ids=[f"{h[0][:3]}-{i}" for i, h in enumerate(HOLES)])
def test_the_known_holes_lose_points_for_every_student(tmp_path, assignment_id, old, new, parts):
    assignment = COURSE.assignment(assignment_id)
    source = (ROOT / "solutions" / assignment_id / assignment.module).read_text(encoding="utf-8")
    assert old in source
    folder = tmp_path / "hole"
    folder.mkdir()
    (folder / assignment.module).write_text(source.replace(old, new, 1), encoding="utf-8")
    scores = set()
    for student in ("ana", "bo", "cy"):
        result = grade_path(COURSE, assignment, folder, student_id=student, specs=prepare(COURSE, assignment, student))
        lost = {p.id for p in result.parts if p.score < p.max_score - 1e-9}
        assert parts <= lost, (student, lost)
        scores.add(round(result.score, 9))
    assert len(scores) == 1, scores
