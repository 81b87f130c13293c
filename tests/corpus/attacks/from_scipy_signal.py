# expect: forbidden_import forbidden_import
"""Attack: from scipy signal."""


from scipy import signal

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return signal.correlate(x, w)
