"""Solution markers: turn the instructor's solution into the student's stub.

A line state machine in the manner of nbgrader's ``ClearSolutions`` preprocessor
(``nbgrader/preprocessors/clearsolutions.py``): every region between a ``### BEGIN SOLUTION`` line and
the next ``### END SOLUTION`` line is replaced by one line at the marker's indentation. Inside a
function that line is ``raise NotImplementedError("<function>: 여기를 구현하세요 / implement this")``;
a function gets exactly one such ``raise`` (a second region in the same function becomes ``pass``);
a region outside any function becomes a comment. Nested or unterminated markers, and an
``END`` without a ``BEGIN``, raise :class:`MarkerError` naming the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
TODO = "여기를 구현하세요 / implement this"

_DEF = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?P<name>\w+)[ \t]*\(")


class MarkerError(ValueError):
    """Badly placed solution markers; the message is ``file:line: what is wrong``."""

    def __init__(self, filename: str, line: int, problem: str):
        super().__init__(f"{filename}:{line}: {problem}")
        self.filename = filename
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Cleared:
    """The stub text and what was cleared."""

    source: str
    functions: tuple[str, ...]
    """Functions whose body now raises ``NotImplementedError``, in file order."""
    regions: int
    """How many solution regions were removed."""


def stub_line(function: str) -> str:
    """The statement that replaces a solution region inside ``function``."""
    return f'raise NotImplementedError("{function}: {TODO}")'


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _is_marker(line: str, marker: str) -> bool:
    return line.strip().startswith(marker)


def clear_solutions(source: str, filename: str = "<source>") -> Cleared:
    """Replace each solution region of ``source``; keep every other line (and its line ending) as is."""
    out: list[str] = []
    defs: list[tuple[int, str]] = []  # (indent width, name) of the enclosing ``def`` lines
    stubbed: list[str] = []
    begin_line = 0  # 1-based line of the open BEGIN marker, 0 when outside a region
    regions = 0
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        if _is_marker(line, BEGIN):
            if begin_line:
                raise MarkerError(filename, number, f"nested {BEGIN!r} (the region opened at line {begin_line} is not closed)")
            begin_line = number
            regions += 1
            indent = _indent(line)
            ending = line[len(line.rstrip("\r\n")):] or "\n"
            owner = next((name for width, name in reversed(defs) if width < len(indent)), None)
            if owner is None:
                out.append(f"{indent}# {TODO}{ending}")
            elif owner in stubbed:
                out.append(f"{indent}pass{ending}")
            else:
                stubbed.append(owner)
                out.append(f"{indent}{stub_line(owner)}{ending}")
            continue
        if _is_marker(line, END):
            if not begin_line:
                raise MarkerError(filename, number, f"{END!r} without a {BEGIN!r} before it")
            begin_line = 0
            continue
        if begin_line:
            continue
        match = _DEF.match(line)
        if match:
            width = len(match["indent"])
            defs = [(w, n) for w, n in defs if w < width] + [(width, match["name"])]
        elif line.strip() and not line.lstrip().startswith(("#", "@", ")")) and defs:
            # A statement at or left of a def's indentation closes that def (continuation lines of a
            # multi-line signature or docstring are indented further, so they keep it open).
            width = len(_indent(line))
            defs = [(w, n) for w, n in defs if w < width]
        out.append(line)
    if begin_line:
        raise MarkerError(filename, begin_line, f"{BEGIN!r} is never closed by {END!r}")
    return Cleared("".join(out), tuple(stubbed), regions)
