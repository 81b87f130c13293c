"""Live misconception models of the convolutions: cross_correlate2d, convolve2d, correlate2d,
conv2d and conv2d_relu (instructor side only, like all of ``grader/diagnose/models/``).

Each misconception is a change of the inputs, the parameters or the output around the numpy core
(:mod:`grader.diagnose.models.core`): a flipped filter, another SAME split, the stride ignored, the
bias added inside the window sum... A model equal to the right answer for a case proves nothing
and is ignored when it matches.

Besides outputs, a misconception can make a call *raise*: a channel check that reads NHWC as NCHW
rejects valid inputs, a ceil output size makes the last window partial (a broadcasting error),
negative SAME padding makes ``np.pad`` refuse. :func:`analyze` lists those codes for each case; the
settling step reports one only when it predicts exactly which of a submission's calls raised.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterator

import numpy as np

from grader.cases import Case
from grader.diagnose import Analysis, register, wrap_to_dtype
from grader.diagnose.models.core import (
    FUNCTIONS,
    LEAKY_SLOPES,
    SAME_NEGATIVE,
    SAME_SYMMETRIC,
    Conv,
    _broadcasts,
    _counts,
    _loops_output,
    _loops_run,
    _relu,
    _straight,
    _transposed,
    _transposed_output,
    is_nested,
    same_stride1,
    same_total,
    same_wrong_side,
    problem,
)


# -- misconception models -------------------------------------------------------------------------
Model = tuple[str, Callable[[], Any], str]


def _hw_axes(a: np.ndarray) -> tuple[int, int]:
    return (0, 1) if a.ndim == 2 else (1, 2)


def _swap_hw(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, *_hw_axes(a))


def _short(a: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """One output row and/or column missing at the end, as from ``range(H - kh)`` loops."""
    ah, aw = _hw_axes(a)
    index = [slice(None)] * a.ndim
    if rows:
        index[ah] = slice(0, -1)
    if cols:
        index[aw] = slice(0, -1)
    return a[tuple(index)]


def _extra_blank(a: np.ndarray, blank_value: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """One extra row/column at the end that the loops never fill, as from ``np.zeros((H - kh + 2, ...))``."""
    ah, aw = _hw_axes(a)
    for axis, on in ((ah, rows), (aw, cols)):
        if on:
            edge = np.take(a, [-1], axis=axis)
            a = np.concatenate([a, np.zeros_like(edge) + blank_value], axis=axis)
    return a


def _corner(blank: np.ndarray) -> np.ndarray:
    """The value an output position keeps when it is never computed (0, the bias, relu(bias))."""
    return blank[0, 0] if blank.ndim == 2 else blank[0, 0, 0, :]


def _crop_like(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    ah, aw = _hw_axes(a)
    index = [slice(None)] * a.ndim
    index[ah], index[aw] = slice(0, like.shape[ah]), slice(0, like.shape[aw])
    return a[tuple(index)]


def _flat(p: Conv, per_channel: np.ndarray) -> np.ndarray:
    """(N, Ho, Wo, A, B) -> (N, Ho, Wo, A*B), then the function's bias-free finish."""
    return p.finish(per_channel.reshape(*per_channel.shape[:3], -1), bias=False)


def _ceil_extra(p: Conv) -> tuple[int, int]:
    """Rows and columns a ceil output size adds: ceil((Hp - kh) / sh) + 1 minus the floor's count."""
    hp, wp = p.padded_hw
    kh, kw = p.w.shape[:2]
    sh, sw = p.stride
    return tuple(int(-(-(n - k) // s) - (n - k) // s) for n, k, s in ((hp, kh, sh), (wp, kw, sw)))  # type: ignore[return-value]


def _kernel_models(p: Conv) -> Iterator[Model]:
    w = p.w
    yield ("unflipped_kernel" if p.function == "convolve2d" else "flipped_kernel"), lambda: p.run(w=w[::-1, ::-1]), ""
    yield "flip_one_axis", lambda: p.run(w=w[::-1]), ""
    yield "flip_one_axis", lambda: p.run(w=w[:, ::-1]), ""


def _channel_models(p: Conv) -> Iterator[Model]:
    x, w = p.x, p.w
    if p.planar or x.shape[3] < 2:
        return
    yield "no_channel_sum", lambda: p.run(x=x[..., :1], w=w[:, :, :1]), ""
    yield "no_channel_sum", lambda: p.run(x=x[..., -1:], w=w[:, :, -1:]), ""
    yield "no_channel_sum", lambda: p.run(w=w / x.shape[3]), ""  # averaged instead of summed

    # One output per (input channel, filter): (N, Ho, Wo, C, F), or flattened either way.
    @functools.cache  # three models reuse it
    def per_channel() -> np.ndarray:
        return np.stack([p.conv(x=x[..., c:c + 1], w=w[:, :, c:c + 1]) for c in range(x.shape[3])], axis=3)

    yield "no_channel_sum", lambda: _flat(p, per_channel()), ""
    yield "no_channel_sum", lambda: _flat(p, per_channel().swapaxes(3, 4)), ""
    yield "no_channel_sum", lambda: p.finish(per_channel() + (0 if p.b is None else p.b[None, :]), bias=False), ""


def _bias_models(p: Conv) -> Iterator[Model]:
    if p.function not in ("conv2d", "conv2d_relu") or not p.bias_matters:
        return
    if p.function == "conv2d_relu":
        yield "relu_before_bias", lambda: _relu(p.conv()) + p.b, ""
    yield "missing_bias", lambda: p.finish(p.conv(), bias=False), ""
    # The bias inside the window sum: once per tap and channel, per tap, or per channel.
    kh, kw, c = p.w.shape[:3]
    for times in sorted({kh * kw * c, kh * kw, c} - {1}):
        yield "bias_inside_window", lambda times=times: p.finish(p.conv() + times * p.b, bias=False), ""


def _relu_models(p: Conv) -> Iterator[Model]:
    if p.function != "conv2d_relu":
        return
    for slope in LEAKY_SLOPES:
        yield "relu_leaky", lambda slope=slope: p.finish(p.conv(), act=lambda z: np.where(z > 0, z, slope * z)), ""
    yield "relu_abs", lambda: p.finish(p.conv(), act=np.abs), ""


def _layout_models(p: Conv) -> Iterator[Model]:
    if p.planar:
        return
    x, w = p.x, p.w
    yield "layout_nchw", lambda: p.run().transpose(0, 3, 1, 2), ""  # right numbers, NCHW output
    yield "layout_nchw", lambda: p.run(x=x.transpose(0, 2, 3, 1)), ""  # x read as (N, C, H, W)
    yield "layout_nchw", lambda: p.run(w=w.transpose(2, 3, 1, 0)), ""  # w read as (F, C, kh, kw)
    yield "layout_nchw", lambda: p.run(x=x.transpose(0, 2, 3, 1), w=w.transpose(2, 3, 1, 0)), ""
    yield "layout_nchw", lambda: p.run(w=w.transpose(1, 2, 3, 0)), ""  # w read as (F, kh, kw, C)


def _hw_models(p: Conv) -> Iterator[Model]:
    x, w = p.x, p.w
    yield "hw_transposed", lambda: _swap_hw(p.run()), ""
    yield "hw_transposed", lambda: p.run(x=x.swapaxes(1, 2)), ""
    yield "hw_transposed", lambda: p.run(w=w.swapaxes(0, 1)), ""
    yield "hw_transposed", lambda: p.run(x=x.swapaxes(1, 2), w=w.swapaxes(0, 1)), ""
    if is_nested(p.padding):
        (t, b), (l, r) = p.pads
        yield "hw_transposed", lambda: p.run(pads=((l, r), (t, b))), ""  # ((t, b), (l, r)) applied to W, H
    if _loops_run(p, _counts(p), _transposed(p)):  # loops that take the window at (j, i), cut short at the edges
        yield "hw_transposed", lambda: _transposed_output(p), ""


def _stride_models(p: Conv) -> Iterator[Model]:
    sh, sw = p.stride
    if (sh, sw) == (1, 1):
        return
    # The whole stride-1 output, with SAME's padding for stride 1 or for the real stride.
    yield "stride_ignored", lambda: p.run(stride=(1, 1)), ""
    yield "stride_ignored", lambda: p.run(stride=(1, 1), pads=p.pads), ""
    # Output sized for the stride, but windows start at (i, j) instead of (i*sh, j*sw). Only where
    # a strided axis has two windows or more: with one window, strided windows look the same.
    right = p.run()
    ah, aw = _hw_axes(right)
    if (sh > 1 and right.shape[ah] > 1) or (sw > 1 and right.shape[aw] > 1):
        yield "stride_ignored", lambda: _crop_like(p.run(stride=(1, 1), pads=p.pads), right), ""
        yield "stride_ignored", lambda: _crop_like(p.run(stride=(1, 1)), right), ""
    if sh != sw:
        yield "stride_swapped", lambda: p.run(stride=(sw, sh)), ""
        yield "stride_swapped", lambda: p.run(stride=(sw, sh), pads=p.pads), ""


def _padding_models(p: Conv) -> Iterator[Model]:
    if isinstance(p.padding, str) and p.padding == "SAME":
        for split in SAME_SYMMETRIC.values():
            yield "same_padding_symmetric", lambda split=split: p.run(same=split), ""
        yield "same_padding_wrong_side", lambda: p.run(same=same_wrong_side), ""
        if p.stride != (1, 1):
            yield "same_padding_stride1", lambda: p.run(same=same_stride1), ""
        if min(same_total(n, k, s) for n, k, s in zip(p.x.shape[1:3], p.w.shape[:2], p.stride)) < 0:
            for split in SAME_NEGATIVE.values():
                yield "same_padding_negative", lambda split=split: p.run(same=split), ""
    if is_nested(p.padding) or p.padding == "SAME":  # (SAME too: its split may reach a padding reader)
        (t, b), (l, r) = p.pads
        yield "explicit_padding_order", lambda: p.run(pads=((t, l), (b, r))), ""  # read as ((t, l), (b, r))
    if any(v for side in p.pads for v in side):
        yield "nonzero_padding", lambda: p.run(value=1.0), ""
        yield "nonzero_padding", lambda: p.run(mode="edge"), ""
        yield "nonzero_padding", lambda: p.run(mode="reflect"), ""
        if not p.planar:
            (top, bottom), _ = p.pads
            n = p.x.shape[0]

            @functools.cache
            def padded_batch() -> np.ndarray:  # np.pad(x, p) on the 4-D array pads N too
                return p.run(x=np.pad(p.x, ((top, bottom), (0, 0), (0, 0), (0, 0))))

            yield "padding_wrong_axes", padded_batch, ""
            yield "padding_wrong_axes", lambda: padded_batch()[:n], ""  # loops over the original N


def _batch_models(p: Conv) -> Iterator[Model]:
    n = p.x.shape[0]
    if p.planar or n < 2:
        return
    right = p.run()

    def only(image: int, rest: str) -> np.ndarray:
        out = np.repeat(right[image:image + 1], n, axis=0) if rest == "copies" else np.repeat(p.blank[:1], n, axis=0)
        out[0] = right[image]
        return out

    yield "batch_index", lambda: only(0, "copies"), ""  # image 0 for every n
    yield "batch_index", lambda: only(n - 1, "copies"), ""  # the last image for every n
    yield "batch_index", lambda: only(n - 1, "blank"), ""  # out[0] = ... inside the loop over n
    yield "batch_index", lambda: only(0, "blank"), ""  # the loop over n stops after image 0


def _size_models(p: Conv) -> Iterator[Model]:
    """A wrong number of windows: the output's shape is off (never a right-shaped output)."""
    for rows, cols in ((True, True), (True, False), (False, True)):
        yield "output_size_off_by_one", lambda rows=rows, cols=cols: _short(p.run(), rows, cols), ""
        yield "output_size_off_by_one", lambda rows=rows, cols=cols: _extra_blank(p.run(), _corner(p.blank), rows, cols), ""
    extra_h, extra_w = _ceil_extra(p)
    if extra_h or extra_w:
        kh, kw = p.w.shape[:2]
        sh, sw = p.stride
        hp, wp = p.padded_hw
        (t, b), (l, r) = p.pads
        # The last, partial window zero-extended (the student padded far enough for it) or never computed.
        grow = ((t, b + (hp - kh) // sh * sh + sh + kh - hp if extra_h else b),
                (l, r + (wp - kw) // sw * sw + sw + kw - wp if extra_w else r))
        yield "output_size_ceil", lambda: p.run(pads=grow), ""
        yield "output_size_ceil", lambda: _extra_blank(p.run(), _corner(p.blank), bool(extra_h), bool(extra_w)), ""
        if _loops_run(p, _counts(p, "ceil"), _straight(p)):  # the last windows cut short by slicing
            yield "output_size_ceil", lambda: _loops_output(p, _counts(p, "ceil"), _straight(p)), ""


def _truncation_models(p: Conv) -> Iterator[Model]:
    """The result stored in the input's integer dtype, or integer products that wrap before the sum."""
    x_dtype, w_dtype = p.dtypes
    if x_dtype.kind in "iu":
        yield "integer_truncation", lambda: wrap_to_dtype(p.run(), x_dtype), "stored"
    if x_dtype.kind in "iu" and x_dtype == w_dtype and x_dtype.itemsize < 8:
        yield "integer_truncation", lambda: p.finish(_wrapped_products(p, x_dtype)), "products"


def _wrapped_products(p: Conv, dtype: np.dtype) -> np.ndarray:
    """sum(x_window * w) where every product wraps in ``dtype`` (``np.sum`` then widens the sum)."""
    # Each product is one output of a 1x1 "convolution" of a shifted input with one filter tap.
    total = 0.0
    kh, kw = p.w.shape[:2]
    for u in range(kh):
        for v in range(kw):
            # Tap (u, v) alone: a kernel that is zero everywhere else, with products kept per channel.
            tap = np.zeros((kh, kw, 1, 1))
            tap[u, v] = 1.0
            shifted = np.stack([p.conv(x=p.x[..., c:c + 1], w=tap) for c in range(p.x.shape[3])], axis=3)
            # shifted: (N, Ho, Wo, C, 1) window values at tap (u, v); times w[u, v] (C, F), wrapped.
            total = total + wrap_to_dtype(shifted * p.w[u, v], dtype).sum(axis=3)
    return total


MODEL_GROUPS = (
    _kernel_models, _channel_models, _bias_models, _relu_models, _layout_models, _hw_models, _stride_models,
    _padding_models, _batch_models, _size_models, _truncation_models,
)


def models(p: Conv) -> Iterator[tuple[str, Any, str]]:
    """``(code, output, variant)`` of every model that applies to this case (some may equal the right
    answer: :class:`~grader.diagnose.Analysis` ignores those when they match)."""
    for group in MODEL_GROUPS:
        try:
            entries = list(group(p))
        except Exception:  # noqa: BLE001 - a group that cannot apply to this case says nothing
            continue
        for code, model, variant in entries:
            yield code, (lambda model=model: np.asarray(model(), dtype=np.float64)), variant  # computed when asked


# -- raising calls and case classes ---------------------------------------------------------------
def raises(p: Conv) -> set[str]:
    """Codes whose misconception makes this valid call raise (``code`` or ``code:reading``)."""
    out: set[str] = set()
    x, w = p.x, p.w
    if not p.planar:
        if x.shape[1] != w.shape[2]:
            out.add("layout_nchw:x")  # a channel check reading x as (N, C, H, W)
        if x.shape[3] != w.shape[1]:
            out.add("layout_nchw:w")  # ... reading w as (F, C, kh, kw)
        if x.shape[1] != w.shape[1]:
            out.add("layout_nchw:xw")
    if any(_ceil_extra(p)) and not _loops_run(p, _counts(p, "ceil"), _straight(p)):
        out.add("output_size_ceil")  # the last window, cut short, cannot broadcast against the kernel
    if not _loops_run(p, _counts(p), _transposed(p)):
        out.add("hw_transposed:window")  # the window taken at (j, i) is not the kernel's shape
    if isinstance(p.padding, str) and p.padding == "SAME" and min(
            same_total(n, k, s) for n, k, s in zip(x.shape[1:3], w.shape[:2], p.stride)) < 0:
        out.add("same_padding_negative")  # np.pad refuses a negative width
    return out


def classes(p: Conv) -> list[str]:
    """The classes of case this call belongs to, most telling first (names of ``case_class.*`` messages)."""
    x, w = p.x, p.w
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    sh, sw = p.stride
    hp, wp = p.padded_hw
    out = []
    if n == 0:
        out.append("empty_batch")
    if sh > kh or sw > kw:
        out.append("stride_gt_kernel")
    if (hp - kh) % sh or (wp - kw) % sw:
        out.append("stride_not_dividing")
    if isinstance(p.padding, str):
        out.append("same_padding" if p.padding == "SAME" else "valid_padding")
    elif is_nested(p.padding):
        out.append("explicit_padding")
    elif any(v for side in p.pads for v in side):
        out.append("int_padding")
    if kh == hp and kw == wp:
        out.append("kernel_fills_input")
    if kh == kw == 1:
        out.append("kernel_1x1")
    elif kh % 2 == 0 or kw % 2 == 0:
        out.append("even_kernel")
    if kh != kw or h != wd:
        out.append("non_square")
    x_dtype = p.dtypes[0]
    if x_dtype == np.uint8:
        out.append("uint8")
    elif x_dtype.kind in "iu":
        out.append("integer_dtype")
    elif x_dtype == np.float32:
        out.append("float32")
    if not p.planar:
        out.append("multi_channel" if c > 1 else "single_channel")
        if n > 1:
            out.append("batch")
        if f > 1:
            out.append("multi_filter")
        if p.b is not None:
            out.append("with_bias")
    if (sh, sw) != (1, 1):
        out.append("strided")
    return out


def analyze(case: Case) -> Analysis | None:
    p = problem(case)
    if p is None:
        return None
    return Analysis(lambda: models(p), raises=lambda: raises(p), classes=lambda: classes(p), right=p.run)


for _function in FUNCTIONS:
    register(_function, analyze)
