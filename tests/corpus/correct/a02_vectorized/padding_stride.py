"""Correct: vectorized with sliding_window_view, validation up front."""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _ints(*values):
    return all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values)


def _sides(pad):
    if _ints(pad):
        return (pad, pad), (pad, pad)
    if isinstance(pad, (tuple, list)) and len(pad) == 2:
        if _ints(*pad):
            return (pad[0], pad[0]), (pad[1], pad[1])
        if all(isinstance(p, (tuple, list)) and len(p) == 2 and _ints(*p) for p in pad):
            return tuple(pad[0]), tuple(pad[1])
    raise ValueError(f"bad padding {pad!r}")


def zero_pad(x, pad):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError("x must be NHWC")
    (t, b), (l, r) = _sides(pad)
    if min(t, b, l, r) < 0:
        raise ValueError("negative padding")
    out = np.zeros((x.shape[0], x.shape[1] + t + b, x.shape[2] + l + r, x.shape[3]), dtype=x.dtype)
    out[:, t:t + x.shape[1], l:l + x.shape[2], :] = x
    return out


def output_size(n, k, stride=1, padding="VALID"):
    if not _ints(n, k, stride) or min(n, k, stride) < 1:
        raise ValueError("n, k, stride must be ints >= 1")
    if padding == "SAME":
        return -(-n // stride)
    p = 0 if padding == "VALID" else padding
    if not _ints(p) or p < 0:
        raise ValueError(f"bad padding {padding!r}")
    if k > n + 2 * p:
        raise ValueError("kernel too large")
    return (n + 2 * p - k) // stride + 1


def same_padding(n, k, stride=1):
    if not _ints(n, k, stride) or min(n, k, stride) < 1:
        raise ValueError("n, k, stride must be ints >= 1")
    total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def correlate2d(x, k, stride=1, padding="VALID"):
    x, k = np.asarray(x), np.asarray(k)
    if x.ndim != 2 or k.ndim != 2 or min(k.shape) < 1:
        raise ValueError("x and k must be 2-D")
    sh, sw = (stride, stride) if _ints(stride) else tuple(stride)
    if min(sh, sw) < 1:
        raise ValueError("stride must be >= 1")
    if padding == "SAME":
        pads = (same_padding(x.shape[0], k.shape[0], sh), same_padding(x.shape[1], k.shape[1], sw))
    elif padding == "VALID":
        pads = ((0, 0), (0, 0))
    elif isinstance(padding, str):
        raise ValueError(f"unknown padding {padding!r}")
    else:
        pads = _sides(padding)
    xp = zero_pad(x[None, :, :, None].astype(float), pads)[0, :, :, 0]
    if k.shape[0] > xp.shape[0] or k.shape[1] > xp.shape[1]:
        raise ValueError("kernel larger than the padded input")
    windows = sliding_window_view(xp, k.shape)[::sh, ::sw]
    return np.einsum("ijuv,uv->ij", windows, k.astype(float))
