# expect: ok forbidden_operation
"""Attack: getframe escape."""


import sys

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    frame = sys._getframe(1)
    return str(frame.f_locals)
