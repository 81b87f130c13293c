# expect: ok forbidden_operation
"""Attack: raise rlimit."""
import numpy as np


import resource

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    return np.ones((1 << 40,))
