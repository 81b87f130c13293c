# expect: syntax_error crashed
"""Attack: syntax error."""


def conv2d(x, w, b=None, stride=1, padding='VALID')
    return x
