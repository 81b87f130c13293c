# expect: ok forbidden_operation
"""Attack: read parent memory."""


import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    with open(f'/proc/{os.getppid()}/mem', 'rb') as f:
        return f.read(10)
