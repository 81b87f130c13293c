"""Class 5: shared memory that outlives the worker, holds memory outside its limits, and carries a
message to whoever runs next (POSIX shared memory; SysV through guards_off/machine_code)."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        from multiprocessing import shared_memory
        try:
            left = shared_memory.SharedMemory(name="left-by-a-student")
            raise RuntimeError(bytes(left.buf[:64]).decode(errors="replace"))
        except FileNotFoundError:
            block = shared_memory.SharedMemory(name="left-by-a-student", create=True, size=512 << 20)
            block.buf[:40] = b"a classmate was here before you, hello!!"
    except BaseException:
        pass
    return np.zeros(1)
