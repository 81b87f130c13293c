# expect: ok crashed|None
"""Attack: segfault faulthandler."""


import faulthandler

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    faulthandler._sigsegv()
