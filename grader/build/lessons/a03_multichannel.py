"""a03_multichannel: input channels summed into one output channel, one output channel per filter."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「3차원 데이터의 합성곱」**, **「2D Convolution Layer - 4D Tensors」**, **「합성곱층 연산」** 절을 바탕으로 합니다.

- **입력 데이터의 채널 수와 필터의 채널 수가 같아야 합니다.** 필터 하나는 모든 입력 채널에 대해 곱한 값을 **모두 더해** 출력 채널 하나를 만듭니다.
- 따라서 **출력 데이터의 채널 수는 사용한 필터의 개수와 같습니다.**
- 입력, 필터, 출력 모두 4D 텐서입니다. `tf.nn.conv2d`처럼 이미지는 NHWC `(N, H, W, C)`, 필터는 HWIO `(kh, kw, C, F)`입니다. 필터는 가로·세로 2차원으로 이동합니다.
- 편향(bias)은 필터를 적용한 **후에** 더합니다: 필터마다 하나씩, 모양 `(F,)`.

### 할 일
`conv2d(x, w, b=None, stride=1, padding="VALID")` → `(N, Ho, Wo, F)`:

`out[n, i, j, f] = b[f] + Σ_u Σ_v Σ_c xp[n, i*sh + u, j*sw + v, c] · w[u, v, c, f]` (`xp`는 H, W를 0으로 패딩한 `x`).

`stride`와 `padding`은 과제 2와 같습니다: `"VALID"`, `"SAME"`, 정수 `p`, `(ph, pw)`, `((위, 아래), (왼쪽, 오른쪽))`; SAME의 남는 줄은 아래/오른쪽.

### 주의할 점
- 채널을 더하지 않거나(채널별 결과를 따로 두기), NCHW처럼 축을 잘못 읽거나, H와 W를 바꾸는 것이 흔한 실수입니다.
- `x.shape[3] != w.shape[2]`이면 `ValueError`를 내세요. TensorFlow는 입력 채널 수가 필터 채널 수의 배수이고 필터 개수가 그룹 수로 나누어떨어지면 조용히 그룹 합성곱을 합니다 (예: `x (1, 4, 4, 4)`와 `w (2, 2, 2, 2)`는 2개 그룹으로 실행되고, `w (2, 2, 2, 1)`은 오류). 이 과제에서는 모두 거부해야 합니다.
- 편향 길이가 `F`가 아니거나, 차원이 틀리거나, 스트라이드 < 1, 음수·알 수 없는 패딩(소문자 `"same"` 포함), 패딩한 입력보다 큰 필터도 `ValueError`.
- `uint8` 입력도 받습니다: `float64`로 계산하세요. 입력 배열을 수정하지 마세요. `N = 0`인 빈 배치도 올바른 모양을 돌려줘야 합니다.
""",
    "en": """\
## What to do

Based on the lecture notes' sections **“Convolution of 3-D data” (「3차원 데이터의 합성곱」)**, **「2D Convolution Layer - 4D Tensors」** and **“Convolution layer operation” (「합성곱층 연산」)**.

- **The input's channel count must equal the filter's.** One filter multiplies over every input channel and **sums them all** into one output channel.
- Hence **the output has as many channels as there are filters.**
- Inputs, filters and outputs are all 4-D tensors. As in `tf.nn.conv2d`, images are NHWC `(N, H, W, C)` and filters HWIO `(kh, kw, C, F)`; a filter moves in two dimensions (height and width).
- The bias is added **after** the filter: one per filter, shape `(F,)`.

### Task
`conv2d(x, w, b=None, stride=1, padding="VALID")` → `(N, Ho, Wo, F)`:

`out[n, i, j, f] = b[f] + sum over u, v, c of xp[n, i*sh + u, j*sw + v, c] * w[u, v, c, f]` (`xp` is `x` zero-padded on H and W).

`stride` and `padding` work as in assignment 2: `"VALID"`, `"SAME"`, an int `p`, `(ph, pw)`, `((top, bottom), (left, right))`; SAME's extra row/column at the bottom/right.

### Watch out
- Common mistakes: not summing over channels (keeping one result per channel), reading the arrays channels-first (NCHW), swapping H and W.
- Raise `ValueError` when `x.shape[3] != w.shape[2]`. TensorFlow silently runs a grouped convolution when the input's channel count is a multiple of the filters' and the number of filters divides into the groups (`x (1, 4, 4, 4)` with `w (2, 2, 2, 2)` runs as 2 groups; `w (2, 2, 2, 1)` raises); this exercise must reject them all.
- Also `ValueError` for a bias not of length `F`, wrong ranks, stride < 1, negative or unknown padding (lowercase `"same"` included), and kernels larger than the padded input.
- `uint8` inputs are allowed: compute in `float64`. Never modify the inputs. An empty batch (`N = 0`) still has the right output shape.
""",
}

CELLS = {
    "after:conv2d": [
        md(
            """\
### 채널들이 더해져 출력 채널 하나가 됩니다
RGB 이미지(채널 3개)에 필터 하나 `w (3, 3, 3, 1)`를 적용합니다. 채널마다 자기 3×3 조각 `w[:, :, c, 0]`과 교차 상관한 세 특성맵을 **더한 것**이 출력 채널 0입니다.""",
            """\
### The channels sum into one output channel
One filter `w (3, 3, 3, 1)` on an RGB image (3 channels): each channel is cross-correlated with its own 3×3 slice `w[:, :, c, 0]`, and the three feature maps **summed** are output channel 0.""",
        ),
        code(
            """\
rgb = house(rgb=True)                          # (64, 64, 3)
x = rgb[np.newaxis]                            # NHWC: (1, 64, 64, 3)
w = np.stack([SOBEL_X, 0.5 * SOBEL_X, -SOBEL_X], axis=-1)[:, :, :, np.newaxis]  # HWIO: (3, 3, 3, 1)
with when_implemented():
    out = conv2d(x, w)[0, :, :, 0]
    per_channel = [conv2d(x[..., c:c + 1], w[:, :, c:c + 1])[0, :, :, 0] for c in range(3)]
    expect(np.allclose(per_channel[0] + per_channel[1] + per_channel[2], out), True)
    show([rgb, rgb[..., 0], rgb[..., 1], rgb[..., 2]], ["RGB image", "channel R", "channel G", "channel B"])
    show([*per_channel, out], ["R * w[:, :, 0, 0]", "G * w[:, :, 1, 0]", "B * w[:, :, 2, 0]", "sum = output channel 0"],
         diverging=True)""",
        ),
        md(
            """\
### 필터 F개 → 출력 채널 F개
필터 세 개(세로 경계, 가로 경계, 흐림)를 한 번에 적용하면 출력은 `(1, 64, 64, 3)`입니다: 출력 채널 f가 필터 f의 특성맵입니다.""",
            """\
### F filters → F output channels
Three filters at once (vertical edges, horizontal edges, blur) give `(1, 64, 64, 3)`: output channel f is the feature map of filter f.""",
        ),
        code(
            """\
filters = np.stack([np.stack([k, k, k], axis=-1) / 3 for k in (SOBEL_X, SOBEL_Y, BLUR)], axis=-1)  # (3, 3, 3, 3)
with when_implemented():
    maps = conv2d(x, filters, padding="SAME")
    print(maps.shape)
    show([maps[0, :, :, f] for f in range(3)], ["filter 0: Sobel x", "filter 1: Sobel y", "filter 2: blur"], diverging=True)""",
        ),
    ],
}
