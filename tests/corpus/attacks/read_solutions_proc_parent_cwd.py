# expect: ok forbidden_operation
"""Attack: read solutions proc parent cwd."""


import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    base = f'/proc/{os.getppid()}/cwd'
    with open(base + '/solutions/a03_multichannel/multichannel.py') as f:
        return f.read()
