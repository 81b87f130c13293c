"""a05_tf_conv2d: the lecture's tf.nn.conv2d practice reproduced without TensorFlow.

tf_conv2d_args(stride, padding) -> the keyword arguments of tf.nn.conv2d; stack_filters(kernels) ->
HWIO (kh, kw, 1, F); tf_conv2d(input, filters, strides, padding, data_format) -> what tf.nn.conv2d
returns, which the reference asks TensorFlow itself with the very same arguments. The public tests
are the lecture's own example (the 3x3 image 1..9 and a 2x2 filter of ones; three filters 1, 10, -1);
hidden tests vary the values and keep the classes: sh != sw, kh != kw, SAME with an odd total.
Case names are written "한국어 / English".
"""

import numpy as np

from grader.suite import Suite

suite = Suite("a05_tf_conv2d")

IMAGE = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]).reshape(1, 3, 3, 1)
"""The lecture's image: 1..9 as one 3x3 single-channel image (N=1, C=1)."""
ONES = np.ones((2, 2, 1, 1))
"""The lecture's 2x2 filter of ones (HWIO)."""
THREE = np.stack([np.full((2, 2), v) for v in (1.0, 10.0, -1.0)], axis=-1)[:, :, np.newaxis, :]
"""The lecture's three filters (1, 10, -1): (2, 2, 1, 3)."""


# -- tf_conv2d_args ----------------------------------------------------------------------------------


@suite.test(part="conv2d_args", visible=True)
def args_as_in_the_lecture(g):
    """강의처럼 strides=[1, s, s, 1], padding, data_format을 만듭니다 / the lecture's strides=[1, s, s, 1], padding and data_format"""
    yield g.call("스트라이드 1, VALID / stride 1, VALID", "tf_conv2d_args", 1, "VALID")
    yield g.call("스트라이드 2, SAME / stride 2, SAME", "tf_conv2d_args", 2, "SAME")


@suite.test(part="conv2d_args")
def args_strides_and_paddings(g):
    """(sh, sw) 스트라이드와 명시적 패딩 / (sh, sw) strides and explicit padding"""
    yield g.call("스트라이드 (1, 2) / stride (1, 2)", "tf_conv2d_args", (1, g.size(2, 3)), "SAME")
    yield g.call("스트라이드 (3, 1) / stride (3, 1)", "tf_conv2d_args", (g.size(2, 3), 1), "VALID")
    yield g.call("정수 패딩 / int padding", "tf_conv2d_args", 1, g.size(1, 3))
    yield g.call("(ph, pw) 패딩 / (ph, pw) padding", "tf_conv2d_args", 2, (g.size(1, 2), 0))
    yield g.call("((위, 아래), (왼쪽, 오른쪽)) / ((top, bottom), (left, right))", "tf_conv2d_args", 1, ((1, 0), (0, g.size(1, 3))))
    yield g.call("기본값: 스트라이드 1, VALID / defaults: stride 1, VALID", "tf_conv2d_args")
    yield g.call("패딩 0 / padding 0", "tf_conv2d_args", 1, 0)


@suite.test(part="conv2d_args")
def args_rejects_bad_input(g):
    """TensorFlow가 거부하는 인자는 ValueError / arguments TensorFlow refuses raise ValueError"""
    yield g.rejects("소문자 'same' / lowercase 'same'", "tf_conv2d_args", 1, "same")
    yield g.rejects("스트라이드 0 / stride 0", "tf_conv2d_args", 0, "VALID")
    yield g.rejects("음수 패딩 / negative padding", "tf_conv2d_args", 1, -1)
    yield g.rejects("스트라이드 (1, 0) / stride (1, 0)", "tf_conv2d_args", (1, 0), "VALID")
    yield g.rejects("값이 하나인 스트라이드 / stride of one value", "tf_conv2d_args", (2,), "VALID")
    yield g.rejects("값이 셋인 스트라이드 / stride of three values", "tf_conv2d_args", (1, 2, 1), "VALID")
    yield g.rejects("음수 (ph, pw) / negative (ph, pw)", "tf_conv2d_args", 1, (-1, 1))
    yield g.rejects("음수 명시적 패딩 / negative explicit padding", "tf_conv2d_args", 1, ((1, 0), (0, -1)))
    # The course's padding forms go in; TensorFlow's four-axis form is what comes out, never what goes in.
    yield g.rejects("TF의 네 축 명시적 패딩 / TensorFlow's four-axis explicit padding", "tf_conv2d_args", 1,
                    [[0, 0], [1, 1], [1, 1], [0, 0]])


# -- stack_filters -------------------------------------------------------------------------------------


@suite.test(part="filters", visible=True)
def stacks_the_lecture_filters(g):
    """필터 3개 → 출력 채널 3개: (2, 2, 1, 3) / three filters, three output channels: (2, 2, 1, 3)"""
    yield g.call("강의의 필터 1, 10, -1 / the lecture's filters 1, 10, -1", "stack_filters",
                 [np.full((2, 2), v) for v in (1.0, 10.0, -1.0)])


@suite.test(part="filters")
def stacks_many_filters(g):
    """직사각형 필터와 여러 개수 / rectangular kernels and several counts"""
    yield g.call("2×3 필터 2개 / two 2x3 kernels", "stack_filters", [g.normal(2, 3) for _ in range(2)])
    yield g.call("3×2 필터 4개 / four 3x2 kernels", "stack_filters", [g.normal(3, 2) for _ in range(4)])
    yield g.call("(F, kh, kw) 배열 / an (F, kh, kw) array", "stack_filters", g.normal(3, 2, 3))
    yield g.call("필터 1개 / one kernel", "stack_filters", [g.normal(3, 3)])
    yield g.call("5×5 필터 2개 / two 5x5 kernels", "stack_filters", [g.normal(5, 5) for _ in range(2)])
    yield g.call("1×3 필터 2개 / two 1x3 kernels", "stack_filters", [g.normal(1, 3) for _ in range(2)])


@suite.test(part="filters")
def stack_rejects_bad_input(g):
    """필터가 없거나 모양이 다르면 ValueError / no kernels or kernels of different shapes raise ValueError"""
    yield g.rejects("모양이 다른 필터 / kernels of different shapes", "stack_filters", [g.normal(2, 2), g.normal(3, 3)])
    yield g.rejects("빈 리스트 / an empty list", "stack_filters", [])
    yield g.rejects("1차원 필터 / 1-D kernels", "stack_filters", [g.normal(3), g.normal(3)])


# -- tf_conv2d: the lecture's examples ---------------------------------------------------------------------


@suite.test(part="lecture_examples", visible=True)
def lecture_valid_and_same(g):
    """3×3 이미지와 2×2 필터: VALID는 2×2, SAME은 3×3 (남는 0은 아래/오른쪽) / VALID gives 2x2, SAME 3x3 (extra zero bottom/right)"""
    yield g.call("강의 실습, VALID / the lecture's practice, VALID", "tf_conv2d", IMAGE, ONES, [1, 1, 1, 1], "VALID")
    yield g.call("강의 실습, SAME / the lecture's practice, SAME", "tf_conv2d", IMAGE, ONES, [1, 1, 1, 1], "SAME")
    yield g.call("필터 3개 / three filters", "tf_conv2d", IMAGE, THREE, [1, 1, 1, 1], "SAME")


@suite.test(part="lecture_examples")
def lecture_shaped_cases(g):
    """강의와 같은 모양, 다른 값 / the lecture's shapes with other values"""
    # -4..4 in a random order: nine distinct integers of both signs in every seed (a flip or a sign shows).
    image = g.ints(1, 3, 3, 1, low=-4, high=5).astype(float)
    yield g.call("3×3과 2×2, VALID / 3x3 and 2x2, VALID", "tf_conv2d", image, g.normal(2, 2, 1, 1), [1, 1, 1, 1], "VALID")
    yield g.call("3×3과 2×2, SAME / 3x3 and 2x2, SAME", "tf_conv2d", image, g.normal(2, 2, 1, 1), [1, 1, 1, 1], "SAME")
    yield g.call("필터 3개, SAME / three filters, SAME", "tf_conv2d", image, g.normal(2, 2, 1, 3), [1, 1, 1, 1], "SAME")
    yield g.call("배치 2개, 스트라이드 2, SAME / a batch of 2, stride 2, SAME", "tf_conv2d",
                 g.normal(2, 3, 3, 1), g.normal(2, 2, 1, 2), [1, 2, 2, 1], "SAME")
    yield g.call("배치 3개, 5×5, VALID / a batch of 3, 5x5, VALID", "tf_conv2d", g.normal(3, 5, 5, 1), g.normal(3, 2, 1, 2), [1, 1, 1, 1], "VALID")


# -- tf_conv2d: TensorFlow's argument forms ---------------------------------------------------------------


@suite.test(part="tf_arguments", visible=True)
def tensorflow_argument_forms(g):
    """strides는 s, [sh, sw], [1, sh, sw, 1]; 명시적 패딩은 네 축 / strides as s, [sh, sw], [1, sh, sw, 1]; explicit padding on four axes"""
    yield g.call("strides=2", "tf_conv2d", g.normal(1, 5, 5, 1), g.normal(2, 2, 1, 1), 2, "VALID")
    yield g.call("명시적 패딩 / explicit padding", "tf_conv2d", g.normal(1, 4, 4, 1), g.normal(3, 3, 1, 1), [1, 1, 1, 1],
                 [[0, 0], [1, 1], [1, 1], [0, 0]])


@suite.test(part="tf_arguments")
def tensorflow_strides_and_padding(g):
    """스트라이드의 여러 형식, 비대칭 패딩, 여러 채널 / stride forms, asymmetric padding, several channels"""
    yield g.call("strides=[2]", "tf_conv2d", g.normal(1, 6, 5, 1), g.normal(2, 3, 1, 2), [2], "SAME")
    yield g.call("strides=[1, 2]", "tf_conv2d", g.normal(1, 5, 7, 1), g.normal(3, 2, 1, 1), [1, 2], "VALID")
    yield g.call("strides=(1, 2, 1, 1)", "tf_conv2d", g.normal(2, 7, 5, 1), g.normal(2, 2, 1, 2), (1, 2, 1, 1), "SAME")
    yield g.call("[[0, 0], [2, 0], [0, 1], [0, 0]]", "tf_conv2d", g.normal(1, 4, 5, 1), g.normal(2, 3, 1, 1), [1, 1, 1, 1],
                 [[0, 0], [2, 0], [0, 1], [0, 0]])
    yield g.call("RGB, 필터 2개 / RGB, two filters", "tf_conv2d", g.normal(1, 5, 6, 3), g.normal(3, 2, 3, 2), [1, 1, 1, 1], "SAME")
    yield g.call("커널보다 큰 스트라이드 / stride larger than the kernel", "tf_conv2d", g.normal(1, 7, 7, 1), g.normal(2, 2, 1, 1), 3, "SAME")
    # VALID and explicit padding with strides equal to and larger than the kernel, rows left over or not.
    # (8, k=1, s=2) and (11, k=2, s=4): SAME pads nothing (the total would be -1) and a row is left over.
    yield g.call("SAME, 커널보다 큰 스트라이드, 남는 행 / SAME, stride larger than the kernel, rows left over", "tf_conv2d",
                 g.normal(1, 8, 11, 1), g.normal(1, 2, 1, 2), [1, 2, 4, 1], "SAME")
    yield g.call("VALID, 커널보다 큰 스트라이드 / VALID, stride larger than the kernel", "tf_conv2d", g.normal(1, 8, 7, 1),
                 g.normal(2, 2, 1, 2), [1, 3, 3, 1], "VALID")
    yield g.call("명시적 패딩, 스트라이드 = 커널 / explicit padding, stride equal to the kernel", "tf_conv2d", g.normal(1, 5, 6, 2),
                 g.normal(2, 2, 2, 1), [1, 2, 2, 1], [[0, 0], [1, 0], [0, 1], [0, 0]])
    yield g.call("명시적 패딩, 커널보다 큰 스트라이드 / explicit padding, stride larger than the kernel", "tf_conv2d",
                 g.normal(2, 6, 5, 1), g.normal(2, 3, 1, 1), [1, 3, 4, 1], [[0, 0], [1, 1], [0, 2], [0, 0]])
    yield g.call("1×1 필터 / 1x1 filter", "tf_conv2d", g.normal(1, 4, 5, 2), g.normal(1, 1, 2, 3), [1, 1, 1, 1], "VALID")
    yield g.call("입력과 같은 크기의 필터 / filter as large as the input", "tf_conv2d", g.normal(1, 3, 4, 1), g.normal(3, 4, 1, 2),
                 [1, 1, 1, 1], "VALID")


@suite.test(part="tf_arguments")
def tensorflow_rejects_what_it_refuses(g):
    """TensorFlow가 거부하는 인자는 ValueError / what TensorFlow refuses raises ValueError"""
    x, w = g.normal(1, 4, 4, 1), g.normal(2, 2, 1, 1)
    yield g.rejects("소문자 'same' / lowercase 'same'", "tf_conv2d", x, w, [1, 1, 1, 1], "same")
    yield g.rejects('data_format="NCHW"', "tf_conv2d", x, w, [1, 1, 1, 1], "VALID", data_format="NCHW")
    yield g.rejects("배치 방향 스트라이드 / a stride along the batch", "tf_conv2d", x, w, [2, 2, 2, 2], "VALID")
    yield g.rejects("배치 방향 패딩 / padding along the batch", "tf_conv2d", x, w, [1, 1, 1, 1], [[1, 0], [0, 0], [0, 0], [0, 0]])
    yield g.rejects("채널 4개 vs 필터 채널 2개 (TF는 그룹 합성곱) / 4 channels vs 2 (TF would group)", "tf_conv2d",
                    g.normal(1, 4, 4, 4), g.normal(2, 2, 2, 2), [1, 1, 1, 1], "VALID")
    yield g.rejects("입력보다 큰 필터 / filter larger than the input", "tf_conv2d", x, g.normal(5, 5, 1, 1), [1, 1, 1, 1], "VALID")
    yield g.rejects("3차원 입력 / a 3-D input", "tf_conv2d", g.normal(4, 4, 1), w, [1, 1, 1, 1], "VALID")
    yield g.rejects("높이가 0인 필터 / a filter of height 0", "tf_conv2d", x, g.normal(0, 2, 1, 1), [1, 1, 1, 1], "VALID")
    yield g.rejects("너비가 0인 필터 / a filter of width 0", "tf_conv2d", x, g.normal(2, 0, 1, 1), [1, 1, 1, 1], "VALID")
    yield g.rejects("입력보다 높은 필터 / a filter taller than the input", "tf_conv2d", g.normal(1, 4, 6, 1), g.normal(5, 2, 1, 1),
                    [1, 1, 1, 1], "VALID")
    yield g.rejects("입력보다 넓은 필터 / a filter wider than the input", "tf_conv2d", g.normal(1, 6, 4, 1), g.normal(2, 5, 1, 1),
                    [1, 1, 1, 1], "VALID")
    yield g.rejects("스트라이드 0 / stride 0", "tf_conv2d", x, w, [1, 0, 0, 1], "VALID")
    yield g.rejects("배치 방향 스트라이드만 / a stride along the batch only", "tf_conv2d", x, w, [2, 1, 1, 1], "VALID")
    yield g.rejects("채널 방향 스트라이드 / a stride along the channels", "tf_conv2d", x, w, [1, 1, 1, 2], "VALID")
    yield g.rejects("알 수 없는 패딩 'FULL' / unknown padding 'FULL'", "tf_conv2d", x, w, [1, 1, 1, 1], "FULL")
    yield g.rejects("채널 방향 패딩 / padding along the channels", "tf_conv2d", x, w, [1, 1, 1, 1], [[0, 0], [0, 0], [0, 0], [1, 0]])
    # The course's ((top, bottom), (left, right)) is not tf.nn.conv2d's form: TF wants one pair per NHWC axis.
    yield g.rejects("두 쌍뿐인 패딩 / padding of two pairs", "tf_conv2d", x, w, [1, 1, 1, 1], [[0, 0], [1, 1]])
    yield g.rejects("다섯 쌍 패딩 / padding of five pairs", "tf_conv2d", x, w, [1, 1, 1, 1], [[0, 0], [1, 1], [1, 1], [0, 0], [0, 0]])
    # Keras's name for NHWC: tf.nn.conv2d takes "NHWC" or "NCHW" only.
    yield g.rejects('data_format="channels_last"', "tf_conv2d", x, w, [1, 1, 1, 1], "VALID", data_format="channels_last")
