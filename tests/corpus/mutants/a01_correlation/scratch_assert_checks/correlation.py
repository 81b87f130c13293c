# Written from scratch (a student's own style): checks the input with assert, so bad input raises
# AssertionError instead of ValueError. Expected diagnosis: wrong_exception.
import numpy as np


def cross_correlate2d(x, k):
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    assert x.ndim == 2 and k.ndim == 2, "x and k must be matrices"
    H, W = x.shape
    kh, kw = k.shape
    assert kh <= H and kw <= W, "the kernel does not fit"
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out


def convolve2d(x, k):
    k = np.asarray(k)
    assert k.ndim == 2, "k must be a matrix"
    return cross_correlate2d(x, k[::-1, ::-1])
