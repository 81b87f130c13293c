"""Judging what ``tf_conv2d_args`` returns (a05_tf_conv2d): a dict of ``tf.nn.conv2d``'s keyword
arguments, which ``grader.compare`` has no judge for. It names the argument that differs (strides,
padding, data_format) against the expected dict; it computes no answer, so it ships in the student
bundle (the diagnosis models of ``grader.diagnose_shapes`` do not).
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

from grader.cases import Case


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


Verdict = tuple[bool, tuple[str, ...], str]
_ALLOWED_EXTRAS = {"dilations": (None, 1, [1, 1, 1, 1]), "name": None}


def _as_list(value: Any) -> Any:
    """Tuples as lists, numpy integers as ints, recursively (the forms TensorFlow treats alike)."""
    if isinstance(value, (tuple, list)):
        return [_as_list(v) for v in value]
    number = _int(value)
    return number if number is not None else value


def _judge_args(case: Case, got: Any) -> Verdict:
    expected = case.expected
    if not isinstance(got, dict):
        return False, ("not_ndarray",), f"returned {type(got).__name__}, expected a dict"
    problems: list[str] = []
    codes: list[str] = []
    for key in ("strides", "padding", "data_format"):
        if key not in got:
            problems.append(f"missing key {key!r}")
            codes.append({"strides": "tf_strides_format", "padding": "tf_padding_format", "data_format": "tf_data_format"}[key])
    for key, value in got.items():
        if key in expected:
            continue
        allowed = _ALLOWED_EXTRAS.get(key, ())
        if key == "name" and (value is None or isinstance(value, str)):
            continue
        if key == "dilations" and _as_list(value) in allowed:
            continue
        problems.append(f"unexpected key {key!r}")
    if "strides" in got and _as_list(got["strides"]) != expected["strides"]:
        strides = _as_list(got["strides"])
        _, sh, sw, _ = expected["strides"]
        # Both are candidates where they coincide ((sh, 1) in NCHW order is [1, 1, sh, 1], (sh, 1)
        # swapped too): grader.diagnose.settle names the one that explains the test's other cases.
        fits = [code for code, model in (("stride_swapped", [1, sw, sh, 1] if sh != sw else None),
                                         ("layout_nchw", [1, 1, sh, sw])) if strides == model]
        codes.extend(fits or ["tf_strides_format"])
        problems.append(f"strides {got['strides']!r}, expected {expected['strides']!r}")
    if "padding" in got and _as_list(got["padding"]) != expected["padding"]:
        padding, want = _as_list(got["padding"]), expected["padding"]
        if isinstance(want, list) and isinstance(padding, list) and len(padding) == 4 and padding[1:3] == want[2:0:-1]:
            codes.append("hw_transposed")
        elif isinstance(want, list) and padding == [[0, 0], [want[1][0], want[2][0]], [want[1][1], want[2][1]], [0, 0]]:
            codes.append("explicit_padding_order")
        else:
            codes.append("tf_padding_format")
        problems.append(f"padding {got['padding']!r}, expected {want!r}")
    if "data_format" in got and got["data_format"] != "NHWC":
        codes.append("layout_nchw" if got["data_format"] == "NCHW" else "tf_data_format")
        problems.append(f"data_format {got['data_format']!r}, expected 'NHWC'")
    if not problems:
        return True, (), ""
    return False, tuple(dict.fromkeys(codes)), "; ".join(problems)


#: function -> its own judge of a returned value (when ``grader.compare`` has none for that kind of answer).
JUDGES: dict[str, Callable[[Case, Any], Verdict]] = {"tf_conv2d_args": _judge_args}
