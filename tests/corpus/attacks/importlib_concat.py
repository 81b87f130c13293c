# expect: forbidden_import forbidden_import
"""Attack: importlib concat."""


import importlib

tf = importlib.import_module('tensor' + 'flow')

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return tf.nn.conv2d(x, w, stride, padding).numpy()
