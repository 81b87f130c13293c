# Written from scratch (a student's own style): the output size rounds up,
# Ho = ceil((H_p - kh) / sh) + 1, so where the stride leaves rows over the last window is cut short and
# the product cannot broadcast. Expected diagnosis: output_size_ceil.
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
        raise ValueError("x must be (N, H, W, C) and w (kh, kw, C, F)")
    N, H, W, C = x.shape
    kh, kw, wc, F = w.shape
    if wc != C:
        raise ValueError(f"x has {C} channels, w has {wc}")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (F,):
            raise ValueError("one bias per filter")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride must be positive")
    if padding == "SAME":
        (top, bottom), (left, right) = _same_padding(H, kh, sh), _same_padding(W, kw, sw)
    elif padding == "VALID":
        top = bottom = left = right = 0
    elif isinstance(padding, str):
        raise ValueError(f"unknown padding {padding!r}")
    elif isinstance(padding, (tuple, list)) and all(isinstance(p, (tuple, list)) for p in padding):
        (top, bottom), (left, right) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        top, bottom = left, right = _pair(padding, "padding")
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    Hp, Wp = H + top + bottom, W + left + right
    if kh > Hp or kw > Wp:
        raise ValueError("kernel larger than the padded input")
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    Ho = math.ceil((Hp - kh) / sh) + 1
    Wo = math.ceil((Wp - kw) / sw) + 1
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                patch = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                for f in range(F):
                    out[n, i, j, f] = np.sum(patch * w[..., f])
    if b is not None:
        out = out + b
    return out
