"""Correct, but chatty: prints, warns and writes to stderr. Noise must never cost points."""
import sys
import warnings

import numpy as np

print("loading my conv2d...")
warnings.warn("this is a student's own warning at import")

def _geometry(x, w, b, stride, padding):
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("x and w must be 4-D")
    N, H, W, C = x.shape
    kh, kw, wc, F = w.shape
    if wc != C or kh < 1 or kw < 1:
        raise ValueError("channel mismatch or empty kernel")
    if b is not None and np.shape(b) != (F,):
        raise ValueError("b must have shape (F,)")
    if isinstance(stride, (int, np.integer)):
        stride = (stride, stride)
    if not isinstance(stride, (tuple, list)) or len(stride) != 2 or min(stride) < 1:
        raise ValueError("bad stride")
    sh, sw = int(stride[0]), int(stride[1])
    if isinstance(padding, str):
        if padding == "VALID":
            pads = ((0, 0), (0, 0))
        elif padding == "SAME":
            pads = []
            for n, k, s in ((H, kh, sh), (W, kw, sw)):
                total = max((-(-n // s) - 1) * s + k - n, 0)
                pads.append((total // 2, total - total // 2))
        else:
            raise ValueError("unknown padding")
    elif isinstance(padding, (int, np.integer)):
        pads = ((padding, padding), (padding, padding))
    else:
        pads = tuple(tuple(int(v) for v in p) for p in padding)
    if min(min(p) for p in pads) < 0:
        raise ValueError("negative padding")
    if kh > H + sum(pads[0]) or kw > W + sum(pads[1]):
        raise ValueError("kernel larger than the padded input")
    return (sh, sw), pads


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    x, w = np.asarray(x), np.asarray(w)
    print("conv2d called with", x.shape, w.shape)
    print("debug: on stderr", file=sys.stderr)
    warnings.warn("conv2d: float64 is slow", RuntimeWarning)
    (sh, sw), pads = _geometry(x, w, b, stride, padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), *pads, (0, 0)))
    kh, kw, _, F = w.shape
    Ho, Wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.einsum("nuvc,uvcf->nf", patch, w.astype(np.float64))
    return out if b is None else out + np.asarray(b, dtype=np.float64)
