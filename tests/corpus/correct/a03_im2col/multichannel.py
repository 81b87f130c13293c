"""Correct: im2col, one matrix product."""
import numpy as np

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
    (sh, sw), pads = _geometry(x, w, b, stride, padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), *pads, (0, 0)))
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    cols = np.empty((N, Ho, Wo, kh * kw * C))
    for i in range(Ho):
        for j in range(Wo):
            cols[:, i, j, :] = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :].reshape(N, kh * kw * C)
    out = cols.reshape(-1, kh * kw * C) @ w.astype(np.float64).reshape(-1, F)
    out = out.reshape(N, Ho, Wo, F)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64)
    return out
