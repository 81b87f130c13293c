"""The shape gate of diagnosis (``Analysis.iter_models(shape=...)``): a model already seen to give
another output shape for a case's layout is not computed again, and that never changes a finding.

A batch diagnoses the same hidden case slots student after student (same shapes, new values): the
gate learns each model's output shape from the first student and skips, for the next ones, the
models that cannot match the shape the student returned. Here the findings of a second student's
cases, for every wrong output a misconception gives and a few other wrong outputs, must be the same
with the gate as without it; and the gate must have skipped models, or it is not there at all.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import grader.diagnose as D
from grader.cases import Case
from grader.course import load_course
from grader.suite import load_suite

ROOT = Path(__file__).resolve().parent.parent
COURSE = load_course(ROOT)
ASSIGNMENTS = [a.id for a in COURSE.assignments]


@pytest.fixture
def fresh_caches(monkeypatch):
    """Empty analysis and shape caches for the test (the module's own are left as they were)."""
    monkeypatch.setattr(D, "_CACHE", OrderedDict())
    monkeypatch.setattr(D, "_SHAPES", OrderedDict())
    monkeypatch.setattr(D, "_RECENT", OrderedDict())


def hidden_cases(assignment_id: str, student: str) -> list[Case]:
    suite = load_suite(assignment_id)
    specs = suite.build(secret=b"gate", student_id=student, visibility=("hidden",), code="same code")
    return [case for spec in specs for case in spec.cases if not case.expects_error]


def wrong_outputs(case: Case) -> list[object]:
    """Every model's output for the case (ungated: a fresh analysis without a layout), and the right
    answer nudged, transposed and cut short: outputs of the right shape and of others."""
    fresh = D.live_analysis(case)
    if fresh is None:
        return []
    outs = [output for _, output, _ in fresh.iter_models()]
    right = fresh._right() if callable(fresh._right) else None
    if isinstance(right, np.ndarray) and right.dtype.kind in "biuf":
        right = right.astype(np.float64)
        outs += [right + 0.5, right.T.copy(), right[..., :-1] if right.ndim and right.shape[-1] > 1 else right * 2]
    return outs


def ungated_findings(case: Case, got: object, monkeypatch) -> tuple:
    """``findings`` with no layout known and nothing remembered: every model computed."""
    with monkeypatch.context() as m:
        m.setattr(D, "_CACHE", OrderedDict())
        m.setattr(D, "_SHAPES", OrderedDict())
        m.setattr(D, "_RECENT", OrderedDict())
        m.setattr(D, "layout", lambda case: None)
        return D.findings(case, got)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_gate_changes_no_finding(assignment_id, fresh_caches, monkeypatch):
    first, second = hidden_cases(assignment_id, "first"), hidden_cases(assignment_id, "second")
    assert [c.name for c in first] == [c.name for c in second]
    for case in first:  # the gate learns the shapes of the first student's cases
        for got in wrong_outputs(case):
            D.findings(case, got)

    computed = entries = compared = 0
    original = D.Analysis.iter_models

    def counting(self, skip=(), shape=None):
        nonlocal computed, entries
        before = sum(1 for e in self._entries() if callable(e[1]))
        yield from original(self, skip, shape)
        computed += before - sum(1 for e in self._entries() if callable(e[1]))
        entries += len(self._entries())

    for case in second:
        for got in wrong_outputs(case):
            expected = ungated_findings(case, got, monkeypatch)
            D._CACHE.clear()  # a new analysis for each output: every model unseen but for the gate
            monkeypatch.setattr(D.Analysis, "iter_models", counting)
            gated = D.findings(case, got)
            monkeypatch.setattr(D.Analysis, "iter_models", original)
            assert gated == expected, f"{case.name}: gated {gated[0]} != every model {expected[0]}"
            compared += 1
    if entries:  # (assignments whose functions have array models)
        assert compared > 20
        assert computed < entries, "the gate skipped no model"


def test_a_model_seen_with_two_shapes_is_always_computed(fresh_caches):
    """Should a model's output shape ever depend on values, the gate stops skipping it."""
    calls = []

    def analysis_with(shape: tuple[int, ...]) -> D.Analysis:
        def model():
            calls.append(shape)
            return np.zeros(shape)
        found = D.Analysis(models=lambda: [("flipped_kernel", model, "")])
        found.layout = ("same layout",)
        return found

    list(analysis_with((2, 2)).iter_models(shape=(3, 3)))  # learnt: (2, 2)
    assert list(analysis_with((2, 2)).iter_models(shape=(3, 3))) == [] and len(calls) == 1  # skipped
    list(analysis_with((3, 3)).iter_models())  # the same model, another shape: it varies
    out = list(analysis_with((2, 2)).iter_models(shape=(3, 3)))
    assert len(calls) == 3 and len(out) == 1  # computed again, though it cannot match
