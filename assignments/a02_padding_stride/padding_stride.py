"""과제 2: 패딩과 스트라이드 / Assignment 2: padding and stride.

강의 노트 "패딩 (padding)": 합성곱 전에 입력 주변을 0으로 채워(zero-padding) 출력 크기를 조절하고
가장자리 정보가 누락되는 것을 막습니다. "스트라이드 (Stride)": 필터가 이동하는 간격이며, 출력 크기를 줄입니다.
TensorFlow의 ``padding='SAME'``은 출력 크기를 ceil(n / s)로 맞추고, 홀수 개의 패딩이 필요하면
남는 한 줄을 **아래쪽/오른쪽**에 넣습니다.

Padding surrounds the input with zeros before the convolution, to control the output size and keep
the border information. The stride is the step by which the filter moves. TensorFlow's ``"SAME"``
keeps out = ceil(n / s) and, when the total padding is odd, puts the extra row/column at the
bottom/right.

Images are NHWC ``(N, H, W, C)``, as in ``tf.nn.conv2d``.
"""

import math

import numpy as np


def _pair(value, name):
    """Return ``value`` as a pair of ints: ``3 -> (3, 3)``, ``(1, 2) -> (1, 2)`` (provided helper)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def zero_pad(x, pad):
    """Pad the height and width of an NHWC batch with zeros.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
        A batch of images.
    pad : int, (ph, pw) or ((top, bottom), (left, right))
        ``p`` puts p zeros on every side; ``(ph, pw)`` puts ph rows above and below and pw columns
        left and right; the nested form gives each side. All amounts are >= 0.

    Returns
    -------
    numpy.ndarray, shape (N, H + top + bottom, W + left + right, C)
        Same dtype as ``x``. N and C are never padded. ``x`` is left unchanged.

    Raises
    ------
    ValueError
        If ``x`` is not 4-D, ``pad`` has another form, or an amount is negative.

    Examples
    --------
    >>> x = np.ones((1, 2, 2, 1), dtype=np.uint8)
    >>> zero_pad(x, 1)[0, :, :, 0]
    array([[0, 0, 0, 0],
           [0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]], dtype=uint8)
    >>> zero_pad(x, ((0, 1), (2, 0))).shape
    (1, 3, 4, 1)
    """
    raise NotImplementedError("zero_pad: 여기를 구현하세요 / implement this")


def output_size(n, k, stride=1, padding="VALID"):
    """Output length along one axis of a convolution.

    Parameters
    ----------
    n : int
        Input length (height or width), >= 1.
    k : int
        Kernel length, >= 1.
    stride : int
        Step of the filter, >= 1.
    padding : "VALID", "SAME" or int
        ``"VALID"``: no padding, floor((n - k) / s) + 1. ``"SAME"`` (TensorFlow): ceil(n / s).
        int p: p zeros on both ends, floor((n + 2p - k) / s) + 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For n < 1, k < 1, stride < 1, p < 0, an unknown padding, or a kernel longer than the
        (padded) input.

    Examples
    --------
    >>> output_size(8, 3, 1, 1)
    8
    >>> output_size(8, 3, 2, 1)
    4
    >>> output_size(7, 4, 2, "SAME")
    4
    """
    raise NotImplementedError("output_size: 여기를 구현하세요 / implement this")


def same_padding(n, k, stride=1):
    """TensorFlow's ``"SAME"`` padding along one axis: ``(before, after)``.

    out = ceil(n / s); total = max((out - 1) * s + k - n, 0); before = total // 2;
    after = total - before. When total is odd the extra zero goes **after** (bottom/right).

    Parameters
    ----------
    n, k, stride : int
        Input length, kernel length and stride, each >= 1.

    Returns
    -------
    tuple of int
        ``(before, after)``.

    Raises
    ------
    ValueError
        If n, k or stride is < 1.

    Examples
    --------
    >>> same_padding(5, 3, 1)
    (1, 1)
    >>> same_padding(4, 2, 1)
    (0, 1)
    >>> same_padding(6, 3, 2)
    (0, 1)
    """
    raise NotImplementedError("same_padding: 여기를 구현하세요 / implement this")


def correlate2d(x, k, stride=1, padding="VALID"):
    """2-D cross-correlation of one single-channel image, with stride and padding.

    Parameters
    ----------
    x : array_like, shape (H, W)
        Input image, any real dtype.
    k : array_like, shape (kh, kw)
        Filter (not flipped, as in ``tf.nn.conv2d``).
    stride : int or (sh, sw)
        Step of the filter along height and width, each >= 1.
    padding : "VALID", "SAME", int or ((top, bottom), (left, right))
        ``"SAME"`` follows TensorFlow (see ``same_padding``); an int p pads p zeros on every side.

    Returns
    -------
    numpy.ndarray, shape (Ho, Wo), floating point
        Ho = output_size(H, kh, sh, padding) (likewise Wo); for the explicit form,
        Ho = (H + top + bottom - kh) // sh + 1. The inputs are left unchanged.

    Raises
    ------
    ValueError
        Wrong rank, stride < 1, unknown or negative padding, or a kernel larger than the padded input.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> correlate2d(x, np.ones((2, 2)), stride=2)
    array([[10., 18.],
           [42., 50.]])
    >>> correlate2d(x, np.ones((2, 2)), padding="SAME").shape
    (4, 4)
    """
    raise NotImplementedError("correlate2d: 여기를 구현하세요 / implement this")
