"""Coverage matrices: every cell a suite's ``coverage.yaml`` declares holds a case, for every student.

A case's classes are computed from its arguments (``grader.coverage``), so a suite that stops
covering a cell (or a matrix that forgets a class the suite uses) fails here. Every assignment of
course.yaml is checked: a new assignment needs its ``grader/suites/<id>/coverage.yaml``.
"""

from __future__ import annotations

import inspect
import types
from collections import defaultdict
from functools import lru_cache

import numpy as np
import pytest

from grader import coverage
from grader.course import load_course
from grader.suite import load_suite
from tests.conftest import ROOT

COURSE = load_course(ROOT)
ASSIGNMENTS = [a.id for a in COURSE.assignments]
STUDENTS = ("alice", "bob", "chris")


@lru_cache(maxsize=None)
def signatures(assignment_id: str) -> dict[str, inspect.Signature]:
    """The solution's functions' signatures (the documented parameters and defaults)."""
    assignment = COURSE.assignment(assignment_id)
    path = COURSE.solutions_dir / assignment_id / assignment.module
    module = types.ModuleType(f"solution_{assignment_id}")
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return {name: inspect.signature(f) for name, f in vars(module).items() if inspect.isfunction(f)}


def graded_functions(assignment_id: str) -> list[str]:
    return list(dict.fromkeys(f for p in COURSE.assignment(assignment_id).parts for f in p.functions))


def matrices(assignment_id: str) -> dict[str, coverage.Matrix]:
    return coverage.load_matrices(ROOT / "grader" / "suites" / assignment_id / "coverage.yaml")


def case_views(assignment_id: str, student: str) -> dict[str, dict[str, list]]:
    """function -> case key -> views, for one student's build of the whole suite."""
    found = matrices(assignment_id)
    out: dict[str, dict[str, list]] = defaultdict(dict)
    for spec in load_suite(assignment_id).build(secret=b"coverage", student_id=student):
        for case in spec.cases:
            matrix = found[case.function]
            out[case.function][f"{spec.name}/{case.name}"] = coverage.classify(case, matrix, signatures(assignment_id)[case.function])
    return out


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_graded_function_declares_a_matrix(assignment_id):
    declared = matrices(assignment_id)
    missing = [f for f in graded_functions(assignment_id) if f not in declared]
    assert not missing, f"grader/suites/{assignment_id}/coverage.yaml: no matrix for {missing}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_declared_cell_holds_a_case_for_every_student(assignment_id):
    found = matrices(assignment_id)
    for student in STUDENTS:
        views = case_views(assignment_id, student)
        for function, matrix in found.items():
            flat = [v for vs in views[function].values() for v in vs]
            assert not coverage.undeclared(matrix, flat), (function, "classes the matrix does not list")
            missing = coverage.uncovered(matrix, flat)
            assert not missing, f"{assignment_id}.{function} ({student}): no case in cells {missing}"
            rejected = {v["rejects"] for v in flat if "rejects" in v}
            assert "accepted" not in rejected, f"{function}: a case that must raise has valid arguments"
            assert set(matrix.rejects) <= rejected, f"{function}: no bad-input case of {set(matrix.rejects) - rejected}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_a_case_has_the_same_classes_for_every_student(assignment_id):
    """Fairness: the seed varies values, never which cell of the matrix a case is in."""
    first, *others = (case_views(assignment_id, s) for s in STUDENTS)
    for other in others:
        assert other == first


def test_matrix_cells_that_are_missing_are_reported():
    """The check can fail: a suite without its SAME x stride > kernel case leaves that cell empty."""
    matrix = matrices("a03_multichannel")["conv2d"]
    views = case_views("a03_multichannel", "alice")["conv2d"]
    flat = [v for key, vs in views.items() for v in vs if not (v["padding"] if "padding" in v else "") == "SAME"
            or v.get("stride_vs_kernel") != "larger"]
    assert {"padding": "SAME", "stride_vs_kernel": "larger"} in coverage.uncovered(matrix, flat)


def test_malformed_matrix_names_the_problem(tmp_path):
    path = tmp_path / "coverage.yaml"
    path.write_text("functions:\n  f:\n    kind: conv\n    axes: {padding: [VALID]}\n", encoding="utf-8")
    with pytest.raises(coverage.CoverageError, match="neither covered nor declared not applicable"):
        coverage.load_matrices(path)
    path.write_text("functions:\n  f:\n    kind: spiral\n", encoding="utf-8")
    with pytest.raises(coverage.CoverageError, match="kind"):
        coverage.load_matrices(path)


# -- value-dependent mistakes show in every seed --------------------------------------------------


def _bound(case, assignment_id):
    return coverage.bind(case, signatures(assignment_id)[case.function])


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_every_uint8_product_overflows_in_every_seed(assignment_id):
    """uint8 x uint8 products that wrap (no cast to float) fail every uint8 case, for every student."""
    seen = 0
    for student in STUDENTS + ("dana", "eve"):
        for spec in load_suite(assignment_id).build(secret=b"overflow", student_id=student):
            for case in spec.cases:
                if case.expects_error:
                    continue
                args = _bound(case, assignment_id)
                kernel = args.get("w", args.get("k"))
                x = args.get("x")
                if not (isinstance(x, np.ndarray) and x.dtype == np.uint8 and isinstance(kernel, np.ndarray) and kernel.size):
                    continue
                seen += 1
                assert kernel.dtype == np.uint8, f"{spec.name}/{case.name}: a uint8 image needs a uint8 kernel"
                assert int(x.min()) * int(kernel.min()) > 255, f"{spec.name}/{case.name} ({student})"
    if assignment_id in ("a01_correlation", "a02_padding_stride", "a03_multichannel", "a04_relu_layer"):
        assert seen, "these assignments have uint8 convolution cases"


def _fixed_examples(assignment_id: str) -> list[np.ndarray]:
    """The suite module's array constants: a book's or the lecture's own numbers (d2l's X and K in
    a01, the lecture's 3x3 image 1..9 and filters of ones in a05), which issue 11 asks for as they
    are printed. No value helper makes them, so the rule below is not theirs to keep; every other
    array of those tests is a helper's and is checked."""
    import importlib

    module = importlib.import_module(f"grader.suites.{assignment_id}")
    return [v for v in vars(module).values() if isinstance(v, np.ndarray)]


def _is_fixed(a: np.ndarray, fixed: list[np.ndarray]) -> bool:
    return any(a.dtype == f.dtype and a.shape == f.shape and np.array_equal(a, f) for f in fixed)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_value_helpers_keep_what_mistakes_need(assignment_id):
    """Float inputs hold both signs (ReLU, abs, flips show); small integer kernels are never symmetric."""
    fixed = _fixed_examples(assignment_id)
    for student in STUDENTS:
        for spec in load_suite(assignment_id).build(secret=b"values", student_id=student):
            for case in spec.cases:
                for label, a in case.arrays():
                    if _is_fixed(a, fixed):
                        continue
                    if a.dtype.kind == "f" and a.size >= 2 and label in ("arg0", "arg1") and spec.name != "relu_edges":
                        assert (a < 0).any() and (a > 0).any(), f"{spec.name}/{case.name} {label}"
                    if a.dtype.kind in "iu" and a.ndim >= 2 and a.size <= 9 and a.size > 1:
                        assert len(np.unique(a)) == a.size, f"{spec.name}/{case.name} {label}: repeated values"
