"""The vocabulary hidden and public suites are written in.

A suite is a list of named tests; each test is a generator that yields named cases::

    suite = Suite("a03_multichannel")

    @suite.test(part="channels", visible=True)
    def sums_over_input_channels(g):
        '''입력 채널을 모두 더한다 / sums over every input channel'''
        yield g.call("3 channels, 1 filter", "conv2d", g.normal(1, 5, 5, 3), g.normal(3, 3, 3, 1))

Visible tests use a fixed public seed (their cases become the public fixtures in assignments/);
hidden tests are seeded per student with an HMAC of the instructor's secret, the assignment, the
student id, a hash of the submitted code and the test name, so no two students share hidden inputs,
a second submission does not get the first one's (a lookup table of inputs seen in feedback is
worth nothing), the same code always gets the same cases, and adding a test does not change the
cases of the others.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from grader.cases import Case, Raises, TestSpec, Value, Visibility

PUBLIC_KEY = b"public-fixtures"


class CaseMaker:
    """The ``g`` argument of a suite test: seeded random inputs and named cases.

    Fairness (the same code gets the same score for every student): a seed may vary the *values*
    of a case, never its class. Shapes, strides, paddings and dtypes are written as constants in
    the suite; ``size`` and ``choice`` exist for values only (e.g. a scalar that no mistake depends
    on), never for a shape. The value helpers guarantee in every seed what a mistake needs to
    show: ``normal`` arrays hold both signs, ``ints`` arrays hold distinct values where the range
    allows (no kernel is symmetric by chance), every ``image`` pixel times every ``image_kernel``
    weight overflows uint8.
    """

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    # -- inputs ---------------------------------------------------------------------------------
    def normal(self, *shape: int, dtype: type = np.float64) -> np.ndarray:
        """Standard-normal values with both signs in every array of 2 or more elements (so ReLU,
        ``abs`` and flips always show), none closer to 0 than 0.05."""
        values = self.rng.standard_normal(shape)
        flat = values.reshape(-1)
        if flat.size:
            np.copysign(np.maximum(np.abs(flat), 0.05), flat, out=flat)
            if flat.size >= 2 and (flat.min() > 0 or flat.max() < 0):
                flat[int(self.rng.integers(flat.size))] *= -1
        return values if dtype is np.float64 else values.astype(dtype)  # a 0-d array for shape ()

    def ints(self, *shape: int, low: int = -4, high: int = 5, dtype: type = np.int64) -> np.ndarray:
        """Small integers in [low, high): exact arithmetic, easy to read in feedback. Distinct values
        when the range holds enough of them (a kernel is then never symmetric, two biases never equal)."""
        size = int(np.prod(shape, dtype=np.int64))
        if size <= high - low:
            values = self.rng.permutation(np.arange(low, high))[:size]
        else:
            values = self.rng.integers(low, high, size=size)
        return values.reshape(shape).astype(dtype)

    def image(self, *shape: int) -> np.ndarray:
        """A uint8 image with values 100..255: sums overflow uint8, and every product with an
        ``image_kernel`` weight does too, in every seed."""
        return self.rng.integers(100, 256, size=shape).astype(np.uint8)

    def image_kernel(self, *shape: int) -> np.ndarray:
        """A uint8 kernel with weights 3..9, distinct where possible: weight x pixel > 255 always."""
        return self.ints(*shape, low=3, high=10, dtype=np.uint8)

    def layer_bias(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """One bias per filter of ``w`` (HWIO) for a layer with ReLU: filter 0's pre-activation is
        negative everywhere and filter 1's positive everywhere, in every seed (bounded by
        ``sum|w| * max|x|``), so a wrong activation and a missing or misplaced bias always show."""
        b = self.normal(w.shape[3])
        bound = float(np.abs(x).max(initial=0.0)) * np.abs(w.astype(np.float64)).sum(axis=(0, 1, 2)) + 1.0
        b[0] = -bound[0] - abs(b[0])
        if b.size > 1:
            b[1] = bound[1] + abs(b[1])
        return b.astype(w.dtype if w.dtype.kind == "f" else np.float64)

    def choice(self, options: list) -> object:
        """One of ``options``: for values only (fairness), never for a shape, stride or padding."""
        return options[int(self.rng.integers(len(options)))]

    def size(self, low: int, high: int) -> int:
        """A random int in [low, high]: for values only (fairness), never for a shape."""
        return int(self.rng.integers(low, high + 1))

    # -- cases ----------------------------------------------------------------------------------
    def call(self, name: str, function: str, *args: Value, **kwargs: Value) -> Case:
        """A call whose answer the reference computes. Pass the function's optional parameters as
        keywords, and leave out those a test is not about: the documented defaults then run."""
        arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
        float32_ok = bool(arrays) and all(a.dtype == np.float32 for a in arrays)
        return Case(name, function, tuple(args), dict(kwargs), None, float32_ok)

    def rejects(self, name: str, function: str, *args: Value, twin: str | tuple[str, ...] = (), **kwargs: Value) -> Case:
        """A call that must raise ``ValueError``.

        It earns credit only when the function also computes valid input correctly: ``twin`` names
        the valid case(s) it is a variation of (``"test/case"``; hidden tests only). By default,
        the function's visible valid cases (see ``grader.scoring.gate_validation``).
        """
        twins = (twin,) if isinstance(twin, str) else tuple(twin)
        return Case(name, function, tuple(args), dict(kwargs), Raises("ValueError"), twins=twins)


TestFunction = Callable[[CaseMaker], Iterable[Case]]


@dataclass(frozen=True)
class _Registered:
    function: TestFunction
    part: str
    visibility: Visibility

    @property
    def name(self) -> str:
        return self.function.__name__

    def title(self) -> dict[str, str]:
        """``'''한국어 / English'''`` docstring -> {"ko": ..., "en": ...}, split as case names are
        (``grader.localize.split_bilingual``: the Korean half may hold a slash of its own)."""
        from grader.localize import split_bilingual

        doc = " ".join((self.function.__doc__ or self.name).split())
        halves = split_bilingual(doc)
        if halves is None:
            ko, _, en = doc.partition(" / ")
            return {"ko": ko.strip(), "en": (en or ko).strip()}
        return {"ko": halves[0], "en": halves[1]}


class Suite:
    """The tests of one assignment, in the order they are written."""

    def __init__(self, assignment: str):
        self.assignment = assignment
        self._tests: list[_Registered] = []

    def test(self, part: str, *, visible: bool = False) -> Callable[[TestFunction], TestFunction]:
        def register(function: TestFunction) -> TestFunction:
            registered = _Registered(function, part, "visible" if visible else "hidden")
            for i, t in enumerate(self._tests):
                if t.name == function.__name__:
                    if t.function.__code__.co_filename != function.__code__.co_filename:
                        raise ValueError(f"{self.assignment}: two tests named {function.__name__}")
                    self._tests[i] = registered  # the same file imported again (e.g. under another name)
                    return function
            self._tests.append(registered)
            return function

        return register

    @property
    def parts(self) -> set[str]:
        return {t.part for t in self._tests}

    def _seed(self, test: _Registered, key: bytes, student_id: str, code: str = "") -> int:
        who = f"{student_id}/{code}" if test.visibility == "hidden" else "public"
        message = f"{self.assignment}/{who}/{test.name}"
        digest = hmac.new(key if test.visibility == "hidden" else PUBLIC_KEY, message.encode(), hashlib.sha256)
        return int.from_bytes(digest.digest()[:8], "big")

    def build(
        self,
        *,
        secret: bytes = b"",
        student_id: str = "",
        visibility: tuple[Visibility, ...] = ("visible", "hidden"),
        code: str = "",
    ) -> list[TestSpec]:
        """The tests with their (unmaterialized) cases, visible tests first. ``code`` is the
        submission's code digest (``grader.submission.code_digest``): it seeds the hidden cases too."""
        specs = []
        for test in sorted(self._tests, key=lambda t: t.visibility != "visible"):
            if test.visibility not in visibility:
                continue
            maker = CaseMaker(np.random.default_rng(self._seed(test, secret, student_id, code)))
            cases = tuple(case for params in _parametrize(test.function) for case in _cases(test.function(maker, **params)))
            names = [c.name for c in cases]
            if len(set(names)) != len(names):
                raise ValueError(f"{self.assignment}.{test.name}: case names must be unique, got {names}")
            specs.append(TestSpec(test.name, test.part, test.title(), test.visibility, cases))
        return specs

    def __iter__(self) -> Iterator[_Registered]:
        return iter(self._tests)


def _cases(made: Case | Iterable[Case]) -> Iterable[Case]:
    """A test function yields its cases, or returns one (the pytest way: one case per parameter set)."""
    return (made,) if isinstance(made, Case) else made


def _parametrize(function: TestFunction) -> list[dict]:
    """The parameter sets of ``@pytest.mark.parametrize`` marks on a suite test (their product, as
    pytest makes it); ``[{}]`` without marks. Read from the marks pytest stores on the function, so
    building a suite never imports pytest."""
    sets: list[dict] = [{}]
    for mark in reversed(getattr(function, "pytestmark", [])):
        if getattr(mark, "name", "") != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        rows = []
        for value in values:
            if hasattr(value, "values") and hasattr(value, "marks"):  # pytest.param(...)
                row = tuple(value.values)
            else:
                row = (value,) if len(names) == 1 else tuple(value)
            rows.append(dict(zip(names, row)))
        sets = [{**s, **r} for s in sets for r in rows]
    return sets


def load_suite(assignment_id: str) -> Suite:
    """The suite of an assignment: ``grader.suites.<assignment_id>.suite``, with the tests of every
    ``test_*.py`` module beside it (hidden tests written the pytest way, see docs/pytest-suites.md)."""
    module = importlib.import_module(f"grader.suites.{assignment_id}")
    folder = Path(module.__file__).parent
    for path in sorted(folder.glob("test_*.py")):
        importlib.import_module(f"grader.suites.{assignment_id}.{path.stem}")
    return module.suite
