"""a01_correlation: cross-correlation and convolution, shown with edge detectors on the kit's picture."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」** 절을 바탕으로 합니다.

- **합성곱**은 한 함수와 다른 함수를 **반전**·이동한 값을 곱해 더하는 연산입니다. 2차원에서는 필터를 위아래, 좌우로 모두 뒤집은 뒤 입력 위를 이동하며 대응하는 원소끼리 곱해 더합니다.
- **교차 상관**은 필터를 뒤집지 않고 그대로 이동하며 곱해 더합니다.
- CNN에서는 필터 값을 학습하므로 둘 중 무엇을 써도 같고, TensorFlow(`tf.nn.conv2d`)를 비롯한 딥러닝 프레임워크의 합성곱층은 실제로 **교차 상관**을 계산합니다.

### 할 일
1. `cross_correlate2d(x, k)`: `x`는 `(H, W)`, `k`는 `(kh, kw)`. 출력은 `(H - kh + 1, W - kw + 1)` (VALID, 스트라이드 1):
   `out[i, j] = Σ_u Σ_v x[i + u, j + v] · k[u, v]` — 필터를 뒤집지 마세요. 필터가 놓인 부분이 **윈도우**입니다.
2. `convolve2d(x, k)`: 필터를 두 축 모두 뒤집은 뒤(`k[::-1, ::-1]`) 교차 상관을 계산합니다. 출력 모양은 같습니다.

### 예시 (d2l)
`x = np.arange(9).reshape(3, 3)`, `k = [[0, 1], [2, 3]]`이면 `cross_correlate2d(x, k)`는 `[[19, 25], [37, 43]]`, `convolve2d(x, k)`는 `[[5, 11], [23, 29]]`입니다.

### 주의할 점
- 입력은 `uint8` 이미지나 정수 배열일 수 있습니다. 곱하고 더하기 전에 `float64`로 바꾸세요(오버플로와 정수 잘림 방지). 결과는 실수 `numpy.ndarray`입니다.
- 입력 배열을 수정하지 마세요.
- 2차원이 아닌 입력, 빈 필터, 입력보다 큰 필터는 `ValueError`로 거부하세요.
""",
    "en": """\
## What to do

Based on the lecture notes' section **“Convolution vs cross-correlation” (「합성곱 (Convolution) vs 교차 상관 (Cross-correlation)」)**.

- **Convolution** multiplies one function by the other one **flipped** and shifted, and sums. In 2-D, the filter is flipped upside down and left to right, then slid over the input, multiplying matching elements and summing.
- **Cross-correlation** slides the filter as it is, without flipping it.
- Since a CNN learns its filter values, either choice works; the convolution layers of TensorFlow (`tf.nn.conv2d`) and other frameworks actually compute **cross-correlation**.

### Tasks
1. `cross_correlate2d(x, k)`: `x` is `(H, W)`, `k` is `(kh, kw)`; the output is `(H - kh + 1, W - kw + 1)` (VALID, stride 1):
   `out[i, j] = sum over u, v of x[i + u, j + v] * k[u, v]` — do not flip the filter. The part under the filter is the **window**.
2. `convolve2d(x, k)`: flip the filter on both axes (`k[::-1, ::-1]`), then cross-correlate. Same output shape.

### Example (d2l)
With `x = np.arange(9).reshape(3, 3)` and `k = [[0, 1], [2, 3]]`, `cross_correlate2d(x, k)` is `[[19, 25], [37, 43]]` and `convolve2d(x, k)` is `[[5, 11], [23, 29]]`.

### Watch out
- Inputs may be `uint8` images or integer arrays: convert to `float64` before multiplying and summing (no wrap-around, no truncation). Return a floating-point `numpy.ndarray`.
- Never modify the input arrays.
- Reject inputs that are not 2-D, empty kernels and kernels larger than the input with `ValueError`.
""",
}

CELLS = {
    "after:convolve2d": [
        md(
            """\
### 필터는 특징 검출기입니다: 소벨(Sobel)과 프리윗(Prewitt) 필터
강의 노트 「필터 (Filter)」: 필터는 자기와 비슷한 영역을 강조한 **특성맵**을 출력합니다. 소벨 x 필터 `SOBEL_X`는 왼쪽보다 오른쪽이 밝은 곳(세로 경계)에서 큰 값을, 반대일 때 음수를 냅니다.
파란색은 음수, 빨간색은 양수입니다.""",
            """\
### Filters are feature detectors: the Sobel and Prewitt filters
“Filter” (「필터 (Filter)」): a filter outputs a **feature map** that highlights the regions that look like it. The Sobel x filter `SOBEL_X` is large where the right is brighter than the left (vertical edges) and negative the other way round.
Blue is negative, red positive.""",
        ),
        code(
            """\
image = house()
print("SOBEL_X =", SOBEL_X.tolist())
with when_implemented():
    gx = cross_correlate2d(image, SOBEL_X)    # 세로 경계 / vertical edges
    gy = cross_correlate2d(image, SOBEL_Y)    # 가로 경계 / horizontal edges
    px = cross_correlate2d(image, PREWITT_X)  # 프리윗 / Prewitt
    show([image, np.hypot(gx, gy)], ["image 64x64", "edge strength sqrt(gx^2 + gy^2)"])
    show([gx, gy, px], ["Sobel x: feature map 62x62", "Sobel y", "Prewitt x"], diverging=True)""",
        ),
        md(
            """\
### 합성곱과 교차 상관의 차이
소벨 필터를 뒤집으면 부호가 바뀝니다. 그래서 합성곱의 특성맵은 교차 상관의 특성맵에 -1을 곱한 것과 같습니다. 필터를 학습하는 CNN에는 상관없지만, 이미 정해진 필터를 쓸 때는 차이가 납니다.""",
            """\
### Convolution against cross-correlation
Flipping the Sobel filter flips its sign, so the convolution's feature map is the cross-correlation's times -1. A CNN that learns its filters does not care; a fixed filter does.""",
        ),
        code(
            """\
with when_implemented():
    flipped = convolve2d(image, SOBEL_X)
    expect(np.allclose(flipped, -cross_correlate2d(image, SOBEL_X)), True)
    show([cross_correlate2d(image, SOBEL_X), flipped], ["cross-correlation (tf.nn.conv2d)", "convolution (flipped filter)"], diverging=True)""",
        ),
    ],
}
