"""a02_padding_stride: zero_pad, output_size, same_padding, correlate2d (TensorFlow's SAME).

Shapes, sizes, strides and paddings are constants (fairness: a seed varies values only; the
scalar functions' cases are the same for everyone, their arguments *are* their class);
``coverage.yaml`` declares the case classes each function's cases must cover. Optional
parameters are passed as keywords, as the docstrings do.
"""

from grader.suite import Suite

suite = Suite("a02_padding_stride")


@suite.test(part="zero_pad", visible=True)
def pads_height_and_width(g):
    """H와 W만 0으로 채웁니다 / pads H and W with zeros, never N or C"""
    yield g.call("p=1, 이미지 1장 / p=1, one image", "zero_pad", g.normal(1, 3, 3, 1), 1)
    yield g.call("((위, 아래), (왼쪽, 오른쪽)) / (top, bottom), (left, right)", "zero_pad", g.normal(2, 3, 4, 2), ((0, 1), (2, 0)))


@suite.test(part="zero_pad")
def pad_forms(g):
    """정수, (ph, pw), ((위, 아래), (왼쪽, 오른쪽)) 세 가지 형식 / int, (ph, pw) and nested forms"""
    yield g.call("p=2, 채널 3개 / p=2, 3 channels", "zero_pad", g.normal(2, 3, 2, 3), 2)
    yield g.call("(ph, pw) = (1, 3)", "zero_pad", g.normal(1, 2, 2, 2), (1, 3))
    yield g.call("(ph, pw) = (2, 0)", "zero_pad", g.normal(2, 3, 2, 1), (2, 0))
    yield g.call("비대칭 / asymmetric", "zero_pad", g.normal(3, 2, 3, 1), ((2, 0), (1, 3)))
    yield g.call("목록 형식 [[1, 2], [0, 1]] / list form [[1, 2], [0, 1]]", "zero_pad", g.normal(1, 3, 2, 2), [[1, 2], [0, 1]])
    yield g.call("p=0", "zero_pad", g.normal(1, 2, 3, 2), 0)
    yield g.call("빈 배치 N=0 / empty batch N=0", "zero_pad", g.normal(0, 3, 3, 2), 1)


@suite.test(part="zero_pad")
def pad_keeps_dtype(g):
    """dtype을 유지합니다 (uint8, int64, float32) / keeps the dtype (uint8, int64, float32)"""
    yield g.call("uint8 이미지 / uint8 image", "zero_pad", g.image(1, 4, 3, 3), 1)
    yield g.call("int64", "zero_pad", g.ints(2, 3, 3, 1, low=-9, high=10), (1, 2))
    yield g.call("float32", "zero_pad", g.normal(2, 2, 2, 1, dtype="float32"), (2, 1))
    yield g.call("건너뛰는 뷰 / strided view", "zero_pad", g.normal(2, 6, 6, 2)[:, ::2, ::2, :], 1)


@suite.test(part="zero_pad")
def pad_rejects_bad_input(g):
    """음수 패딩과 4차원이 아닌 입력은 ValueError / negative padding or non-4-D input raises ValueError"""
    yield g.rejects("음수 / negative", "zero_pad", g.normal(1, 3, 3, 1), -1)
    yield g.rejects("음수 (ph, pw) / negative (ph, pw)", "zero_pad", g.normal(1, 3, 3, 1), (0, -1))
    yield g.rejects("음수인 한 쪽 / negative side", "zero_pad", g.normal(1, 3, 3, 1), ((0, 1), (-2, 0)))
    yield g.rejects("3차원 입력 / 3-D input", "zero_pad", g.normal(3, 3, 1), 1)
    yield g.rejects("세 값 / three values", "zero_pad", g.normal(1, 3, 3, 1), (1, 2, 3))
    yield g.rejects("세 쌍 / three pairs", "zero_pad", g.normal(1, 3, 3, 1), ((0, 1), (1, 0), (1, 1)))
    yield g.rejects("한 쌍 / one pair", "zero_pad", g.normal(1, 3, 3, 1), ((1, 1),))


@suite.test(part="output_size", visible=True)
def output_size_examples(g):
    """출력 크기 공식 / the output size formula"""
    yield g.call("8, k3, s1, p1", "output_size", 8, 3, 1, 1)
    yield g.call("8, k3, s2, p1", "output_size", 8, 3, 2, 1)
    yield g.call("7, k4, s2, SAME", "output_size", 7, 4, 2, "SAME")
    yield g.call("6, k3, s2, VALID", "output_size", 6, 3, 2, "VALID")


# (n, k, stride, padding): every padding form with stride smaller than, equal to and larger than
# the kernel, a stride that divides n_p - k and one that leaves rows over, odd and even kernels.
OUTPUT_SIZES = [
    (7, 3, 2, "VALID"), (8, 3, 2, "VALID"), (9, 2, 2, "VALID"), (8, 2, 2, "VALID"), (10, 2, 3, "VALID"),
    (11, 2, 3, "VALID"), (6, 1, 4, "VALID"), (5, 5, 1, "VALID"),
    (9, 2, 3, "SAME"), (10, 3, 3, "SAME"), (8, 1, 2, "SAME"), (6, 5, 2, "SAME"),
    (7, 2, 2, 1), (6, 2, 3, 2), (5, 3, 3, 1), (6, 4, 2, 0), (3, 5, 1, 1),
]


@suite.test(part="output_size")
def output_size_classes(g):
    """VALID, SAME, 정수 패딩과 여러 스트라이드 / VALID, SAME and int padding with many strides"""
    for n, k, s, padding in OUTPUT_SIZES:
        yield g.call(f"n={n}, k={k}, s={s}, {padding}", "output_size", n, k, s, padding)


@suite.test(part="output_size")
def output_size_defaults(g):
    """기본값: stride=1, padding="VALID" / the defaults stride=1, padding="VALID" """
    yield g.call("n=6, k=3", "output_size", 6, 3)
    yield g.call("n=9, k=2, stride=4", "output_size", 9, 2, stride=4)


@suite.test(part="output_size")
def output_size_same_even_kernels(g):
    """SAME의 출력 크기는 커널 크기와 무관하게 ceil(n/s) / SAME's output size is ceil(n/s) whatever the kernel"""
    yield g.call("n6 k2 s2", "output_size", 6, 2, 2, "SAME")
    yield g.call("n5 k4 s1", "output_size", 5, 4, 1, "SAME")
    yield g.call("n9 k2 s3", "output_size", 9, 2, 3, "SAME")
    yield g.call("n3 k6 s1 (입력보다 큰 필터) / n3 k6 s1 (kernel larger than input)", "output_size", 3, 6, 1, "SAME")


@suite.test(part="output_size")
def output_size_rejects_bad_input(g):
    """잘못된 스트라이드, 패딩, 너무 큰 커널은 ValueError / bad stride, padding or oversized kernel raises"""
    yield g.rejects("스트라이드 0 / stride 0", "output_size", 5, 3, 0, "VALID")
    yield g.rejects("소문자 'same' / lowercase 'same'", "output_size", 5, 3, 1, "same")
    yield g.rejects("알 수 없는 패딩 'FULL' / unknown padding 'FULL'", "output_size", 5, 3, 1, "FULL")
    yield g.rejects("음수 패딩 / negative padding", "output_size", 5, 3, 1, -1)
    yield g.rejects("입력보다 긴 필터 / kernel longer than input", "output_size", 3, 5, 1, "VALID")
    yield g.rejects("패딩한 입력보다 긴 필터 / kernel longer than the padded input", "output_size", 3, 6, 1, 1)
    yield g.rejects("n=0", "output_size", 0, 1, 1, "VALID")
    yield g.rejects("k=0", "output_size", 5, 0, 1, "VALID")
    yield g.rejects("패딩 (1, 1) / padding (1, 1)", "output_size", 5, 3, 1, (1, 1))


@suite.test(part="same_padding", visible=True)
def same_padding_examples(g):
    """SAME: 남는 한 줄은 아래/오른쪽 / SAME puts the extra row or column at the bottom/right"""
    yield g.call("n5 k3 s1", "same_padding", 5, 3, 1)
    yield g.call("n4 k2 s1 (홀수 합계) / n4 k2 s1 (odd total)", "same_padding", 4, 2, 1)
    yield g.call("n6 k3 s2", "same_padding", 6, 3, 2)


# (n, k, stride): totals even, odd and clamped to 0 (stride > kernel: max(..., 0)), strides that
# divide n and not, kernels smaller than, as large as and larger than the input.
SAME_PADDINGS = [
    (8, 1, 2), (11, 2, 4), (6, 2, 3), (9, 2, 4), (7, 4, 2), (10, 5, 3), (3, 6, 1), (5, 5, 5), (7, 3, 3),
    (12, 3, 3), (9, 4, 1), (8, 4, 4), (7, 2, 2), (10, 2, 4), (9, 3, 4),
]


@suite.test(part="same_padding")
def same_padding_classes(g):
    """짝수 커널, 커널보다 크거나 같은 스트라이드, 입력보다 큰 커널 / even kernels, strides >= kernel, kernels larger than the input"""
    for n, k, s in SAME_PADDINGS:
        yield g.call(f"n={n}, k={k}, s={s}", "same_padding", n, k, s)
    yield g.call("기본 스트라이드 n=6, k=3 / default stride n=6, k=3", "same_padding", 6, 3)


@suite.test(part="same_padding")
def same_padding_rejects_bad_input(g):
    """1보다 작은 n, k, 스트라이드는 ValueError / n, k or stride below 1 raises ValueError"""
    yield g.rejects("스트라이드 0 / stride 0", "same_padding", 5, 3, 0)
    yield g.rejects("k=0", "same_padding", 5, 0, 1)


@suite.test(part="correlate2d", visible=True)
def correlate_stride_and_padding(g):
    """스트라이드와 패딩이 있는 교차 상관 / cross-correlation with stride and padding"""
    yield g.call("스트라이드 2, VALID / stride 2, VALID", "correlate2d", g.normal(5, 5), g.normal(3, 3), stride=2)
    yield g.call("짝수 필터, SAME / even kernel, SAME", "correlate2d", g.normal(4, 5), g.normal(2, 2), padding="SAME")


@suite.test(part="correlate2d")
def correlate_same_split(g):
    """TensorFlow SAME의 비대칭 패딩 / TensorFlow's asymmetric SAME split"""
    yield g.call("k2 s1", "correlate2d", g.normal(5, 6), g.normal(2, 3), padding="SAME")
    yield g.call("k3 s2", "correlate2d", g.normal(6, 6), g.normal(3, 3), stride=2, padding="SAME")
    yield g.call("k4 s(1,2)", "correlate2d", g.normal(7, 6), g.normal(4, 2), stride=(1, 2), padding="SAME")
    yield g.call("스트라이드 = 필터 / stride equals kernel", "correlate2d", g.normal(6, 7), g.normal(3, 2), stride=(3, 2),
                 padding="SAME")
    yield g.call("입력보다 큰 필터 / kernel larger than input", "correlate2d", g.normal(3, 3), g.normal(4, 5), padding="SAME")
    # (8, k=1, s=2) and (11, k=2, s=4): TensorFlow pads nothing (the total is max(-1, 0)) and rows are left over.
    yield g.call("필터보다 큰 스트라이드, 남는 행 / stride > kernel, rows left over", "correlate2d", g.normal(8, 11),
                 g.normal(1, 2), stride=(2, 4), padding="SAME")


@suite.test(part="correlate2d")
def correlate_strides(g):
    """높이와 너비의 스트라이드, 남는 행 / strides along height and width, rows left over"""
    yield g.call("(1, 2)", "correlate2d", g.normal(5, 7), g.normal(2, 3), stride=(1, 2))
    yield g.call("(2, 1)", "correlate2d", g.normal(7, 5), g.normal(3, 1), stride=(2, 1))
    yield g.call("스트라이드 2, 남는 행과 열 / stride 2, rows and columns left over", "correlate2d", g.normal(6, 7),
                 g.normal(3, 2), stride=2)
    yield g.call("필터보다 큰 스트라이드 / stride larger than kernel", "correlate2d", g.normal(8, 9), g.normal(2, 2), stride=3)
    yield g.call("스트라이드 2, 정수 패딩 1 / stride 2, int padding 1", "correlate2d", g.normal(5, 6), g.normal(3, 3),
                 stride=2, padding=1)


@suite.test(part="correlate2d")
def correlate_padding_forms(g):
    """정수와 명시적 패딩, 정수형 입력 / int and explicit padding, integer inputs"""
    yield g.call("명시적 ((1, 0), (2, 1)) / explicit ((1, 0), (2, 1))", "correlate2d", g.normal(4, 4), g.normal(3, 2),
                 padding=((1, 0), (2, 1)))
    yield g.call("명시적, 스트라이드 (2, 3) / explicit, stride (2, 3)", "correlate2d", g.normal(5, 4), g.normal(2, 2),
                 stride=(2, 3), padding=((1, 0), (0, 2)))
    yield g.call("정수 패딩 2, 스트라이드 (2, 1) / int padding 2, stride (2, 1)", "correlate2d", g.normal(3, 4), g.normal(2, 2),
                 stride=(2, 1), padding=2)
    yield g.call("정수 패딩 1, 스트라이드 3 / int padding 1, stride 3", "correlate2d", g.normal(5, 5), g.normal(2, 2),
                 stride=3, padding=1)
    yield g.call("uint8 이미지, SAME / uint8 image, SAME", "correlate2d", g.image(5, 5), g.image_kernel(2, 2), padding="SAME")
    yield g.call("패딩한 입력 크기의 필터 / kernel as large as the padded input", "correlate2d", g.normal(3, 4), g.normal(5, 6),
                 padding=1)
    yield g.call("int64", "correlate2d", g.ints(4, 5, low=-9, high=10), g.ints(3, 2), stride=(1, 2), padding=1)
    yield g.call("float32", "correlate2d", g.normal(5, 4, dtype="float32"), g.normal(2, 3, dtype="float32"), padding="SAME")
    yield g.call("전치된 뷰 / transposed view", "correlate2d", g.normal(6, 4).T, g.normal(2, 2), stride=2, padding="SAME")


@suite.test(part="correlate2d")
def correlate_rejects_bad_input(g):
    """잘못된 인자는 ValueError / bad arguments raise ValueError"""
    yield g.rejects("스트라이드 (0, 1) / stride (0, 1)", "correlate2d", g.normal(4, 4), g.normal(2, 2), stride=(0, 1),
                    twin="correlate_strides")
    yield g.rejects("값이 하나인 스트라이드 / stride of one value", "correlate2d", g.normal(4, 4), g.normal(2, 2), stride=(2,),
                    twin="correlate_strides")
    yield g.rejects("스트라이드 (1, 0) / stride (1, 0)", "correlate2d", g.normal(4, 4), g.normal(2, 2), stride=(1, 0),
                    twin="correlate_strides")
    yield g.rejects("알 수 없는 패딩 / unknown padding", "correlate2d", g.normal(4, 4), g.normal(2, 2), padding="FULL")
    yield g.rejects("소문자 'same' / lowercase 'same'", "correlate2d", g.normal(4, 4), g.normal(2, 2), padding="same",
                    twin="correlate_same_split")
    yield g.rejects("음수 패딩 / negative padding", "correlate2d", g.normal(4, 4), g.normal(2, 2), padding=-1,
                    twin="correlate_padding_forms")
    yield g.rejects("입력보다 큰 필터 / kernel larger than input", "correlate2d", g.normal(3, 3), g.normal(4, 4))
    yield g.rejects("패딩한 입력보다 큰 필터 / kernel larger than the padded input", "correlate2d", g.normal(3, 3),
                    g.normal(2, 6), padding=1, twin="correlate_padding_forms")
    yield g.rejects("3차원 입력 / 3-D input", "correlate2d", g.normal(2, 4, 4), g.normal(2, 2))


# -- cases that separate misconceptions the tests above cannot tell apart (grader/diagnose) -----------


@suite.test(part="same_padding")
def separates_same_padding_splits(g):
    """스트라이드가 커널보다 크거나 짝수 커널에 스트라이드가 있는 SAME: max(…, 0), 스트라이드 1의 분할, 대칭 분할이 모두 다른 답을 냅니다 / SAME with a stride larger than the kernel, or an even kernel and a stride: max(..., 0), the stride-1 split and a symmetric split all give other answers"""
    yield g.call("n8 k1 s2: 전체 패딩이 -1이 될 자리 / n8 k1 s2: total would be -1", "same_padding", 8, 1, 2)
    yield g.call("n7 k2 s4: 전체 패딩이 -1이 될 자리 / n7 k2 s4: total would be -1", "same_padding", 7, 2, 4)
    yield g.call("n8 k4 s2: 짝수 커널, 스트라이드 2 / n8 k4 s2: even kernel, stride 2", "same_padding", 8, 4, 2)


@suite.test(part="correlate2d")
def separates_same_padding_splits_in_correlation(g):
    """SAME에서 스트라이드가 커널보다 큰 교차 상관 (전체 패딩이 음수가 되지 않도록 0) / SAME cross-correlation with a stride larger than the kernel (the total padding stops at 0)"""
    yield g.call("스트라이드 (2, 4) > 커널 (1, 2) / stride (2, 4) > kernel (1, 2)", "correlate2d", g.normal(8, 7), g.normal(1, 2), (2, 4), "SAME")
