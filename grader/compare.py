"""Judging one case: the student's outcome against the materialized reference.

Runs in the trusted grader process on what the sandbox sent back (``grader.sandbox.CallOutcome``,
duck-typed here: ``value, error, error_bases, message, fault, detail, args_after, kwargs_after``).
The order of the checks decides which single reason a failure is reported with:

1. the worker's fault (timeout, memory, crash, forbidden, missing function, refused value);
2. ``NotImplementedError`` (the stub is still there);
3. a case that must raise ``ValueError``: passed iff it did; ``wrong_exception`` (naming what it
   raised instead) or ``no_validation`` (it returned a value);
4. an exception on a valid case: ``crashed_on_case``, naming the exception (a builtin class name,
   never the student's message); ``detail`` also has the message, which only visible tests show;
5. the value: kind (ndarray / int / pair of ints), shape, dtype, then values within tolerance;
   failures carry every code of :func:`grader.diagnose.findings` that matches;
6. inputs modified in place: failed with ``mutates_input``, even when the value is right.

A case's codes are candidates: :func:`grader.diagnose.settle.settle` then picks one diagnosis per
failing test from the codes of the whole submission.

Decisions the SPEC leaves open, taken here:

- ``output_size`` accepts ``int`` and ``np.integer`` (and a 0-d integer array, which is how a
  numpy scalar may cross the sandbox); ``bool`` and any float, even ``4.0``, are ``wrong_dtype``:
  a size is used in ``range()`` and ``np.zeros``, where a float breaks.
- ``same_padding`` accepts a tuple or list of two such ints; floats are ``wrong_dtype``; anything
  else (an ndarray, a single int, None) is ``not_ndarray``, the code for "the wrong kind of value".
- An ndarray subclass (``np.matrix``, masked arrays) is ``not_ndarray``.
- Conv-like results must be float64, or float32 when every input was float32 (``case.float32_ok``);
  ``zero_pad`` and ``relu`` (and any function whose reference has an integer dtype) must return
  exactly the reference's dtype, which is the input's dtype.
"""

from __future__ import annotations

import builtins
from typing import Any, Mapping

import numpy as np

from grader.cases import Case
from grader.course import Tolerance
from grader.diagnose import bind, findings, wrap_to_dtype
from grader.judge_args import JUDGES
from grader.results import CaseResult, array_summary

#: sandbox fault -> diagnosis code
FAULT_CODES: dict[str, str] = {
    "timeout": "timeout",
    "memory_limit": "memory_limit",
    "crashed": "crashed",
    "forbidden_operation": "forbidden_operation",
    "forbidden_import": "forbidden_import",
    "missing_function": "missing_function",
    "refused_value": "not_ndarray",
}

#: Functions whose result must keep the input's dtype exactly (SPEC §3).
SAME_DTYPE_FUNCTIONS = frozenset({"zero_pad", "relu"})

#: Functions whose answer is a tuple of ints that is an array's shape (a00's ``conv_output_shape``):
#: a wrong one reads ``shape (...), expected (...)`` like a wrong array shape, not item by item.
SHAPE_FUNCTIONS = frozenset({"conv_output_shape"})

DEFAULT_TOLERANCE = {"float64": Tolerance(1e-7, 1e-9), "float32": Tolerance(1e-4, 1e-5)}


def judge_case(case: Case, outcome: Any, tolerance: Mapping[str, Tolerance]) -> CaseResult:
    """Judge one call of a student function.

    Parameters
    ----------
    case : Case
        The call with its materialized ``expected`` (ndarray, int, tuple or ``Raises``).
    outcome : CallOutcome-like
        What the sandbox reported for this call.
    tolerance : mapping
        ``{"float64": Tolerance, "float32": Tolerance}`` of the case's part (course.yaml).

    Returns
    -------
    CaseResult
        ``passed``, the diagnosis ``codes`` (empty when passed) and a neutral ``detail`` line.
    """
    fault = getattr(outcome, "fault", None)
    if fault:
        detail = getattr(outcome, "detail", "") or ""
        return CaseResult(case.name, False, (FAULT_CODES.get(fault, "crashed"),), f"{fault}: {detail}" if detail else fault)

    error = getattr(outcome, "error", None)
    raised = (error, *tuple(getattr(outcome, "error_bases", ()) or ())) if error else ()
    if "NotImplementedError" in raised:
        return CaseResult(case.name, False, ("not_implemented",), "raised NotImplementedError")

    facts: dict[str, dict[str, str]] = {}
    if case.expects_error:
        wanted = case.expected.exception
        if wanted in raised:
            passed, codes, detail = True, (), ""
        elif error:
            passed, codes, detail = False, ("wrong_exception",), f"raised {error}, expected {wanted}"
            facts["wrong_exception"] = {"exception": exception_name(raised)}
        else:
            value = getattr(outcome, "value", None)
            passed, codes, detail = False, ("no_validation",), f"returned {array_summary(value)}, expected {wanted}"
    elif error:
        message = getattr(outcome, "message", "") or ""
        passed, codes, detail = False, ("crashed_on_case",), f"raised {error}: {message}" if message else f"raised {error}"
        facts["crashed_on_case"] = {"exception": exception_name(raised)}
    else:
        passed, codes, detail, facts = judge_value(case, getattr(outcome, "value", None), tolerance)

    modified = modified_inputs(case, outcome)
    if modified:
        note = f"modified its input{'s' if len(modified) > 1 else ''} {', '.join(modified)} in place"
        codes = (*codes, "mutates_input")
        detail = f"{detail}; {note}" if detail else note
        passed = False
    return CaseResult(case.name, passed, () if passed else codes, detail, {} if passed else facts)


def exception_name(names: tuple[str, ...]) -> str:
    """The first builtin exception class among a raised exception's class and bases.

    The student may see it for hidden cases too, so it is never a name their code made up (a class
    created at run time could be named after a hidden input): ``ValueError`` for numpy's
    ``AxisError``, ``Exception`` for a class of their own.
    """
    for name in names:
        candidate = getattr(builtins, str(name), None)
        if isinstance(candidate, type) and issubclass(candidate, BaseException):
            return candidate.__name__
    return "Exception"


# -- values ---------------------------------------------------------------------------------------
Verdict = tuple[bool, tuple[str, ...], str]
Facts = dict[str, dict[str, str]]


def judge_value(case: Case, got: Any, tolerance: Mapping[str, Tolerance]) -> tuple[bool, tuple[str, ...], str, Facts]:
    """(passed, codes, detail, facts) for a returned value, by the kind of the expected answer."""
    expected = case.expected
    if case.function in JUDGES:  # a05's answer of its own kind (the kwargs dict of tf_conv2d_args)
        passed, codes, detail = JUDGES[case.function](case, got)
        return passed, codes, detail, {}
    if isinstance(expected, np.ndarray):
        verdict = _judge_array(case, got, tolerance)
    elif isinstance(expected, (int, np.integer)) and not isinstance(expected, bool):
        verdict = _judge_int(case, got)
    elif isinstance(expected, tuple):
        verdict = _judge_pair(case, got)
    else:
        # Another kind of answer (a future exercise): plain equality.
        same = type(got) is type(expected) and got == expected
        verdict = bool(same), (), "" if same else f"returned {array_summary(got)}, expected {array_summary(expected)}"
    passed, codes, detail = verdict
    facts: Facts = {}
    if not passed:
        codes = _codes(codes, _diagnosed(case, _as_answer(expected, got), facts))
        if "integer_truncation" in codes:  # it already says the dtype is wrong, and why
            codes = tuple(c for c in codes if c != "wrong_dtype")
            facts.setdefault("integer_truncation", {"variant": "stored"})
    return passed, codes, detail, facts


def _as_answer(expected: Any, got: Any) -> Any:
    """``got`` as the kind of value the models give: an int, a tuple of ints, or itself."""
    if isinstance(expected, tuple) and isinstance(got, (tuple, list)):
        values = tuple(_as_int(v) for v in got)
        return got if None in values else values
    if isinstance(expected, (int, np.integer)) and not isinstance(expected, bool):
        value = _as_int(got)
        return got if value is None else value
    return got


def _diagnosed(case: Case, got: Any, facts: Facts) -> tuple[str, ...]:
    codes, found = findings(case, got)
    facts.update(found)
    return codes


def _codes(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Concatenate code groups without repeats, first occurrence first."""
    return tuple(dict.fromkeys(c for g in groups for c in g))


def _judge_array(case: Case, got: Any, tolerance: Mapping[str, Tolerance]) -> Verdict:
    expected: np.ndarray = case.expected
    if isinstance(got, np.generic) and expected.ndim == 0:
        got = np.asarray(got)  # numpy's own answer for a 0-d input (np.maximum returns a scalar)
    if type(got) is not np.ndarray:
        return False, ("not_ndarray",), f"returned {_kind(got)}, expected a numpy.ndarray"

    dtype_codes, dtype_detail = _dtype_verdict(case, got)
    if got.shape != expected.shape:
        detail = f"shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        return False, _codes(("wrong_shape",), dtype_codes), "; ".join(filter(None, (detail, dtype_detail)))

    kind = "float32" if got.dtype == np.float32 and case.float32_ok else "float64"
    tol = tolerance.get(kind) or DEFAULT_TOLERANCE[kind]
    value_detail = compare_arrays(got, expected, tol)
    if not value_detail and not dtype_codes:
        return True, (), ""
    return False, dtype_codes, "; ".join(filter(None, (dtype_detail, value_detail)))


def _dtype_verdict(case: Case, got: np.ndarray) -> tuple[tuple[str, ...], str]:
    """Codes and detail for the dtype of an ndarray result (empty when the dtype is acceptable)."""
    expected: np.ndarray = case.expected
    if case.function in SAME_DTYPE_FUNCTIONS or expected.dtype.kind in "biu":
        if got.dtype == expected.dtype:
            return (), ""
        return ("wrong_dtype",), f"dtype {got.dtype}, expected {expected.dtype} (the input's dtype)"
    if got.dtype == np.float64 or (got.dtype == np.float32 and case.float32_ok):
        return (), ""
    wanted = "float64 or float32" if case.float32_ok else "float64"
    detail = f"dtype {got.dtype}, expected {wanted}"
    if got.dtype.kind in "iu" and got.shape == expected.shape and _is_truncated(got, expected):
        return ("integer_truncation",), detail
    return ("wrong_dtype",), detail


def _is_truncated(got: np.ndarray, expected: np.ndarray) -> bool:
    """An integer result equal to the reference stored in that integer dtype (truncated, wrapped)."""
    with np.errstate(all="ignore"):
        return bool(np.array_equal(got.astype(np.float64), wrap_to_dtype(expected, got.dtype)))


def compare_arrays(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str:
    """'' when every value is within tolerance, else a pytest-approx-like summary of the differences.

    ``|got - ref| <= atol * max(1, max|ref|) + rtol * |ref|``; a NaN or inf where the reference is
    finite always differs; NaN where the reference is NaN is equal. Empty arrays compare by shape.
    """
    if got.size == 0:
        return ""
    if got.dtype.kind not in "biuf":
        return f"values of dtype {got.dtype} cannot be compared"
    ref = np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        g = got.astype(np.float64)
        finite_ref = ref[np.isfinite(ref)]
        scale = max(1.0, float(np.max(np.abs(finite_ref)))) if finite_ref.size else 1.0
        diff = np.abs(g - ref)
        ok = diff <= tol.atol * scale + tol.rtol * np.abs(ref)
        ok |= (g == ref)  # equal infinities
        ok |= np.isnan(g) & np.isnan(ref)
    bad = ~ok
    n_bad = int(bad.sum())
    if not n_bad:
        return ""
    nan_bad = int((bad & ~np.isfinite(g)).sum())
    # The first differing index (row-major): unlike the position of the largest difference, rounding
    # noise cannot move it, so `grader check` and plain pytest point at the same element.
    first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), got.shape))
    worst = float(np.nan_to_num(diff, nan=np.inf, posinf=np.inf)[bad].max())
    parts = [f"first difference at index {first}: got {_number(g[first])}, expected {_number(ref[first])}"]
    parts.append(f"max |diff| {worst:.3g}" if np.isfinite(worst) else "non-finite difference")
    parts.append(f"{n_bad} of {got.size} values differ")
    if nan_bad:
        parts.append(f"{nan_bad} NaN/inf where a finite value is expected")
    return "; ".join(parts)


def _number(value: Any) -> str:
    return f"{float(value):.6g}"


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{type(value).__name__} (an ndarray subclass)"
    return type(value).__name__


def _as_int(value: Any) -> int | None:
    """``value`` as an int if it is one (int, np.integer, 0-d integer array), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return None


def _is_float(value: Any) -> bool:
    return isinstance(value, (float, np.floating)) or (
        type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind == "f"
    )


def _judge_int(case: Case, got: Any) -> Verdict:
    expected = int(case.expected)
    value = _as_int(got)
    if value is None:
        if _is_float(got) or isinstance(got, bool):
            return False, ("wrong_dtype",), f"returned {_kind(got)}, expected int"
        return False, ("not_ndarray",), f"returned {_kind(got)}, expected int"
    if value == expected:
        return True, (), ""
    return False, (), f"off by {value - expected:+d}"


def _judge_pair(case: Case, got: Any) -> Verdict:
    expected = tuple(int(v) for v in case.expected)
    n = len(expected)
    if not isinstance(got, (tuple, list)) or len(got) != n:
        return False, ("not_ndarray",), f"returned {_kind(got)}, expected a tuple of {n} ints"
    values = [_as_int(v) for v in got]
    if any(v is None for v in values):
        return False, ("wrong_dtype",), f"returned a {type(got).__name__} of {', '.join(_kind(v) for v in got)}, expected ints"
    if tuple(values) == expected:
        return True, (), ""
    if case.function in SHAPE_FUNCTIONS:
        return False, (), f"shape {tuple(values)}, expected {expected}"
    off = ", ".join(f"item {i} off by {v - e:+d}" for i, (v, e) in enumerate(zip(values, expected)) if v != e)
    return False, (), off


# -- inputs modified in place ---------------------------------------------------------------------
def modified_inputs(case: Case, outcome: Any) -> list[str]:
    """Names of the array arguments that differ after the call (shape, dtype or bytes).

    Arguments the sandbox did not report back (missing, ``None``, not an ndarray) are not judged:
    only a reported array that differs is evidence.
    """
    after_args = tuple(getattr(outcome, "args_after", None) or ())
    after_kwargs = dict(getattr(outcome, "kwargs_after", None) or {})
    changed = [i for i, before in enumerate(case.args)
               if isinstance(before, np.ndarray) and i < len(after_args) and _changed(before, after_args[i])]
    changed_kw = [key for key, before in case.kwargs.items()
                  if isinstance(before, np.ndarray) and _changed(before, after_kwargs.get(key))]
    if not changed and not changed_kw:
        return []  # the usual case: no need to bind parameter names
    names = list(bind(case) or {})
    return [names[i] if i < len(names) else f"arg{i}" for i in changed] + changed_kw


def _changed(before: np.ndarray, after: Any) -> bool:
    if not isinstance(after, np.ndarray):
        return False
    return after.shape != before.shape or after.dtype != before.dtype or after.tobytes() != before.tobytes()
