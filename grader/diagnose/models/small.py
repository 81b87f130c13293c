"""Live misconception models of the small functions: zero_pad, output_size, same_padding, relu
(instructor side only, like all of ``grader/diagnose/models/``).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from grader.cases import Case
from grader.diagnose import Analysis, bind, register
from grader.diagnose.models.core import (
    LEAKY_SLOPES,
    SAME_NEGATIVE,
    SAME_SYMMETRIC,
    Split,
    is_nested,
    resolve_pads,
    same_stride1,
    same_total,
    same_wrong_side,
    tf_same,
)

Model = tuple[str, Callable[[], Any], str]


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


# -- zero_pad -------------------------------------------------------------------------------------
def _zero_pad(args: Mapping[str, Any]) -> tuple[Callable[[], Any], Iterator[Model], list[str]] | None:
    x = np.asarray(args["x"])
    pad = args["pad"]
    if x.ndim != 4 or x.dtype.kind not in "biuf" or isinstance(pad, str):
        return None
    try:
        (t, b), (l, r) = resolve_pads(pad, (0, 0), (0, 0), (1, 1))
    except ValueError:
        return None
    if min(t, b, l, r) < 0:
        return None
    full = ((0, 0), (t, b), (l, r), (0, 0))

    def right() -> np.ndarray:
        return np.pad(x, full)

    def models() -> Iterator[Model]:
        yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (t, b), (l, r), (0, 0))), ""  # N too
        yield "padding_wrong_axes", lambda: np.pad(x, ((0, 0), (t, b), (l, r), (l, r))), ""  # C too
        yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (t, b), (l, r), (l, r))), ""  # every axis
        yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (l, r), (0, 0), (0, 0))), ""  # as if HWC
        yield "padding_wrong_axes", lambda: np.pad(x, pad), ""  # np.pad's own broadcasting of ``pad``
        yield "layout_nchw", lambda: np.pad(x, ((0, 0), (0, 0), (t, b), (l, r))), ""  # H, W taken as axes 2, 3
        yield "nonzero_padding", lambda: np.pad(x, full, constant_values=1), ""
        yield "nonzero_padding", lambda: np.pad(x, full, mode="edge"), ""
        yield "nonzero_padding", lambda: np.pad(x, full, mode="reflect"), ""
        yield "hw_transposed", lambda: np.pad(x, ((0, 0), (l, r), (t, b), (0, 0))), ""
        if is_nested(pad):
            yield "explicit_padding_order", lambda: np.pad(x, ((0, 0), (t, l), (b, r), (0, 0))), ""

    classes = ["pad_nested" if is_nested(pad) else "pad_pair" if isinstance(pad, (tuple, list)) else "pad_int"]
    if (t, b, l, r) == (0, 0, 0, 0):
        classes.append("zero_padding")
    elif len({t, b, l, r}) > 1:
        classes.append("asymmetric_padding")
    classes += _dtype_classes(x)
    if x.shape[0] != 1:
        classes.append("empty_batch" if x.shape[0] == 0 else "batch")
    classes.append("multi_channel" if x.shape[3] > 1 else "single_channel")
    return right, models(), classes


# -- output_size and same_padding -----------------------------------------------------------------
def _output_size(args: Mapping[str, Any]) -> tuple[Callable[[], Any], Iterator[Model], list[str]] | None:
    n, k, s, padding = args["n"], args["k"], args["stride"], args["padding"]
    if not all(_is_int(v) and v >= 1 for v in (n, k, s)):
        return None
    if isinstance(padding, str) and padding not in ("VALID", "SAME"):
        return None

    def size(stride: int, same: Split = tf_same, rounding: Callable[[float], int] = math.floor) -> int:
        (before, after), _ = resolve_pads(padding, (n, n), (k, k), (stride, stride), same)
        return int(rounding((n + before + after - k) / stride)) + 1

    def models() -> Iterator[Model]:
        right = size(s)
        yield "output_size_off_by_one", lambda: right - 1, ""
        yield "output_size_off_by_one", lambda: right + 1, ""
        yield "output_size_ceil", lambda: size(s, rounding=math.ceil), ""
        if s > 1:
            yield "stride_ignored", lambda: size(1), ""
        if padding == "SAME":
            for split in SAME_SYMMETRIC.values():
                yield "same_padding_symmetric", lambda split=split: size(s, split), ""
            if s > 1:
                yield "same_padding_stride1", lambda: size(s, same_stride1), ""
            if same_total(n, k, s) < 0:
                for split in SAME_NEGATIVE.values():
                    yield "same_padding_negative", lambda split=split: size(s, split), ""

    classes = _size_classes(n, k, s, padding)
    return (lambda: size(s)), models(), classes


def _same_padding(args: Mapping[str, Any]) -> tuple[Callable[[], Any], Iterator[Model], list[str]] | None:
    n, k, s = args["n"], args["k"], args["stride"]
    if not all(_is_int(v) and v >= 1 for v in (n, k, s)):
        return None

    def models() -> Iterator[Model]:
        for split in SAME_SYMMETRIC.values():
            yield "same_padding_symmetric", lambda split=split: split(n, k, s), ""
        yield "same_padding_wrong_side", lambda: same_wrong_side(n, k, s), ""
        if s > 1:
            yield "same_padding_stride1", lambda: same_stride1(n, k, s), ""
        if same_total(n, k, s) < 0:
            for split in SAME_NEGATIVE.values():
                yield "same_padding_negative", lambda split=split: split(n, k, s), ""

    return (lambda: tf_same(n, k, s)), models(), _size_classes(n, k, s, "SAME")


def _size_classes(n: int, k: int, s: int, padding: Any) -> list[str]:
    out = []
    if s > k:
        out.append("stride_gt_kernel")
    if k > n:
        out.append("kernel_gt_input")
    try:
        (before, after), _ = resolve_pads(padding, (n, n), (k, k), (s, s))
        if (n + before + after - k) % s:
            out.append("stride_not_dividing")
    except ValueError:
        pass
    if isinstance(padding, str):
        out.append("same_padding" if padding == "SAME" else "valid_padding")
    else:
        out.append("int_padding")
    if k % 2 == 0:
        out.append("even_kernel")
    if s > 1:
        out.append("strided")
    return out


# -- relu -----------------------------------------------------------------------------------------
def _relu(args: Mapping[str, Any]) -> tuple[Callable[[], Any], Iterator[Model], list[str]] | None:
    x = np.asarray(args["x"])
    if x.dtype.kind not in "biuf":
        return None
    xf = x.astype(np.float64)

    def models() -> Iterator[Model]:
        for slope in LEAKY_SLOPES:
            yield "relu_leaky", lambda slope=slope: np.where(xf > 0, xf, slope * xf), ""
        yield "relu_abs", lambda: np.abs(xf), ""

    classes = ["zero_d"] if x.ndim == 0 else []
    if x.size and bool((xf < 0).all()):
        classes.append("all_negative")
    classes += _dtype_classes(x)
    return (lambda: np.maximum(xf, 0.0)), models(), classes


def _dtype_classes(x: np.ndarray) -> list[str]:
    if x.dtype == np.uint8:
        return ["uint8"]
    if x.dtype.kind in "iu":
        return ["integer_dtype"]
    if x.dtype == np.float32:
        return ["float32"]
    return []


# -- analyses ---------------------------------------------------------------------------------------
def _values(entries: Iterator[Model]) -> Iterator[tuple[str, Any, str]]:
    """``(code, output, variant)`` of the models (arrays as float64)."""
    for code, model, variant in entries:
        yield code, (lambda model=model: _float(model())), variant  # computed when asked


def _float(value: Any) -> Any:
    return np.asarray(value, dtype=np.float64) if isinstance(value, np.ndarray) else value


_BUILDERS = {"zero_pad": _zero_pad, "output_size": _output_size, "same_padding": _same_padding, "relu": _relu}


def analyze(case: Case) -> Analysis | None:
    args = bind(case)
    builder = _BUILDERS.get(case.function)
    if args is None or builder is None:
        return None
    built = builder(args)
    if built is None:
        return None
    right, entries, classes = built
    return Analysis(lambda: _values(entries), classes=classes, right=right)


for _function in _BUILDERS:
    register(_function, analyze)
