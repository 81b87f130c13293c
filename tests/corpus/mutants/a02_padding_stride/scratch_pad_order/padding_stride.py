# Written from scratch (a student's own style): zero_pad reads the nested padding as
# ((top, left), (bottom, right)); correlate2d pads through zero_pad. Expected diagnosis:
# explicit_padding_order.
import math

import numpy as np


def _pair(value, name):
    """Return ``value`` as a pair of ints: ``3 -> (3, 3)``, ``(1, 2) -> (1, 2)`` (provided helper)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def zero_pad(x, pad):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError("expected an NHWC array")
    if np.ndim(pad) == 0:
        top = bottom = left = right = int(pad)
    elif np.ndim(pad) == 1:
        top = bottom = int(pad[0])
        left = right = int(pad[1])
    else:
        (top, left), (bottom, right) = pad  # the first pair is the top-left corner, the second the bottom-right
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    n, h, w, c = x.shape
    out = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    out[:, top:top + h, left:left + w, :] = x
    return out


def output_size(n, k, stride=1, padding="VALID"):
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in (n, k, stride)):
        raise ValueError("n, k and stride must be ints >= 1")
    if padding == "SAME":
        return -(-n // stride)
    if padding == "VALID":
        padding = 0
    if isinstance(padding, str) or isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"unknown padding {padding!r}")
    if n + 2 * padding < k:
        raise ValueError("the kernel does not fit")
    return (n + 2 * padding - k) // stride + 1


def same_padding(n, k, stride=1):
    out = output_size(n, k, stride, "SAME")
    total = max((out - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def correlate2d(x, k, stride=1, padding="VALID"):
    x, k = np.asarray(x), np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError("2-D input and kernel only")
    sh, sw = _pair(stride, "stride")
    if min(sh, sw) < 1:
        raise ValueError("stride >= 1")
    if isinstance(padding, str):
        if padding == "SAME":
            padding = (same_padding(x.shape[0], k.shape[0], sh), same_padding(x.shape[1], k.shape[1], sw))
        elif padding == "VALID":
            padding = 0
        else:
            raise ValueError(f"unknown padding {padding!r}")
    xp = zero_pad(x[None, :, :, None], padding)[0, :, :, 0].astype(float)
    kh, kw = k.shape
    if kh > xp.shape[0] or kw > xp.shape[1]:
        raise ValueError("kernel larger than the padded input")
    rows = range(0, xp.shape[0] - kh + 1, sh)
    cols = range(0, xp.shape[1] - kw + 1, sw)
    return np.array([[np.sum(xp[r:r + kh, c:c + kw] * k) for c in cols] for r in rows], dtype=float).reshape(len(rows), len(cols))
