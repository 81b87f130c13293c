# expect: ok crashed
"""Attack: os exit in call."""


import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    os._exit(0)
