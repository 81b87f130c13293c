"""과제 1: 교차 상관과 합성곱 / Assignment 1: cross-correlation and convolution.

강의 노트 「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」: 합성곱은 필터를 **반전**한 뒤 이동하며
곱해 더하고, 교차 상관은 반전 없이 이동하며 곱해 더합니다. CNN의 합성곱층(그리고 ``tf.nn.conv2d``)은 실제로는
교차 상관을 계산합니다.

The lecture notes ("convolution vs cross-correlation"): convolution flips the filter before sliding
it over the input; cross-correlation slides it as it is. CNN layers, ``tf.nn.conv2d`` included,
compute cross-correlation.
"""

import numpy as np


def cross_correlate2d(x, k):
    """2차원 교차 상관: VALID, 스트라이드 1, 필터를 뒤집지 않습니다.
    2-D cross-correlation, VALID padding, stride 1 (no kernel flip).

    out[i, j] = sum over (u, v) of x[i + u, j + v] * k[u, v]

    Parameters
    ----------
    x : array_like, shape (H, W)
        입력 이미지, 어떤 실수 dtype이든 됩니다 (uint8, int, float32, float64).
        Input image, any real dtype (uint8, int, float32, float64).
    k : array_like, shape (kh, kw)
        필터(커널), 1 <= kh <= H, 1 <= kw <= W. / Filter (kernel), with 1 <= kh <= H and 1 <= kw <= W.

    Returns
    -------
    numpy.ndarray, shape (H - kh + 1, W - kw + 1), floating point
        특성맵. 입력은 바꾸지 않습니다. / The feature map. The inputs are left unchanged.

    Raises
    ------
    ValueError
        x나 k가 2차원이 아니거나, 필터가 비었거나 입력보다 클 때.
        If ``x`` or ``k`` is not 2-D, or the kernel is empty or larger than the input.

    Examples
    --------
    >>> x = np.arange(9).reshape(3, 3)
    >>> k = np.array([[0, 1], [2, 3]])
    >>> cross_correlate2d(x, k)
    array([[19., 25.],
           [37., 43.]])
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    k = np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"x and k must be 2-D, got shapes {x.shape} and {k.shape}")
    H, W = x.shape
    kh, kw = k.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel must be at least 1x1, got {k.shape}")
    if kh > H or kw > W:
        raise ValueError(f"kernel {k.shape} is larger than the input {x.shape}")
    # Work in float64 so that uint8 images neither wrap around nor truncate.
    x = x.astype(np.float64)
    k = k.astype(np.float64)
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            # The window under the filter: same size as k, top-left corner at (i, j).
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out
    ### END SOLUTION


def convolve2d(x, k):
    """수학적 의미의 2차원 합성곱: 필터를 두 축 모두 뒤집은 뒤 적용합니다.
    2-D convolution in the mathematical sense: the kernel is flipped on both axes first.

    out[i, j] = sum over (u, v) of x[i + u, j + v] * k[kh - 1 - u, kw - 1 - v]

    Parameters
    ----------
    x : array_like, shape (H, W)
        입력 이미지, 어떤 실수 dtype이든 됩니다. / Input image, any real dtype.
    k : array_like, shape (kh, kw)
        필터, 1 <= kh <= H, 1 <= kw <= W. / Filter, with 1 <= kh <= H and 1 <= kw <= W.

    Returns
    -------
    numpy.ndarray, shape (H - kh + 1, W - kw + 1), floating point
        ``cross_correlate2d(x, k)``와 같은 모양. 입력은 바꾸지 않습니다.
        Same shape as ``cross_correlate2d(x, k)``. The inputs are left unchanged.

    Raises
    ------
    ValueError
        x나 k가 2차원이 아니거나, 필터가 비었거나 입력보다 클 때.
        If ``x`` or ``k`` is not 2-D, or the kernel is empty or larger than the input.

    Examples
    --------
    >>> x = np.arange(9).reshape(3, 3)
    >>> k = np.array([[0, 1], [2, 3]])
    >>> convolve2d(x, k)
    array([[ 5., 11.],
           [23., 29.]])
    """
    ### BEGIN SOLUTION
    k = np.asarray(k)
    if k.ndim != 2:
        raise ValueError(f"k must be 2-D, got shape {k.shape}")
    # Flipping (반전) the kernel turns cross-correlation into convolution.
    return cross_correlate2d(x, k[::-1, ::-1])
    ### END SOLUTION
