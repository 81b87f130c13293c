# expect: ok refused_value
"""Attack: huge return."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    # 3.2 GB as a zero-stride view: costs no memory here, would cost the grader if accepted
    return np.broadcast_to(np.zeros(1), (400_000_000,))
