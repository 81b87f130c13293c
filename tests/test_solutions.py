"""The solutions are teaching code: their docstring examples run, and they never modify their inputs."""

from __future__ import annotations

import doctest
import importlib.util

import numpy as np
import pytest

from tests.conftest import SOLUTIONS


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_docstring_examples_run(assignment):
    spec = importlib.util.spec_from_file_location(f"doc_{assignment}", SOLUTIONS[assignment])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module, extraglobs={"np": np})
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_solution_has_markers_in_every_graded_function(course, assignment):
    text = SOLUTIONS[assignment].read_text(encoding="utf-8")
    functions = course.assignment(assignment).functions
    assert text.count("### BEGIN SOLUTION") == text.count("### END SOLUTION") >= len(functions)
