# Written from scratch (a student's own style): each image convolved on its own and the results
# stacked with np.stack, which fails for an empty batch (N = 0). Expected diagnosis: crashed_on_case.
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


def _one_image(img, w, stride, pads):
    (t, bo), (l, r) = pads
    img = np.pad(img.astype(np.float64), ((t, bo), (l, r), (0, 0)))
    kh, kw, _, F = w.shape
    sh, sw = stride
    Ho = (img.shape[0] - kh) // sh + 1
    Wo = (img.shape[1] - kw) // sw + 1
    fmap = np.zeros((Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            window = img[i * sh:i * sh + kh, j * sw:j * sw + kw, :, None]
            fmap[i, j] = (window * w).sum(axis=(0, 1, 2))
    return fmap


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    x = np.asarray(x)
    w = np.asarray(w).astype(np.float64)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("x must be NHWC and w HWIO")
    if x.shape[3] != w.shape[2]:
        raise ValueError("x and w disagree on the number of channels")
    if b is not None and np.shape(b) != (w.shape[3],):
        raise ValueError("b must have shape (F,)")
    stride = _pair(stride, "stride")
    if min(stride) < 1:
        raise ValueError("stride must be >= 1")
    H, W = x.shape[1:3]
    kh, kw = w.shape[:2]
    if padding == "SAME":
        pads = (_same_padding(H, kh, stride[0]), _same_padding(W, kw, stride[1]))
    elif padding == "VALID":
        pads = ((0, 0), (0, 0))
    elif isinstance(padding, str):
        raise ValueError("padding must be 'VALID', 'SAME', an int or ((t, b), (l, r))")
    elif isinstance(padding, (tuple, list)) and isinstance(padding[0], (tuple, list)):
        pads = (_pair(padding[0], "padding"), _pair(padding[1], "padding"))
    else:
        pads = (_pair(padding, "padding"),) * 2
    if min(min(pads[0]), min(pads[1])) < 0:
        raise ValueError("padding must be >= 0")
    if kh > H + sum(pads[0]) or kw > W + sum(pads[1]):
        raise ValueError("kernel bigger than the padded image")
    out = np.stack([_one_image(x[n], w, stride, pads) for n in range(x.shape[0])])
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)
    return out
