"""Stub modules: the solution with every solution region replaced by ``raise NotImplementedError``."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.build.markers import Cleared, MarkerError, clear_solutions
from grader.course import Assignment


class StubError(ValueError):
    """The solution cannot become a usable stub (a graded function without a solution region...)."""


def solution_path(root: Path, assignment: Assignment) -> Path:
    return root / "solutions" / assignment.id / assignment.module


def raises_per_function(source: str) -> dict[str, int]:
    """How many ``raise NotImplementedError`` statements each top-level function holds."""
    counts: dict[str, int] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            counts[node.name] = sum(
                1
                for sub in ast.walk(node)
                if isinstance(sub, ast.Raise)
                and sub.exc is not None
                and _name_of(sub.exc.func if isinstance(sub.exc, ast.Call) else sub.exc) == "NotImplementedError"
            )
    return counts


def _name_of(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def make_stub(assignment: Assignment, solution: Path, *, display_name: str | None = None) -> Cleared:
    """The stub of ``solution``; checks it parses and that each graded function raises exactly once."""
    name = display_name or str(solution)
    try:
        text = solution.read_text(encoding="utf-8")
    except OSError as e:
        raise StubError(f"{name}: cannot read the solution: {e}") from None
    try:
        ast.parse(text, filename=name)
    except SyntaxError as e:
        raise StubError(f"{name}:{e.lineno}: the solution is not valid Python: {e.msg}") from None
    cleared = clear_solutions(text, name)
    try:
        counts = raises_per_function(cleared.source)
    except SyntaxError as e:
        raise StubError(f"{name}:{e.lineno}: the stub is not valid Python after clearing the solution: {e.msg}") from None
    for function in assignment.functions:
        if function not in counts:
            raise StubError(f"{name}: graded function {function!r} (course.yaml) is not defined in the solution")
        if counts[function] != 1:
            raise StubError(
                f"{name}: graded function {function!r} must hold exactly one solution region, "
                f"the stub raises NotImplementedError {counts[function]} times"
            )
    return cleared


__all__ = ["MarkerError", "StubError", "make_stub", "raises_per_function", "solution_path"]
