# expect: forbidden_import forbidden_import
"""Attack: segfault ctypes import."""


import ctypes

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    ctypes.string_at(0)
