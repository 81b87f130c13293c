"""a02_padding_stride: zero_pad, output_size, same_padding, correlate2d (TensorFlow's SAME)."""

from grader.suite import Suite

suite = Suite("a02_padding_stride")


@suite.test(part="zero_pad", visible=True)
def pads_height_and_width(g):
    """H와 W만 0으로 채운다 / pads H and W with zeros, never N or C"""
    yield g.call("p=1, one image", "zero_pad", g.normal(1, 3, 3, 1), 1)
    yield g.call("(top, bottom), (left, right)", "zero_pad", g.normal(2, 3, 4, 2), ((0, 1), (2, 0)))


@suite.test(part="zero_pad")
def pad_forms(g):
    """정수, (ph, pw), ((위, 아래), (왼쪽, 오른쪽)) 세 가지 형식 / int, (ph, pw) and nested forms"""
    yield g.call("p=2, 3 channels", "zero_pad", g.normal(2, 3, 2, 3), 2)
    yield g.call("(ph, pw) = (1, 3)", "zero_pad", g.normal(1, 2, 2, 2), (1, 3))
    yield g.call("asymmetric", "zero_pad", g.normal(3, 2, 3, 1), ((2, 0), (1, 3)))
    yield g.call("p=0", "zero_pad", g.normal(1, 2, 3, 2), 0)


@suite.test(part="zero_pad")
def pad_keeps_dtype(g):
    """dtype을 유지한다 (uint8, float32) / keeps the dtype (uint8, float32)"""
    yield g.call("uint8 image", "zero_pad", g.image(1, 4, 3, 3), 1)
    yield g.call("float32", "zero_pad", g.normal(2, 2, 2, 1, dtype="float32"), (2, 1))
    yield g.call("strided view", "zero_pad", g.normal(2, 6, 6, 2)[:, ::2, ::2, :], 1)


@suite.test(part="zero_pad")
def pad_rejects_bad_input(g):
    """음수 패딩과 4차원이 아닌 입력은 ValueError / negative padding or non-4-D input raises ValueError"""
    yield g.rejects("negative", "zero_pad", g.normal(1, 3, 3, 1), -1)
    yield g.rejects("negative side", "zero_pad", g.normal(1, 3, 3, 1), ((0, 1), (-2, 0)))
    yield g.rejects("3-D input", "zero_pad", g.normal(3, 3, 1), 1)


@suite.test(part="output_size", visible=True)
def output_size_examples(g):
    """출력 크기 공식 / the output size formula"""
    yield g.call("8, k3, s1, p1", "output_size", 8, 3, 1, 1)
    yield g.call("8, k3, s2, p1", "output_size", 8, 3, 2, 1)
    yield g.call("7, k4, s2, SAME", "output_size", 7, 4, 2, "SAME")
    yield g.call("6, k3, s2, VALID", "output_size", 6, 3, 2, "VALID")


@suite.test(part="output_size")
def output_size_random(g):
    """VALID, SAME, 정수 패딩의 여러 조합 / many VALID, SAME and int-padding combinations"""
    for i in range(8):
        n, k, s = g.size(3, 12), g.size(1, 5), g.size(1, 4)
        padding = g.choice(["VALID", "SAME", 0, 1, 2])
        if padding == "VALID" and k > n:
            k = n
        yield g.call(f"random {i}: n={n}, k={k}, s={s}, {padding}", "output_size", n, k, s, padding)


@suite.test(part="output_size")
def output_size_same_even_kernels(g):
    """SAME의 출력 크기는 커널 크기와 무관하게 ceil(n/s) / SAME's output size is ceil(n/s) whatever the kernel"""
    yield g.call("n6 k2 s2", "output_size", 6, 2, 2, "SAME")
    yield g.call("n5 k4 s1", "output_size", 5, 4, 1, "SAME")
    yield g.call("n9 k2 s3", "output_size", 9, 2, 3, "SAME")


@suite.test(part="output_size")
def output_size_rejects_bad_input(g):
    """잘못된 스트라이드, 패딩, 너무 큰 커널은 ValueError / bad stride, padding or oversized kernel raises"""
    yield g.rejects("stride 0", "output_size", 5, 3, 0, "VALID")
    yield g.rejects("lowercase 'same'", "output_size", 5, 3, 1, "same")
    yield g.rejects("negative padding", "output_size", 5, 3, 1, -1)
    yield g.rejects("kernel longer than input", "output_size", 3, 5, 1, "VALID")


@suite.test(part="same_padding", visible=True)
def same_padding_examples(g):
    """SAME: 남는 한 줄은 아래/오른쪽 / SAME puts the extra row or column at the bottom/right"""
    yield g.call("n5 k3 s1", "same_padding", 5, 3, 1)
    yield g.call("n4 k2 s1 (odd total)", "same_padding", 4, 2, 1)
    yield g.call("n6 k3 s2", "same_padding", 6, 3, 2)


@suite.test(part="same_padding")
def same_padding_random(g):
    """짝수 커널과 스트라이드 > 1 / even kernels and strides > 1"""
    for i in range(6):
        yield g.call(f"random {i}", "same_padding", g.size(2, 11), g.choice([2, 4, 3, 5]), g.size(1, 3))
    yield g.call("kernel larger than input", "same_padding", 3, 6, 1)
    yield g.call("stride larger than kernel", "same_padding", 9, 2, 4)


@suite.test(part="correlate2d", visible=True)
def correlate_stride_and_padding(g):
    """스트라이드와 패딩이 있는 교차 상관 / cross-correlation with stride and padding"""
    yield g.call("stride 2, VALID", "correlate2d", g.normal(5, 5), g.normal(3, 3), 2, "VALID")
    yield g.call("even kernel, SAME", "correlate2d", g.normal(4, 5), g.normal(2, 2), 1, "SAME")


@suite.test(part="correlate2d")
def correlate_same_split(g):
    """TensorFlow SAME의 비대칭 패딩 / TensorFlow's asymmetric SAME split"""
    yield g.call("k2 s1", "correlate2d", g.normal(5, 6), g.normal(2, 3), 1, "SAME")
    yield g.call("k3 s2", "correlate2d", g.normal(6, 6), g.normal(3, 3), 2, "SAME")
    yield g.call("k4 s(1,2)", "correlate2d", g.normal(7, 6), g.normal(4, 2), (1, 2), "SAME")
    yield g.call("kernel larger than input", "correlate2d", g.normal(3, 3), g.normal(4, 5), 1, "SAME")


@suite.test(part="correlate2d")
def correlate_strides(g):
    """높이와 너비의 스트라이드 / strides along height and width"""
    yield g.call("(1, 2)", "correlate2d", g.normal(5, 7), g.normal(2, 3), (1, 2), "VALID")
    yield g.call("(2, 1)", "correlate2d", g.normal(7, 5), g.normal(3, 2), (2, 1), "VALID")
    yield g.call("stride larger than kernel", "correlate2d", g.normal(9, 9), g.normal(2, 2), 3, "VALID")
    yield g.call("stride 2, int padding 1", "correlate2d", g.normal(5, 6), g.normal(3, 3), 2, 1)


@suite.test(part="correlate2d")
def correlate_padding_forms(g):
    """정수와 명시적 패딩, 정수형 입력 / int and explicit padding, integer inputs"""
    yield g.call("explicit ((1, 0), (2, 1))", "correlate2d", g.normal(4, 4), g.normal(3, 2), 1, ((1, 0), (2, 1)))
    yield g.call("int padding 2", "correlate2d", g.normal(3, 4), g.normal(2, 2), 1, 2)
    yield g.call("uint8 image, SAME", "correlate2d", g.image(5, 5), g.ints(2, 2, low=0, high=3).astype("uint8"), 1, "SAME")
    yield g.call("transposed view", "correlate2d", g.normal(6, 4).T, g.normal(2, 2), 2, "SAME")


@suite.test(part="correlate2d")
def correlate_rejects_bad_input(g):
    """잘못된 인자는 ValueError / bad arguments raise ValueError"""
    yield g.rejects("stride 0", "correlate2d", g.normal(4, 4), g.normal(2, 2), 0, "VALID")
    yield g.rejects("unknown padding", "correlate2d", g.normal(4, 4), g.normal(2, 2), 1, "FULL")
    yield g.rejects("negative padding", "correlate2d", g.normal(4, 4), g.normal(2, 2), 1, -1)
    yield g.rejects("kernel larger than input", "correlate2d", g.normal(3, 3), g.normal(4, 4), 1, "VALID")


# -- cases that separate misconceptions the tests above cannot tell apart (grader/diagnose) -----------


@suite.test(part="same_padding")
def separates_same_padding_splits(g):
    """스트라이드가 커널보다 크거나 짝수 커널에 스트라이드가 있는 SAME: max(…, 0), 스트라이드 1의 분할, 대칭 분할이 모두 다른 답을 냅니다 / SAME with a stride larger than the kernel, or an even kernel and a stride: max(..., 0), the stride-1 split and a symmetric split all give other answers"""
    yield g.call("n8 k1 s2: total would be -1", "same_padding", 8, 1, 2)
    yield g.call("n7 k2 s4: total would be -1", "same_padding", 7, 2, 4)
    yield g.call("n8 k4 s2: even kernel, stride 2", "same_padding", 8, 4, 2)


@suite.test(part="correlate2d")
def separates_same_padding_splits_in_correlation(g):
    """SAME에서 스트라이드가 커널보다 큰 교차 상관 (전체 패딩이 음수가 되지 않도록 0) / SAME cross-correlation with a stride larger than the kernel (the total padding stops at 0)"""
    yield g.call("stride (2, 4) > kernel (1, 2)", "correlate2d", g.normal(8, 7), g.normal(1, 2), (2, 4), "SAME")
