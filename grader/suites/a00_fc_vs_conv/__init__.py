"""a00_fc_vs_conv: fc_params, conv_params, conv_output_shape (NHWC x HWIO), receptive_field.

Seeds vary the numbers only; every test keeps the classes that show each classic mistake in every
seed: several channels (C > 1) and C != F (channels forgotten), H != W (height and width swapped),
strides that do not divide the input (floor vs ceil, SAME's ceil(n / s)), sh != sw, a stride > 1
before the last layer (receptive fields). Case names are written "한국어 / English".
"""

from grader.suite import Suite

suite = Suite("a00_fc_vs_conv")


# -- fc_params ------------------------------------------------------------------------------------


@suite.test(part="fc_params", visible=True)
def fc_counts_weights_and_biases(g):
    """펼친 입력의 모든 값이 모든 뉴런에 연결됩니다 / every flattened input connects to every neuron"""
    yield g.call("강의의 32×32×3 이미지, 뉴런 100개 / the lecture's 32x32x3 image, 100 units", "fc_params", 32, 32, 3, 100)
    yield g.call("흑백 28×28, 뉴런 10개 / grayscale 28x28, 10 units", "fc_params", 28, 28, 1, 10)


@suite.test(part="fc_params")
def fc_many_sizes(g):
    """여러 이미지 크기, 채널 수, 뉴런 수 / many image sizes, channel counts and unit counts"""
    # h < w in every seed: a formula that uses one side twice shows.
    yield g.call("RGB 이미지 / RGB image", "fc_params", g.size(8, 31), g.size(32, 64), 3, g.size(2, 300))
    yield g.call("채널 4개 / 4 channels", "fc_params", g.size(4, 16), g.size(17, 32), 4, g.size(2, 50))
    yield g.call("뉴런 1개 / one unit", "fc_params", g.size(4, 9), g.size(10, 16), 3, 1)
    yield g.call("큰 이미지 / a large image", "fc_params", 224, 224, 3, g.size(100, 4096))


@suite.test(part="fc_params")
def fc_rejects_bad_input(g):
    """0, 음수, 정수가 아닌 크기는 ValueError / zero, negative or non-integer sizes raise ValueError"""
    yield g.rejects("높이 0 / height 0", "fc_params", 0, 32, 3, 10)
    yield g.rejects("뉴런 -1개 / -1 units", "fc_params", 32, 32, 3, -1)
    yield g.rejects("실수 크기 32.0 / a float size 32.0", "fc_params", 32.0, 32, 3, 10)


# -- conv_params ----------------------------------------------------------------------------------


@suite.test(part="conv_params", visible=True)
def conv_counts_filters_and_biases(g):
    """필터는 모든 입력 채널을 보고, 필터마다 편향이 하나입니다 / a filter spans every input channel, one bias per filter"""
    yield g.call("강의의 3×3 필터 100개, RGB / the lecture's 100 3x3 filters on RGB", "conv_params", 3, 3, 3, 100)
    yield g.call("편향 없음 / no bias", "conv_params", 3, 3, 3, 100, bias=False)


@suite.test(part="conv_params")
def conv_many_shapes(g):
    """여러 필터 크기, 채널 수, 필터 개수 / many filter sizes, channel counts and filter counts"""
    # C != F in every seed (C < F, or C > F for the 1x1 filter): forgetting either count shows.
    yield g.call("정사각형 필터 / square filter", "conv_params", 5, 5, g.size(2, 16), g.size(17, 64))
    yield g.call("직사각형 필터 / rectangular filter", "conv_params", 3, g.size(4, 7), g.size(2, 8), g.size(9, 32))
    yield g.call("1×1 필터 / 1x1 filter", "conv_params", 1, 1, g.size(16, 64), g.size(2, 15))
    yield g.call("편향 없음, 채널 여러 개 / no bias, several channels", "conv_params", 3, 3, g.size(2, 16), g.size(17, 32), bias=False)
    yield g.call("이미지 크기와 무관 / the image size does not matter", "conv_params", 7, 7, 3, 64)
    yield g.call("흑백 입력 / grayscale input", "conv_params", 3, 3, 1, g.size(2, 32))
    yield g.call("필터 1개 / one filter", "conv_params", 5, 3, g.size(2, 16), 1)


@suite.test(part="conv_params")
def conv_rejects_bad_input(g):
    """0개의 필터, 0 크기, bool이 아닌 bias는 ValueError / zero filters, zero sizes or a non-bool bias raise ValueError"""
    yield g.rejects("필터 0개 / zero filters", "conv_params", 3, 3, 3, 0)
    yield g.rejects("높이 0 / height 0", "conv_params", 0, 3, 3, 8)
    yield g.rejects('bias="yes"', "conv_params", 3, 3, 3, 8, bias="yes")


# -- conv_output_shape ------------------------------------------------------------------------------


@suite.test(part="conv_output_shape", visible=True)
def output_shape_examples(g):
    """VALID와 SAME, 출력 채널 수 = 필터 개수 / VALID and SAME, as many output channels as filters"""
    yield g.call("32×32×3, 3×3 필터 100개, VALID / 32x32x3, 100 3x3 filters, VALID", "conv_output_shape",
                 (1, 32, 32, 3), (3, 3, 3, 100), 1, "VALID")
    yield g.call("배치 8, 스트라이드 2, SAME / batch of 8, stride 2, SAME", "conv_output_shape",
                 (8, 7, 7, 1), (2, 2, 1, 4), 2, "SAME")
    yield g.call("강의 실습: 3×3 이미지, 2×2 필터, SAME / the lecture's 3x3 image, 2x2 filter, SAME", "conv_output_shape",
                 (1, 3, 3, 1), (2, 2, 1, 1), 1, "SAME")


@suite.test(part="conv_output_shape")
def output_shape_valid(g):
    """VALID: 마지막 윈도우까지 (n - k) // s + 1개 / VALID: (n - k) // s + 1 windows, the last one included"""
    n, c = g.size(2, 4), g.size(2, 4)  # N > 1, 1 < C < F in every seed
    yield g.call("스트라이드 1 / stride 1", "conv_output_shape", (n, g.size(6, 12), g.size(13, 20), c), (3, 2, c, g.size(5, 9)), 1, "VALID")
    yield g.call("나누어떨어지지 않는 스트라이드 2 / stride 2 that does not divide", "conv_output_shape",
                 (n, 2 * g.size(4, 8), 2 * g.size(9, 12), c), (3, 3, c, g.size(5, 9)), 2, "VALID")
    # H odd: stride 2 leaves a row over (H - 2 is odd); W = 3m + 4: stride 3 divides W - 4.
    yield g.call("스트라이드 (2, 3) / stride (2, 3)", "conv_output_shape", (1, 2 * g.size(5, 7) + 1, 3 * g.size(5, 6) + 4, c),
                 (2, 4, c, 8), (2, 3), "VALID")
    yield g.call("필터 = 입력 크기 / filter as large as the input", "conv_output_shape", (2, 5, 6, c), (5, 6, c, 5), 1, "VALID")
    yield g.call("빈 배치 N=0 / empty batch N=0", "conv_output_shape", (0, g.size(5, 8), g.size(9, 12), c), (3, 3, c, g.size(5, 9)), 1, "VALID")
    yield g.call("기본값: 스트라이드 1, VALID / defaults: stride 1, VALID", "conv_output_shape",
                 (n, g.size(6, 12), g.size(13, 20), c), (3, 3, c, g.size(5, 9)))


@suite.test(part="conv_output_shape")
def output_shape_same(g):
    """SAME: ceil(n / s), 커널 크기와 무관 / SAME: ceil(n / s) whatever the kernel"""
    c = g.size(2, 4)
    yield g.call("스트라이드 1, 짝수 필터 / stride 1, even filter", "conv_output_shape", (1, g.size(5, 9), g.size(10, 14), c), (4, 2, c, 6), 1, "SAME")
    yield g.call("나누어떨어지지 않는 스트라이드 3 / stride 3 that does not divide", "conv_output_shape",
                 (2, 3 * g.size(3, 5) + 1, 3 * g.size(6, 8) + 2, c), (3, 3, c, 7), 3, "SAME")
    yield g.call("스트라이드 (1, 2) / stride (1, 2)", "conv_output_shape", (1, g.size(6, 9), 2 * g.size(5, 7) + 1, c), (3, 3, c, 5), (1, 2), "SAME")
    yield g.call("입력보다 큰 필터 / filter larger than the input", "conv_output_shape", (1, 3, 4, 1), (5, 6, 1, 2), 1, "SAME")


@suite.test(part="conv_output_shape")
def output_shape_explicit_padding(g):
    """정수, (ph, pw), ((위, 아래), (왼쪽, 오른쪽)) 패딩 / int, (ph, pw) and ((top, bottom), (left, right)) padding"""
    c = g.size(2, 4)
    yield g.call("패딩 1 / padding 1", "conv_output_shape", (1, g.size(5, 8), g.size(9, 12), c), (3, 3, c, 5), 1, 1)
    yield g.call("(ph, pw) = (2, 0)", "conv_output_shape", (2, g.size(5, 8), g.size(9, 12), c), (3, 3, c, 6), 1, (2, 0))
    # H + 4 - 2 odd: stride 2 leaves a row over.
    yield g.call("패딩 2, 스트라이드 2 = 필터 2 / padding 2, stride 2 = filter 2", "conv_output_shape",
                 (1, 2 * g.size(3, 5) + 1, 2 * g.size(6, 8), c), (2, 2, c, 6), 2, 2)
    # H = 3m: stride 3 divides H - 3; W odd: stride 2 leaves a column over. A zero first: (0, pw) is valid.
    yield g.call("(ph, pw) = (0, 1), 스트라이드 (3, 2) / stride (3, 2)", "conv_output_shape",
                 (1, 3 * g.size(2, 3), 2 * g.size(5, 6) + 1, c), (3, 2, c, 7), (3, 2), (0, 1))
    yield g.call("패딩 0 / padding 0", "conv_output_shape", (1, g.size(5, 8), g.size(9, 12), c), (3, 2, c, 5), 1, 0)
    yield g.call("패딩한 입력 크기의 필터 / filter as large as the padded input", "conv_output_shape", (1, 3, 4, c), (5, 6, c, 5), 1, 1)
    # H even: H + 2 - 3 is odd, a row is left over; W even: W + 4 - 2 is even, stride 2 divides it.
    yield g.call("((2, 0), (1, 3)), 스트라이드 2 / stride 2", "conv_output_shape",
                 (1, 2 * g.size(3, 4), 2 * g.size(5, 6), c), (3, 2, c, 5), 2, ((2, 0), (1, 3)))


@suite.test(part="conv_output_shape")
def output_shape_rejects_bad_input(g):
    """잘못된 모양, 채널 수, 스트라이드, 패딩은 ValueError / bad shapes, channels, strides or padding raise ValueError"""
    yield g.rejects("채널 3개 vs 필터 채널 2개 / 3 channels vs filters of 2", "conv_output_shape", (1, 8, 8, 3), (3, 3, 2, 4), 1, "VALID")
    yield g.rejects("소문자 'same' / lowercase 'same'", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, "same")
    yield g.rejects("스트라이드 0 / stride 0", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 0, "VALID")
    yield g.rejects("음수 패딩 / negative padding", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, -1)
    yield g.rejects("3차원 입력 모양 / a 3-D input shape", "conv_output_shape", (8, 8, 1), (3, 3, 1, 4), 1, "VALID")
    yield g.rejects("입력보다 큰 필터, VALID / filter larger than the input, VALID", "conv_output_shape", (1, 4, 4, 1), (5, 5, 1, 1), 1, "VALID")
    yield g.rejects("패딩한 입력보다 큰 필터 / filter larger than the padded input", "conv_output_shape", (1, 3, 3, 1), (2, 6, 1, 1), 1, 1)
    yield g.rejects("채널 1개 vs 필터 채널 3개 / 1 channel vs filters of 3", "conv_output_shape", (1, 8, 8, 1), (3, 3, 3, 4), 1, "VALID")
    yield g.rejects("배치 -1 / batch -1", "conv_output_shape", (-1, 8, 8, 1), (3, 3, 1, 4), 1, "VALID")
    yield g.rejects("빈 입력 모양 () / an empty input shape ()", "conv_output_shape", (), (3, 3, 1, 4), 1, "VALID")
    yield g.rejects("5차원 입력 모양 / a 5-D input shape", "conv_output_shape", (1, 8, 8, 1, 1), (3, 3, 1, 4), 1, "VALID")
    yield g.rejects("5차원 필터 모양 / a 5-D filter shape", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4, 1), 1, "VALID")
    yield g.rejects("스트라이드 (0, 1) / stride (0, 1)", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), (0, 1), "VALID")
    yield g.rejects("스트라이드 (1, 0) / stride (1, 0)", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), (1, 0), "VALID")
    yield g.rejects("값이 하나인 스트라이드 / stride of one value", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), (2,), "VALID")
    yield g.rejects("값이 셋인 스트라이드 / stride of three values", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), (1, 2, 1), "VALID")
    yield g.rejects("알 수 없는 패딩 'FULL' / unknown padding 'FULL'", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, "FULL")
    yield g.rejects("음수 (ph, pw) / negative (ph, pw)", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, (-1, 1))
    yield g.rejects("음수 명시적 패딩 / negative explicit padding", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, ((0, 0), (2, -1)))
    yield g.rejects("한 쌍뿐인 패딩 / a single padding pair", "conv_output_shape", (1, 8, 8, 1), (3, 3, 1, 4), 1, ((1, 1),))
    # tf.nn.conv2d's form: one pair per NHWC axis. Read as ((top, bottom), (left, right)) it would pad N and H.
    yield g.rejects("TF의 네 축 명시적 패딩 / TensorFlow's four-axis explicit padding", "conv_output_shape", (1, 8, 8, 1),
                    (3, 3, 1, 4), 1, [[0, 0], [1, 1], [1, 1], [0, 0]])


# -- receptive_field ---------------------------------------------------------------------------------


@suite.test(part="receptive_field", visible=True)
def receptive_field_examples(g):
    """층마다 (k - 1) × (앞 층들의 스트라이드 곱)만큼 넓어집니다 / each layer adds (k - 1) x the strides before it"""
    yield g.call("3×3 두 층 / two 3x3 layers", "receptive_field", [(3, 1), (3, 1)])
    yield g.call("스트라이드 2 뒤의 3×3 / a 3x3 after a stride 2", "receptive_field", [(3, 2), (3, 1)])


@suite.test(part="receptive_field")
def receptive_field_stacks(g):
    """합성곱과 풀링을 쌓은 여러 층 / stacks of convolutions and pooling"""
    yield g.call("3×3 세 층 / three 3x3 layers", "receptive_field", [(3, 1)] * 3)
    yield g.call("합성곱, 풀링, 합성곱 / conv, pool, conv", "receptive_field",
                 [(g.choice([3, 5]), 1), (2, 2), (g.choice([3, 5]), 1), (2, 2), (3, 1)])
    yield g.call("스트라이드가 있는 합성곱 / strided convolutions", "receptive_field",
                 [(g.choice([5, 7]), 2), (3, 2), (3, 1)])
    yield g.call("한 층 / one layer", "receptive_field", [(g.choice([3, 5, 7, 9, 11]), g.size(2, 3))])
    yield g.call("층이 없으면 1 / no layers: 1", "receptive_field", [])


@suite.test(part="receptive_field")
def receptive_field_rejects_bad_input(g):
    """쌍이 아니거나 1보다 작은 값은 ValueError / entries that are not pairs of ints >= 1 raise ValueError"""
    yield g.rejects("커널 0 / kernel 0", "receptive_field", [(3, 1), (0, 1)])
    yield g.rejects("스트라이드 0 / stride 0", "receptive_field", [(3, 0)])
    yield g.rejects("쌍이 아닌 항목 / an entry that is not a pair", "receptive_field", [(3, 1, 1)])
    yield g.rejects("값이 하나인 항목 / an entry of one value", "receptive_field", [(3, 1), (3,)])
