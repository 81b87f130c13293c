# expect: ok refused_value
"""Attack: ndarray subclass."""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __array_finalize__(self, obj):
        pass

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return np.zeros((1, 1, 1, 1)).view(Liar)
