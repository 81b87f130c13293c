"""a01_correlation: cross_correlate2d(x, k) and convolve2d(x, k), VALID, stride 1.

Shapes are constants (fairness: a seed varies values only); ``coverage.yaml`` declares the case
classes each function's cases must cover.
"""

import numpy as np

from grader.suite import Suite

suite = Suite("a01_correlation")

D2L_X = np.arange(9.0).reshape(3, 3)
"""d2l's corr2d example (FACTS.md): X = arange(9).reshape(3, 3), K = [[0, 1], [2, 3]] -> [[19, 25], [37, 43]]."""
D2L_K = np.array([[0.0, 1.0], [2.0, 3.0]])
# (input shape, kernel shape): odd, even and mixed kernels, square and not, 1-row and 1-column kernels.
SHAPES = [((5, 6), (3, 2)), ((7, 4), (2, 3)), ((6, 6), (4, 4)), ((4, 7), (3, 1)), ((5, 5), (3, 3))]


@suite.test(part="cross_correlate2d", visible=True)
def cross_correlation_examples(g):
    """교차 상관: 필터를 뒤집지 않습니다 / cross-correlation slides the filter without flipping it"""
    yield g.call("d2l 예제 3x3 * 2x2 / d2l 3x3 * 2x2", "cross_correlate2d", D2L_X, D2L_K)
    yield g.call("4x5 * 2x3", "cross_correlate2d", g.normal(4, 5), g.normal(2, 3))


@suite.test(part="cross_correlate2d")
def cross_correlation_shapes(g):
    """여러 크기의 입력과 비대칭 필터 / several input sizes and asymmetric filters"""
    for (h, w), (kh, kw) in SHAPES:
        yield g.call(f"{h}x{w} * {kh}x{kw}", "cross_correlate2d", g.normal(h, w), g.normal(kh, kw))


@suite.test(part="cross_correlate2d")
def cross_correlation_edge_shapes(g):
    """1x1 필터, 입력과 같은 크기의 필터, 한 줄짜리 입력 / 1x1 kernels, kernel as large as the input, one-row inputs"""
    yield g.call("1x1 필터 / 1x1 kernel", "cross_correlate2d", g.normal(4, 3), g.normal(1, 1))
    yield g.call("입력과 같은 크기의 필터 / kernel equals input", "cross_correlate2d", g.normal(3, 4), g.normal(3, 4))
    yield g.call("한 행 / one row", "cross_correlate2d", g.normal(1, 6), g.normal(1, 3))
    yield g.call("한 열 / one column", "cross_correlate2d", g.normal(5, 1), g.normal(2, 1))


@suite.test(part="cross_correlate2d")
def cross_correlation_dtypes_and_views(g):
    """uint8·정수·float32 입력과 연속적이지 않은 배열 / uint8, integer, float32 and non-contiguous inputs"""
    yield g.call("uint8 이미지 / uint8 image", "cross_correlate2d", g.image(5, 6), g.image_kernel(3, 2))
    yield g.call("int64", "cross_correlate2d", g.ints(4, 5, low=-9, high=10), g.ints(2, 2))
    yield g.call("float32", "cross_correlate2d", g.normal(5, 5, dtype="float32"), g.normal(3, 2, dtype="float32"))
    yield g.call("건너뛰는 뷰 / strided view", "cross_correlate2d", g.normal(8, 10)[::2, ::-2], g.normal(3, 2).T)


@suite.test(part="cross_correlate2d")
def cross_correlation_rejects_bad_input(g):
    """잘못된 입력은 ValueError / bad input raises ValueError"""
    yield g.rejects("3차원 입력 / 3-D input", "cross_correlate2d", g.normal(2, 4, 4), g.normal(2, 2))
    yield g.rejects("1차원 필터 / 1-D kernel", "cross_correlate2d", g.normal(4, 4), g.normal(3))
    yield g.rejects("입력보다 큰 필터 / kernel larger than input", "cross_correlate2d", g.normal(3, 3), g.normal(4, 2))
    yield g.rejects("입력보다 넓은 필터 / kernel wider than input", "cross_correlate2d", g.normal(3, 3), g.normal(2, 4))
    yield g.rejects("빈 필터 / empty kernel", "cross_correlate2d", g.normal(3, 3), g.normal(0, 2))


@suite.test(part="convolve2d", visible=True)
def convolution_examples(g):
    """합성곱: 필터를 상하좌우로 뒤집습니다 / convolution flips the filter on both axes"""
    yield g.call("d2l 예제 3x3 * 2x2 / d2l 3x3 * 2x2", "convolve2d", D2L_X, D2L_K)
    yield g.call("5x4 * 3x2", "convolve2d", g.normal(5, 4), g.normal(3, 2))


@suite.test(part="convolve2d")
def convolution_shapes(g):
    """여러 크기의 입력과 비대칭 필터 / several input sizes and asymmetric filters"""
    for (h, w), (kh, kw) in SHAPES:
        yield g.call(f"{h}x{w} * {kh}x{kw}", "convolve2d", g.normal(h, w), g.normal(kh, kw))


@suite.test(part="convolve2d")
def convolution_dtypes_and_edges(g):
    """정수 입력, 1x1과 입력 크기의 필터 / integer inputs, 1x1 and full-size kernels"""
    yield g.call("uint8 이미지 / uint8 image", "convolve2d", g.image(4, 5), g.image_kernel(2, 3))
    yield g.call("int64", "convolve2d", g.ints(4, 5, low=-9, high=10), g.ints(2, 2))
    yield g.call("float32", "convolve2d", g.normal(5, 4, dtype="float32"), g.normal(2, 3, dtype="float32"))
    yield g.call("1x1 필터 / 1x1 kernel", "convolve2d", g.normal(3, 5), g.normal(1, 1))
    yield g.call("입력과 같은 크기의 필터 / kernel equals input", "convolve2d", g.normal(2, 3), g.normal(2, 3))
    yield g.call("한 행 / one row", "convolve2d", g.normal(1, 6), g.normal(1, 3))
    yield g.call("전치된 뷰 / transposed view", "convolve2d", g.normal(6, 5).T, g.normal(2, 3))


@suite.test(part="convolve2d")
def convolution_rejects_bad_input(g):
    """잘못된 입력은 ValueError / bad input raises ValueError"""
    yield g.rejects("1차원 필터 / 1-D kernel", "convolve2d", g.normal(4, 4), g.normal(3))
    yield g.rejects("3차원 입력 / 3-D input", "convolve2d", g.normal(2, 4, 4), g.normal(2, 2))
    yield g.rejects("입력보다 큰 필터 / kernel larger than input", "convolve2d", g.normal(3, 5), g.normal(3, 6))
    yield g.rejects("빈 필터 / empty kernel", "convolve2d", g.normal(3, 3), g.normal(2, 0))
