"""judge_case: faults, exceptions, kinds, shapes, dtypes, tolerance, mutation, details."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.cases import Case, Raises
from grader.compare import compare_arrays, judge_case
from grader.course import Tolerance
from grader.sandbox.runner import CallOutcome as Outcome

TOL = {"float64": Tolerance(1e-7, 1e-9), "float32": Tolerance(1e-4, 1e-5)}


def xcorr(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out


X = np.arange(20.0).reshape(4, 5) ** 1.5
K = np.array([[1.0, -2.0], [0.5, 3.0]])
XC = Case("asymmetric", "cross_correlate2d", (X, K), {}, xcorr(X, K))


def judge(case: Case = XC, **outcome: Any):
    return judge_case(case, Outcome(**outcome), TOL)


# -- faults and exceptions ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault, code",
    [("timeout", "timeout"), ("memory_limit", "memory_limit"), ("crashed", "crashed"),
     ("forbidden_operation", "forbidden_operation"), ("forbidden_import", "forbidden_import"),
     ("missing_function", "missing_function"), ("refused_value", "not_ndarray")],
)
def test_faults_become_their_codes(fault, code):
    result = judge(fault=fault, detail="after 5 s")
    assert (result.passed, result.codes) == (False, (code,))
    assert fault in result.detail


def test_not_implemented_by_name_or_base():
    assert judge(error="NotImplementedError").codes == ("not_implemented",)
    assert judge(error="MyStub", error_bases=("NotImplementedError", "RuntimeError")).codes == ("not_implemented",)
    # The stub raises NotImplementedError even on a case that must raise ValueError: still not implemented.
    case = Case("bad", "cross_correlate2d", (X[0], K), {}, Raises("ValueError"))
    assert judge(case, error="NotImplementedError").codes == ("not_implemented",)


def test_expected_value_error():
    case = Case("1-D input", "cross_correlate2d", (X[0], K), {}, Raises("ValueError"))
    assert judge(case, error="ValueError", message="x must be 2-D").passed
    assert judge(case, error="ShapeError", error_bases=("ValueError", "Exception")).passed
    wrong_type = judge(case, error="TypeError", message="bad")
    assert (wrong_type.passed, wrong_type.codes) == (False, ("wrong_exception",))
    assert wrong_type.facts == {"wrong_exception": {"exception": "TypeError"}}
    assert "TypeError" in wrong_type.detail
    silent = judge(case, value=np.zeros(3))
    assert silent.codes == ("no_validation",) and "float64 array (3,)" in silent.detail


def test_an_exception_on_a_valid_case_is_named_without_the_message():
    result = judge(error="IndexError", error_bases=("LookupError", "Exception"), message="index 4 is out of bounds")
    assert (result.passed, result.codes) == (False, ("crashed_on_case",))
    assert result.facts == {"crashed_on_case": {"exception": "IndexError"}}
    assert result.detail == "raised IndexError: index 4 is out of bounds"  # shown for visible tests only


@pytest.mark.parametrize("error, bases, shown", [
    ("AxisError", ("AxisError", "ValueError", "IndexError", "Exception"), "ValueError"),
    ("Secret_4_2", ("Secret_4_2", "Exception", "BaseException", "object"), "Exception"),  # a made-up class name
    ("ZeroDivisionError", (), "ZeroDivisionError"),
])
def test_the_exception_named_is_always_a_builtin_class(error, bases, shown):
    """A class created at run time could carry a hidden input in its name: never repeat it."""
    assert judge(error=error, error_bases=bases).facts["crashed_on_case"]["exception"] == shown
    case = Case("bad", "cross_correlate2d", (X[0], K), {}, Raises("ValueError"))
    if shown != "ValueError":  # (numpy's AxisError is a ValueError: it rejects bad input rightly)
        assert judge(case, error=error, error_bases=bases).facts["wrong_exception"]["exception"] == shown


# -- kind, shape, dtype ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [np.ndarray.tolist, lambda a: 3.0, lambda a: None, lambda a: "x",
                                  lambda a: np.ma.masked_array(a)])
def test_not_an_ndarray(make):
    result = judge(value=make(XC.expected))
    assert not result.passed and result.codes[0] == "not_ndarray"


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_np_matrix_is_not_an_ndarray():
    assert judge(value=np.asmatrix(XC.expected)).codes[0] == "not_ndarray"


def test_not_ndarray_still_diagnoses_a_list():
    flipped = xcorr(X, K[::-1, ::-1]).tolist()
    assert judge(value=flipped).codes == ("not_ndarray", "flipped_kernel")


def test_wrong_shape_with_diagnosis():
    short = XC.expected[:-1, :-1]
    result = judge(value=short)
    assert result.codes == ("wrong_shape", "output_size_off_by_one")
    assert result.detail == "shape (2, 3), expected (3, 4)"
    transposed = judge(value=XC.expected.T.copy())
    assert transposed.codes == ("wrong_shape", "hw_transposed")


def test_integer_results():
    x = np.array([[11, 201, 31], [41, 251, 61], [7, 9, 255]], dtype=np.uint8)  # odd: fractions
    k = np.array([[0.3, 1.1], [-0.7, 2.0]])
    case = Case("uint8", "cross_correlate2d", (x, k), {}, xcorr(x.astype(float), k))
    stored = np.zeros(case.expected.shape, dtype=np.uint8)
    stored[...] = case.expected  # what np.zeros_like(x)-style output arrays do
    result = judge(case, value=stored)
    assert result.codes == ("integer_truncation",)
    assert "dtype uint8" in result.detail
    assert judge(case, value=np.round(case.expected).astype(np.int64)).codes[0] == "wrong_dtype"
    # Integer result with exactly the right values: still stored in an integer dtype.
    ints = Case("ints", "cross_correlate2d", (x.astype(np.int64), np.ones((2, 2), np.int64)), {},
                xcorr(x.astype(float), np.ones((2, 2))))
    assert judge(ints, value=ints.expected.astype(np.int64)).codes == ("integer_truncation",)


@pytest.mark.parametrize("dtype", [np.bool_, np.complex128, np.float16])
def test_other_dtypes_are_wrong(dtype):
    result = judge(value=XC.expected.astype(dtype))
    assert not result.passed and result.codes[0] == "wrong_dtype"


def test_float32_only_when_every_input_is_float32():
    assert judge(value=XC.expected.astype(np.float32)).codes == ("wrong_dtype",)
    x32, k32 = X.astype(np.float32), K.astype(np.float32)
    case = Case("f32", "cross_correlate2d", (x32, k32), {}, xcorr(x32.astype(float), k32.astype(float)), float32_ok=True)
    assert judge(case, value=case.expected.astype(np.float32)).passed
    assert judge(case, value=case.expected).passed
    off = case.expected.astype(np.float32)
    off[1, 1] += 1e-2 * max(1.0, np.abs(case.expected).max())
    assert not judge(case, value=off).passed


def test_same_dtype_functions_keep_the_input_dtype():
    x = np.arange(8, dtype=np.uint8).reshape(1, 2, 2, 2)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    case = Case("uint8", "zero_pad", (x, 1), {}, padded)
    assert judge(case, value=padded.copy()).passed
    assert judge(case, value=padded.astype(np.float64)).codes == ("wrong_dtype",)
    relu_case = Case("f32", "relu", (np.array([-1.0, 2.0], np.float32),), {}, np.array([0.0, 2.0], np.float32), True)
    assert judge(relu_case, value=np.array([0.0, 2.0])).codes == ("wrong_dtype",)


# -- tolerance, NaN, empty ------------------------------------------------------------------------
def test_tolerance_is_scaled_by_the_largest_reference_value():
    scale = np.abs(XC.expected).max()
    within = XC.expected + 0.5e-9 * scale
    beyond = XC.expected.copy()
    beyond[2, 1] += 1e-6 * scale
    assert judge(value=within).passed
    result = judge(value=beyond)
    assert not result.passed and result.codes == ()
    assert "first difference at index (2, 1)" in result.detail and result.detail.endswith("1 of 12 values differ")


def test_course_tolerance_is_used():
    loose = {"float64": Tolerance(1e-2, 1e-2), "float32": TOL["float32"]}
    near = XC.expected * 1.001
    assert judge_case(XC, Outcome(value=near), loose).passed
    assert not judge_case(XC, Outcome(value=near), TOL).passed


def test_nan_fails_and_is_reported():
    nan = XC.expected.copy()
    nan[0, 0] = np.nan
    result = judge(value=nan)
    assert not result.passed
    assert "1 NaN/inf" in result.detail and "index (0, 0)" in result.detail


def test_empty_arrays_compare_by_shape():
    case = Case("N=0", "conv2d", (np.zeros((0, 4, 4, 2)), np.zeros((3, 3, 2, 1))), {}, np.zeros((0, 2, 2, 1)))
    assert judge(case, value=np.zeros((0, 2, 2, 1))).passed
    assert judge(case, value=np.zeros((0, 4, 4, 1))).codes[0] == "wrong_shape"


def test_compare_arrays_detail_like_pytest_approx():
    ref = np.zeros((1, 3, 3, 2))
    got = ref.copy()
    got[0, 1, 2, 0] = 2.5
    got[0, 0, 0, 1] = -1.0
    assert compare_arrays(got, ref, TOL["float64"]) == (
        "first difference at index (0, 0, 0, 1): got -1, expected 0; max |diff| 2.5; 2 of 18 values differ")
    assert compare_arrays(ref, ref, TOL["float64"]) == ""


def test_the_first_difference_does_not_move_with_rounding_noise():
    """A constant offset plus noise in the last bits: the largest difference lands anywhere, the first
    differing index stays put (grader check and pytest run the same code on different memory layouts)."""
    rng = np.random.default_rng(3)
    ref = rng.standard_normal((2, 4, 5, 3))
    places = set()
    for _ in range(5):
        got = ref + 0.876 + rng.standard_normal(ref.shape) * 1e-13
        detail = compare_arrays(got, ref, TOL["float64"])
        places.add(detail.split(":")[0])
    assert places == {"first difference at index (0, 0, 0, 0)"}


# -- inputs modified in place ---------------------------------------------------------------------
def test_mutated_input_fails_even_with_the_right_value():
    x = np.array([-1.0, 2.0, -3.0])
    case = Case("relu", "relu", (x,), {}, np.maximum(x, 0))
    result = judge(case, value=np.maximum(x, 0), args_after=(np.maximum(x, 0),))
    assert (result.passed, result.codes) == (False, ("mutates_input",))
    assert "x" in result.detail
    assert judge(case, value=np.maximum(x, 0), args_after=(x.copy(),)).passed
    assert judge(case, value=np.maximum(x, 0)).passed  # nothing reported back: nothing to judge


def test_mutation_is_checked_by_dtype_and_kwargs_too():
    x, w = np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))
    case = Case("kw", "conv2d", (x,), {"w": w}, np.full((1, 2, 2, 1), 4.0))
    result = judge(case, value=case.expected.copy(), args_after=(x.astype(np.float32),), kwargs_after={"w": w * 2})
    assert result.codes == ("mutates_input",)
    assert "x" in result.detail and "w" in result.detail
    wrong = judge(case, value=case.expected + 1, args_after=(x.copy(),), kwargs_after={"w": w * 2})
    assert wrong.codes[-1] == "mutates_input"


# -- output_size and same_padding -----------------------------------------------------------------
OS = Case("k3 s2 p1", "output_size", (8, 3, 2, 1), {}, 4)


@pytest.mark.parametrize("value", [4, np.int64(4), np.array(4)])
def test_output_size_accepts_ints(value):
    assert judge(OS, value=value).passed


@pytest.mark.parametrize("value, code", [(4.0, "wrong_dtype"), (True, "wrong_dtype"), (None, "not_ndarray"),
                                         ("4", "not_ndarray"), (np.array([4]), "not_ndarray")])
def test_output_size_rejects_other_kinds(value, code):
    result = judge(OS, value=value)
    assert not result.passed and result.codes[0] == code


def test_output_size_off_by_one_and_stride():
    result = judge(OS, value=3)
    assert result.codes == ("output_size_off_by_one",) and result.detail == "off by -1"
    assert "stride_ignored" in judge(OS, value=8).codes


SP = Case("n6 k3 s2", "same_padding", (6, 3, 2), {}, (0, 1))


def test_same_padding_kinds_and_diagnosis():
    assert judge(SP, value=(0, 1)).passed and judge(SP, value=[0, 1]).passed
    assert judge(SP, value=(np.int64(0), np.int64(1))).passed
    assert judge(SP, value=(0.0, 1.0)).codes == ("wrong_dtype",)
    assert judge(SP, value=np.array([0, 1])).codes == ("not_ndarray",)
    assert judge(SP, value=1).codes == ("not_ndarray",)
    assert judge(SP, value=(1, 0)).codes == ("same_padding_wrong_side",)
    assert "same_padding_symmetric" in judge(SP, value=(1, 1)).codes


def test_passed_cases_carry_no_codes():
    result = judge(value=XC.expected.copy())
    assert (result.passed, result.codes, result.detail) == (True, (), "")


def test_numpy_scalar_answers_a_0d_input_but_keeps_its_dtype():
    case = Case("0-d", "relu", (np.array(-2.5),), {}, np.array(0.0))
    assert judge(case, value=np.float64(0.0)).passed
    assert not judge(case, value=np.float64(1.0)).passed
    wrong_dtype = judge(case, value=np.int64(0))
    assert not wrong_dtype.passed and "wrong_dtype" in wrong_dtype.codes
