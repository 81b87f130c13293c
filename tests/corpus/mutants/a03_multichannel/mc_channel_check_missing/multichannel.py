# Mutant a03_multichannel/mc_channel_check_missing: no check that x and w have the same channels. Expected diagnosis: no_validation. (Generated from the solution; one bug.)
"""과제 3: 3차원 데이터의 합성곱 / Assignment 3: multi-channel convolution on 4-D tensors.

강의 노트 「3차원 데이터의 합성곱」: **입력 데이터의 채널 수와 필터의 채널 수가 같아야 하고**, 각 필터는
모든 입력 채널에 대한 결과를 더해 출력 채널 하나를 만듭니다. 따라서 **출력 채널 수는 필터의 개수와 같습니다.**
「2D Convolution Layer - 4D Tensors」: 입력, 필터, 출력 모두 4D 텐서입니다. 「합성곱층 연산」: 편향(bias)은
필터를 적용한 뒤 더합니다.

The input's channel count must equal the filter's; each filter sums its products over all input
channels into one output channel, so there are as many output channels as filters. Inputs, filters
and outputs are all 4-D tensors, laid out as in ``tf.nn.conv2d``: images NHWC ``(N, H, W, C)``,
filters HWIO ``(kh, kw, C, F)``. The bias is added after the filter.
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


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    """배치에 적용하는 2차원 합성곱층: ``tf.nn.conv2d`` (+ ``tf.nn.bias_add``)가 계산하는 그대로.
    A 2-D convolution layer on a batch, as ``tf.nn.conv2d`` (+ ``tf.nn.bias_add``) computes it.

    out[n, i, j, f] = b[f] + sum over (u, v, c) of xp[n, i*sh + u, j*sw + v, c] * w[u, v, c, f]

    여기서 ``xp``는 H와 W를 0으로 패딩한 ``x``입니다. / where ``xp`` is ``x`` zero-padded on H and W.

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
        채널 C개인 이미지 N장 (NHWC), 어떤 실수 dtype이든 됩니다. N은 0일 수 있습니다.
        A batch of N images with C channels (NHWC), any real dtype. N may be 0.
    w : array_like, shape (kh, kw, C, F)
        필터 F개, 각각 입력과 채널 수가 같습니다 (HWIO). / F filters, each with as many channels as the input (HWIO).
    b : array_like, shape (F,), optional
        필터마다 편향 하나, 필터를 적용한 뒤 더합니다. / One bias per filter, added after the filter.
    stride : int or (sh, sw)
        높이와 너비 방향의 간격, 각각 1 이상. / Step of the filter along height and width, each >= 1.
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))
        ``"SAME"``은 TensorFlow를 따릅니다: out = ceil(n / s), 남는 0은 아래쪽/오른쪽. 대문자만 받습니다.
        ``"SAME"`` follows TensorFlow: out = ceil(n / s), the odd extra zero at the bottom/right.
        Uppercase strings only (``"same"`` raises ValueError).

    Returns
    -------
    numpy.ndarray, shape (N, Ho, Wo, F), floating point
        필터마다 출력 채널 하나. 입력은 바꾸지 않습니다. / One output channel per filter. The inputs are left unchanged.

    Raises
    ------
    ValueError
        차원이 틀리거나, ``x.shape[3] != w.shape[2]``, ``b``의 모양이 (F,)가 아니거나, 스트라이드 < 1,
        알 수 없거나 음수인 패딩, 패딩한 입력보다 큰 커널.
        Wrong ranks, ``x.shape[3] != w.shape[2]``, ``b`` not of shape (F,), stride < 1, an unknown
        or negative padding, or a kernel larger than the padded input.

    Examples
    --------
    >>> x = np.arange(18.0).reshape(1, 3, 3, 2)        # 채널 2개인 3x3 이미지 하나 / one 3x3 image with 2 channels
    >>> w = np.ones((2, 2, 2, 1))                       # 두 채널을 모두 보는 2x2 필터 하나 / one 2x2 filter over both channels
    >>> conv2d(x, w, b=np.array([0.5]))[0, :, :, 0]
    array([[ 36.5,  52.5],
           [ 84.5, 100.5]])
    >>> conv2d(np.zeros((4, 5, 5, 3)), np.zeros((3, 3, 3, 8)), stride=2, padding="SAME").shape
    (4, 3, 3, 8)
    """
    x = np.asarray(x)
    w = np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x must be NHWC (4-D), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"w must be HWIO (4-D), got shape {w.shape}")
    N, H, W, C = x.shape
    kh, kw, wc, F = w.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel must be at least 1x1, got {w.shape[:2]}")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (F,):
            raise ValueError(f"b must have shape ({F},), one bias per filter, got {b.shape}")
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

    # float64 avoids uint8 wrap-around and integer truncation.
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    w = w.astype(np.float64)
    Ho = (H + top + bottom - kh) // sh + 1
    Wo = (W + left + right - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                window = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (kh, kw, C)
                for f in range(F):
                    # One filter covers every input channel: sum over u, v *and* c.
                    out[n, i, j, f] = np.sum(window * w[:, :, :, f])
    if b is not None:
        out += b.astype(np.float64)  # broadcasts over the last axis: one bias per output channel
    return out
