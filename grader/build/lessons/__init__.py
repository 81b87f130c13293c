"""What a notebook teaches besides the stubs: instructions, pictures, demos (one module per assignment).

``grader.build.lessons.<assignment id>`` may define

- ``INSTRUCTIONS = {"ko": ..., "en": ...}``: the "what to do" texts of the notebook and the README;
- ``CELLS = {"intro": [...], "after:<function>": [...], "end": [...]}``: extra cells placed after the
  instructions, after the "try it" cell of a function, and before the check.

Both are optional: an assignment without a lesson module gets its texts from its module docstring
(adding an assignment needs only a solution file, a course.yaml entry and a hidden suite). Demo
cells (``code``) are tagged ``demo``: they run the student's functions and draw with matplotlib
(``grader.lesson``), and grading never takes code from them (``grader.submission``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field

DEMO_TAG = "demo"
"""Cell tag of code cells that only show something: never part of the graded module."""


@dataclass(frozen=True)
class Cell:
    kind: str
    """``markdown`` or ``code``."""
    source: str


def md(ko: str, en: str) -> Cell:
    """A markdown cell: the Korean text, then the English one."""
    return Cell("markdown", f"{ko.strip()}\n\n{en.strip()}")


def code(source: str) -> Cell:
    """A demo code cell (tagged ``demo``)."""
    return Cell("code", source.strip("\n"))


@dataclass(frozen=True)
class Lesson:
    instructions: dict[str, str] | None = None
    cells: dict[str, list[Cell]] = field(default_factory=dict)


def lesson(assignment_id: str) -> Lesson:
    """The lesson of an assignment (empty when it has no module here)."""
    name = f"{__name__}.{assignment_id}"
    if importlib.util.find_spec(name) is None:
        return Lesson()
    module = importlib.import_module(name)
    return Lesson(getattr(module, "INSTRUCTIONS", None), dict(getattr(module, "CELLS", {})))
