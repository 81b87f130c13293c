"""a04_relu_layer: relu(x) and conv2d_relu(x, w, b, stride=1, padding="VALID")."""

from grader.suite import Suite

suite = Suite("a04_relu_layer")


@suite.test(part="relu", visible=True)
def relu_zeroes_negatives(g):
    """음수는 0, 양수는 그대로 / negatives become 0, positives pass through"""
    yield g.call("1-D float64", "relu", g.normal(8))
    yield g.call("NHWC batch", "relu", g.normal(2, 3, 3, 2))


@suite.test(part="relu")
def relu_keeps_dtype_and_shape(g):
    """모양과 dtype을 유지합니다 / keeps shape and dtype"""
    yield g.call("float32", "relu", g.normal(3, 4, dtype="float32"))
    yield g.call("int8", "relu", g.ints(5, 3, low=-100, high=100).astype("int8"))
    yield g.call("int64", "relu", g.ints(2, 2, 3))
    yield g.call("uint8 image", "relu", g.image(4, 4, 3))


@suite.test(part="relu")
def relu_edges(g):
    """모두 음수, 0, 스칼라 배열, 연속적이지 않은 배열 / all negative, zeros, 0-d arrays, views"""
    yield g.call("all negative", "relu", -abs(g.normal(3, 3)) - 0.5)
    yield g.call("zeros", "relu", 0 * g.normal(2, 5))
    yield g.call("0-d array", "relu", g.normal())
    yield g.call("strided view", "relu", g.normal(6, 8)[::2, 1::3])


@suite.test(part="conv2d_relu", visible=True)
def layer_filter_bias_relu(g):
    """필터, 편향, ReLU 순서 / filter, then bias, then ReLU"""
    yield g.call("N=1, F=2", "conv2d_relu", g.normal(1, 5, 5, 2), g.normal(3, 3, 2, 2), g.normal(2))


@suite.test(part="conv2d_relu")
def layer_bias_before_relu(g):
    """음수 편향이 ReLU 전에 더해집니다 / a negative bias is added before the ReLU"""
    yield g.call("large negative bias", "conv2d_relu", g.normal(1, 4, 4, 1), g.normal(2, 2, 1, 2), -1.5 + 0 * g.normal(2))
    yield g.call("mixed biases", "conv2d_relu", g.normal(2, 4, 5, 3), g.normal(2, 3, 3, 3), 2 * g.normal(3))


@suite.test(part="conv2d_relu")
def layer_stride_padding(g):
    """스트라이드와 SAME 패딩이 있는 층 / a layer with stride and SAME padding"""
    yield g.call("stride 2, SAME, even kernel", "conv2d_relu", g.normal(1, 6, 6, 2), g.normal(2, 2, 2, 3), g.normal(3), 2, "SAME")
    yield g.call("stride (1, 2), int padding", "conv2d_relu", g.normal(2, 4, 5, 1), g.normal(3, 3, 1, 2), g.normal(2), (1, 2), 1)
    yield g.call("float32", "conv2d_relu", g.normal(1, 4, 4, 2, dtype="float32"), g.normal(2, 2, 2, 2, dtype="float32"), g.normal(2, dtype="float32"))


@suite.test(part="conv2d_relu")
def layer_rejects_bad_input(g):
    """잘못된 편향과 채널 수는 ValueError / bad bias or channel mismatch raises ValueError"""
    yield g.rejects("bias of length 1 for 2 filters", "conv2d_relu", g.normal(1, 4, 4, 1), g.normal(2, 2, 1, 2), g.normal(1))
    yield g.rejects("channel mismatch", "conv2d_relu", g.normal(1, 4, 4, 3), g.normal(2, 2, 1, 1), g.normal(1))
