"""Cases: one call of a student function with its inputs and (once materialized) the expected answer.

A hidden or public test is a named group of cases (``TestSpec``); suites (``grader/suites/<id>``)
create them, ``reference.py`` fills in ``expected`` with TensorFlow, the sandbox runs them on the
student's code, ``compare.py`` and ``diagnose.py`` judge each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, Mapping, Union

import numpy as np

# What can cross the sandbox boundary as an argument or a return value: arrays (sent as .npy bytes
# without pickle), ints, floats, strings, None, and (nested) tuples/lists of those, and dicts with
# string keys (the keyword arguments of a05's tf_conv2d_args).
Value = Union[np.ndarray, int, float, str, None, tuple, list, dict]

Visibility = Literal["visible", "hidden"]


@dataclass(frozen=True)
class Raises:
    """The expected outcome of a call that must be rejected, e.g. ``Raises("ValueError")``."""

    exception: str = "ValueError"


@dataclass(frozen=True)
class Case:
    """One call of one student function."""

    name: str
    """Short human name, e.g. ``"even kernel, SAME"``; unique within its test."""
    function: str
    args: tuple[Value, ...]
    kwargs: Mapping[str, Value] = field(default_factory=dict)
    expected: Any = None
    """The reference answer (ndarray, int, tuple) or a ``Raises``; ``None`` until materialized."""
    float32_ok: bool = False
    """True when every array input is float32: a float32 result is then accepted (looser tolerance)."""
    twins: tuple[str, ...] = ()
    """For a case that must raise: the valid cases (``"test/case"``) whose success its credit needs.
    Empty: the function's visible valid cases (``grader.scoring.gate_validation``)."""

    @property
    def expects_error(self) -> bool:
        return isinstance(self.expected, Raises)

    def with_expected(self, expected: Any) -> "Case":
        return replace(self, expected=expected)

    def arrays(self) -> list[tuple[str, np.ndarray]]:
        """The array arguments with their parameter label (``arg0``, ``b``...), for mutation checks and pictures."""
        out = [(f"arg{i}", a) for i, a in enumerate(self.args) if isinstance(a, np.ndarray)]
        out += [(k, v) for k, v in self.kwargs.items() if isinstance(v, np.ndarray)]
        return out


@dataclass(frozen=True)
class TestSpec:
    """A named test: the unit that appears in results.json, with the cases it is made of."""

    name: str
    """Identifier taken from the suite function, e.g. ``sums_over_input_channels``."""
    part: str
    title: Mapping[str, str]
    """What the test checks, in ``ko`` and ``en`` (from the suite function's docstring)."""
    visibility: Visibility
    cases: tuple[Case, ...]

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.function for c in self.cases))
