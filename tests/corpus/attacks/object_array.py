# expect: ok refused_value
"""Attack: object array."""
import numpy as np


class AlwaysEqual:
    def __eq__(self, other):
        return True

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    out = np.empty((1, 3, 3, 2), dtype=object)
    out[...] = AlwaysEqual()
    return out
