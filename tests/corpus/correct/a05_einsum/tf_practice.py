"""Correct: tuples and an extra dilations key in the kwargs, np.stack for the filters, sliding windows + einsum."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _ok(v, low):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low


def tf_conv2d_args(stride=1, padding="VALID"):
    sh, sw = stride if isinstance(stride, (tuple, list)) else (stride, stride)
    if not (_ok(sh, 1) and _ok(sw, 1)):
        raise ValueError("stride")
    if isinstance(padding, str):
        if padding not in {"SAME", "VALID"}:
            raise ValueError("padding")
        pad = padding
    else:
        if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
            rows, cols = tuple(padding[0]), tuple(padding[1])
        elif isinstance(padding, (tuple, list)):
            rows, cols = (padding[0], padding[0]), (padding[1], padding[1])
        else:
            rows = cols = (padding, padding)
        if not all(_ok(v, 0) for v in rows + cols):
            raise ValueError("padding")
        pad = ((0, 0), rows, cols, (0, 0))
    return {"strides": (1, sh, sw, 1), "padding": pad, "data_format": "NHWC", "dilations": [1, 1, 1, 1]}


def stack_filters(kernels):
    if len(kernels) == 0:
        raise ValueError("no kernels")
    kernels = [np.asarray(k) for k in kernels]
    if any(k.ndim != 2 or k.shape != kernels[0].shape for k in kernels):
        raise ValueError("kernels must be 2-D and of one shape")
    return np.stack(kernels, axis=-1)[:, :, None, :]


def tf_conv2d(input, filters, strides, padding, data_format="NHWC"):
    x, w = np.asarray(input, dtype=float), np.asarray(filters, dtype=float)
    if data_format != "NHWC" or x.ndim != 4 or w.ndim != 4 or x.shape[3] != w.shape[2] or 0 in w.shape[:2]:
        raise ValueError("bad input, filters or data_format")
    s = [strides] if np.ndim(strides) == 0 else list(strides)
    if len(s) == 4:
        if s[0] != 1 or s[3] != 1:
            raise ValueError("no strides along N or C")
        s = s[1:3]
    if len(s) == 1:
        s = s * 2
    if len(s) != 2 or not all(_ok(v, 1) for v in s):
        raise ValueError("bad strides")
    sh, sw = s
    kh, kw = w.shape[:2]
    if padding == "SAME":
        pads = []
        for n, k, st in ((x.shape[1], kh, sh), (x.shape[2], kw, sw)):
            out = -(-n // st)
            total = max((out - 1) * st + k - n, 0)
            pads.append((total // 2, total - total // 2))
    elif padding == "VALID":
        pads = [(0, 0), (0, 0)]
    elif isinstance(padding, (list, tuple)) and len(padding) == 4 and list(padding[0]) == [0, 0] and list(padding[3]) == [0, 0]:
        pads = [tuple(padding[1]), tuple(padding[2])]
        if min(min(p) for p in pads) < 0:
            raise ValueError("negative padding")
    else:
        raise ValueError(f"bad padding {padding!r}")
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("kernel larger than the padded input")
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]  # (N, Ho, Wo, C, kh, kw)
    return np.einsum("nijcuv,uvcf->nijf", windows, w)
