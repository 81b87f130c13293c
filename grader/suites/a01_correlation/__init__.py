"""a01_correlation: cross_correlate2d(x, k) and convolve2d(x, k), VALID, stride 1."""

import numpy as np

from grader.suite import Suite

suite = Suite("a01_correlation")

D2L_X = np.arange(9.0).reshape(3, 3)
"""d2l's corr2d example (FACTS.md): X = arange(9).reshape(3, 3), K = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]]."""
D2L_K = np.array([[0.0, 1.0], [2.0, 3.0]])


@suite.test(part="cross_correlate2d", visible=True)
def cross_correlation_examples(g):
    """교차 상관: 필터를 뒤집지 않습니다 / cross-correlation slides the filter without flipping it"""
    yield g.call("d2l 3x3 * 2x2", "cross_correlate2d", D2L_X, D2L_K)
    yield g.call("4x5 * 2x3", "cross_correlate2d", g.normal(4, 5), g.normal(2, 3))


@suite.test(part="cross_correlate2d")
def cross_correlation_random_shapes(g):
    """여러 크기의 입력과 비대칭 필터 / several input sizes and asymmetric filters"""
    for i in range(4):
        h, w = g.size(3, 7), g.size(3, 7)
        yield g.call(f"random {i}", "cross_correlate2d", g.normal(h, w), g.normal(g.size(1, min(h, 4)), g.size(1, min(w, 4))))


@suite.test(part="cross_correlate2d")
def cross_correlation_edge_shapes(g):
    """1x1 필터, 입력과 같은 크기의 필터, 직사각형 / 1x1 kernels, kernel as large as the input, rectangles"""
    yield g.call("1x1 kernel", "cross_correlate2d", g.normal(4, 3), g.normal(1, 1))
    x = g.normal(3, 4)
    yield g.call("kernel equals input", "cross_correlate2d", x, g.normal(3, 4))
    yield g.call("one row", "cross_correlate2d", g.normal(1, 6), g.normal(1, 3))


@suite.test(part="cross_correlate2d")
def cross_correlation_dtypes_and_views(g):
    """uint8·정수·float32 입력과 연속적이지 않은 배열 / uint8, integer, float32 and non-contiguous inputs"""
    yield g.call("uint8 image", "cross_correlate2d", g.image(5, 6), g.ints(3, 2, low=1, high=5).astype("uint8"))
    yield g.call("int64", "cross_correlate2d", g.ints(4, 4), g.ints(2, 2))
    yield g.call("float32", "cross_correlate2d", g.normal(5, 5, dtype="float32"), g.normal(3, 2, dtype="float32"))
    yield g.call("strided view", "cross_correlate2d", g.normal(8, 10)[::2, ::-2], g.normal(3, 2).T)


@suite.test(part="cross_correlate2d")
def cross_correlation_rejects_bad_input(g):
    """잘못된 입력은 ValueError / bad input raises ValueError"""
    yield g.rejects("3-D input", "cross_correlate2d", g.normal(2, 4, 4), g.normal(2, 2))
    yield g.rejects("kernel larger than input", "cross_correlate2d", g.normal(3, 3), g.normal(4, 2))


@suite.test(part="convolve2d", visible=True)
def convolution_examples(g):
    """합성곱: 필터를 상하좌우로 뒤집습니다 / convolution flips the filter on both axes"""
    yield g.call("d2l 3x3 * 2x2", "convolve2d", D2L_X, D2L_K)
    yield g.call("5x4 * 3x2", "convolve2d", g.normal(5, 4), g.normal(3, 2))


@suite.test(part="convolve2d")
def convolution_random_shapes(g):
    """여러 크기의 입력과 비대칭 필터 / several input sizes and asymmetric filters"""
    for i in range(4):
        h, w = g.size(3, 7), g.size(3, 7)
        yield g.call(f"random {i}", "convolve2d", g.normal(h, w), g.normal(g.size(2, min(h, 4)), g.size(2, min(w, 4))))


@suite.test(part="convolve2d")
def convolution_dtypes_and_edges(g):
    """정수 입력, 1x1과 입력 크기의 필터 / integer inputs, 1x1 and full-size kernels"""
    yield g.call("uint8 image", "convolve2d", g.image(4, 5), g.ints(2, 3, low=0, high=4).astype("uint8"))
    yield g.call("1x1 kernel", "convolve2d", g.normal(3, 5), g.normal(1, 1))
    yield g.call("kernel equals input", "convolve2d", g.normal(2, 3), g.normal(2, 3))
    yield g.call("transposed view", "convolve2d", g.normal(6, 5).T, g.normal(2, 3))


@suite.test(part="convolve2d")
def convolution_rejects_bad_input(g):
    """잘못된 입력은 ValueError / bad input raises ValueError"""
    yield g.rejects("1-D kernel", "convolve2d", g.normal(4, 4), g.normal(3))
    yield g.rejects("kernel larger than input", "convolve2d", g.normal(3, 5), g.normal(3, 6))
