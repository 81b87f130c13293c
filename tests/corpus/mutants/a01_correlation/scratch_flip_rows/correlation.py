# Written from scratch (a student's own style): vectorized with sliding_window_view; convolve2d
# flips the kernel upside down only (k[::-1]). Expected diagnosis: flip_one_axis.
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def cross_correlate2d(x, k):
    x = np.asarray(x)
    k = np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError("x and k must be 2-D")
    if 0 in k.shape:
        raise ValueError("empty kernel")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError("kernel larger than the input")
    windows = sliding_window_view(x.astype(np.float64), k.shape)  # (Ho, Wo, kh, kw)
    return np.einsum("ijuv,uv->ij", windows, k.astype(np.float64))


def convolve2d(x, k):
    k = np.asarray(k)
    if k.ndim != 2:
        raise ValueError("k must be 2-D")
    flipped = k[::-1]  # flip the kernel
    return cross_correlate2d(x, flipped)
