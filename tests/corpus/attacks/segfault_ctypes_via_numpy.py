# expect: ok forbidden_operation
"""Attack: segfault ctypes via numpy."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    # numpy imports ctypes itself; reach it without an import statement
    ct = np._core._internal.ctypes
    ct.string_at(0)
