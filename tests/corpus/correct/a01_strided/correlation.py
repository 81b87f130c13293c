"""Correct: stride tricks and np.flip."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def cross_correlate2d(x, k):
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    if x.ndim != 2 or k.ndim != 2 or min(k.shape) < 1 or k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError("need 2-D x and a 2-D kernel no larger than x")
    return np.einsum("ijuv,uv->ij", sliding_window_view(x, k.shape), k)


def convolve2d(x, k):
    k = np.asarray(k)
    if k.ndim != 2:
        raise ValueError("k must be 2-D")
    return cross_correlate2d(x, np.flip(k))
