# expect: ok forbidden_operation|None
"""Attack: find the course through sys.path (or an editable install's finder) and list solutions/."""


import os
import sys


def _course_root():
    """The course folder, found from the worker's own file (grader/sandbox/worker.py)."""
    worker = sys.modules['__main__'].__file__
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(worker))))


def _candidates():
    yield from sys.path
    for finder in sys.meta_path:  # an editable install maps the package to the course folder
        yield from getattr(finder, 'MAPPING', {}).values()
    yield os.path.realpath('/proc/self/cwd')
    yield _course_root()


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    for entry in _candidates():
        d = entry
        while d not in ('/', ''):
            if os.path.isdir(os.path.join(d, 'solutions')):
                return os.listdir(os.path.join(d, 'solutions'))
            d = os.path.dirname(d)
    return None
