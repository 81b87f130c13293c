# expect: forbidden_import forbidden_import
"""Attack: import tensorflow."""


import tensorflow as tf

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return tf.nn.conv2d(x, w, stride, padding).numpy()
