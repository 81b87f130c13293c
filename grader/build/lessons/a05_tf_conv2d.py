"""a05_tf_conv2d: the lecture's tf.nn.conv2d practice, drawn, and compared with TensorFlow where it is installed."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「실습 코드」** 절을 바탕으로 합니다: `tf.nn.conv2d(input, filters, strides, padding, data_format="NHWC")`의 각 parameter의 의미와, 3×3 이미지에 2×2 필터를 적용하는 실습입니다.

- `input`은 NHWC `(N, H, W, C)`, `filters`는 HWIO `(kh, kw, C, F)`입니다. 강의의 이미지는 `(1, 3, 3, 1)`, 필터는 `(2, 2, 1, 1)`입니다.
- `strides=[1, s, s, 1]`: NHWC의 네 축마다 하나씩, 배치와 채널 방향은 1입니다.
- `padding="VALID"`이면 출력이 2×2, `"SAME"`이면 3×3입니다. SAME에서 필요한 0 한 줄은 **아래쪽/오른쪽**에 들어갑니다.
- 필터를 여러 개(3개) 쓰면 출력 채널도 3개입니다.

이 과제는 TensorFlow 없이 합니다. 채점도 TensorFlow 없이 하며, 정답은 교수자가 TensorFlow로 미리 계산해 두었습니다. TensorFlow가 설치되어 있으면 아래의 비교 셀이 직접 확인합니다.

### 할 일
1. `tf_conv2d_args(stride, padding)`: `tf.nn.conv2d`에 넘길 키워드 인자 `{"strides": [1, sh, sw, 1], "padding": ..., "data_format": "NHWC"}`.
   `padding`이 정수 `p`, `(ph, pw)`, `((위, 아래), (왼쪽, 오른쪽))`이면 TensorFlow의 명시적 형식 `[[0, 0], [위, 아래], [왼쪽, 오른쪽], [0, 0]]`로 바꿉니다.
2. `stack_filters(kernels)`: 2차원 필터 F개를 HWIO `(kh, kw, 1, F)`로 쌓습니다 (필터 f → 출력 채널 f).
3. `tf_conv2d(input, filters, strides, padding, data_format="NHWC")`: `tf.nn.conv2d`와 같은 인자를 받아 같은 결과를 돌려줍니다 (교차 상관). `strides`는 `s`, `[s]`, `[sh, sw]`, `[1, sh, sw, 1]` 모두 받습니다.

### 주의할 점
- TensorFlow가 거부하는 것은 `ValueError`로 거부하세요: 소문자 `"same"`, `data_format="NCHW"` (CPU에서는 NHWC만), 배치나 채널 방향의 스트라이드나 패딩, 입력과 필터의 채널 수가 다를 때 (TensorFlow가 그룹 합성곱을 하는 배수의 채널 수도), 패딩한 입력보다 큰 필터.
- `tf_conv2d`의 결과는 `float64` 배열입니다.
""",
    "en": """\
## What to do

Based on the lecture notes' section **“Practice code” (「실습 코드」)**: what each parameter of `tf.nn.conv2d(input, filters, strides, padding, data_format="NHWC")` means, and a 2×2 filter on a 3×3 image.

- `input` is NHWC `(N, H, W, C)`, `filters` HWIO `(kh, kw, C, F)`. The lecture's image is `(1, 3, 3, 1)`, its filter `(2, 2, 1, 1)`.
- `strides=[1, s, s, 1]`: one per NHWC axis, 1 along the batch and the channels.
- `padding="VALID"` gives a 2×2 output, `"SAME"` a 3×3 one; SAME's one row of zeros goes to the **bottom/right**.
- With several (three) filters there are as many (three) output channels.

No TensorFlow needed, for you or for grading: TensorFlow's answers were computed beforehand. Where TensorFlow is installed, the comparison cell below checks against it directly.

### Tasks
1. `tf_conv2d_args(stride, padding)`: the keyword arguments of `tf.nn.conv2d`: `{"strides": [1, sh, sw, 1], "padding": ..., "data_format": "NHWC"}`.
   An int `p`, `(ph, pw)` or `((top, bottom), (left, right))` becomes TensorFlow's explicit form `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
2. `stack_filters(kernels)`: F 2-D kernels stacked as HWIO `(kh, kw, 1, F)` (kernel f → output channel f).
3. `tf_conv2d(input, filters, strides, padding, data_format="NHWC")`: the same arguments and the same result as `tf.nn.conv2d` (cross-correlation). `strides` may be `s`, `[s]`, `[sh, sw]` or `[1, sh, sw, 1]`.

### Watch out
- Reject with `ValueError` what TensorFlow refuses: lowercase `"same"`, `data_format="NCHW"` (NHWC only on the CPU), strides or padding along the batch or the channels, channel counts that differ (also the multiples TensorFlow would run as a grouped convolution), a filter larger than the padded input.
- `tf_conv2d` returns a `float64` array.
""",
}

CELLS = {
    "after:tf_conv2d": [
        md(
            """\
### 강의의 실습을 그림으로
3×3 이미지 1..9에 2×2 필터(모두 1)를 적용합니다. VALID는 2×2, SAME은 3×3입니다. SAME은 아래쪽과 오른쪽에 0을 한 줄씩(주황색) 붙인 뒤 VALID처럼 계산합니다.""",
            """\
### The lecture's practice, drawn
A 2×2 filter of ones on the 3×3 image 1..9: VALID gives 2×2, SAME 3×3. SAME adds one row and one column of zeros at the bottom and right (orange), then computes as VALID does.""",
        ),
        code(
            """\
image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float64).reshape(1, 3, 3, 1)  # 강의의 이미지 / the lecture's image
weight = np.ones((2, 2, 1, 1))                                                            # 2x2 필터 / filter
with when_implemented():
    valid = tf_conv2d(image, weight, **tf_conv2d_args(1, "VALID"))
    same = tf_conv2d(image, weight, **tf_conv2d_args(1, "SAME"))
    print("VALID", valid.shape, " SAME", same.shape)
    fig, axes = plt.subplots(1, 4, figsize=(11, 3))
    draw_grid(axes[0], image[0, :, :, 0], "image (1, 3, 3, 1)")
    draw_grid(axes[1], valid[0, :, :, 0], "VALID -> (1, 2, 2, 1)")
    draw_grid(axes[2], np.pad(image[0, :, :, 0], ((0, 1), (0, 1))), "SAME pads (0, 1): zeros bottom/right",
              colors=padded_colors(3, 3, (0, 1), (0, 1)))
    draw_grid(axes[3], same[0, :, :, 0], "SAME -> (1, 3, 3, 1)")
    plt.show()""",
        ),
        md(
            """\
### 필터 3개 → 출력 채널 3개
강의처럼 값이 1, 10, -1인 2×2 필터 세 개를 `stack_filters`로 `(2, 2, 1, 3)`에 쌓습니다. 출력 채널 f는 필터 f의 특성맵입니다.""",
            """\
### Three filters → three output channels
As in the lecture, three 2×2 filters of 1, 10 and -1 stacked by `stack_filters` into `(2, 2, 1, 3)`: output channel f is the feature map of filter f.""",
        ),
        code(
            """\
with when_implemented():
    three = stack_filters([np.full((2, 2), value) for value in (1.0, 10.0, -1.0)])
    out = tf_conv2d(image, three, **tf_conv2d_args(1, "SAME"))
    print(three.shape, "->", out.shape)
    fig, axes = plt.subplots(1, 3, figsize=(8, 3))
    for f, ax in enumerate(axes):
        draw_grid(ax, out[0, :, :, f], f"channel {f} (filter of {three[0, 0, 0, f]:g})")
    plt.show()""",
        ),
        md(
            """\
### TensorFlow와 비교하기 (설치되어 있을 때만)
TensorFlow가 있으면 `tf.nn.conv2d`를 여러분의 `tf_conv2d_args`로 직접 불러 결과를 비교합니다. 없으면 그렇다고 알려 주고 넘어갑니다: 과제와 채점에는 필요 없습니다.""",
            """\
### Compare with TensorFlow (only where it is installed)
With TensorFlow installed, this cell calls `tf.nn.conv2d` with your `tf_conv2d_args` and compares. Without it, the cell says so and moves on: neither the assignment nor grading needs it.""",
        ),
        code(
            """\
tf = tensorflow()
if tf is None:
    print("TensorFlow가 설치되어 있지 않아 비교를 건너뜁니다 (과제와 채점에는 필요 없습니다: pip install tensorflow-cpu).")
    print("TensorFlow is not installed: the comparison is skipped (neither the assignment nor grading needs it).")
else:
    print("TensorFlow", tf.__version__)
    with when_implemented():
        for padding in ("VALID", "SAME"):
            args = tf_conv2d_args(1, padding)
            expect(tf_conv2d(image, weight, **args), tf.nn.conv2d(image, weight, **args).numpy())
        args = tf_conv2d_args(1, "SAME")
        three = stack_filters([np.full((2, 2), value) for value in (1.0, 10.0, -1.0)])
        expect(tf_conv2d(image, three, **args), tf.nn.conv2d(image, three, **args).numpy())""",
        ),
    ],
}
