"""The result model: what grading one submission produced. Reports are pure functions of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np


class Status(str, Enum):
    """How the grading of one submission ended (the ``status`` column of grades.csv).

    Only ``INTERNAL_ERROR`` blames the grader; every other status is about the submission.
    """

    GRADED = "graded"
    """The code ran and every test was judged (whatever the score)."""
    NO_SUBMISSION = "no_submission"
    """No student module was found (empty folder, wrong file name)."""
    UNREADABLE = "unreadable"
    """The file could not be read: a notebook that is not JSON, a binary file, bad encoding."""
    SYNTAX_ERROR = "syntax_error"
    TIMEOUT = "timeout"
    """The module did not finish importing within the time limit."""
    MEMORY_LIMIT = "memory_limit"
    CRASHED = "crashed"
    """The worker died while importing the module (segfault, os._exit, sys.exit...)."""
    FORBIDDEN = "forbidden"
    """The module imports or does something the course forbids; nothing was run past that point."""
    INTERNAL_ERROR = "internal_error"
    """The grader itself failed: not the student's fault, needs a re-run."""


@dataclass
class CaseResult:
    name: str
    passed: bool
    codes: tuple[str, ...] = ()
    """Diagnosis codes (SPEC §5) that this case's output matches; empty when passed."""
    detail: str = ""
    """A neutral technical line, e.g. ``max |diff| 2.0 at (0, 1, 2, 0)``; never contains hidden inputs."""
    facts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """What some codes' messages name, by code: ``{"wrong_exception": {"exception": "TypeError"}}``,
    ``{"crashed_on_case": {"exception": "IndexError", "case_class": "empty_batch"}}``,
    ``{"integer_truncation": {"variant": "products"}}``. Names of classes and builtin exceptions only,
    never a value: a student may see them for hidden tests too."""


@dataclass
class FailureExample:
    """The first failing case of a visible test, kept for pictures and the student's own debugging."""

    case: str
    inputs: Mapping[str, Any]
    expected: Any
    got: Any


@dataclass
class TestResult:
    name: str
    part: str
    title: Mapping[str, str]
    visibility: str
    number: str
    cases: list[CaseResult]
    score: float = 0.0
    max_score: float = 0.0
    example: FailureExample | None = None

    @property
    def cases_total(self) -> int:
        return len(self.cases)

    @property
    def cases_passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def passed(self) -> bool:
        return self.cases_passed == self.cases_total

    @property
    def codes(self) -> list[str]:
        """Diagnosis codes of the failing cases, most frequent first."""
        counts = Counter(code for c in self.cases if not c.passed for code in c.codes)
        return [code for code, _ in counts.most_common()]

    @property
    def facts(self) -> dict[str, dict[str, str]]:
        """The facts of each code over the failing cases; a field with several values joins them
        (``{"wrong_exception": {"exception": "TypeError, IndexError"}}``)."""
        merged: dict[str, dict[str, list[str]]] = {}
        for case in self.cases:
            if case.passed:
                continue
            for code, fields in (case.facts or {}).items():
                for name, value in fields.items():
                    values = merged.setdefault(code, {}).setdefault(name, [])
                    if value not in values:
                        values.append(value)
        return {code: {name: ", ".join(values) for name, values in fields.items()} for code, fields in merged.items()}


@dataclass
class PartScore:
    id: str
    title: Mapping[str, str]
    score: float
    max_score: float


@dataclass
class GradingResult:
    assignment: str
    student_id: str
    status: Status
    tests: list[TestResult] = field(default_factory=list)
    parts: list[PartScore] = field(default_factory=list)
    message: str = ""
    """Why the submission could not be graded normally (for any status but GRADED), in plain words."""
    execution_time: float = 0.0
    output: str = ""
    """What the student's code printed (stdout + stderr, capped)."""
    source_lines: Mapping[str, int] = field(default_factory=dict)
    """Line of each student function's ``def`` in the submitted module (for CI annotations)."""
    source_file: str = ""
    """The file that was graded, as the student handed it in (``a03_multichannel.ipynb``, or
    ``work/multichannel.py`` inside a folder); empty when none was."""
    message_words: list[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=list)
    """``message`` as ``(key, fields)`` pairs of the message registry's ``submission.<key>`` texts, when
    the grader itself said it (an unreadable file, nothing handed in), so that each report words it in
    its own language; empty for the sandbox's technical details."""
    sandbox: str = ""
    """The sandbox mode the student's code ran in (``jail``, ``landlock``, ``none``; empty when nothing ran)."""

    @property
    def score(self) -> float:
        return float(sum(p.score for p in self.parts))

    @property
    def max_score(self) -> float:
        return float(sum(p.max_score for p in self.parts))

    @property
    def codes(self) -> list[str]:
        counts = Counter(code for t in self.tests for c in t.cases if not c.passed for code in c.codes)
        return [code for code, _ in counts.most_common()]

    def part_score(self, part_id: str) -> float:
        return next((p.score for p in self.parts if p.id == part_id), 0.0)


def array_summary(value: Any) -> str:
    """A short, input-free description of a value: ``float64 array (1, 3, 3, 2)``."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {tuple(value.shape)}"
    return type(value).__name__
