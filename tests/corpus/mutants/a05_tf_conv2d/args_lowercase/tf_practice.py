# Mutant a05_tf_conv2d/args_lowercase: accepts lowercase 'same' by upper-casing it. Expected diagnosis: no_validation. (Generated from the solution; one bug.)
"""과제 5: tf.nn.conv2d 실습 / Assignment 5: the tf.nn.conv2d practice.

강의 노트 「실습 코드」: ``tf.nn.conv2d(input, filters, strides, padding, data_format="NHWC")``로 3×3 이미지에
2×2 필터를 적용합니다. ``padding="VALID"``이면 2×2, ``"SAME"``이면 3×3이 나오고 (남는 0은 아래쪽/오른쪽),
필터를 3개 쓰면 출력 채널이 3개입니다. 스트라이드는 ``strides=[1, s, s, 1]``로 씁니다 (배치와 채널 방향은 1).
이 과제에서는 TensorFlow 없이 그 인자와 결과를 numpy로 재현합니다. 채점도 TensorFlow 없이 합니다: 정답은
교수자가 TensorFlow로 미리 계산해 두었습니다. 노트북은 TensorFlow가 설치되어 있으면 직접 비교해 봅니다.

The lecture's practice applies a 2x2 filter to a 3x3 image with ``tf.nn.conv2d``: VALID gives 2x2,
SAME gives 3x3 (the extra zero at the bottom/right), three filters give three output channels, and
the stride is written ``strides=[1, s, s, 1]``. Here you reproduce those arguments and results with
numpy, without TensorFlow; grading needs no TensorFlow either (TensorFlow's answers were computed
beforehand). The notebook compares with TensorFlow itself where it is installed.
"""

import math

import numpy as np


def _int_at_least(value, minimum):
    """True for an int (numpy integers too, never bool) >= ``minimum`` (제공된 도우미 함수 / provided helper)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= minimum


def tf_conv2d_args(stride=1, padding="VALID"):
    """강의처럼 ``tf.nn.conv2d``에 넘길 키워드 인자 딕셔너리를 만듭니다.
    The keyword arguments the lecture passes to ``tf.nn.conv2d``, as a dict.

    ``tf.nn.conv2d(x, w, **tf_conv2d_args(2, "SAME"))``처럼 씁니다. 스트라이드는 NHWC의 네 축마다 하나씩
    ``[1, sh, sw, 1]``이고, 패딩은 ``"VALID"``, ``"SAME"`` 또는 TensorFlow의 명시적 형식
    ``[[0, 0], [위, 아래], [왼쪽, 오른쪽], [0, 0]]``입니다.
    Used as ``tf.nn.conv2d(x, w, **tf_conv2d_args(2, "SAME"))``: one stride per NHWC axis,
    ``[1, sh, sw, 1]``; padding ``"VALID"``, ``"SAME"`` or TensorFlow's explicit form
    ``[[0, 0], [top, bottom], [left, right], [0, 0]]``.

    Parameters
    ----------
    stride : int or (sh, sw)
        필터가 이동하는 간격 (1 이상) / the step of the filter (>= 1).
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))
        정수 p는 네 변에 p씩, (ph, pw)는 위아래 ph, 좌우 pw입니다. 대문자만 받습니다 ("same"은 ValueError).
        An int p pads p on every side, (ph, pw) ph above and below and pw left and right.
        Uppercase only ("same" raises ValueError, as in TensorFlow).

    Returns
    -------
    dict
        ``{"strides": [1, sh, sw, 1], "padding": ..., "data_format": "NHWC"}``.

    Raises
    ------
    ValueError
        스트라이드 < 1, 음수 또는 알 수 없는 패딩 / stride < 1, negative or unknown padding.

    Examples
    --------
    >>> tf_conv2d_args(2, "SAME")
    {'strides': [1, 2, 2, 1], 'padding': 'SAME', 'data_format': 'NHWC'}
    >>> tf_conv2d_args(1, 1)["padding"]
    [[0, 0], [1, 1], [1, 1], [0, 0]]
    """
    ### BEGIN SOLUTION
    if _int_at_least(stride, 1):
        sh = sw = int(stride)
    elif isinstance(stride, (tuple, list)) and len(stride) == 2 and all(_int_at_least(s, 1) for s in stride):
        sh, sw = int(stride[0]), int(stride[1])
    else:
        raise ValueError(f"stride는 1 이상의 정수나 (sh, sw)입니다 / stride must be an int or (sh, sw) >= 1, got {stride!r}")
    if isinstance(padding, str):
        padding = padding.upper()
        if padding not in ("VALID", "SAME"):
            raise ValueError(f'padding은 "VALID" 또는 "SAME"입니다 (대문자) / padding must be "VALID" or "SAME", got {padding!r}')
        tf_padding = padding
    else:
        if _int_at_least(padding, 0):
            rows = cols = (int(padding), int(padding))
        elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(_int_at_least(p, 0) for p in padding):
            rows, cols = (int(padding[0]),) * 2, (int(padding[1]),) * 2
        elif (
            isinstance(padding, (tuple, list)) and len(padding) == 2
            and all(isinstance(p, (tuple, list)) and len(p) == 2 and all(_int_at_least(v, 0) for v in p) for p in padding)
        ):
            rows, cols = tuple(int(v) for v in padding[0]), tuple(int(v) for v in padding[1])
        else:
            raise ValueError(f"알 수 없는 패딩입니다 / unknown or negative padding {padding!r}")
        # TensorFlow's explicit form: one [before, after] pair per NHWC axis, N and C never padded.
        tf_padding = [[0, 0], list(rows), list(cols), [0, 0]]
    return {"strides": [1, sh, sw, 1], "padding": tf_padding, "data_format": "NHWC"}
    ### END SOLUTION


def stack_filters(kernels):
    """2차원 필터 F개를 ``tf.nn.conv2d``의 필터 모양 HWIO (kh, kw, 1, F)로 쌓습니다.
    Stack F 2-D kernels into ``tf.nn.conv2d``'s filter layout HWIO (kh, kw, 1, F).

    강의 「실습 코드」에서 필터를 여러 개 쓴 예처럼, 필터 f는 ``out[:, :, 0, f]``에 들어갑니다. 출력 채널 f는
    필터 f의 특성맵입니다. ``np.array(kernels)``는 (F, kh, kw) 모양이므로 reshape가 아니라 축의 순서를
    바꿔야 합니다.
    As with several filters in the lecture, kernel f goes to ``out[:, :, 0, f]``, and output channel f
    is the feature map of kernel f. ``np.array(kernels)`` is (F, kh, kw): move the axis, do not reshape.

    Parameters
    ----------
    kernels : list of F arrays of shape (kh, kw), or an array (F, kh, kw)
        F ≥ 1개의 같은 모양 필터 / F >= 1 kernels of the same shape.

    Returns
    -------
    numpy.ndarray, shape (kh, kw, 1, F)
        입력과 같은 dtype / the dtype of the kernels.

    Raises
    ------
    ValueError
        필터가 없거나, 2차원이 아니거나, 모양이 서로 다를 때 / no kernels, kernels that are not 2-D or differ in shape.

    Examples
    --------
    >>> w = stack_filters([np.ones((2, 2)), 10 * np.ones((2, 2)), -np.ones((2, 2))])
    >>> w.shape
    (2, 2, 1, 3)
    >>> w[0, 0, 0]
    array([ 1., 10., -1.])
    """
    ### BEGIN SOLUTION
    shapes = {np.shape(k) for k in kernels}
    if len(kernels) == 0 or len(shapes) != 1 or len(next(iter(shapes))) != 2 or 0 in next(iter(shapes)):
        raise ValueError(f"같은 모양의 2차원 필터가 하나 이상 필요합니다 / need one or more 2-D kernels of one shape, got {sorted(shapes)}")
    stacked = np.asarray(kernels)  # (F, kh, kw)
    # Move F to the end, then add the input-channel axis: (kh, kw, 1, F).
    return np.transpose(stacked, (1, 2, 0))[:, :, np.newaxis, :].copy()
    ### END SOLUTION


def tf_conv2d(input, filters, strides, padding, data_format="NHWC"):  # noqa: A002 - tf.nn.conv2d's names
    """``tf.nn.conv2d``를 numpy로: 같은 인자를 받아 같은 결과를 돌려줍니다 (교차 상관, 필터 반전 없음).
    ``tf.nn.conv2d`` in numpy: the same arguments, the same result (cross-correlation, no flip).

    Parameters
    ----------
    input : array_like, shape (N, H, W, C)
        NHWC 배치 / an NHWC batch.
    filters : array_like, shape (kh, kw, C, F)
        HWIO 필터, C는 입력과 같아야 합니다 / HWIO filters, C equal to the input's.
    strides : int, [s], [sh, sw] or [1, sh, sw, 1]
        TensorFlow가 받는 형식 그대로. 4개일 때 배치와 채널 방향은 1이어야 합니다.
        Every form TensorFlow takes; with four numbers the batch and channel strides must be 1.
    padding : "VALID", "SAME" or [[0, 0], [top, bottom], [left, right], [0, 0]]
        대문자 문자열 또는 TensorFlow의 명시적 형식 (N과 C는 0) / uppercase, or TensorFlow's explicit form.
    data_format : "NHWC"
        CPU에서 TensorFlow가 계산하는 형식만 받습니다 / the only layout TensorFlow computes on the CPU.

    Returns
    -------
    numpy.ndarray, shape (N, Ho, Wo, F), float64
        SAME: Ho = ceil(H / sh), 남는 0은 아래쪽/오른쪽 / the extra zero at the bottom/right.

    Raises
    ------
    ValueError
        TensorFlow가 거부하는 인자, 채널 수가 다를 때, 패딩한 입력보다 큰 필터
        / arguments TensorFlow refuses, a channel mismatch, a filter larger than the padded input.

    Examples
    --------
    >>> image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=float).reshape(1, 3, 3, 1)
    >>> weight = np.ones((2, 2, 1, 1))
    >>> tf_conv2d(image, weight, strides=[1, 1, 1, 1], padding="VALID")[0, :, :, 0]
    array([[12., 16.],
           [24., 28.]])
    >>> tf_conv2d(image, weight, strides=[1, 1, 1, 1], padding="SAME")[0, :, :, 0]
    array([[12., 16.,  9.],
           [24., 28., 15.],
           [15., 17.,  9.]])
    """
    ### BEGIN SOLUTION
    x = np.asarray(input)
    w = np.asarray(filters)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"input은 NHWC, filters는 HWIO (4차원) / input NHWC and filters HWIO, got {x.shape} and {w.shape}")
    if data_format != "NHWC":
        raise ValueError(f'data_format은 "NHWC"만 됩니다 / only data_format="NHWC", got {data_format!r}')
    n, h, wd, c = x.shape
    kh, kw, wc, f = w.shape
    if wc != c or kh < 1 or kw < 1:
        raise ValueError(f"입력 채널 {c}개, 필터 채널 {wc}개 / input has {c} channels, filters {wc}")
    # strides: s, [s], [sh, sw] or [1, sh, sw, 1] (no stride along N or C).
    values = list(strides) if isinstance(strides, (tuple, list)) else [strides]
    if not values or not all(_int_at_least(v, 1) for v in values) or len(values) not in (1, 2, 4):
        raise ValueError(f"strides가 잘못되었습니다 / bad strides {strides!r}")
    if len(values) == 4 and (values[0] != 1 or values[3] != 1):
        raise ValueError(f"배치와 채널 방향의 스트라이드는 1입니다 / strides along N and C must be 1, got {strides!r}")
    sh, sw = (values[0], values[0]) if len(values) == 1 else (values[0], values[1]) if len(values) == 2 else (values[1], values[2])
    if isinstance(padding, str):
        if padding == "SAME":
            pads = []
            for size, k, s in ((h, kh, sh), (wd, kw, sw)):
                total = max((math.ceil(size / s) - 1) * s + k - size, 0)
                pads.append((total // 2, total - total // 2))  # the extra zero goes after: bottom/right
        elif padding == "VALID":
            pads = [(0, 0), (0, 0)]
        else:
            raise ValueError(f'padding은 "VALID", "SAME" (대문자) / padding must be "VALID" or "SAME", got {padding!r}')
    else:
        four_pairs = isinstance(padding, (tuple, list)) and len(padding) == 4 and all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(_int_at_least(v, 0) for v in p) for p in padding
        )
        if not four_pairs or list(padding[0]) != [0, 0] or list(padding[3]) != [0, 0]:
            raise ValueError(f"명시적 패딩은 [[0, 0], [t, b], [l, r], [0, 0]] / explicit padding must be that form, got {padding!r}")
        pads = [tuple(padding[1]), tuple(padding[2])]
    (top, bottom), (left, right) = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right), (0, 0)))
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError(f"필터가 패딩한 입력보다 큽니다 / the filter is larger than the padded input {xp.shape[1:3]}")
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    w64 = w.astype(np.float64)
    out = np.zeros((n, ho, wo, f))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]  # (N, kh, kw, C)
            out[:, i, j, :] = np.tensordot(window, w64, axes=([1, 2, 3], [0, 1, 2]))
    return out
    ### END SOLUTION
