# expect: ok memory_limit
"""Attack: memory bomb ones."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return np.ones((1 << 40,))
