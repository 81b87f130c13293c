# Mutant a02_padding_stride/c2_flipped: flips the kernel. Expected diagnosis: flipped_kernel. (Generated from the solution; one bug.)
"""과제 2: 패딩과 스트라이드 / Assignment 2: padding and stride.

강의 노트 「패딩 (padding)」: 합성곱 전에 입력 주변을 0으로 채워(zero-padding) 출력 크기를 조절하고
가장자리 정보가 누락되는 것을 막습니다. 「스트라이드(Stride)」: 필터가 이동하는 간격이며, 출력 크기를 줄입니다.
TensorFlow의 ``padding='SAME'``은 출력 크기를 ceil(n / s)로 맞추고, 홀수 개의 패딩이 필요하면
남는 한 줄을 **아래쪽/오른쪽**에 넣습니다. 이미지는 ``tf.nn.conv2d``처럼 NHWC ``(N, H, W, C)``입니다.

Padding surrounds the input with zeros before the convolution, to control the output size and keep
the border information. The stride is the step by which the filter moves. TensorFlow's ``"SAME"``
keeps out = ceil(n / s) and, when the total padding is odd, puts the extra row/column at the
bottom/right. Images are NHWC ``(N, H, W, C)``, as in ``tf.nn.conv2d``.
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


def zero_pad(x, pad):
    """NHWC 배치의 높이와 너비를 0으로 패딩합니다.
    Pad the height and width of an NHWC batch with zeros.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
        이미지 배치. / A batch of images.
    pad : int, (ph, pw) or ((top, bottom), (left, right))
        ``p``는 네 변에 p씩, ``(ph, pw)``는 위아래 ph줄과 좌우 pw줄, 중첩된 형식은 변마다 따로. 모두 0 이상.
        ``p`` puts p zeros on every side; ``(ph, pw)`` puts ph rows above and below and pw columns
        left and right; the nested form gives each side. All amounts are >= 0.

    Returns
    -------
    numpy.ndarray, shape (N, H + top + bottom, W + left + right, C)
        x와 같은 dtype. N과 C는 패딩하지 않고, x는 바꾸지 않습니다.
        Same dtype as ``x``. N and C are never padded. ``x`` is left unchanged.

    Raises
    ------
    ValueError
        x가 4차원이 아니거나, pad의 형식이 다르거나, 음수일 때.
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
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be NHWC (4-D), got shape {x.shape}")
    if isinstance(pad, (tuple, list)) and len(pad) == 2 and all(
        isinstance(side, (tuple, list)) for side in pad
    ):
        (top, bottom), (left, right) = _pair(pad[0], "pad"), _pair(pad[1], "pad")
    else:
        ph, pw = _pair(pad, "pad")
        top, bottom, left, right = ph, ph, pw, pw
    if min(top, bottom, left, right) < 0:
        raise ValueError(f"padding must be >= 0, got {pad!r}")
    # Only H and W are padded: the batch axis (N) and channel axis (C) get (0, 0).
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode="constant")


def output_size(n, k, stride=1, padding="VALID"):
    """합성곱 출력의 한 축 길이.
    Output length along one axis of a convolution.

    Parameters
    ----------
    n : int
        입력 길이(높이 또는 너비), 1 이상. / Input length (height or width), >= 1.
    k : int
        커널 길이, 1 이상. / Kernel length, >= 1.
    stride : int
        필터가 이동하는 간격, 1 이상. / Step of the filter, >= 1.
    padding : "VALID", "SAME" or int
        ``"VALID"``: 패딩 없이 floor((n - k) / s) + 1. ``"SAME"`` (TensorFlow): ceil(n / s).
        정수 p: 양 끝에 p씩, floor((n + 2p - k) / s) + 1. 대문자만 받습니다 (``"same"``은 ValueError).
        ``"VALID"``: no padding, floor((n - k) / s) + 1. ``"SAME"`` (TensorFlow): ceil(n / s).
        int p: p zeros on both ends, floor((n + 2p - k) / s) + 1. Uppercase only (``"same"`` raises).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        n < 1, k < 1, stride < 1, p < 0, 알 수 없는 패딩, 패딩한 입력보다 긴 커널.
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
    for name, value in (("n", n), ("k", k), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if isinstance(padding, str):
        if padding == "SAME":
            return math.ceil(n / stride)
        if padding != "VALID":
            raise ValueError(f'padding must be "VALID", "SAME" or an int, got {padding!r}')
        p = 0
    elif isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        p = int(padding)
        if p < 0:
            raise ValueError(f"padding must be >= 0, got {p}")
    else:
        raise ValueError(f'padding must be "VALID", "SAME" or an int, got {padding!r}')
    if k > n + 2 * p:
        raise ValueError(f"kernel ({k}) is longer than the padded input ({n + 2 * p})")
    # The last window must fit entirely: count the start positions 0, s, 2s, ...
    return (n + 2 * p - k) // stride + 1


def same_padding(n, k, stride=1):
    """TensorFlow ``"SAME"`` 패딩의 한 축: ``(before, after)``.
    TensorFlow's ``"SAME"`` padding along one axis: ``(before, after)``.

    out = ceil(n / s); total = max((out - 1) * s + k - n, 0); before = total // 2;
    after = total - before. total이 홀수이면 남는 0은 **after** (아래쪽/오른쪽)로 갑니다.
    When total is odd the extra zero goes **after** (bottom/right).

    Parameters
    ----------
    n, k, stride : int
        입력 길이, 커널 길이, 스트라이드, 각각 1 이상. / Input length, kernel length and stride, each >= 1.

    Returns
    -------
    tuple of int
        ``(before, after)``.

    Raises
    ------
    ValueError
        n, k, stride 중 하나가 1보다 작을 때. / If n, k or stride is < 1.

    Examples
    --------
    >>> same_padding(5, 3, 1)
    (1, 1)
    >>> same_padding(4, 2, 1)
    (0, 1)
    >>> same_padding(6, 3, 2)
    (0, 1)
    """
    for name, value in (("n", n), ("k", k), ("stride", stride)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + k - n, 0)
    before = total // 2
    return before, total - before


def correlate2d(x, k, stride=1, padding="VALID"):
    """단일 채널 이미지 하나의 2차원 교차 상관: 스트라이드와 패딩이 있습니다.
    2-D cross-correlation of one single-channel image, with stride and padding.

    Parameters
    ----------
    x : array_like, shape (H, W)
        입력 이미지, 어떤 실수 dtype이든 됩니다. / Input image, any real dtype.
    k : array_like, shape (kh, kw)
        필터 (``tf.nn.conv2d``처럼 뒤집지 않습니다). / Filter (not flipped, as in ``tf.nn.conv2d``).
    stride : int or (sh, sw)
        높이와 너비 방향으로 필터가 이동하는 간격, 각각 1 이상. / Step of the filter along height and width, each >= 1.
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))
        ``"SAME"``은 TensorFlow를 따릅니다 (``same_padding`` 참고). 정수 p는 네 변에 p씩, (ph, pw)는 위아래 ph,
        좌우 pw입니다. 대문자 문자열만 받습니다 (``"same"``은 ValueError).
        ``"SAME"`` follows TensorFlow (see ``same_padding``); an int p pads p zeros on every side,
        (ph, pw) ph above and below and pw left and right. Uppercase strings only (``"same"`` raises).

    Returns
    -------
    numpy.ndarray, shape (Ho, Wo), floating point
        Ho = output_size(H, kh, sh, padding) (Wo도 같은 방식); 명시적 형식이면 Ho = (H + top + bottom - kh) // sh + 1.
        입력은 바꾸지 않습니다.
        Ho = output_size(H, kh, sh, padding) (likewise Wo); for the explicit form,
        Ho = (H + top + bottom - kh) // sh + 1. The inputs are left unchanged.

    Raises
    ------
    ValueError
        차원이 틀리거나, 스트라이드 < 1, 알 수 없거나 음수인 패딩, 패딩한 입력보다 큰 커널.
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
    x = np.asarray(x)
    k = np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        raise ValueError(f"x and k must be 2-D, got shapes {x.shape} and {k.shape}")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {stride!r}")
    kh, kw = k.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel must be at least 1x1, got {k.shape}")
    H, W = x.shape
    if isinstance(padding, str):
        if padding == "SAME":
            pads = (same_padding(H, kh, sh), same_padding(W, kw, sw))
        elif padding == "VALID":
            pads = ((0, 0), (0, 0))
        else:
            raise ValueError(f'padding must be "VALID", "SAME", an int or ((t, b), (l, r)), got {padding!r}')
    else:
        pads = padding  # zero_pad checks the int and nested forms
    # Reuse zero_pad by viewing the image as a batch of one single-channel image.
    xp = zero_pad(x.reshape(1, H, W, 1), pads)[0, :, :, 0].astype(np.float64)
    Hp, Wp = xp.shape
    if kh > Hp or kw > Wp:
        raise ValueError(f"kernel {k.shape} is larger than the padded input {xp.shape}")
    k = k.astype(np.float64)
    out = np.zeros(((Hp - kh) // sh + 1, (Wp - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            # The window starts at (i * sh, j * sw): the stride is the step between windows.
            out[i, j] = np.sum(xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k[::-1, ::-1])
    return out
