"""The trusted answers of the lecture's first and last assignments (a00 and a05), TensorFlow where it decides.

- a00_fc_vs_conv: ``fc_params`` and ``conv_params`` count the weights of the tensors a dense and a
  convolutional layer hold (h·w·c × units + units; kh·kw·c·f (+ f)); ``conv_output_shape`` asks
  ``tf.nn.conv2d`` itself for the output shape (on zeros, with the same strides and padding; SAME
  is passed to TensorFlow as ``padding="SAME"``); ``receptive_field`` is the textbook recurrence
  (``tests/test_reference.py`` checks it against the support of a TensorFlow stack of convolutions).
- a05_tf_conv2d: ``tf_conv2d`` calls ``tf.nn.conv2d`` with exactly the student-facing arguments
  (strides in any form TensorFlow takes, ``"SAME"``/``"VALID"`` or explicit padding, ``data_format``);
  ``tf_conv2d_args`` is the lecture's keyword set, which TensorFlow must accept and which must give
  the same result as the explicit geometry; ``stack_filters`` lays F 2-D kernels out as HWIO.

Every case is validated here before TensorFlow sees it (``reference.py``'s rule): a case the
exercise must reject is answered ``Raises("ValueError")`` without calling TensorFlow.
"""

from __future__ import annotations

import numbers
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from grader import reference
from grader.cases import Raises

# -- argument forms ---------------------------------------------------------------------------------


def _int(value: Any, minimum: int = 1) -> int | None:
    """``value`` as an int >= ``minimum`` (numpy integers too, never bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        return None
    return int(value)


def _pair(value: Any, minimum: int) -> tuple[int, int] | None:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        a, b = _int(value[0], minimum), _int(value[1], minimum)
        return None if a is None or b is None else (a, b)
    a = _int(value, minimum)
    return None if a is None else (a, a)


def _course_pads(padding: Any) -> Any:
    """"VALID", "SAME", or ((t, b), (l, r)) for the course's padding forms; None when invalid."""
    if isinstance(padding, str):
        return padding if padding in ("VALID", "SAME") else None
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
        rows, cols = _pair(padding[0], 0), _pair(padding[1], 0)
        return None if rows is None or cols is None else (rows, cols)
    p = _pair(padding, 0)
    return None if p is None else ((p[0], p[0]), (p[1], p[1]))


def _tf_padding(pads: Any) -> Any:
    """The ``padding`` argument of ``tf.nn.conv2d`` for "VALID", "SAME" or ((t, b), (l, r))."""
    if isinstance(pads, str):
        return pads
    (t, b), (l, r) = pads
    return [[0, 0], [t, b], [l, r], [0, 0]]


@lru_cache(maxsize=4096)
def _tf_output_hw(h: int, w: int, kh: int, kw: int, stride: tuple[int, int], padding: Any) -> tuple[int, int]:
    """(Ho, Wo) of ``tf.nn.conv2d`` on one single-channel image (the batch and filters pass through)."""
    tf_padding = _tf_padding(padding)
    out = reference._tf().conv2d(
        np.zeros((1, h, w, 1)), np.zeros((kh, kw, 1, 1)), strides=[1, stride[0], stride[1], 1],
        padding=tf_padding if isinstance(tf_padding, str) else [list(p) for p in tf_padding],
    )
    return int(out.shape[1]), int(out.shape[2])


# -- a00_fc_vs_conv -----------------------------------------------------------------------------------


def _fc_params(h, w, c, units) -> Any:
    values = [_int(v) for v in (h, w, c, units)]
    if None in values:
        return Raises("ValueError")
    h, w, c, units = values
    return h * w * c * units + units  # the kernel (h·w·c, units) of a dense layer, and its bias (units,)


def _conv_params(kh, kw, c, f, bias=True) -> Any:
    values = [_int(v) for v in (kh, kw, c, f)]
    if None in values or not isinstance(bias, bool):
        return Raises("ValueError")
    kh, kw, c, f = values
    return kh * kw * c * f + (f if bias else 0)  # the HWIO kernel (kh, kw, c, f), and its bias (f,)


def _conv_output_shape(x_shape, w_shape, stride=1, padding="VALID") -> Any:
    if not all(isinstance(s, (tuple, list)) and len(s) == 4 for s in (x_shape, w_shape)):
        return Raises("ValueError")
    n = _int(x_shape[0], 0)
    h, w, c = (_int(v) for v in x_shape[1:])
    kh, kw, wc, f = (_int(v) for v in w_shape)
    strides = _pair(stride, 1)
    pads = _course_pads(padding)
    if None in (n, h, w, c, kh, kw, wc, f, strides, pads) or c != wc:
        return Raises("ValueError")
    if not isinstance(pads, str):
        (t, b), (l, r) = pads
        if kh > h + t + b or kw > w + l + r:
            return Raises("ValueError")
    elif pads == "VALID" and (kh > h or kw > w):
        return Raises("ValueError")
    ho, wo = _tf_output_hw(h, w, kh, kw, strides, pads)
    return (n, ho, wo, f)


def _receptive_field(layers) -> Any:
    if not isinstance(layers, (tuple, list)):
        return Raises("ValueError")
    field, jump = 1, 1
    for layer in layers:
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            return Raises("ValueError")
        kernel, stride = _int(layer[0]), _int(layer[1])
        if kernel is None or stride is None:
            return Raises("ValueError")
        field += (kernel - 1) * jump
        jump *= stride
    return field


# -- a05_tf_conv2d --------------------------------------------------------------------------------------


def tf_strides(strides: Any) -> tuple[int, int] | None:
    """(sh, sw) for every form ``tf.nn.conv2d`` takes: s, [s], [sh, sw], [1, sh, sw, 1]; else None."""
    if _int(strides) is not None:
        return _int(strides), _int(strides)
    if not isinstance(strides, (tuple, list)) or len(strides) not in (1, 2, 4):
        return None
    values = [_int(v) for v in strides]
    if None in values:
        return None
    if len(values) == 1:
        return values[0], values[0]
    if len(values) == 2:
        return values[0], values[1]
    return (values[1], values[2]) if values[0] == 1 and values[3] == 1 else None  # TF: no N or C stride


def _tf_explicit(padding: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """((t, b), (l, r)) of TensorFlow's explicit form [[0, 0], [t, b], [l, r], [0, 0]]; else None."""
    if not isinstance(padding, (tuple, list)) or len(padding) != 4:
        return None
    pairs = [_pair(p, 0) if isinstance(p, (tuple, list)) else None for p in padding]
    if None in pairs or pairs[0] != (0, 0) or pairs[3] != (0, 0):
        return None
    return pairs[1], pairs[2]


def _tf_conv2d(input, filters, strides, padding, data_format="NHWC") -> Any:  # noqa: A002 - TF's own names
    x, w = np.asarray(input), np.asarray(filters)
    stride = tf_strides(strides)
    if isinstance(padding, str):
        pads: Any = padding if padding in ("VALID", "SAME") else None
    else:
        pads = _tf_explicit(padding)
    if stride is None or pads is None or data_format != "NHWC" or x.dtype.kind not in "biuf" or w.dtype.kind not in "biuf":
        return Raises("ValueError")
    geometry = reference._conv_geometry(x, w, stride, pads)  # ranks, channels, kernel size
    if geometry is None:
        return Raises("ValueError")
    if x.shape[0] == 0 or w.shape[3] == 0:
        return reference.tf_conv2d(x, w, *geometry)  # zeros of the right shape (TF cannot)
    tf_padding = _tf_padding(pads)
    out = reference._tf().conv2d(
        np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64),
        strides=strides if not isinstance(strides, tuple) else list(strides),
        padding=tf_padding if isinstance(tf_padding, str) else [list(p) for p in tf_padding],
        data_format=data_format,
    )
    return out.numpy()


def _tf_conv2d_args(stride=1, padding="VALID") -> Any:
    strides = _pair(stride, 1)
    pads = _course_pads(padding)
    if strides is None or pads is None:
        return Raises("ValueError")
    args = {"strides": [1, strides[0], strides[1], 1], "padding": _tf_padding(pads), "data_format": "NHWC"}
    # TensorFlow must accept these very arguments and compute what the explicit geometry gives.
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((1, 7, 7, 2)), rng.standard_normal((3, 2, 2, 3))
    got = reference._tf().conv2d(x, k, **args).numpy()
    want = reference._conv2d(x, k, None, strides, pads)
    if isinstance(want, Raises) or got.shape != want.shape or not np.allclose(got, want, rtol=1e-12, atol=1e-12):
        raise reference.ReferenceError(f"tf.nn.conv2d does not take {args!r} as the lecture says")
    return args


def _stack_filters(kernels) -> Any:
    try:
        stacked = np.asarray(kernels)
    except (ValueError, TypeError):
        return Raises("ValueError")  # kernels of different shapes
    if stacked.ndim != 3 or stacked.shape[0] < 1 or 0 in stacked.shape or stacked.dtype.kind not in "biuf":
        return Raises("ValueError")
    # (F, kh, kw) -> (kh, kw, F) -> (kh, kw, 1, F): one input channel, one output channel per kernel.
    return np.ascontiguousarray(np.moveaxis(stacked, 0, -1)[:, :, np.newaxis, :])


REFERENCES: dict[str, Callable[..., Any]] = {
    "fc_params": _fc_params,
    "conv_params": _conv_params,
    "conv_output_shape": _conv_output_shape,
    "receptive_field": _receptive_field,
    "tf_conv2d": _tf_conv2d,
    "tf_conv2d_args": _tf_conv2d_args,
    "stack_filters": _stack_filters,
}


@lru_cache(maxsize=1024)
def same_split_from_tf(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's own SAME split along one axis, found by asking ``tf.nn.conv2d(padding="SAME")``.

    The output length comes from TensorFlow; among the explicit splits of the total padding it
    implies, the one whose explicit-padding convolution equals TensorFlow's SAME result on a generic
    input is TensorFlow's split.
    """
    rng = np.random.default_rng(n * 1000 + k * 10 + s)
    x, w = rng.standard_normal((1, 1, n, 1)), rng.standard_normal((1, k, 1, 1))
    ops = reference._tf()
    same = ops.conv2d(x, w, strides=[1, 1, s, 1], padding="SAME").numpy()
    total = max((same.shape[2] - 1) * s + k - n, 0)
    for before in range(total + 1):
        explicit = ops.conv2d(x, w, strides=[1, 1, s, 1], padding=[[0, 0], [0, 0], [before, total - before], [0, 0]])
        if explicit.shape == same.shape and np.allclose(explicit.numpy(), same, rtol=0, atol=1e-12):
            return before, total - before
    raise reference.ReferenceError(f"no explicit split reproduces TensorFlow's SAME for n={n}, k={k}, s={s}")


__all__ = ["REFERENCES", "same_split_from_tf"]
