# Written from scratch (a student's own style): the bias is added inside the sum over the window, so it
# counts once per product. Expected diagnosis: bias_inside_window.
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
        raise ValueError("x and w must be 4-D")
    N, H, W, C = x.shape
    kh, kw, C_in, F = w.shape
    if C_in != C:
        raise ValueError("the filters must have as many channels as the input")
    if b is None:
        b = np.zeros(F)
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (F,):
        raise ValueError("b must have one value per filter")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("bad stride")
    if padding == "SAME":
        (t, bo), (l, r) = _same_padding(H, kh, sh), _same_padding(W, kw, sw)
    elif padding == "VALID":
        t = bo = l = r = 0
    elif isinstance(padding, str):
        raise ValueError("unknown padding")
    elif isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
        (t, bo), (l, r) = (_pair(p, "padding") for p in padding)
    else:
        t, l = _pair(padding, "padding")
        bo, r = t, l
    if min(t, bo, l, r) < 0:
        raise ValueError("padding must be >= 0")
    xp = np.zeros((N, H + t + bo, W + l + r, C))
    xp[:, t:t + H, l:l + W, :] = x
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("kernel larger than the padded input")
    Ho, Wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    region = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                    out[n, i, j, f] = np.sum(region * w[:, :, :, f] + b[f])
    return out
