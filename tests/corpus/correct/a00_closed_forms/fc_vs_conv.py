"""Correct: numpy products, one validation helper, the receptive field computed from the output back."""
import math

import numpy as np


def _ints(*values, low=1):
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"bad size {v!r}")
    return [int(v) for v in values]


def fc_params(h, w, c, units):
    h, w, c, units = _ints(h, w, c, units)
    return int(np.prod([h, w, c, units])) + units


def conv_params(kh, kw, c, f, bias=True):
    kh, kw, c, f = _ints(kh, kw, c, f)
    if bias not in (True, False) or not isinstance(bias, bool):
        raise ValueError("bias must be a bool")
    return f * (kh * kw * c + int(bias))


def _pads(padding, h, w, kh, kw, s):
    if padding == "VALID":
        return 0, 0
    if padding == "SAME":
        return None
    if isinstance(padding, str):
        raise ValueError(padding)
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and isinstance(padding[0], (tuple, list)):
        (t, b), (l, r) = padding
        t, b, l, r = _ints(t, b, l, r, low=0)
        return t + b, l + r
    if isinstance(padding, (tuple, list)):
        ph, pw = _ints(*padding, low=0)
        return 2 * ph, 2 * pw
    (p,) = _ints(padding, low=0)
    return 2 * p, 2 * p


def conv_output_shape(x_shape, w_shape, stride=1, padding="VALID"):
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError("shapes must have 4 entries")
    (n,) = _ints(x_shape[0], low=0)
    h, w, c = _ints(*x_shape[1:])
    kh, kw, c2, f = _ints(*w_shape)
    if c != c2:
        raise ValueError("channel mismatch")
    sh, sw = _ints(*(stride if isinstance(stride, (tuple, list)) else (stride, stride)))
    extra = _pads(padding, h, w, kh, kw, (sh, sw))
    if extra is None:
        return (n, -(-h // sh), -(-w // sw), f)
    ph, pw = extra
    if kh > h + ph or kw > w + pw:
        raise ValueError("kernel larger than the padded input")
    return (n, math.floor((h + ph - kh) / sh) + 1, math.floor((w + pw - kw) / sw) + 1, f)


def receptive_field(layers):
    if not isinstance(layers, (list, tuple)):
        raise ValueError("layers must be a list")
    pairs = []
    for layer in layers:
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise ValueError(f"bad layer {layer!r}")
        pairs.append(_ints(*layer))
    # From one output neuron back to the input: r_in = (r_out - 1) * s + k.
    field = 1
    for k, s in reversed(pairs):
        field = (field - 1) * s + k
    return field
