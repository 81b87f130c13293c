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
    raise NotImplementedError("conv2d: 여기를 구현하세요 / implement this")


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
    raise NotImplementedError("relu: 여기를 구현하세요 / implement this")


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
    raise NotImplementedError("conv2d_relu: 여기를 구현하세요 / implement this")
