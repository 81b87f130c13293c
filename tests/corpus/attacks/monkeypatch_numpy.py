# expect: ok None
"""Attack: monkeypatch numpy."""
import numpy as np


import numpy

numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return np.zeros((1, 1, 1, 1))
