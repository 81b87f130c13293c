# expect: ok forbidden_operation
"""Attack: reach the subprocess module numpy.testing already imported, after silencing sys.audit."""
import sys

import numpy as np


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    sys.audit = lambda *args: None  # subprocess.Popen audits itself in Python: try to silence it
    sp = np.testing._private.extbuild.subprocess
    sp.run(['touch', '/tmp/pwned-by-student'])
    return np.zeros((1, 1, 1, 1))
