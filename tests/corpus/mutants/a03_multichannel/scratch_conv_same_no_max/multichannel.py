# Written from scratch (a student's own style): SAME worked out by hand without the helper and without
# max(..., 0); a stride larger than the kernel gives a negative padding that np.pad refuses.
# Expected diagnosis: same_padding_negative.
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


def _same_padding(n, k, s):
    """TensorFlow's SAME split along one axis: (before, after), extra zero after (provided helper)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("4-D arrays expected")
    N, H, W, C = x.shape
    kh, kw, Cin, F = w.shape
    if C != Cin:
        raise ValueError("channel mismatch")
    if b is not None:
        b = np.asarray(b, dtype=np.float64)
        if b.shape != (F,):
            raise ValueError("bias must have shape (F,)")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride must be >= 1")
    if isinstance(padding, str):
        if padding == "SAME":
            pads = []
            for n_, k_, s_ in ((H, kh, sh), (W, kw, sw)):
                out_len = -(-n_ // s_)
                total = (out_len - 1) * s_ + k_ - n_
                pads.append((total // 2, total - total // 2))
            (top, bottom), (left, right) = pads
        elif padding == "VALID":
            top = bottom = left = right = 0
        else:
            raise ValueError("unknown padding")
    else:
        if isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
            (top, bottom), (left, right) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
        else:
            top, left = _pair(padding, "padding")
            bottom, right = top, left
        if min(top, bottom, left, right) < 0:
            raise ValueError("negative padding")
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("kernel larger than the padded input")
    Ho = (xp.shape[1] - kh) // sh + 1
    Wo = (xp.shape[2] - kw) // sw + 1
    cols = np.empty((N, Ho, Wo, kh * kw * C))
    for i in range(Ho):
        for j in range(Wo):
            cols[:, i, j, :] = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :].reshape(N, kh * kw * C)
    out = cols @ w.reshape(-1, F).astype(np.float64)
    if b is not None:
        out = out + b
    return out
