# expect: ok memory_limit
"""Attack: memory bomb list."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    grow = []
    while True:
        grow.append(np.empty(1 << 20))  # 8 MB each; untouched pages, so the limit is hit fast
