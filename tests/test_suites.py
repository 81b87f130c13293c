"""Suites: visible cases are the same for everyone, hidden cases differ per student and per secret."""

from __future__ import annotations

import numpy as np
import pytest

from grader.suite import load_suite


def fingerprint(specs) -> list:
    out = []
    for spec in specs:
        for case in spec.cases:
            out.append(tuple(a.tobytes() if isinstance(a, np.ndarray) else repr(a) for a in case.args))
    return out


@pytest.mark.parametrize("assignment", ["a01_correlation", "a02_padding_stride", "a03_multichannel", "a04_relu_layer"])
def test_suite_covers_every_part_with_visible_and_hidden_tests(course, assignment):
    suite = load_suite(assignment)
    parts = {p.id for p in course.assignment(assignment).parts}
    assert suite.parts == parts
    specs = suite.build(secret=b"s", student_id="a")
    for part in parts:
        kinds = {s.visibility for s in specs if s.part == part}
        assert kinds == {"visible", "hidden"}, part


def test_hidden_cases_are_seeded_per_student_and_secret():
    suite = load_suite("a03_multichannel")
    hidden = ("hidden",)
    alice = fingerprint(suite.build(secret=b"s1", student_id="alice", visibility=hidden))
    assert alice == fingerprint(suite.build(secret=b"s1", student_id="alice", visibility=hidden))
    assert alice != fingerprint(suite.build(secret=b"s1", student_id="bob", visibility=hidden))
    assert alice != fingerprint(suite.build(secret=b"s2", student_id="alice", visibility=hidden))


def test_visible_cases_are_the_same_for_everyone():
    suite = load_suite("a02_padding_stride")
    visible = ("visible",)
    assert fingerprint(suite.build(secret=b"s1", student_id="alice", visibility=visible)) == fingerprint(
        suite.build(secret=b"other", student_id="bob", visibility=visible)
    )


def test_titles_have_korean_and_english():
    for spec in load_suite("a04_relu_layer").build():
        assert spec.title["ko"] and spec.title["en"] and spec.title["ko"] != spec.title["en"]


def test_float32_cases_accept_float32_results():
    specs = load_suite("a03_multichannel").build(student_id="x")
    float32 = [c for s in specs for c in s.cases if c.name == "float32"]
    assert float32 and all(c.float32_ok for c in float32)
