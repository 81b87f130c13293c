# Written from scratch (a student's own style): one image at a time with a matrix product, but the
# result goes to out[:] instead of out[n], so every image ends up with the last one's feature map.
# Expected diagnosis: batch_index.
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
        raise ValueError("NHWC input and HWIO filters expected")
    N, H, W, C = x.shape
    kh, kw, Cw, F = w.shape
    if Cw != C:
        raise ValueError("channel counts differ")
    if b is not None and np.asarray(b).shape != (F,):
        raise ValueError("bias length must equal the number of filters")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride < 1")
    if isinstance(padding, str) and padding in ("VALID", "SAME"):
        pads = ((0, 0), (0, 0)) if padding == "VALID" else (_same_padding(H, kh, sh), _same_padding(W, kw, sw))
    elif isinstance(padding, str):
        raise ValueError("unknown padding")
    elif isinstance(padding, (tuple, list)) and all(isinstance(p, (tuple, list)) for p in padding):
        pads = (_pair(padding[0], "padding"), _pair(padding[1], "padding"))
    else:
        ph, pw = _pair(padding, "padding")
        pads = ((ph, ph), (pw, pw))
    if min(pads[0] + pads[1]) < 0:
        raise ValueError("negative padding")
    if kh > H + sum(pads[0]) or kw > W + sum(pads[1]):
        raise ValueError("kernel too large")
    Ho = (H + sum(pads[0]) - kh) // sh + 1
    Wo = (W + sum(pads[1]) - kw) // sw + 1
    kernel = w.reshape(kh * kw * C, F).astype(np.float64)
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        image = np.pad(x[n].astype(np.float64), (pads[0], pads[1], (0, 0)))
        rows = []
        for i in range(Ho):
            for j in range(Wo):
                rows.append(image[i * sh:i * sh + kh, j * sw:j * sw + kw, :].ravel())
        out[:] = (np.array(rows) @ kernel).reshape(Ho, Wo, F)
    if b is not None:
        out += np.asarray(b, dtype=np.float64)
    return out
