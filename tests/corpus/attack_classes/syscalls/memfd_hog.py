"""Class 3: memfd_create holds memory outside RLIMIT_AS: take 4 GB and keep it."""
import mmap
import os

import numpy as np

HELD = []


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        fd = os.memfd_create("hog")
        os.ftruncate(fd, 4 << 30)
        area = mmap.mmap(fd, 4 << 30)
        for offset in range(0, 4 << 30, 4096):
            area[offset] = 1
        HELD.append(area)
    except BaseException:
        pass
    return np.zeros(1)
