"""과제 4: ReLU와 합성곱층 / Assignment 4: ReLU and a full convolution layer.

강의 노트 「Activation Function」: ReLU는 음수는 0으로 바꾸고 양수는 그대로 통과시킵니다.
「합성곱층 연산」: 편향(bias)은 필터를 적용한 **후에** 더하고, 활성화 함수는 그 다음에 적용합니다:
``relu(conv2d(x, w) + b)``. ``tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(...), b))``와 같습니다.

ReLU turns negative values into 0 and lets positive values through. In a layer the bias is added
after the filter and the activation comes last: ``relu(conv2d(x, w) + b)``.
"""

import math

import numpy as np


def _pair(value, name):
    """값을 정수 쌍으로 바꿉니다: ``3 -> (3, 3)``, ``(1, 2) -> (1, 2)`` (제공된 도우미 함수).
    Return ``value`` as a pair of ints: ``3 -> (3, 3)``, ``(1, 2) -> (1, 2)`` (provided helper).
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def _same_padding(n, k, s):
    """TensorFlow SAME의 한 축 분할 (before, after), 남는 0은 after (제공된 도우미 함수).
    TensorFlow's SAME split along one axis: (before, after), extra zero after (provided helper).
    """
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(x, w, stride=1, padding="VALID"):
    """편향 없는 NHWC x HWIO 합성곱: 과제 3의 ``conv2d``를 여기에 복사해 오세요.
    NHWC x HWIO convolution without bias: copy your ``conv2d`` from assignment 3 here.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    w : array_like, shape (kh, kw, C, F)
    stride : int or (sh, sw)
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    numpy.ndarray, shape (N, Ho, Wo, F), floating point

    Raises
    ------
    ValueError
        과제 3과 같습니다. / As in assignment 3.

    Examples
    --------
    >>> conv2d(np.ones((1, 3, 3, 2)), np.ones((2, 2, 2, 1)))[0, :, :, 0]
    array([[8., 8.],
           [8., 8.]])
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be NHWC and w HWIO (4-D), got shapes {x.shape} and {w.shape}")
    N, H, W, C = x.shape
    kh, kw, wc, F = w.shape
    if wc != C:
        raise ValueError(f"input has {C} channels but the filters have {wc}")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel must be at least 1x1, got {w.shape[:2]}")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    if isinstance(padding, str):
        if padding == "SAME":
            (top, bottom), (left, right) = _same_padding(H, kh, sh), _same_padding(W, kw, sw)
        elif padding == "VALID":
            top = bottom = left = right = 0
        else:
            raise ValueError(f'padding must be "VALID", "SAME", an int or ((t, b), (l, r)), got {padding!r}')
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        (top, bottom), (left, right) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        top, bottom = left, right = _pair(padding, "padding")
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    if kh > H + top + bottom or kw > W + left + right:
        raise ValueError(f"kernel {w.shape[:2]} is larger than the padded input")
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    w = w.astype(np.float64)
    Ho = (H + top + bottom - kh) // sh + 1
    Wo = (W + left + right - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (N, kh, kw, C)
            # Contract kh, kw and C with the filters: (N, kh, kw, C) x (kh, kw, C, F) -> (N, F).
            out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2]))
    return out
    ### END SOLUTION


def relu(x):
    """원소마다 적용하는 ReLU: max(x, 0).
    Rectified linear unit, element-wise: max(x, 0).

    Parameters
    ----------
    x : array_like, any shape
        어떤 실수 dtype이든 됩니다. / Any real dtype.

    Returns
    -------
    numpy.ndarray
        x와 같은 모양과 dtype: 음수는 0이 되고 나머지는 그대로입니다. x는 바꾸지 않습니다 (새 배열을 반환).
        Same shape and dtype as ``x``: negatives become 0, the rest pass through unchanged.
        ``x`` itself is left unchanged (a new array is returned).

    Examples
    --------
    >>> relu(np.array([-2.0, -0.5, 0.0, 1.5]))
    array([0. , 0. , 0. , 1.5])
    >>> relu(np.array([[-3, 4]], dtype=np.int8))
    array([[0, 4]], dtype=int8)
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    # np.maximum allocates a new array (x stays untouched) and keeps the dtype.
    return np.maximum(x, np.zeros((), dtype=x.dtype))
    ### END SOLUTION


def conv2d_relu(x, w, b, stride=1, padding="VALID"):
    """편향과 ReLU가 있는 합성곱층: ``relu(conv2d(x, w, stride, padding) + b)``.
    A convolution layer with bias and ReLU: ``relu(conv2d(x, w, stride, padding) + b)``.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    w : array_like, shape (kh, kw, C, F)
    b : array_like, shape (F,)
        필터마다 편향 하나, ReLU **전에** 더합니다. / One bias per filter, added **before** the ReLU.
    stride : int or (sh, sw)
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))

    Returns
    -------
    numpy.ndarray, shape (N, Ho, Wo, F), floating point, every value >= 0

    Raises
    ------
    ValueError
        ``conv2d``와 같고, ``b``의 모양이 (F,)가 아닐 때도. / As ``conv2d``, and when ``b`` does not have shape (F,).

    Examples
    --------
    >>> x = np.ones((1, 3, 3, 1))
    >>> w = np.ones((2, 2, 1, 2))
    >>> conv2d_relu(x, w, b=np.array([-5.0, 1.0]))[0, 0, 0]
    array([0., 5.])
    """
    ### BEGIN SOLUTION
    w = np.asarray(w)
    b = np.asarray(b)
    if w.ndim != 4:
        raise ValueError(f"w must be HWIO (4-D), got shape {w.shape}")
    if b.shape != (w.shape[3],):
        raise ValueError(f"b must have shape ({w.shape[3]},), one bias per filter, got {b.shape}")
    # Order matters: filter, then bias, then the activation.
    return relu(conv2d(x, w, stride, padding) + b.astype(np.float64))
    ### END SOLUTION
