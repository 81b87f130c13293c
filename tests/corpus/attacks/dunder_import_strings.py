# expect: forbidden_import forbidden_import
"""Attack: dunder import strings."""


tf = __import__(''.join(['ten', 'sor', 'flow']))

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    return tf.nn.conv2d(x, w, stride, padding).numpy()
