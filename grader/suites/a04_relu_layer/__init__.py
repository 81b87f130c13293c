"""a04_relu_layer: relu(x) and conv2d_relu(x, w, b, stride=1, padding="VALID").

Shapes, strides and paddings are constants (fairness: a seed varies values only);
``coverage.yaml`` declares the case classes each function's cases must cover.
"""

import numpy as np

from grader.suite import Suite

suite = Suite("a04_relu_layer")


@suite.test(part="relu", visible=True)
def relu_zeroes_negatives(g):
    """음수는 0, 양수는 그대로 / negatives become 0, positives pass through"""
    yield g.call("1차원 float64 / 1-D float64", "relu", g.normal(8))
    yield g.call("NHWC 배치 / NHWC batch", "relu", g.normal(2, 3, 3, 2))


@suite.test(part="relu")
def relu_keeps_dtype_and_shape(g):
    """모양과 dtype을 유지합니다 / keeps shape and dtype"""
    yield g.call("float32", "relu", g.normal(3, 4, dtype="float32"))
    yield g.call("int8", "relu", g.ints(5, 3, low=-100, high=100).astype("int8"))
    yield g.call("int64", "relu", g.ints(2, 2, 3))
    yield g.call("uint8 이미지 / uint8 image", "relu", g.image(4, 4, 3))


@suite.test(part="relu")
def relu_edges(g):
    """모두 음수, 0, 스칼라 배열, 연속적이지 않은 배열 / all negative, zeros, 0-d arrays, views"""
    yield g.call("모두 음수 / all negative", "relu", -abs(g.normal(3, 3)) - 0.5)
    yield g.call("0만 있는 배열 / zeros", "relu", np.zeros((2, 5)))
    yield g.call("음수 스칼라 배열 / negative 0-d array", "relu", np.array(-abs(float(g.normal())) - 0.5))
    yield g.call("양수 스칼라 배열 / positive 0-d array", "relu", np.array(abs(float(g.normal())) + 0.5))
    base = g.normal(6, 8)
    base[::2, 1::3] = g.normal(3, 3)  # the view itself holds both signs
    yield g.call("건너뛰는 뷰 / strided view", "relu", base[::2, 1::3])
    yield g.call("빈 배열 / empty array", "relu", g.normal(0, 3))


@suite.test(part="conv2d_relu", visible=True)
def layer_filter_bias_relu(g):
    """필터, 편향, ReLU 순서 / filter, then bias, then ReLU"""
    yield g.call("N=1, F=2", "conv2d_relu", g.normal(1, 5, 5, 2), g.normal(3, 3, 2, 2), g.normal(2))


def layer(g, name, x, w, **options):
    """A conv2d_relu case whose bias makes filter 0 negative and filter 1 positive everywhere (fairness:
    a wrong activation or bias shows for every student, see ``CaseMaker.layer_bias``)."""
    return g.call(name, "conv2d_relu", x, w, g.layer_bias(x, w), **options)


@suite.test(part="conv2d_relu")
def layer_bias_before_relu(g):
    """음수 편향이 ReLU 전에 더해집니다 / a negative bias is added before the ReLU"""
    yield layer(g, "큰 음수 편향 / large negative bias", g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 2))
    yield layer(g, "필터 3개 / three filters", g.normal(2, 4, 5, 3), g.normal(2, 3, 3, 3))
    yield layer(g, "채널 1개 / C = 1", g.normal(1, 4, 4, 1), g.normal(2, 2, 1, 2))
    yield layer(g, "빈 배치 N=0 / empty batch N=0", g.normal(0, 4, 4, 2), g.normal(2, 2, 2, 3))
    yield layer(g, "uint8 이미지 / uint8 image", g.image(1, 4, 4, 3), g.image_kernel(2, 2, 3, 2))


@suite.test(part="conv2d_relu")
def layer_stride_padding(g):
    """스트라이드와 SAME 패딩이 있는 층 / a layer with stride and SAME padding"""
    yield layer(g, "SAME, 스트라이드 1 / SAME, stride 1", g.normal(1, 5, 6, 2), g.normal(3, 2, 2, 2), padding="SAME")
    yield layer(g, "스트라이드 2, SAME / stride 2, SAME", g.normal(1, 5, 7, 2), g.normal(3, 2, 2, 3), stride=2, padding="SAME")
    yield layer(g, "필터보다 큰 스트라이드, SAME, 남는 행 / stride > kernel, SAME, rows left over", g.normal(1, 11, 8, 2),
                g.normal(2, 1, 2, 2), stride=(4, 2), padding="SAME")
    yield layer(g, "스트라이드 (1, 2), 정수 패딩 / stride (1, 2), int padding", g.normal(2, 4, 5, 2), g.normal(3, 2, 2, 2),
                stride=(1, 2), padding=1)
    yield layer(g, "패딩한 입력 크기의 필터 / kernel as large as the padded input", g.normal(1, 3, 4, 2), g.normal(5, 6, 2, 2),
                padding=1)
    yield layer(g, "스트라이드 3, 남는 행 / stride 3, rows left over", g.normal(1, 8, 7, 2), g.normal(1, 3, 2, 2), stride=3)
    yield layer(g, "명시적 패딩 / explicit padding", g.normal(1, 4, 3, 2), g.normal(2, 3, 2, 2), stride=(2, 3),
                padding=((2, 0), (1, 3)))
    yield layer(g, "float32", g.normal(1, 4, 4, 2, dtype="float32"), g.normal(2, 2, 2, 2, dtype="float32"))


@suite.test(part="conv2d_relu")
def layer_rejects_bad_input(g):
    """잘못된 편향, 채널 수, 스트라이드, 패딩은 ValueError / bad bias, channels, stride or padding raise ValueError"""
    x, w1, b1 = g.normal(1, 4, 4, 2), g.normal(2, 2, 2, 1), g.normal(1)
    yield g.rejects("필터 2개에 편향 1개 / bias of length 1 for 2 filters", "conv2d_relu", g.normal(1, 4, 4, 1),
                    g.normal(2, 2, 1, 2), g.normal(1))
    # (F, 1) broadcasts over an output of width F = 2: only a check of b's shape rejects it.
    yield g.rejects("2차원 편향 (F, 1) / 2-D bias (F, 1)", "conv2d_relu", g.normal(1, 3, 3, 2), g.normal(2, 2, 2, 2),
                    g.normal(2, 1))
    yield g.rejects("채널 수 불일치 / channel mismatch", "conv2d_relu", g.normal(1, 4, 4, 3), g.normal(2, 2, 1, 1), g.normal(1))
    yield g.rejects("3차원 x / 3-D x", "conv2d_relu", g.normal(4, 4, 2), w1, b1)
    yield g.rejects("3차원 w / 3-D w", "conv2d_relu", x, g.normal(2, 2, 2), b1)
    for name, stride in [("(0, 1)", (0, 1)), ("(1, 0)", (1, 0)), ("(1, 2, 1)", (1, 2, 1)), ("(2,)", (2,))]:
        yield g.rejects(f"스트라이드 {name} / stride {name}", "conv2d_relu", x, w1, b1, stride=stride, twin="layer_stride_padding")
    for name, padding in [("'same'", "same"), ("'FULL'", "FULL"), ("-1", -1)]:
        yield g.rejects(f"패딩 {name} / padding {name}", "conv2d_relu", x, w1, b1, padding=padding, twin="layer_stride_padding")
    yield g.rejects("입력보다 큰 필터 / kernel larger than input", "conv2d_relu", g.normal(1, 3, 3, 2), g.normal(4, 2, 2, 1), b1)
