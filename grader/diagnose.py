"""Which misconception does a wrong answer show?

For every misconception of SPEC §5 that can show in the output of a case's function, this module
computes the answer a student holding that misconception would return, with numpy only (the
student's local check has no TensorFlow), and reports every code whose model matches the student's
output. A model that coincides with the correct answer for this case (a symmetric kernel under
``flipped_kernel``, stride 1 under ``stride_ignored``...) proves nothing and is never reported.

Everything is built around one small reference core, :func:`correlate_nhwc`. The 2-D exercises are
lifted to NHWC/HWIO (a single image with a single channel and a single filter) so that each
misconception is a transformation of the inputs, the parameters or the output around that core:

>>> x = np.arange(9.0).reshape(3, 3); k = np.array([[0.0, 1.0], [2.0, 3.0]])
>>> case = Case("d2l", "cross_correlate2d", (x, k))
>>> diagnose(case, np.array([[5.0, 11.0], [23.0, 29.0]]))   # the convolution instead
('flipped_kernel',)

``diagnose`` is called for failing cases only, must be fast (a few milliseconds for small cases)
and never raises: odd inputs or outputs give an empty tuple.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from grader.cases import Case

Pads = tuple[tuple[int, int], tuple[int, int]]
NO_PADS: Pads = ((0, 0), (0, 0))

# Outputs bigger than this are not diagnosed: the models would cost more than they are worth.
MAX_ELEMENTS = 2_000_000
# Nor are convolutions whose windows (N * Ho * Wo * kh * kw * C values) exceed this: some forty
# models each copy the windows once. Course cases are far smaller (naive loops must pass them).
MAX_WINDOW_ELEMENTS = 500_000

# Leaky-ReLU slopes students meet: the textbook 0.01, and the defaults of tf.nn.leaky_relu (0.2)
# and Keras' LeakyReLU (0.3).
LEAKY_SLOPES = (0.01, 0.1, 0.2, 0.3)


# -- signatures of the exercises (SPEC §3), to read a case's args/kwargs by parameter name ---------
def _cross_correlate2d(x, k): ...
def _convolve2d(x, k): ...
def _zero_pad(x, pad): ...
def _output_size(n, k, stride=1, padding="VALID"): ...
def _same_padding(n, k, stride=1): ...
def _correlate2d(x, k, stride=1, padding="VALID"): ...
def _conv2d(x, w, b=None, stride=1, padding="VALID"): ...
def _relu(x): ...
def _conv2d_relu(x, w, b, stride=1, padding="VALID"): ...


SIGNATURES: dict[str, inspect.Signature] = {
    f.__name__[1:]: inspect.signature(f)
    for f in (
        _cross_correlate2d, _convolve2d, _zero_pad, _output_size, _same_padding,
        _correlate2d, _conv2d, _relu, _conv2d_relu,
    )
}

#: function -> the codes its output can show, in the order they are reported.
CODES_BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "cross_correlate2d": ("flipped_kernel", "hw_transposed", "output_size_off_by_one", "integer_truncation"),
    "convolve2d": ("unflipped_kernel", "hw_transposed", "output_size_off_by_one", "integer_truncation"),
    "zero_pad": ("padding_wrong_axes", "layout_nchw", "nonzero_padding", "hw_transposed"),
    "output_size": ("output_size_off_by_one", "stride_ignored", "same_padding_symmetric"),
    "same_padding": ("same_padding_symmetric", "same_padding_wrong_side", "stride_ignored"),
    "correlate2d": (
        "flipped_kernel", "hw_transposed", "stride_ignored", "stride_swapped", "same_padding_symmetric",
        "same_padding_wrong_side", "nonzero_padding", "output_size_off_by_one", "integer_truncation",
    ),
    "conv2d": (
        "flipped_kernel", "no_channel_sum", "missing_bias", "layout_nchw", "hw_transposed", "stride_ignored",
        "stride_swapped", "same_padding_symmetric", "same_padding_wrong_side", "nonzero_padding",
        "padding_wrong_axes", "output_size_off_by_one", "integer_truncation",
    ),
    "relu": ("relu_leaky", "relu_abs"),
    "conv2d_relu": (
        "relu_before_bias", "missing_bias", "relu_leaky", "relu_abs", "flipped_kernel", "no_channel_sum",
        "layout_nchw", "hw_transposed", "stride_ignored", "stride_swapped", "same_padding_symmetric",
        "same_padding_wrong_side", "nonzero_padding", "padding_wrong_axes", "output_size_off_by_one",
        "integer_truncation",
    ),
}


def bind(case: Case) -> dict[str, Any] | None:
    """The case's arguments by parameter name (defaults filled in), or None if they do not fit."""
    signature = SIGNATURES.get(case.function)
    if signature is None:
        return None
    try:
        bound = signature.bind(*case.args, **dict(case.kwargs))
    except TypeError:
        return None
    bound.apply_defaults()
    return bound.arguments


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
        Explicit padding of H and W (resolve ``"SAME"`` first with :func:`resolve_pads`).
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
    if top or bottom or left or right:  # (not ``any`` over a generator: this runs ~40 times a failing case)
        x = pad_hw(x, pads, mode=mode, value=value)
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
    return out.reshape(n, ho, wo, -1)


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


def tf_same(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's SAME split along one axis: the odd extra zero goes after (bottom/right)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _same_total(n: int, k: int, s: int) -> int:
    return max((math.ceil(n / s) - 1) * s + k - n, 0)


# Wrong SAME splits (name -> split function), each a model of a misconception.
SAME_SYMMETRIC: dict[str, Callable[[int, int, int], tuple[int, int]]] = {
    "k_half": lambda n, k, s: (k // 2, k // 2),  # "SAME pads k//2 on both sides"
    "ceil_half": lambda n, k, s: ((_same_total(n, k, s) + 1) // 2,) * 2,
    "floor_half": lambda n, k, s: (_same_total(n, k, s) // 2,) * 2,
}


def same_wrong_side(n: int, k: int, s: int) -> tuple[int, int]:
    """The extra zero of an odd total at the top/left (PyTorch/Caffe habit) instead of bottom/right."""
    total = _same_total(n, k, s)
    return total - total // 2, total // 2


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def pair(value: Any) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(1, 2) -> (1, 2)``; anything else raises ValueError."""
    if _is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"not an int or a pair of ints: {value!r}")


def resolve_pads(
    padding: Any,
    hw: tuple[int, int],
    khw: tuple[int, int],
    stride: tuple[int, int],
    same: Callable[[int, int, int], tuple[int, int]] = tf_same,
) -> Pads:
    """``"VALID"``, ``"SAME"`` (split by ``same``), int p, ``(ph, pw)`` or ``((t, b), (l, r))`` -> explicit pads."""
    if isinstance(padding, str):
        if padding == "VALID":
            return NO_PADS
        if padding == "SAME":
            return same(hw[0], khw[0], stride[0]), same(hw[1], khw[1], stride[1])
        raise ValueError(f"unknown padding {padding!r}")
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
        return pair(padding[0]), pair(padding[1])
    ph, pw = pair(padding)
    return (ph, ph), (pw, pw)


def wrap_to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """What storing ``values`` in an integer ``dtype`` gives: truncation toward zero, then wrap-around.

    Returned as float64, for comparison. (NumPy's float -> small int cast of out-of-range values
    is platform-defined; on the machines we know it wraps modulo 2**bits, which is what students see.)
    """
    info = np.iinfo(dtype)
    ints = np.trunc(np.asarray(values, dtype=np.float64))
    # Only out-of-range values wrap; int64 minima do not survive float arithmetic, so leave the rest.
    outside = (ints < info.min) | (ints > info.max)
    if outside.any():
        span = float(info.max) - float(info.min) + 1.0
        ints = np.where(outside, np.mod(ints - float(info.min), span) + float(info.min), ints)
    return ints


# -- normalized problems --------------------------------------------------------------------------
class _Conv:
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
        self.pads = self.pads_for()
        self.bias_matters = b is not None and bool(np.any(b != 0))
        self._correct: np.ndarray | None = None

    def pads_for(self, same: Callable[[int, int, int], tuple[int, int]] = tf_same, x: np.ndarray | None = None,
                 w: np.ndarray | None = None, stride: tuple[int, int] | None = None) -> Pads:
        x = self.x if x is None else x
        w = self.w if w is None else w
        return resolve_pads(self.padding, x.shape[1:3], w.shape[:2], stride or self.stride, same)

    def conv(self, x: np.ndarray | None = None, w: np.ndarray | None = None, stride: tuple[int, int] | None = None,
             same: Callable[[int, int, int], tuple[int, int]] = tf_same, mode: str = "constant",
             value: float = 0.0) -> np.ndarray:
        """The pre-activation, bias-free NHWC output with some ingredient replaced."""
        x = self.x if x is None else x
        w = self.w if w is None else w
        stride = stride or self.stride
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


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _problem(case: Case) -> Any:
    """The normalized problem of a case: a _Conv, or the bound arguments for the small functions."""
    args = bind(case)
    if args is None:
        return None
    f = case.function
    if f in ("zero_pad", "output_size", "same_padding", "relu"):
        return args
    planar = f in ("cross_correlate2d", "convolve2d", "correlate2d")
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
        b = np.asarray(b, dtype=np.float64)
        if b.shape != (w.shape[3],):
            return None
    stride = pair(args.get("stride", 1))
    if min(stride) < 1:
        return None
    problem = _Conv(f, x.astype(np.float64), w.astype(np.float64), b, stride, args.get("padding", "VALID"),
                    planar, dtypes)
    (t, bo), (l, r) = problem.pads
    kh, kw = w.shape[:2]
    if min(t, bo, l, r) < 0 or kh > x.shape[1] + t + bo or kw > x.shape[2] + l + r or min(kh, kw) < 1:
        return None
    windows = x.shape[0] * (x.shape[1] + t + bo) * (x.shape[2] + l + r) * kh * kw * x.shape[3]
    if windows > MAX_WINDOW_ELEMENTS * stride[0] * stride[1]:
        return None
    return problem


# -- misconception models -------------------------------------------------------------------------
Model = tuple[str, Callable[[], Any]]


def _hw_axes(a: np.ndarray) -> tuple[int, int]:
    return (0, 1) if a.ndim == 2 else (1, 2)


def _swap_hw(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, *_hw_axes(a))


def _flip(w: np.ndarray) -> np.ndarray:
    return w[::-1, ::-1]


def _short(a: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """One output row and/or column missing at the end, as from ``range(H - kh)`` loops."""
    ah, aw = _hw_axes(a)
    index = [slice(None)] * a.ndim
    if rows:
        index[ah] = slice(0, -1)
    if cols:
        index[aw] = slice(0, -1)
    return a[tuple(index)]


def _blank_last(a: np.ndarray, blank: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """The last output row/column never computed: it keeps the value of an empty input (0, or the bias)."""
    out = a.copy()
    ah, aw = _hw_axes(a)
    for axis, on in ((ah, rows), (aw, cols)):
        if on:
            index = [slice(None)] * a.ndim
            index[axis] = -1
            out[tuple(index)] = blank[tuple(index)]
    return out


def _extra_blank(a: np.ndarray, blank_value: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    """One extra row/column at the end that the loops never fill, as from ``np.zeros((H - kh + 2, ...))``."""
    ah, aw = _hw_axes(a)
    for axis, on in ((ah, rows), (aw, cols)):
        if on:
            edge = np.take(a, [-1], axis=axis)
            a = np.concatenate([a, np.zeros_like(edge) + blank_value], axis=axis)
    return a


def _conv_models(p: _Conv) -> Iterator[Model]:
    """Models of the convolution functions (correlate, convolve, conv2d, conv2d_relu)."""
    x, w = p.x, p.w
    sh, sw = p.stride
    convolve = p.function == "convolve2d"
    yield ("unflipped_kernel" if convolve else "flipped_kernel"), lambda: p.run(w=_flip(w))

    if not p.planar and x.shape[3] > 1:
        yield "no_channel_sum", lambda: p.run(x=x[..., :1], w=w[:, :, :1])
        yield "no_channel_sum", lambda: p.run(x=x[..., -1:], w=w[:, :, -1:])
        yield "no_channel_sum", lambda: p.run(w=w / x.shape[3])  # averaged instead of summed
        # One output per (input channel, filter): (N, Ho, Wo, C, F), or flattened either way.
        @functools.cache  # three models reuse it
        def per_channel() -> np.ndarray:
            return np.stack([p.conv(x=x[..., c:c + 1], w=w[:, :, c:c + 1]) for c in range(x.shape[3])], axis=3)

        yield "no_channel_sum", lambda: _flat(p, per_channel())
        yield "no_channel_sum", lambda: _flat(p, per_channel().swapaxes(3, 4))
        yield "no_channel_sum", lambda: p.finish(per_channel() + (0 if p.b is None else p.b[None, :]), bias=False)

    if p.function in ("conv2d", "conv2d_relu") and p.bias_matters:
        if p.function == "conv2d_relu":
            yield "relu_before_bias", lambda: _relu(p.conv()) + p.b
        yield "missing_bias", lambda: p.finish(p.conv(), bias=False)
    if p.function == "conv2d_relu":
        for slope in LEAKY_SLOPES:
            yield "relu_leaky", lambda slope=slope: p.finish(p.conv(), act=lambda z: np.where(z > 0, z, slope * z))
        yield "relu_abs", lambda: p.finish(p.conv(), act=np.abs)

    if not p.planar:
        yield "layout_nchw", lambda: p.run().transpose(0, 3, 1, 2)  # right numbers, NCHW output
        yield "layout_nchw", lambda: p.run(x=x.transpose(0, 2, 3, 1))  # x read as (N, C, H, W)
        yield "layout_nchw", lambda: p.run(w=w.transpose(2, 3, 1, 0))  # w read as (F, C, kh, kw)
        yield "layout_nchw", lambda: p.run(x=x.transpose(0, 2, 3, 1), w=w.transpose(2, 3, 1, 0))
        yield "layout_nchw", lambda: p.run(w=w.transpose(1, 2, 3, 0))  # w read as (F, kh, kw, C)

    yield "hw_transposed", lambda: _swap_hw(p.run())
    yield "hw_transposed", lambda: p.run(x=x.swapaxes(1, 2))
    yield "hw_transposed", lambda: p.run(w=w.swapaxes(0, 1))
    yield "hw_transposed", lambda: p.run(x=x.swapaxes(1, 2), w=w.swapaxes(0, 1))

    if (sh, sw) != (1, 1):
        yield "stride_ignored", lambda: p.run(stride=(1, 1))
        # Output sized for the stride, but windows start at (i, j) instead of (i*sh, j*sw).
        yield "stride_ignored", lambda: _crop_like(p.run(stride=(1, 1)), p.run())
    if sh != sw:
        yield "stride_swapped", lambda: p.run(stride=(sw, sh))

    if isinstance(p.padding, str) and p.padding == "SAME":
        for split in SAME_SYMMETRIC.values():
            yield "same_padding_symmetric", lambda split=split: p.run(same=split)
        yield "same_padding_wrong_side", lambda: p.run(same=same_wrong_side)

    if any(v for side in p.pads for v in side):
        yield "nonzero_padding", lambda: p.run(value=1.0)
        yield "nonzero_padding", lambda: p.run(mode="edge")
        yield "nonzero_padding", lambda: p.run(mode="reflect")
        if not p.planar:
            yield from _batch_padding_models(p)

    @functools.cache
    def blank() -> np.ndarray:
        """The output for an all-zero input: what never-computed positions hold (0, the bias...)."""
        return p.run(x=np.zeros_like(x))

    for rows, cols in ((True, True), (True, False), (False, True)):
        yield "output_size_off_by_one", lambda rows=rows, cols=cols: _short(p.run(), rows, cols)
        yield "output_size_off_by_one", lambda rows=rows, cols=cols: _blank_last(p.run(), blank(), rows, cols)
        yield "output_size_off_by_one", lambda rows=rows, cols=cols: _extra_blank(p.run(), _corner(blank()), rows, cols)

    yield from _truncation_models(p)


def _flat(p: _Conv, per_channel: np.ndarray) -> np.ndarray:
    """(N, Ho, Wo, A, B) -> (N, Ho, Wo, A*B), then the function's bias-free finish."""
    return p.finish(per_channel.reshape(*per_channel.shape[:3], -1), bias=False)


def _corner(blank: np.ndarray) -> np.ndarray:
    """The value an output position keeps when it is never computed (0, the bias, relu(bias))."""
    return blank[0, 0] if blank.ndim == 2 else blank[0, 0, 0, :]


def _crop_like(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    ah, aw = _hw_axes(a)
    index = [slice(None)] * a.ndim
    index[ah], index[aw] = slice(0, like.shape[ah]), slice(0, like.shape[aw])
    return a[tuple(index)]


def _batch_padding_models(p: _Conv) -> Iterator[Model]:
    """The batch axis zero-padded too (``np.pad(x, p)`` on a 4-D array): extra or shifted images."""
    (top, bottom), _ = p.pads
    n = p.x.shape[0]

    def padded_batch() -> np.ndarray:
        xb = np.pad(p.x, ((top, bottom), (0, 0), (0, 0), (0, 0)))
        return p.run(x=xb)

    yield "padding_wrong_axes", padded_batch
    yield "padding_wrong_axes", lambda: padded_batch()[:n]  # loops over the original N


def _truncation_models(p: _Conv) -> Iterator[Model]:
    """The result stored in the input's integer dtype, or uint8 products that wrap before the sum."""
    x_dtype, w_dtype = p.dtypes
    if x_dtype.kind in "iu":
        yield "integer_truncation", lambda: wrap_to_dtype(p.run(), x_dtype)
    if x_dtype.kind in "iu" and x_dtype == w_dtype and x_dtype.itemsize < 8:
        yield "integer_truncation", lambda: p.finish(_wrapped_products(p, x_dtype))


def _wrapped_products(p: _Conv, dtype: np.dtype) -> np.ndarray:
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


def _zero_pad_models(args: Mapping[str, Any]) -> Iterator[Model]:
    x = np.asarray(args["x"])
    pad = args["pad"]
    if x.ndim != 4 or x.dtype.kind not in "biuf":
        return
    (t, b), (l, r) = resolve_pads(pad, (0, 0), (0, 0), (1, 1))
    if min(t, b, l, r) < 0:
        return
    hw = ((t, b), (l, r))
    yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (t, b), (l, r), (0, 0)))  # N too
    yield "padding_wrong_axes", lambda: np.pad(x, ((0, 0), (t, b), (l, r), (l, r)))  # C too
    yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (t, b), (l, r), (l, r)))  # every axis
    yield "padding_wrong_axes", lambda: np.pad(x, ((t, b), (l, r), (0, 0), (0, 0)))  # as if HWC
    yield "padding_wrong_axes", lambda: np.pad(x, pad)  # np.pad's own broadcasting of ``pad``
    yield "layout_nchw", lambda: np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))  # H, W taken as axes 2, 3
    full = ((0, 0), *hw, (0, 0))
    yield "nonzero_padding", lambda: np.pad(x, full, constant_values=1)
    yield "nonzero_padding", lambda: np.pad(x, full, mode="edge")
    yield "nonzero_padding", lambda: np.pad(x, full, mode="reflect")
    yield "hw_transposed", lambda: np.pad(x, ((0, 0), (l, r), (t, b), (0, 0)))


def _output_size_models(args: Mapping[str, Any]) -> Iterator[Model]:
    n, k, s, padding = args["n"], args["k"], args["stride"], args["padding"]
    if not all(_is_int(v) and v >= 1 for v in (n, k, s)):
        return

    def size(stride: int, same: Callable[[int, int, int], tuple[int, int]] = tf_same) -> int:
        (before, after), _ = resolve_pads(padding, (n, n), (k, k), (stride, stride), same)
        return (n + before + after - k) // stride + 1

    right = size(s)
    yield "output_size_off_by_one", lambda: right - 1
    yield "output_size_off_by_one", lambda: right + 1
    if s > 1:
        yield "stride_ignored", lambda: size(1)
    if padding == "SAME":
        for split in SAME_SYMMETRIC.values():
            yield "same_padding_symmetric", lambda split=split: size(s, split)


def _same_padding_models(args: Mapping[str, Any]) -> Iterator[Model]:
    n, k, s = args["n"], args["k"], args["stride"]
    if not all(_is_int(v) and v >= 1 for v in (n, k, s)):
        return
    for split in SAME_SYMMETRIC.values():
        yield "same_padding_symmetric", lambda split=split: split(n, k, s)
    yield "same_padding_wrong_side", lambda: same_wrong_side(n, k, s)
    if s > 1:
        yield "stride_ignored", lambda: tf_same(n, k, 1)


def _relu_models(args: Mapping[str, Any]) -> Iterator[Model]:
    x = np.asarray(args["x"])
    if x.dtype.kind not in "biuf":
        return
    xf = x.astype(np.float64)
    for slope in LEAKY_SLOPES:
        yield "relu_leaky", lambda slope=slope: np.where(xf > 0, xf, slope * xf)
    yield "relu_abs", lambda: np.abs(xf)


def _correct(case: Case, problem: Any) -> Any:
    f = case.function
    if isinstance(problem, _Conv):
        return problem.run()
    if f == "zero_pad":
        x = np.asarray(problem["x"])
        (t, b), (l, r) = resolve_pads(problem["pad"], (0, 0), (0, 0), (1, 1))
        return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    if f == "output_size":
        n, k, s = problem["n"], problem["k"], problem["stride"]
        (before, after), _ = resolve_pads(problem["padding"], (n, n), (k, k), (s, s))
        return (n + before + after - k) // s + 1
    if f == "same_padding":
        return tf_same(problem["n"], problem["k"], problem["stride"])
    if f == "relu":
        return np.maximum(np.asarray(problem["x"], dtype=np.float64), 0.0)
    raise ValueError(f"no model for {f}")


def _models(case: Case, problem: Any) -> Iterator[Model]:
    if isinstance(problem, _Conv):
        return _conv_models(problem)
    return {
        "zero_pad": _zero_pad_models,
        "output_size": _output_size_models,
        "same_padding": _same_padding_models,
        "relu": _relu_models,
    }[case.function](problem)


# -- matching -------------------------------------------------------------------------------------
def _as_values(value: Any) -> Any:
    """The student's output as float64 array / int / tuple of ints for matching, or None."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return tuple(int(v) for v in value)
    if _is_int(value):
        return int(value)
    if isinstance(value, float):
        return value
    try:
        a = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything odd is simply not diagnosable
        return None
    if a.dtype.kind not in "biuf" or a.size > MAX_ELEMENTS:
        return None
    return a.astype(np.float64)


def _close(model: Any, got: Any, loose: bool) -> bool:
    """Same shape and allclose (modest tolerance: diagnosis names an idea, it does not grade)."""
    if isinstance(model, tuple) or isinstance(got, tuple):
        return isinstance(model, tuple) and isinstance(got, tuple) and model == got
    if not isinstance(model, np.ndarray) or not isinstance(got, np.ndarray):
        if isinstance(model, np.ndarray) or isinstance(got, np.ndarray):
            return False
        return float(model) == float(got)
    model = np.asarray(model, dtype=np.float64)
    if model.shape != got.shape:
        return False
    if model.size == 0:
        return True
    magnitude = np.abs(model)
    scale = max(1.0, float(magnitude.max()))
    rtol, atol = (1e-4, 1e-4 * scale) if loose else (1e-6, 1e-6 * scale)
    # Most models are far off: one element in plain floats says so without the array arithmetic
    # (some forty models per failing case make this the bulk of a wrong submission's grading).
    first, wanted = float(got.flat[0]), float(model.flat[0])
    if not abs(first - wanted) <= atol + rtol * abs(wanted):  # ``not <=`` also rejects NaN
        return False
    with np.errstate(invalid="ignore"):
        return bool((np.abs(got - model) <= atol + rtol * magnitude).all())


def diagnose(case: Case, got: Any) -> tuple[str, ...]:
    """The misconception codes whose model output matches ``got``.

    Parameters
    ----------
    case : Case
        The call, with its inputs (``case.expected`` is not used: models are computed with numpy).
    got : Any
        What the student's function returned.

    Returns
    -------
    tuple of str
        Codes of SPEC §5, in the order of ``CODES_BY_FUNCTION[case.function]``; empty when nothing
        matches, when the case is malformed, or for a function without models.
    """
    try:
        if case.function not in CODES_BY_FUNCTION:  # a00/a05: their models live in grader/diagnose_shapes.py
            from grader.diagnose_shapes import diagnose_lecture

            return diagnose_lecture(case, got)
        if case.expects_error:
            return ()
        problem = _problem(case)
        if problem is None:
            return ()
        values = _as_values(got)
        if values is None:
            return ()
        loose = isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.dtype.itemsize < 8
        correct = _correct(case, problem)
        if isinstance(correct, np.ndarray) and correct.size > MAX_ELEMENTS:
            return ()
        found: set[str] = set()
        for code, model in _models(case, problem):
            if code in found:
                continue
            try:
                wrong = model()
                # A model equal to the right answer for this case proves nothing.
                if _close(wrong, values, loose) and not _close(wrong, correct, loose=False):
                    found.add(code)
            except Exception:  # noqa: BLE001 - one model failing (shape mismatch...) is no diagnosis
                continue
        return tuple(c for c in CODES_BY_FUNCTION[case.function] if c in found)
    except Exception:  # noqa: BLE001 - diagnosis must never break grading
        return ()
