# expect: ok timeout
"""Attack: loop in call."""


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    while True:
        pass
