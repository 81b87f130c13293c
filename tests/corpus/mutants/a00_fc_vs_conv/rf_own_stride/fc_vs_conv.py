# Mutant a00_fc_vs_conv/rf_own_stride: a layer's stride is applied before its own kernel is counted. Expected diagnosis: receptive_field_own_stride. (Generated from the solution; one bug.)
"""과제 0: 완전연결 계층과 합성곱층 / Assignment 0: fully-connected vs convolutional layers.

강의 노트 「완전연결 계층 (Fully-connected layer)의 문제점」: 이미지를 1차원으로 펼치면 데이터의 형상이
무시되고, 입력 픽셀마다 뉴런마다 가중치가 하나씩 필요합니다. 「합성곱층 (Convolutional layer)」은 형상을
유지하고, 뉴런은 수용영역 안의 픽셀에만 연결되며, 같은 필터를 이미지 전체에서 다시 씁니다.
이 과제에서는 두 층의 파라미터 수, 합성곱층 출력의 모양 (N, Ho, Wo, F), 층을 쌓았을 때의 수용영역을
계산합니다. 모두 정수 계산이며 배열은 필요하지 않습니다.

Flattening an image ignores its shape, and a dense layer needs one weight per input pixel per
neuron. A convolutional layer keeps the shape, connects each neuron to the pixels of its receptive
field only, and reuses the same filter over the whole image. This assignment counts the parameters
of both layers, computes the output shape (N, Ho, Wo, F) of a convolution as ``tf.nn.conv2d`` does,
and the receptive field of a stack of layers. Integers only: no arrays needed.
"""

import math
import numbers


def _positive_int(value, name, minimum=1):
    """``value`` as an int >= ``minimum``, or ValueError (제공된 도우미 함수 / provided helper)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}은(는) 정수여야 합니다 / {name} must be an int, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name}은(는) {minimum} 이상이어야 합니다 / {name} must be >= {minimum}, got {value!r}")
    return int(value)


def fc_params(h, w, c, units):
    """완전연결 계층(Dense)의 파라미터 수: 가중치 + 편향.
    Parameters of a fully-connected (dense) layer: weights + biases.

    h×w×c 이미지를 1차원으로 펼친 입력(h·w·c개)이 units개의 뉴런에 모두 연결됩니다.
    뉴런마다 입력 하나에 가중치 하나, 그리고 편향 하나가 있습니다.
    The h×w×c image is flattened into h·w·c inputs, each connected to every one of the ``units``
    neurons; every neuron also has one bias.

    Parameters
    ----------
    h, w, c : int
        이미지의 높이, 너비, 채널 수 (각각 1 이상) / height, width and channels of the image (each >= 1).
    units : int
        뉴런 수 (1 이상) / number of neurons (>= 1).

    Returns
    -------
    int
        h·w·c·units + units.

    Raises
    ------
    ValueError
        정수가 아니거나 1보다 작은 값 / a value that is not an int or is < 1.

    Examples
    --------
    >>> fc_params(32, 32, 3, 100)
    307300
    """
    ### BEGIN SOLUTION
    h, w, c, units = (_positive_int(v, n) for v, n in ((h, "h"), (w, "w"), (c, "c"), (units, "units")))
    inputs = h * w * c  # the flattened image: the shape is gone, every pixel is one input
    return inputs * units + units
    ### END SOLUTION


def conv_params(kh, kw, c, f, bias=True):
    """합성곱층의 파라미터 수: 필터 f개의 가중치 + (bias=True이면) 필터마다 편향 하나.
    Parameters of a convolutional layer: the weights of f filters, plus one bias per filter if ``bias``.

    필터 하나는 kh×kw 윈도우에서 입력의 모든 채널(c개)을 봅니다. 필터의 가중치는 이미지 크기와
    무관하게 이미지 전체에서 다시 쓰입니다.
    One filter spans a kh×kw window over all c input channels; its weights are shared over the
    whole image, so the count does not depend on the image size.

    Parameters
    ----------
    kh, kw : int
        필터의 높이와 너비 (1 이상) / filter height and width (>= 1).
    c : int
        입력 채널 수 (1 이상) / input channels (>= 1).
    f : int
        필터 개수 = 출력 채널 수 (1 이상) / number of filters = output channels (>= 1).
    bias : bool
        편향을 쓰는지 여부 / whether the layer has biases.

    Returns
    -------
    int
        kh·kw·c·f (+ f).

    Raises
    ------
    ValueError
        정수가 아니거나 1보다 작은 값, bool이 아닌 bias / a count that is not an int >= 1, a bias that is not a bool.

    Examples
    --------
    >>> conv_params(3, 3, 3, 100)
    2800
    >>> conv_params(3, 3, 3, 100, bias=False)
    2700
    """
    ### BEGIN SOLUTION
    kh, kw, c, f = (_positive_int(v, n) for v, n in ((kh, "kh"), (kw, "kw"), (c, "c"), (f, "f")))
    if not isinstance(bias, bool):
        raise ValueError(f"bias는 True 또는 False여야 합니다 / bias must be True or False, got {bias!r}")
    weights = kh * kw * c * f  # each filter covers every input channel
    return weights + (f if bias else 0)
    ### END SOLUTION


def _pair(value, name):
    """``3 -> (3, 3)``, ``(1, 2) -> (1, 2)`` (제공된 도우미 함수 / provided helper)."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return _positive_int(value[0], name, 0), _positive_int(value[1], name, 0)
    number = _positive_int(value, name, 0)
    return number, number


def conv_output_shape(x_shape, w_shape, stride=1, padding="VALID"):
    """합성곱층 출력의 모양 (N, Ho, Wo, F): ``tf.nn.conv2d``가 계산하는 그대로.
    Output shape (N, Ho, Wo, F) of a convolution, as ``tf.nn.conv2d`` computes it.

    입력은 NHWC (N, H, W, C), 필터는 HWIO (kh, kw, C, F)입니다. 출력 채널 수는 필터 개수 F입니다.
    Input NHWC (N, H, W, C), filters HWIO (kh, kw, C, F); the output has one channel per filter.

    - ``"VALID"``: Ho = (H - kh) // sh + 1
    - ``"SAME"``: Ho = ceil(H / sh) (TensorFlow; 커널 크기와 무관 / whatever the kernel)
    - 정수 p, (ph, pw), ((위, 아래), (왼쪽, 오른쪽)) / int p, (ph, pw), ((top, bottom), (left, right)):
      Ho = (H + top + bottom - kh) // sh + 1, Wo도 같습니다 / likewise Wo

    Parameters
    ----------
    x_shape : tuple of 4 ints
        (N, H, W, C); N >= 0, H, W, C >= 1.
    w_shape : tuple of 4 ints
        (kh, kw, C, F), 각각 1 이상, C는 입력과 같아야 합니다 / each >= 1, C equal to the input's.
    stride : int or (sh, sw)
        필터가 이동하는 간격 (1 이상) / the step of the filter (>= 1).
    padding : "VALID", "SAME", int, (ph, pw) or ((top, bottom), (left, right))
        대문자 문자열만 받습니다 / uppercase strings only ("same" is rejected, as in TensorFlow).

    Returns
    -------
    tuple of 4 ints
        (N, Ho, Wo, F).

    Raises
    ------
    ValueError
        모양이 4개의 정수가 아니거나, 채널 수가 다르거나, 스트라이드 < 1, 음수 또는 알 수 없는 패딩,
        패딩한 입력보다 큰 필터 / shapes that are not 4 ints, a channel mismatch, stride < 1,
        negative or unknown padding, a filter larger than the padded input.

    Examples
    --------
    >>> conv_output_shape((1, 32, 32, 3), (3, 3, 3, 100), 1, "VALID")
    (1, 30, 30, 100)
    >>> conv_output_shape((8, 7, 7, 1), (2, 2, 1, 4), 2, "SAME")
    (8, 4, 4, 4)
    """
    ### BEGIN SOLUTION
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4:
        raise ValueError(f"x_shape는 (N, H, W, C)여야 합니다 / x_shape must be (N, H, W, C), got {x_shape!r}")
    if not isinstance(w_shape, (tuple, list)) or len(w_shape) != 4:
        raise ValueError(f"w_shape는 (kh, kw, C, F)여야 합니다 / w_shape must be (kh, kw, C, F), got {w_shape!r}")
    n = _positive_int(x_shape[0], "N", 0)
    h, w, c = (_positive_int(v, name) for v, name in zip(x_shape[1:], ("H", "W", "C")))
    kh, kw, wc, f = (_positive_int(v, name) for v, name in zip(w_shape, ("kh", "kw", "C", "F")))
    if wc != c:
        raise ValueError(f"입력 채널 {c}개, 필터 채널 {wc}개 / input has {c} channels, the filters {wc}")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride는 1 이상이어야 합니다 / stride must be >= 1, got {stride!r}")
    if isinstance(padding, str):
        if padding == "SAME":
            return n, math.ceil(h / sh), math.ceil(w / sw), f
        if padding != "VALID":
            raise ValueError(f'padding은 "VALID", "SAME", 정수 또는 쌍입니다 / unknown padding {padding!r}')
        (top, bottom), (left, right) = (0, 0), (0, 0)
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
        (top, bottom), (left, right) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        ph, pw = _pair(padding, "padding")
        (top, bottom), (left, right) = (ph, ph), (pw, pw)
    if kh > h + top + bottom or kw > w + left + right:
        raise ValueError(f"필터가 패딩한 입력보다 큽니다 / the filter {kh}x{kw} is larger than the padded input")
    # The last window must fit entirely: count the start positions 0, s, 2s, ...
    return n, (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1, f
    ### END SOLUTION


def receptive_field(layers):
    """층을 쌓았을 때 마지막 층의 뉴런 하나가 보는 입력의 길이 (한 축의 수용영역).
    The receptive field, along one axis, of one neuron of the last layer of a stack.

    ``layers``는 입력 쪽부터 차례로 ``(kernel, stride)`` 쌍입니다 (풀링 층도 같습니다). 수용영역은
    1에서 시작해, 층마다 (kernel - 1) × (앞 층들의 스트라이드 곱)만큼 넓어집니다. 층이 없으면 1입니다.
    ``layers`` lists ``(kernel, stride)`` from the input on (pooling layers count alike). The field
    starts at 1 and each layer widens it by (kernel - 1) × (the product of the strides before it).
    With no layers it is 1.

    Parameters
    ----------
    layers : list of (int, int)
        (kernel, stride), 각각 1 이상 / each >= 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        쌍이 아니거나 1보다 작은 값 / an entry that is not a pair of ints >= 1.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])
    5
    >>> receptive_field([(3, 2), (3, 1)])
    7
    """
    ### BEGIN SOLUTION
    if not isinstance(layers, (tuple, list)):
        raise ValueError(f"layers는 (kernel, stride) 쌍의 리스트입니다 / layers must be a list of pairs, got {layers!r}")
    field, jump = 1, 1  # jump: distance in input pixels between neighbouring neurons of this layer
    for layer in layers:
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            raise ValueError(f"(kernel, stride) 쌍이 아닙니다 / not a (kernel, stride) pair: {layer!r}")
        kernel, stride = _positive_int(layer[0], "kernel"), _positive_int(layer[1], "stride")
        jump *= stride
        field += (kernel - 1) * jump
    return field
    ### END SOLUTION
