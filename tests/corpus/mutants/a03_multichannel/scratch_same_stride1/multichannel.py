# Written from scratch (a student's own style): SAME padding as for stride 1 (the helper called with
# stride 1), then the windows step by the stride. Expected diagnosis: same_padding_stride1.
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
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    if w.ndim != 4:
        raise ValueError("w must be 4-D")
    if x.shape[3] != w.shape[2]:
        raise ValueError("channel mismatch")
    F = w.shape[3]
    if b is not None and np.shape(b) != (F,):
        raise ValueError("bias must have shape (F,)")
    sh, sw = _pair(stride, "stride")
    if min(sh, sw) <= 0:
        raise ValueError("stride must be >= 1")
    kh, kw = w.shape[:2]
    if isinstance(padding, str):
        if padding == "VALID":
            pads = ((0, 0), (0, 0))
        elif padding == "SAME":
            # "SAME" keeps the size: pad as a stride-1 convolution would, then stride.
            pads = (_same_padding(x.shape[1], kh, 1), _same_padding(x.shape[2], kw, 1))
        else:
            raise ValueError("padding must be VALID or SAME")
    elif isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
        pads = (_pair(padding[0], "padding"), _pair(padding[1], "padding"))
    else:
        ph, pw = _pair(padding, "padding")
        pads = ((ph, ph), (pw, pw))
    if min(min(p) for p in pads) < 0:
        raise ValueError("negative padding")
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))).astype(np.float64)
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("the kernel does not fit")
    Ho = (xp.shape[1] - kh) // sh + 1
    Wo = (xp.shape[2] - kw) // sw + 1
    wmat = w.reshape(-1, F).astype(np.float64)
    out = np.empty((x.shape[0], Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = window.reshape(x.shape[0], kh * kw * x.shape[3]) @ wmat
    if b is not None:
        out += np.asarray(b, dtype=np.float64)
    return out
