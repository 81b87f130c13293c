# expect: ok forbidden_operation|None
"""Attack: glob for solutions/ in every folder beside the course."""


import glob
import os
import sys


def _course_root():
    """The course folder, found from the worker's own file (grader/sandbox/worker.py)."""
    worker = sys.modules['__main__'].__file__
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(worker))))


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return glob.glob(os.path.join(os.path.dirname(_course_root()), '*', 'solutions', '*', '*.py'))
