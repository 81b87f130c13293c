"""a02_padding_stride: zero padding, TensorFlow's SAME split (drawn), strides on the kit's picture."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「패딩 (padding)」**과 **「스트라이드(Stride)」** 절을 바탕으로 합니다.

- **패딩**: 합성곱 전에 입력 주변을 특정 값(주로 0, **zero-padding**)으로 채워 늘립니다. 출력의 공간적 크기를 조절하고 가장자리 정보가 누락되는 것을 막습니다.
- **스트라이드**: 필터가 이동하는 간격입니다. 스트라이드도 출력 크기를 조절합니다.
- 이미지는 `tf.nn.conv2d`처럼 NHWC `(N, H, W, C)` 배치입니다. 패딩은 높이(H)와 너비(W)에만 붙습니다.

### 할 일
1. `zero_pad(x, pad)`: `pad`는 `p`(네 변에 p씩), `(ph, pw)`(위아래 ph, 좌우 pw), 또는 `((위, 아래), (왼쪽, 오른쪽))`. N과 C는 패딩하지 않고, dtype은 그대로입니다.
2. `output_size(n, k, stride, padding)`: 한 축의 출력 길이.
   - `"VALID"`: `(n - k) // s + 1`
   - 정수 `p`: `(n + 2p - k) // s + 1`
   - `"SAME"` (TensorFlow): `ceil(n / s)`
3. `same_padding(n, k, stride)`: TensorFlow `"SAME"`의 `(before, after)`.
   `out = ceil(n / s)`, `total = max((out - 1) * s + k - n, 0)`, `before = total // 2`, `after = total - before`.
   패딩 총량이 홀수이면 남는 한 줄은 **아래쪽/오른쪽**으로 갑니다 (양쪽에 `k // 2`씩이 아닙니다).
4. `correlate2d(x, k, stride=1, padding="VALID")`: 스트라이드와 패딩이 있는 2차원 교차 상관(필터 반전 없음). 출력 `(i, j)`의 윈도우는 `(i * sh, j * sw)`에서 시작합니다.
   `padding`은 `"VALID"`, `"SAME"`, 정수 `p`, `(ph, pw)`, `((위, 아래), (왼쪽, 오른쪽))` 중 하나입니다.

### 예시 (d2l)
8×8 입력: k3 p1 → 8×8, k3 p1 s2 → 4×4; `output_size(7, 4, 2, "SAME") == 4`; `same_padding(4, 2, 1) == (0, 1)`.

### 주의할 점
- `stride`는 정수 또는 `(sh, sw)`, 1 이상이어야 합니다.
- 패딩 문자열은 대문자 `"VALID"`, `"SAME"`만 받습니다: 소문자 `"same"`은 TensorFlow처럼 `ValueError`입니다. 알 수 없는 패딩 문자열, 음수 패딩, 패딩한 입력보다 큰 필터도 `ValueError`.
- 입력 배열을 수정하지 마세요. 결과는 실수 `numpy.ndarray`입니다(`zero_pad`는 입력과 같은 dtype).
""",
    "en": """\
## What to do

Based on the lecture notes' sections **“Padding” (「패딩 (padding)」)** and **“Stride” (「스트라이드(Stride)」)**.

- **Padding** surrounds the input with a fixed value (usually 0: **zero-padding**) before the convolution, to control the spatial size of the output and keep the information at the borders.
- The **stride** is the step by which the filter moves; it also controls the output size.
- Images are NHWC batches `(N, H, W, C)`, as in `tf.nn.conv2d`; padding applies to height (H) and width (W) only.

### Tasks
1. `zero_pad(x, pad)`: `pad` is `p` (p on every side), `(ph, pw)` (ph above and below, pw left and right) or `((top, bottom), (left, right))`. N and C are never padded; the dtype stays.
2. `output_size(n, k, stride, padding)`: output length along one axis.
   - `"VALID"`: `(n - k) // s + 1`
   - int `p`: `(n + 2p - k) // s + 1`
   - `"SAME"` (TensorFlow): `ceil(n / s)`
3. `same_padding(n, k, stride)`: TensorFlow's `"SAME"` split `(before, after)`:
   `out = ceil(n / s)`, `total = max((out - 1) * s + k - n, 0)`, `before = total // 2`, `after = total - before`.
   When the total is odd the extra row/column goes to the **bottom/right** (not `k // 2` on both sides).
4. `correlate2d(x, k, stride=1, padding="VALID")`: 2-D cross-correlation (no flip) with stride and padding; the window of output `(i, j)` starts at `(i * sh, j * sw)`.
   `padding` is `"VALID"`, `"SAME"`, an int `p`, `(ph, pw)` or `((top, bottom), (left, right))`.

### Examples (d2l)
8×8 input: k3 p1 → 8×8, k3 p1 s2 → 4×4; `output_size(7, 4, 2, "SAME") == 4`; `same_padding(4, 2, 1) == (0, 1)`.

### Watch out
- `stride` is an int or `(sh, sw)`, each >= 1.
- Padding strings are uppercase `"VALID"` and `"SAME"` only: lowercase `"same"` raises `ValueError`, as in TensorFlow. So do unknown padding strings, negative padding and kernels larger than the padded input.
- Never modify the inputs. Return a floating-point `numpy.ndarray` (`zero_pad` keeps the input's dtype).
""",
}

CELLS = {
    "after:zero_pad": [
        md(
            """\
### 제로 패딩한 이미지
`zero_pad(x, 8)`은 64×64 이미지의 네 변에 0을 8줄씩 붙여 80×80으로 만듭니다. 작은 배열에서는 어느 변에 몇 줄이 붙는지 셀마다 보입니다 (회색이 0).""",
            """\
### The zero-padded image
`zero_pad(x, 8)` adds 8 rows/columns of zeros on every side of the 64×64 image: 80×80. On a small array each cell shows where the zeros go (gray).""",
        ),
        code(
            """\
image = house()
with when_implemented():
    padded = zero_pad(image.reshape(1, 64, 64, 1), 8)[0, :, :, 0]
    print(padded.shape)
    show([image, padded], ["image 64x64", "zero_pad(x, 8): 80x80"])
    small = np.arange(1, 10).reshape(1, 3, 3, 1)
    fig, ax = plt.subplots(figsize=(3.2, 2.8))
    draw_grid(ax, zero_pad(small, ((0, 1), (2, 0)))[0, :, :, 0], "zero_pad(x, ((0, 1), (2, 0)))",
              colors=padded_colors(3, 3, (0, 1), (2, 0), mark_extra=False))
    plt.show()""",
        ),
    ],
    "after:same_padding": [
        md(
            """\
### SAME의 비대칭 분할: 남는 한 줄은 아래쪽/오른쪽
패딩 총량이 홀수이면 TensorFlow는 `before = total // 2`, 나머지 한 줄을 `after`에 넣습니다. 주황색이 그 남는 줄입니다 (여러분의 `same_padding`으로 그립니다).""",
            """\
### SAME's uneven split: the extra row goes to the bottom/right
When the total padding is odd, TensorFlow puts `before = total // 2` and the extra one in `after`. Orange marks that extra row/column (drawn with your `same_padding`).""",
        ),
        code(
            """\
with when_implemented():
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    for ax, (n, k, s) in zip(axes, [(4, 2, 1), (5, 4, 1)]):
        before, after = same_padding(n, k, s)
        cells = np.pad(np.arange(1, n * n + 1).reshape(n, n), ((before, after), (before, after)))
        draw_grid(ax, cells, f"n={n}, k={k}, s={s}: (before, after) = ({before}, {after})",
                  colors=padded_colors(n, n, (before, after), (before, after)))
    plt.show()""",
        ),
    ],
    "after:correlate2d": [
        md(
            """\
### 스트라이드: 필터가 이동하는 간격
스트라이드 2이면 윈도우가 두 칸씩 이동해 특성맵의 높이와 너비가 절반이 됩니다 (SAME: `ceil(64 / 2) = 32`).""",
            """\
### Stride: the step of the filter
With stride 2 the window moves two pixels at a time: the feature map is half as high and wide (SAME: `ceil(64 / 2) = 32`).""",
        ),
        code(
            """\
with when_implemented():
    one = correlate2d(image, SOBEL_X, 1, "SAME")
    two = correlate2d(image, SOBEL_X, 2, "SAME")
    print(one.shape, two.shape)
    show([one, two], ["stride 1, SAME: 64x64", "stride 2, SAME: 32x32"], diverging=True)""",
        ),
    ],
}
