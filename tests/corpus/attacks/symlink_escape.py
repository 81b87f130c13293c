# expect: ok forbidden_operation
"""Attack: a symlink in the scratch folder pointing at the course's solutions/."""


import os
import sys


def _course_root():
    """The course folder, found from the worker's own file (grader/sandbox/worker.py)."""
    worker = sys.modules['__main__'].__file__
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(worker))))


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    os.symlink(os.path.join(_course_root(), 'solutions'), 'sol')
    return os.listdir('sol')
