# expect: ok timeout
"""Attack: sleep forever."""


import time

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    time.sleep(10 ** 6)
