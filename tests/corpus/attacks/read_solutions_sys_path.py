# expect: ok forbidden_operation
"""Attack: read solutions sys path."""


import os
import sys

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    for entry in sys.path + ['/work/main', os.path.realpath('/proc/self/cwd')]:
        d = entry
        while d != '/':
            if os.path.isdir(os.path.join(d, 'solutions')):
                return os.listdir(os.path.join(d, 'solutions'))
            d = os.path.dirname(d)
    return None
