# Written from scratch (a student's own style, from PyTorch): the filters are read as (F, C, kh, kw),
# so the channel check rejects valid HWIO filters and the ones it lets through are misread.
# Expected diagnosis: layout_nchw.
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
    F, C_w, kh, kw = w.shape
    if C_w != C:
        raise ValueError(f"the input has {C} channels but the filters have {C_w}")
    if b is not None:
        b = np.asarray(b, dtype=np.float64)
        if b.shape != (F,):
            raise ValueError("bias shape")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride")
    if padding == "SAME":
        pt, pb = _same_padding(H, kh, sh)
        pl, pr = _same_padding(W, kw, sw)
    elif padding == "VALID":
        pt = pb = pl = pr = 0
    elif isinstance(padding, str):
        raise ValueError("padding")
    elif isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
        (pt, pb), (pl, pr) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        pt, pl = _pair(padding, "padding")
        pb, pr = pt, pl
    if min(pt, pb, pl, pr) < 0:
        raise ValueError("padding")
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("kernel too large")
    Ho = (xp.shape[1] - kh) // sh + 1
    Wo = (xp.shape[2] - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    total = 0.0
                    for c in range(C):
                        total += np.sum(xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, c] * w[f, c])
                    out[n, i, j, f] = total
    if b is not None:
        out += b
    return out
