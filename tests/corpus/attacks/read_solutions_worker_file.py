# expect: ok forbidden_operation|None
"""Attack: read solutions worker file."""


import os
import sys

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    worker = sys.modules['__main__'].__file__
    root = os.path.dirname(os.path.dirname(os.path.dirname(worker)))
    with open(os.path.join(root, 'solutions', 'a03_multichannel', 'multichannel.py')) as f:
        exec(f.read(), globals())
    return globals()['conv2d'](x, w, b, stride, padding)
