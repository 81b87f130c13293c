"""Live misconception models of the convolutions: cross_correlate2d, convolve2d, correlate2d,
conv2d and conv2d_relu (instructor side only: this module computes right answers, so
``grader release`` never ships it).

Everything is built around one small numpy core, :func:`correlate_nhwc`. The 2-D exercises are
lifted to NHWC/HWIO (one image, one channel, one filter), so that each misconception is a change of
the inputs, the parameters or the output around that core: a flipped filter, another SAME split, the
stride ignored, the bias added inside the window sum... A model equal to the right answer for this
case proves nothing and is dropped.

Besides outputs, a misconception can make a call *raise*: a channel check that reads NHWC as NCHW
rejects valid inputs, a ceil output size makes the last window partial (a broadcasting error),
negative SAME padding makes ``np.pad`` refuse. :func:`analyze` lists those codes for each case; the
settling step reports one only when it predicts exactly which of a submission's calls raised.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterator

import numpy as np

from grader.cases import Case
from grader.diagnose import Analysis, bind, register, wrap_to_dtype

Pads = tuple[tuple[int, int], tuple[int, int]]
NO_PADS: Pads = ((0, 0), (0, 0))

# Convolutions whose windows (N * Ho * Wo * kh * kw * C values) exceed this are not modelled: some
# fifty models each copy the windows once. Course cases are far smaller (naive loops must pass them).
MAX_WINDOW_ELEMENTS = 500_000

# Leaky-ReLU slopes students meet: the textbook 0.01, and the defaults of tf.nn.leaky_relu (0.2)
# and Keras' LeakyReLU (0.3).
LEAKY_SLOPES = (0.01, 0.1, 0.2, 0.3)

PLANAR = ("cross_correlate2d", "convolve2d", "correlate2d")
FUNCTIONS = (*PLANAR, "conv2d", "conv2d_relu")


# -- the numpy reference core ---------------------------------------------------------------------
def correlate_nhwc(
    x: np.ndarray,
    w: np.ndarray,
    stride: tuple[int, int] = (1, 1),
    pads: Pads = NO_PADS,
    *,
    mode: str = "constant",
    value: float = 0.0,
) -> np.ndarray:
    """Cross-correlation of an NHWC batch with HWIO filters, as ``tf.nn.conv2d`` computes it.

    Parameters
    ----------
    x : ndarray, shape (N, H, W, C)
    w : ndarray, shape (kh, kw, C, F)
    stride : (sh, sw)
    pads : ((top, bottom), (left, right))
        Explicit padding of H and W (resolve ``"SAME"`` first with :func:`resolve_pads`); a negative
        value crops that many rows or columns (what negative SAME padding does to a student's slices).
    mode, value
        How the border is filled: ``np.pad`` mode, and the constant for ``mode="constant"``
        (misconception models pad with ones or edge values).

    Returns
    -------
    ndarray, shape (N, Ho, Wo, F), float64
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    (top, bottom), (left, right) = pads
    if min(top, bottom, left, right) < 0:  # crop first, then pad what is positive
        x = x[:, max(-top, 0):x.shape[1] - max(-bottom, 0), max(-left, 0):x.shape[2] - max(-right, 0)]
        top, bottom, left, right = (max(v, 0) for v in (top, bottom, left, right))
    if top or bottom or left or right:  # (not ``any`` over a generator: this runs ~50 times a failing case)
        x = pad_hw(x, ((top, bottom), (left, right)), mode=mode, value=value)
    kh, kw = w.shape[:2]
    sh, sw = stride
    n, hp, wp, c = x.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    if ho < 1 or wo < 1 or c != w.shape[2]:
        raise ValueError("kernel larger than the padded input, or channels differ")
    # (N, Ho, Wo, kh, kw, C): every window under the filter, as a strided view of a contiguous copy.
    x = np.ascontiguousarray(x)
    s = x.strides
    windows = np.ndarray((n, ho, wo, kh, kw, c), np.float64, x, 0, (s[0], s[1] * sh, s[2] * sw, s[1], s[2], s[3]))
    # One matrix product (BLAS) over the flattened windows; far faster than einsum's loops.
    out = windows.reshape(n * ho * wo, kh * kw * c) @ w.reshape(kh * kw * c, -1)
    return out.reshape(n, ho, wo, w.shape[3])


def pad_hw(x: np.ndarray, pads: Pads, mode: str = "constant", value: float = 0.0) -> np.ndarray:
    """Pad axes 1 and 2 (H, W) of an NHWC array as ``np.pad`` does, without its overhead.

    ``mode`` is ``"constant"`` (with ``value``), ``"edge"`` or ``"reflect"`` (anything else goes to
    ``np.pad``): the wrong-padding models of every failing case pad this way.
    """
    (top, bottom), (left, right) = pads
    if mode != "constant":
        rows, cols = (_pad_index(n, before, after, mode) for n, before, after in ((x.shape[1], top, bottom), (x.shape[2], left, right)))
        if rows is None or cols is None:
            return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)
        return x[:, rows][:, :, cols]
    n, h, w, c = x.shape
    out = np.full((n, h + top + bottom, w + left + right, c), value, dtype=x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray | None:
    """Which input row each padded row copies, for ``np.pad``'s ``edge`` and ``reflect`` modes."""
    index = np.arange(-before, n + after)
    if mode == "edge" and n >= 1:
        return np.clip(index, 0, n - 1)
    if mode == "reflect" and n >= 2:
        # Mirror images without repeating the edge, repeated as often as the padding needs.
        period = 2 * (n - 1)
        index = np.abs(index) % period
        return np.where(index >= n, period - index, index)
    return None


def same_total(n: int, k: int, s: int) -> int:
    """The padding SAME needs along one axis before TensorFlow clamps it at 0 (negative when s > k)."""
    return (math.ceil(n / s) - 1) * s + k - n


def tf_same(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's SAME split along one axis: the odd extra zero goes after (bottom/right)."""
    total = max(same_total(n, k, s), 0)
    return total // 2, total - total // 2


Split = Callable[[int, int, int], tuple[int, int]]

# Wrong SAME splits, each a model of a misconception.
SAME_SYMMETRIC: dict[str, Split] = {
    "k_half": lambda n, k, s: (k // 2, k // 2),  # "SAME pads k//2 on both sides"
    "ceil_half": lambda n, k, s: ((max(same_total(n, k, s), 0) + 1) // 2,) * 2,
    "floor_half": lambda n, k, s: (max(same_total(n, k, s), 0) // 2,) * 2,
}


def same_wrong_side(n: int, k: int, s: int) -> tuple[int, int]:
    """The extra zero of an odd total at the top/left (PyTorch/Caffe habit) instead of bottom/right."""
    total = max(same_total(n, k, s), 0)
    return total - total // 2, total // 2


def same_stride1(n: int, k: int, s: int) -> tuple[int, int]:
    """SAME split as if the stride were 1 (``k - 1`` in total), whatever the stride."""
    return tf_same(n, k, 1)


SAME_NEGATIVE: dict[str, Split] = {
    # No max(..., 0): a negative total splits into negative paddings (floor or truncating halves).
    "floor": lambda n, k, s: (same_total(n, k, s) // 2, same_total(n, k, s) - same_total(n, k, s) // 2),
    "trunc": lambda n, k, s: (int(same_total(n, k, s) / 2), same_total(n, k, s) - int(same_total(n, k, s) / 2)),
}


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def pair(value: Any) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(1, 2) -> (1, 2)``; anything else raises ValueError."""
    if _is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"not an int or a pair of ints: {value!r}")


def is_nested(padding: Any) -> bool:
    return isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding)


def resolve_pads(padding: Any, hw: tuple[int, int], khw: tuple[int, int], stride: tuple[int, int],
                 same: Split = tf_same) -> Pads:
    """``"VALID"``, ``"SAME"`` (split by ``same``), int p, ``(ph, pw)`` or ``((t, b), (l, r))`` -> explicit pads."""
    if isinstance(padding, str):
        if padding == "VALID":
            return NO_PADS
        if padding == "SAME":
            return same(hw[0], khw[0], stride[0]), same(hw[1], khw[1], stride[1])
        raise ValueError(f"unknown padding {padding!r}")
    if is_nested(padding):
        return pair(padding[0]), pair(padding[1])
    ph, pw = pair(padding)
    return (ph, ph), (pw, pw)


# -- a case, normalized ---------------------------------------------------------------------------
class Conv:
    """A case of a convolution-like function, lifted to NHWC x HWIO.

    ``run(...)`` computes the function's output with some ingredient replaced: the way a student
    with a misconception computes it. With no arguments it is the correct answer.
    """

    def __init__(self, function: str, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                 stride: tuple[int, int], padding: Any, planar: bool, dtypes: tuple[np.dtype, np.dtype]):
        self.function = function
        self.x, self.w, self.b = x, w, b
        self.stride, self.padding, self.planar = stride, padding, planar
        self.dtypes = dtypes
        self._pads: dict[tuple, Pads] = {}
        self.pads = self.pads_for()
        self.bias_matters = b is not None and bool(np.any(b != 0))
        self._correct: np.ndarray | None = None

    def pads_for(self, same: Split = tf_same, x: np.ndarray | None = None, w: np.ndarray | None = None,
                 stride: tuple[int, int] | None = None) -> Pads:
        hw = (self.x if x is None else x).shape[1:3]
        khw = (self.w if w is None else w).shape[:2]
        key = (same, hw, khw, stride or self.stride)
        known = self._pads.get(key)
        if known is None:  # (some fifty models a case ask for a handful of paddings)
            known = self._pads[key] = resolve_pads(self.padding, hw, khw, stride or self.stride, same)
        return known

    def conv(self, x: np.ndarray | None = None, w: np.ndarray | None = None, stride: tuple[int, int] | None = None,
             same: Split = tf_same, pads: Pads | None = None, mode: str = "constant", value: float = 0.0) -> np.ndarray:
        """The pre-activation, bias-free NHWC output with some ingredient replaced.

        ``pads`` overrides the padding; otherwise it follows from ``padding`` with the given split
        and stride (SAME depends on both).
        """
        x = self.x if x is None else x
        w = self.w if w is None else w
        stride = stride or self.stride
        if pads is None:
            pads = self.pads_for(same, x, w, stride)
        return correlate_nhwc(x, w, stride, pads, mode=mode, value=value)

    def finish(self, z: np.ndarray, bias: bool = True, act: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """From the NHWC output to what the function returns: bias, activation, 2-D view."""
        if bias and self.b is not None:
            z = z + self.b
        if self.function == "conv2d_relu":
            z = (act or _relu)(z)
        if self.planar:
            if z.ndim != 4 or z.shape[0] != 1 or z.shape[3] != 1:
                raise ValueError("not a single-image single-filter result")
            z = z[0, :, :, 0]
        return z

    def run(self, **replace: Any) -> np.ndarray:
        if replace:
            return self.finish(self.conv(**replace))
        if self._correct is None:  # many models transform the right answer: compute it once
            self._correct = self.finish(self.conv())
        return self._correct

    @functools.cached_property
    def blank(self) -> np.ndarray:
        """The output for an all-zero input: what never-computed positions hold (0, the bias...)."""
        return self.run(x=np.zeros_like(self.x))

    @property
    def padded_hw(self) -> tuple[int, int]:
        (t, b), (l, r) = self.pads
        return self.x.shape[1] + t + b, self.x.shape[2] + l + r


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def problem(case: Case) -> Conv | None:
    """The case as a :class:`Conv`, or None when it is malformed (the call must be rejected)."""
    args = bind(case)
    f = case.function
    if args is None or f not in FUNCTIONS:
        return None
    planar = f in PLANAR
    x = np.asarray(args["x"])
    w = np.asarray(args["k"] if planar else args["w"])
    if x.dtype.kind not in "biuf" or w.dtype.kind not in "biuf":
        return None
    dtypes = (x.dtype, w.dtype)
    if planar:
        if x.ndim != 2 or w.ndim != 2:
            return None
        if f == "convolve2d":
            w = w[::-1, ::-1]  # so that run() is the true convolution
        x, w = x[None, :, :, None], w[:, :, None, None]
    elif x.ndim != 4 or w.ndim != 4 or x.shape[3] != w.shape[2]:
        return None
    b = args.get("b")
    if b is not None:
        b = np.asarray(b)
        if b.dtype.kind not in "biuf" or b.shape != (w.shape[3],):
            return None
        b = b.astype(np.float64)
    stride = pair(args.get("stride", 1))
    if min(stride) < 1:
        return None
    p = Conv(f, x.astype(np.float64), w.astype(np.float64), b, stride, args.get("padding", "VALID"), planar, dtypes)
    (t, bo), (l, r) = p.pads
    kh, kw = w.shape[:2]
    if min(t, bo, l, r) < 0 or kh > x.shape[1] + t + bo or kw > x.shape[2] + l + r or min(kh, kw) < 1:
        return None
    windows = x.shape[0] * (x.shape[1] + t + bo) * (x.shape[2] + l + r) * kh * kw * x.shape[3]
    if windows > MAX_WINDOW_ELEMENTS * stride[0] * stride[1]:
        return None
    return p


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


Window = Callable[[int, int], tuple[slice, slice]]


def _straight(p: Conv) -> Window:
    (sh, sw), (kh, kw) = p.stride, p.w.shape[:2]
    return lambda i, j: (slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw))


def _transposed(p: Conv) -> Window:
    """The window a student who indexes ``xp[j*sw:j*sw + kw, i*sh:i*sh + kh]`` takes at (i, j)."""
    (sh, sw), (kh, kw) = p.stride, p.w.shape[:2]
    return lambda i, j: (slice(j * sw, j * sw + kw), slice(i * sh, i * sh + kh))


def _counts(p: Conv, rounding: str = "floor") -> tuple[int, int]:
    (hp, wp), (kh, kw), (sh, sw) = p.padded_hw, p.w.shape[:2], p.stride
    if rounding == "ceil":
        return -(-(hp - kh) // sh) + 1, -(-(wp - kw) // sw) + 1
    return (hp - kh) // sh + 1, (wp - kw) // sw + 1


def _broadcasts(size: int, k: int) -> bool:
    """Whether a window side cut to ``size`` by numpy's slicing still multiplies a kernel side ``k``."""
    return size == k or size == 1 or k == 1


def _loops_run(p: Conv, counts: tuple[int, int], window: Window) -> bool:
    """Whether loops over ``counts`` windows taken by ``window`` compute at all: a window cut short at
    the edge broadcasts against the kernel only when its short side is 1 (or the kernel's is)."""
    (hp, wp), (kh, kw) = p.padded_hw, p.w.shape[:2]
    # A window's rows depend on one loop index and its columns on the other: check each side along
    # the first row and the first column of windows only.
    for i, j in [*((i, 0) for i in range(counts[0])), *((0, j) for j in range(counts[1]))]:
        rows, cols = window(i, j)
        if not (_broadcasts(len(range(hp)[rows]), kh) and _broadcasts(len(range(wp)[cols]), kw)):
            return False
    return True


def _transposed_output(p: Conv) -> np.ndarray:
    """What loops taking the window at (j, i) compute (``_loops_run`` must hold for them)."""
    (hp, wp), (kh, kw), (sh, sw) = p.padded_hw, p.w.shape[:2], p.stride
    ho, wo = _counts(p)
    if kh == kw and (wo - 1) * sw + kw <= hp and (ho - 1) * sh + kh <= wp:
        # No window cut short: one correlation of the transposed padded input with the transposed kernel.
        xp = pad_hw(p.x, p.pads) if any(v for side in p.pads for v in side) else p.x
        full = correlate_nhwc(xp.swapaxes(1, 2), p.w.swapaxes(0, 1), (sh, sw))
        return p.finish(full[:, :ho, :wo, :])
    return _loops_output(p, (ho, wo), _transposed(p))


def _loops_output(p: Conv, counts: tuple[int, int], window: Window) -> np.ndarray:
    """What such loops compute, slicing and broadcasting as numpy does (``_loops_run`` must hold)."""
    xp = pad_hw(p.x, p.pads) if any(v for side in p.pads for v in side) else p.x
    out = np.zeros((p.x.shape[0], *counts, p.w.shape[3]))
    for i in range(counts[0]):
        for j in range(counts[1]):
            rows, cols = window(i, j)
            out[:, i, j, :] = (xp[:, rows, cols, :, None] * p.w).sum(axis=(1, 2, 3))  # (N, r, c, C, 1) * (kh, kw, C, F)
    return p.finish(out)


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
