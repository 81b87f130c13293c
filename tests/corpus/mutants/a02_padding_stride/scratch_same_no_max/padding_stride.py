# Written from scratch (a student's own style): same_padding computes TensorFlow's total without
# max(..., 0), so a stride larger than the kernel gives a negative padding (np.pad then refuses it in
# correlate2d). Expected diagnosis: same_padding_negative.
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


def _sides(pad):
    """((top, bottom), (left, right)) from an int, (ph, pw) or the nested form."""
    if isinstance(pad, (tuple, list)) and len(pad) == 2 and all(isinstance(p, (tuple, list)) for p in pad):
        return _pair(pad[0], "pad"), _pair(pad[1], "pad")
    ph, pw = _pair(pad, "pad")
    return (ph, ph), (pw, pw)


def zero_pad(x, pad):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError("x must have 4 dimensions (N, H, W, C)")
    (top, bottom), (left, right) = _sides(pad)
    if min(top, bottom, left, right) < 0:
        raise ValueError("padding cannot be negative")
    return np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)])


def output_size(n, k, stride=1, padding="VALID"):
    for name, v in (("n", n), ("k", k), ("stride", stride)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive int")
    if padding == "SAME":
        return math.ceil(n / stride)
    if padding == "VALID":
        p = 0
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        p = int(padding)
    else:
        raise ValueError(f"bad padding {padding!r}")
    if k > n + 2 * p:
        raise ValueError("kernel longer than the padded input")
    return (n + 2 * p - k) // stride + 1


def same_padding(n, k, stride=1):
    output_size(n, k, stride, "SAME")  # checks the arguments
    out = math.ceil(n / stride)
    total = (out - 1) * stride + k - n
    return total // 2, total - total // 2


def correlate2d(x, k, stride=1, padding="VALID"):
    x = np.asarray(x)
    k = np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError("x and k must be 2-D")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride must be at least 1")
    H, W = x.shape
    kh, kw = k.shape
    if padding == "SAME":
        (t, b), (l, r) = same_padding(H, kh, sh), same_padding(W, kw, sw)
    elif padding == "VALID":
        t = b = l = r = 0
    elif isinstance(padding, str):
        raise ValueError(f"unknown padding {padding!r}")
    else:
        (t, b), (l, r) = _sides(padding)
        if min(t, b, l, r) < 0:
            raise ValueError("padding cannot be negative")
    xp = np.pad(x.astype(np.float64), [(t, b), (l, r)])
    if kh > xp.shape[0] or kw > xp.shape[1]:
        raise ValueError("kernel larger than the padded input")
    Ho = (xp.shape[0] - kh) // sh + 1
    Wo = (xp.shape[1] - kw) // sw + 1
    out = np.empty((Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[i, j] = np.sum(xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k)
    return out
