# expect: ok forbidden_import
"""Attack: exec import."""


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    scope = {}
    exec('import tensor' + 'flow as tf', scope)
    return scope['tf'].nn.conv2d(x, w, stride, padding).numpy()
