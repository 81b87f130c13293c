# expect: ok forbidden_operation
"""Attack: symlink escape."""


import os

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    os.symlink('/work/main/solutions', 'sol')
    return os.listdir('sol')
