"""The numpy core of the live misconception models (instructor side only: it computes right
answers, so ``grader release`` never ships ``grader/diagnose/models/``).

:func:`correlate_nhwc` is ``tf.nn.conv2d`` in numpy. :class:`Conv` lifts a case of any convolution
exercise to NHWC x HWIO (the 2-D exercises as one image, one channel, one filter) so that each
misconception is a change of the inputs, the parameters or the output around that core. The window
helpers emulate loops over numpy slices, which numpy cuts short at the edges.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Iterator

import numpy as np

from grader.cases import Case
from grader.diagnose import bind

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


# -- loops over numpy slices ------------------------------------------------------------------------
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
