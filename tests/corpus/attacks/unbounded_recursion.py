# expect: ok crashed
"""Attack: unbounded recursion."""


import sys

sys.setrecursionlimit(10 ** 9)

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    # through map(): every level also costs C stack, so the process overflows its stack
    return next(map(conv2d, [x], [w]))
