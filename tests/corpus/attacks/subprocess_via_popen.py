# expect: ok forbidden_import
"""Attack: subprocess via popen."""
import numpy as np


def _conv(x, w, b=None):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    out = np.zeros((n, h - kh + 1, wd - kw + 1, f))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j, :] = np.tensordot(x[:, i:i + kh, j:j + kw, :], w, axes=([1, 2, 3], [0, 1, 2]))
    return out if b is None else out + b


import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    os.popen('cat ../solutions/a03_multichannel/multichannel.py').read()
    return _conv(x, w, b)
