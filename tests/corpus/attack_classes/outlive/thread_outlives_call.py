"""Class 4: a thread started in the first call keeps running through the later ones and writes the
outputs once the grader has written them."""
import threading
import time

import numpy as np


def _later():
    time.sleep(5)
    for path in ("@@OUT@@/grades.csv", "/tmp/pwned-by-student"):
        try:
            with open(path, "a") as f:
                f.write("16\n")
        except OSError:
            pass


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        threading.Thread(target=_later, daemon=False).start()
    except BaseException:
        pass
    return np.zeros(1)
