# expect: ok forbidden_operation
"""Attack: read solutions glob."""


import glob
import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    d = os.getcwd()
    while d != '/':
        d = os.path.dirname(d)
    return glob.glob('/work/*/solutions/*/*.py')
