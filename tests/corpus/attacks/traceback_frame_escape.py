# expect: ok forbidden_operation
"""Attack: provoke a guard, then climb the traceback's frames to reach the guard's state."""


import os
import sys


def _course_root():
    """The course folder, found from the worker's own file (grader/sandbox/worker.py)."""
    worker = sys.modules['__main__'].__file__
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(worker))))


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    try:
        open(os.path.join(_course_root(), 'course.yaml'))
    except Exception as e:
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        return str(tb.tb_frame.f_locals)
