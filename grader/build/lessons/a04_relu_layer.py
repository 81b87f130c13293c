"""a04_relu_layer: ReLU, and ReLU on a feature map."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「Activation Function」** 절(ReLU)과 **「합성곱층 연산」** 절을 바탕으로 합니다.

- **ReLU**는 가장 많이 쓰는 활성화 함수입니다: 음수는 0으로 바꾸고 양수는 그대로 통과시킵니다.
- 합성곱층에서는 필터를 적용한 뒤 **편향(bias)을 더하고**, 그 **다음에** 활성화 함수를 적용합니다:
  `relu(conv2d(x, w) + b)` — `tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(...), b))`와 같습니다.

### 할 일
1. `conv2d(x, w, stride=1, padding="VALID")`: 과제 3에서 만든 `conv2d`를 (편향 없이) 복사해 오세요. 이 함수 자체는 채점하지 않지만 `conv2d_relu`가 사용합니다.
2. `relu(x)`: 모양과 dtype이 같은 **새 배열**을 돌려줍니다(`x`는 그대로). 정수 배열도 정수 그대로입니다.
3. `conv2d_relu(x, w, b, stride=1, padding="VALID")`: `relu(conv2d(x, w, stride, padding) + b)`, 출력 `(N, Ho, Wo, F)`, 모든 값 ≥ 0.
   `padding`은 과제 3과 같습니다: `"VALID"`, `"SAME"`, 정수 `p`, `(ph, pw)`, `((위, 아래), (왼쪽, 오른쪽))`.

### 주의할 점
- 순서가 중요합니다: 편향을 ReLU **전에** 더하세요. `relu(conv) + b`는 음수가 나올 수 있습니다.
- 음수를 0으로 만드세요: 절댓값(`abs`)이나 leaky ReLU(`0.01 * x`)가 아닙니다.
- `b`의 모양이 `(F,)`가 아니면 `ValueError`. 소문자 `"same"` 같은 잘못된 패딩도 `ValueError`. 입력 배열을 수정하지 마세요(`x[x < 0] = 0`은 입력을 바꿉니다).
""",
    "en": """\
## What to do

Based on the lecture notes' sections **「Activation Function」** (ReLU) and **“Convolution layer operation” (「합성곱층 연산」)**.

- **ReLU** is the most used activation function: negative values become 0, positive values pass through unchanged.
- In a convolution layer, the **bias is added** after the filter and the activation comes **last**:
  `relu(conv2d(x, w) + b)` — the same as `tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(...), b))`.

### Tasks
1. `conv2d(x, w, stride=1, padding="VALID")`: copy your `conv2d` from assignment 3 (without the bias). It is not graded itself, but `conv2d_relu` uses it.
2. `relu(x)`: return a **new array** with the same shape and dtype (`x` stays as it was); integer arrays stay integer.
3. `conv2d_relu(x, w, b, stride=1, padding="VALID")`: `relu(conv2d(x, w, stride, padding) + b)`, shape `(N, Ho, Wo, F)`, every value >= 0.
   `padding` as in assignment 3: `"VALID"`, `"SAME"`, an int `p`, `(ph, pw)`, `((top, bottom), (left, right))`.

### Watch out
- Order matters: add the bias **before** the ReLU; `relu(conv) + b` can be negative.
- Negatives become 0: not the absolute value (`abs`), not a leaky ReLU (`0.01 * x`).
- Raise `ValueError` when `b` is not of shape `(F,)`, and for bad padding such as lowercase `"same"`. Never modify the inputs (`x[x < 0] = 0` does).
""",
}

CELLS = {
    "after:relu": [
        md(
            """\
### ReLU의 그래프
음수는 0, 양수는 그대로: 꺾인 직선 하나입니다.""",
            """\
### ReLU, plotted
Negatives to 0, positives unchanged: one bent line.""",
        ),
        code(
            """\
with when_implemented():
    xs = np.linspace(-3, 3, 61)
    fig, ax = plt.subplots(figsize=(3.4, 2.4))
    ax.plot(xs, relu(xs), color="tab:red", label="relu(x)")
    ax.plot(xs, xs, color="gray", linestyle=":", label="x")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.legend()
    plt.show()""",
        ),
    ],
    "after:conv2d_relu": [
        md(
            """\
### 특성맵에 ReLU
소벨 x 필터의 특성맵은 양수(왼쪽보다 오른쪽이 밝음)와 음수(반대)를 모두 가집니다. ReLU는 음수를 0으로 만들어, 한쪽 방향의 경계만 남깁니다.
음수 편향 `b = -0.5`를 더한 뒤 ReLU를 쓰면 약한 경계까지 사라집니다: 편향이 문턱값처럼 작동합니다.""",
            """\
### ReLU on a feature map
The Sobel x feature map has positive values (brighter to the right) and negative ones (the other way). ReLU sets the negatives to 0: only the edges of one direction remain.
With a negative bias `b = -0.5` added before the ReLU, the weak edges go too: the bias acts as a threshold.""",
        ),
        code(
            """\
x = house()[np.newaxis, :, :, np.newaxis]   # (1, 64, 64, 1)
w = SOBEL_X[:, :, np.newaxis, np.newaxis]   # (3, 3, 1, 1)
with when_implemented():
    fmap = conv2d(x, w)[0, :, :, 0]
    layer = conv2d_relu(x, w, np.array([-0.5]))[0, :, :, 0]
    expect(bool((layer >= 0).all()), True)
    show([fmap], ["feature map (Sobel x)"], diverging=True)
    show([relu(fmap), layer], ["relu(feature map)", "relu(feature map - 0.5)"])""",
        ),
    ],
}
