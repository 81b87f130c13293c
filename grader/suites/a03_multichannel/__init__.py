"""a03_multichannel: conv2d(x, w, b=None, stride=1, padding="VALID"), NHWC x HWIO -> (N, Ho, Wo, F).

How points follow concepts: the central idea (a filter sums over every input channel) is in every
part, so every case has C > 1 except the one named for C = 1; a missing channel sum therefore
costs more than a flipped kernel does. Parts other than stride_padding (and bias) call
``conv2d(x, w)`` with the documented defaults (b=None, stride=1, padding="VALID"); optional
parameters are passed as keywords, as the docstring does. Shapes, strides and paddings are
constants (fairness: a seed varies values only); ``coverage.yaml`` declares the case classes the
suite must cover and ``tests/test_coverage.py`` checks them.
"""

from grader.suite import Suite

suite = Suite("a03_multichannel")


@suite.test(part="channels", visible=True)
def sums_over_input_channels(g):
    """필터 하나가 모든 입력 채널을 더합니다 / one filter sums over every input channel"""
    yield g.call("채널 3개, 필터 1개 / 3 channels, 1 filter", "conv2d", g.normal(1, 5, 5, 3), g.normal(3, 3, 3, 1))
    yield g.call("채널 2개, 2x3 필터 / 2 channels, 2x3 filter", "conv2d", g.normal(1, 4, 5, 2), g.normal(2, 3, 2, 1))


@suite.test(part="channels")
def channel_counts(g):
    """채널 수 1개와 여러 개 / one and several input channels"""
    yield g.call("채널 1개 / C = 1", "conv2d", g.normal(1, 4, 4, 1), g.normal(2, 2, 1, 1))
    yield g.call("채널 4개 / C = 4", "conv2d", g.normal(1, 5, 4, 4), g.normal(3, 2, 4, 1))


@suite.test(part="channels")
def channel_dtypes_and_views(g):
    """uint8 RGB 이미지, 정수, float32, 연속적이지 않은 배열 / uint8 RGB image, integers, float32, non-contiguous views"""
    yield g.call("uint8 RGB 이미지 / uint8 RGB image", "conv2d", g.image(1, 5, 5, 3), g.image_kernel(2, 2, 3, 1))
    yield g.call("int64 입력 / int64 inputs", "conv2d", g.ints(1, 4, 5, 2, low=-9, high=10), g.ints(2, 2, 2, 2, low=-4, high=5))
    yield g.call("float32", "conv2d", g.normal(1, 5, 5, 3, dtype="float32"), g.normal(3, 3, 3, 2, dtype="float32"))
    yield g.call("채널 순서를 뒤집은 뷰 / channel-reversed view", "conv2d", g.normal(1, 5, 5, 3)[..., ::-1], g.normal(2, 2, 3, 1))
    yield g.call("채널을 섞는 1x1 필터 / 1x1 kernel mixes channels", "conv2d", g.normal(1, 3, 4, 3), g.normal(1, 1, 3, 2))


@suite.test(part="batch_filters", visible=True)
def one_output_channel_per_filter(g):
    """출력 채널 수 = 필터 개수, 배치의 각 이미지 / one output channel per filter, every image of the batch"""
    yield g.call("N=2, F=3", "conv2d", g.normal(2, 4, 4, 2), g.normal(3, 3, 2, 3))


@suite.test(part="batch_filters")
def batches_and_filters(g):
    """N과 F가 1이거나 1보다 클 때, 빈 배치 / N and F equal to 1 or larger, an empty batch"""
    yield g.call("N=3, F=1", "conv2d", g.normal(3, 4, 5, 2), g.normal(2, 2, 2, 1))
    yield g.call("N=1, F=4", "conv2d", g.normal(1, 5, 4, 3), g.normal(3, 3, 3, 4))
    yield g.call("빈 배치 N=0 / empty batch N=0", "conv2d", g.normal(0, 5, 5, 3), g.normal(3, 3, 3, 2))


@suite.test(part="batch_filters")
def kernel_sizes(g):
    """1x1 필터와 입력 크기의 필터 / 1x1 filters and filters as large as the input"""
    yield g.call("1x1 필터 / 1x1 kernel", "conv2d", g.normal(2, 3, 4, 2), g.normal(1, 1, 2, 2))
    yield g.call("입력과 같은 크기의 필터 / kernel equals input", "conv2d", g.normal(2, 3, 3, 2), g.normal(3, 3, 2, 2))
    yield g.call("직사각형 입력과 필터 / non-square input and kernel", "conv2d", g.normal(1, 6, 3, 2), g.normal(4, 2, 2, 2))


@suite.test(part="stride_padding", visible=True)
def tensorflow_same_padding(g):
    """TensorFlow SAME: ceil(n/s), 남는 한 줄은 아래/오른쪽 / SAME: ceil(n/s), extra row/column bottom/right"""
    yield g.call("짝수 필터, 스트라이드 1 / even kernel, stride 1", "conv2d", g.normal(1, 5, 5, 2), g.normal(2, 2, 2, 1),
                 padding="SAME")
    yield g.call("3x3, 스트라이드 2 / 3x3, stride 2", "conv2d", g.normal(1, 6, 6, 2), g.normal(3, 3, 2, 2),
                 stride=2, padding="SAME")


@suite.test(part="stride_padding")
def same_padding_split(g):
    """짝수 커널과 스트라이드에서 SAME의 비대칭 분할 / the asymmetric SAME split with even kernels and strides"""
    yield g.call("4x2 필터 / 4x2 kernel", "conv2d", g.normal(1, 7, 6, 2), g.normal(4, 2, 2, 1), padding="SAME")
    yield g.call("스트라이드 (3, 1), 3x3 / stride (3, 1), 3x3", "conv2d", g.normal(2, 6, 5, 2), g.normal(3, 3, 2, 2),
                 stride=(3, 1), padding="SAME")
    yield g.call("입력보다 큰 필터 / kernel larger than input", "conv2d", g.normal(1, 3, 3, 2), g.normal(4, 5, 2, 1),
                 padding="SAME")
    yield g.call("스트라이드 3 > 필터 2 / stride 3 > kernel 2", "conv2d", g.normal(1, 8, 7, 2), g.normal(2, 2, 2, 2),
                 stride=3, padding="SAME")
    # (8, k=1, s=2) and (11, k=2, s=4): TensorFlow pads nothing (the total is max(-1, 0)) and rows are left over.
    yield g.call("필터보다 큰 스트라이드, 남는 행 / stride > kernel, rows left over", "conv2d", g.normal(1, 8, 11, 2),
                 g.normal(1, 2, 2, 2), stride=(2, 4), padding="SAME")


@suite.test(part="stride_padding")
def strides(g):
    """높이와 너비 스트라이드, 남는 행, 커널보다 큰 스트라이드 / strides, rows left over, stride larger than the kernel"""
    yield g.call("스트라이드 (2, 1) / stride (2, 1)", "conv2d", g.normal(1, 7, 5, 2), g.normal(3, 2, 2, 2), stride=(2, 1))
    yield g.call("스트라이드 2, 남는 행과 열 / stride 2, rows and columns left over", "conv2d", g.normal(1, 6, 7, 2),
                 g.normal(3, 2, 2, 1), stride=2)
    yield g.call("스트라이드 3 > 필터 2 / stride 3 > kernel 2", "conv2d", g.normal(2, 8, 9, 2), g.normal(2, 2, 2, 1), stride=3)


@suite.test(part="stride_padding")
def explicit_padding(g):
    """정수 패딩과 ((위, 아래), (왼쪽, 오른쪽)) / int padding and ((top, bottom), (left, right))"""
    yield g.call("p=1, 스트라이드 (1, 2) / p=1, stride (1, 2)", "conv2d", g.normal(1, 5, 4, 2), g.normal(3, 2, 2, 1),
                 stride=(1, 2), padding=1)
    yield g.call("p=2, 스트라이드 3 > 필터 2 / p=2, stride 3 > kernel 2", "conv2d", g.normal(2, 5, 6, 2), g.normal(2, 2, 2, 1),
                 stride=3, padding=2)
    yield g.call("((2, 0), (1, 3)), 스트라이드 (2, 3) / ((2, 0), (1, 3)), stride (2, 3)", "conv2d", g.normal(1, 4, 3, 2),
                 g.normal(2, 3, 2, 2), stride=(2, 3), padding=((2, 0), (1, 3)))
    yield g.call("((0, 2), (3, 1)), 스트라이드 (1, 3) / ((0, 2), (3, 1)), stride (1, 3)", "conv2d", g.normal(1, 5, 4, 2),
                 g.normal(3, 2, 2, 1), stride=(1, 3), padding=((0, 2), (3, 1)))
    yield g.call("패딩한 입력 크기의 필터 / kernel as large as the padded input", "conv2d", g.normal(1, 3, 4, 2),
                 g.normal(5, 6, 2, 1), padding=1)


@suite.test(part="bias", visible=True)
def adds_one_bias_per_filter(g):
    """편향은 필터마다 하나, 필터를 적용한 뒤 더합니다 / one bias per filter, added after the filter"""
    yield g.call("F=2", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 2), g.normal(2))


@suite.test(part="bias")
def bias_cases(g):
    """여러 필터, SAME, 정수 편향 / several filters, SAME, integer bias"""
    yield g.call("F=3, N=2, SAME", "conv2d", g.normal(2, 5, 5, 2), g.normal(3, 3, 2, 3), g.normal(3), padding="SAME")
    yield g.call("정수 편향 / integer bias", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 2), g.ints(2))
    yield g.call("float32", "conv2d", g.normal(1, 4, 4, 2, dtype="float32"), g.normal(2, 2, 2, 2, dtype="float32"),
                 g.normal(2, dtype="float32"))


@suite.test(part="validation", visible=True)
def rejects_channel_mismatch(g):
    """입력 채널 수와 필터 채널 수가 다르면 ValueError / channel mismatch raises ValueError"""
    yield g.rejects("x 채널 3개, w 채널 2개 / x has 3 channels, w has 2", "conv2d", g.normal(1, 4, 4, 3), g.normal(2, 2, 2, 1))


@suite.test(part="validation")
def rejects_bad_arguments(g):
    """잘못된 모양, 편향, 스트라이드, 패딩은 ValueError / bad shapes, bias, stride or padding raise ValueError"""
    yield g.rejects("3차원 x / 3-D x", "conv2d", g.normal(4, 4, 2), g.normal(2, 2, 2, 1))
    # TF 2.21 runs x (1, 4, 4, 4) * w (2, 2, 2, F) as 2 groups for F = 2 or 4 (and raises for F = 1): FACTS.md.
    yield g.rejects("x 채널 4개, w 채널 2개: TF라면 그룹 합성곱 / 4 channels vs 2 (TF would group)", "conv2d",
                    g.normal(1, 4, 4, 4), g.normal(2, 2, 2, 2), twin="channel_counts")
    yield g.rejects("x 채널 3개, w 채널 1개 / x has 3 channels, w has 1", "conv2d", g.normal(1, 4, 4, 3), g.normal(2, 2, 1, 1),
                    twin="channel_counts")
    yield g.rejects("x 채널 1개, w 채널 2개 / x has 1 channel, w has 2", "conv2d", g.normal(1, 4, 4, 1), g.normal(2, 2, 2, 1),
                    twin="channel_counts")
    yield g.rejects("필터 2개에 편향 1개 / bias of length 1 for 2 filters", "conv2d", g.normal(1, 4, 4, 2),
                    g.normal(2, 2, 2, 2), g.normal(1), twin="bias_cases")
    # (F, 1) broadcasts over an output of width F = 2: only a check of b's shape rejects it.
    yield g.rejects("2차원 편향 (F, 1) / 2-D bias (F, 1)", "conv2d", g.normal(1, 3, 3, 2), g.normal(2, 2, 2, 2),
                    g.normal(2, 1), twin="bias_cases")
    yield g.rejects("소문자 'same' / lowercase 'same'", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1),
                    padding="same", twin="same_padding_split")
    yield g.rejects("알 수 없는 패딩 'FULL' / unknown padding 'FULL'", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1),
                    padding="FULL", twin="strides")
    yield g.rejects("음수 패딩 / negative padding", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1), padding=-1,
                    twin="explicit_padding")
    yield g.rejects("스트라이드 (0, 1) / stride (0, 1)", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1), stride=(0, 1),
                    twin="strides")
    yield g.rejects("스트라이드 (1, 0) / stride (1, 0)", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1), stride=(1, 0),
                    twin="strides")
    yield g.rejects("값이 셋인 스트라이드 / stride of three values", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1),
                    stride=(1, 2, 1), twin="strides")
    yield g.rejects("값이 하나인 스트라이드 / stride of one value", "conv2d", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1),
                    stride=(2,), twin="strides")
    yield g.rejects("입력보다 큰 필터 / kernel larger than input", "conv2d", g.normal(1, 3, 3, 2), g.normal(4, 2, 2, 1),
                    twin="kernel_sizes")
    yield g.rejects("패딩한 입력보다 큰 필터 / kernel larger than the padded input", "conv2d", g.normal(1, 3, 3, 2),
                    g.normal(2, 6, 2, 1), padding=1, twin="explicit_padding")


# -- cases that separate misconceptions the tests above cannot tell apart (grader/diagnose) -----------


@suite.test(part="stride_padding")
def separates_strided_sizes_and_same_splits(g):
    """남는 행이 있는 스트라이드(출력 크기는 내림), 커널보다 큰 스트라이드의 SAME(패딩 0), 스트라이드에 맞춘 SAME 분할 / strides that leave rows over (the size rounds down), SAME with a stride larger than the kernel (no padding), SAME split for the actual stride"""
    yield g.call("8x8, 3x3, 스트라이드 2: 두 행이 남음 / 8x8, 3x3, stride 2: two rows left over", "conv2d", g.normal(1, 8, 8, 2), g.normal(3, 3, 2, 1), stride=2)
    # H: stride 2 > kernel 1, no padding (the total would be -1); W: 4 wide, stride 5: no padding either,
    # though a stride-1 split would pad (1, 2) and a symmetric one (2, 2).
    yield g.call("SAME, 1x4 커널, 스트라이드 (2, 5) / SAME, 1x4 kernel, stride (2, 5)", "conv2d", g.normal(1, 8, 9, 2), g.normal(1, 4, 2, 1), stride=(2, 5), padding="SAME")


@suite.test(part="channels")
def separates_channels_first_from_crashes(g):
    """NCHW로 읽어도 채널 검사를 통과하는 모양: 채널을 잘못 읽은 코드와 그냥 실패하는 코드를 구별합니다 / a shape whose channel check passes even when x or w is read channels-first: tells such a reading from code that simply fails"""
    yield g.call("H = C = kw = 3", "conv2d", g.normal(1, 3, 5, 3), g.normal(2, 3, 3, 1))
