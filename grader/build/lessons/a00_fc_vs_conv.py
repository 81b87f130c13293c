"""a00_fc_vs_conv: why convolution (parameter counts, shuffled pixels, shifted images, receptive fields)."""

from grader.build.lessons import code, md

INSTRUCTIONS = {
    "ko": """\
## 과제 설명

강의 노트 **「완전연결 계층 (Fully-connected layer)의 문제점」**, **「합성곱층 (Convolutional layer)」**, **「필터 (Filter)」** 절을 바탕으로 합니다.

- 이미지는 세로, 가로, 채널의 3차원 형상과 **공간적 구조**를 가집니다: 가까운 픽셀은 값이 비슷하고, RGB 채널은 서로 밀접합니다.
- 완전연결 계층에 넣으려면 이미지를 1차원으로 펼쳐야 하고, 그러면 **데이터의 형상이 무시됩니다**. 입력 값마다, 뉴런마다 가중치가 하나씩 필요합니다.
- 합성곱층은 형상을 유지합니다. 뉴런은 **수용영역** 안의 픽셀에만 연결되고, 같은 필터(가중치 W)를 이미지 전체에서 다시 씁니다. 필터와 비슷한 영역을 강조한 결과가 **특성맵**입니다.

### 할 일
1. `fc_params(h, w, c, units)`: h×w×c 이미지를 펼쳐 뉴런 units개에 연결하는 완전연결 계층의 파라미터 수 (가중치 h·w·c·units + 편향 units).
2. `conv_params(kh, kw, c, f, bias=True)`: kh×kw 필터 f개의 파라미터 수. 필터 하나는 입력의 모든 채널(c개)을 봅니다. 편향은 필터마다 하나입니다 (`bias=True`일 때).
3. `conv_output_shape(x_shape, w_shape, stride, padding)`: NHWC 입력 `(N, H, W, C)`와 HWIO 필터 `(kh, kw, C, F)`에서 `tf.nn.conv2d`가 내는 출력의 모양 `(N, Ho, Wo, F)`.
   - `"VALID"`: `Ho = (H - kh) // sh + 1`
   - `"SAME"`: `Ho = ceil(H / sh)` (커널 크기와 무관)
   - 정수 `p`, `(ph, pw)`, `((위, 아래), (왼쪽, 오른쪽))`: `Ho = (H + 위 + 아래 - kh) // sh + 1`
   - 출력 채널 수는 필터 개수 `F`입니다.
4. `receptive_field(layers)`: `(kernel, stride)` 층을 입력 쪽부터 쌓았을 때 마지막 층의 뉴런 하나가 보는 입력의 길이(한 축). 1에서 시작해 층마다 `(kernel - 1) × (앞 층들의 스트라이드 곱)`만큼 넓어집니다.

### 예시
`fc_params(32, 32, 3, 100) == 307300`이고 `conv_params(3, 3, 3, 100) == 2800`입니다: 뉴런 100개와 필터 100개인데 파라미터 수는 100배 넘게 차이 납니다.

### 주의할 점
- 모두 정수 계산입니다. `int`나 `int`의 튜플을 반환하세요 (`/` 대신 `//`와 `math.ceil`).
- 잘못된 입력은 `ValueError`로 거부하세요: 1보다 작은 크기, 정수가 아닌 값, 입력과 필터의 채널 수가 다를 때, 스트라이드 < 1, 음수나 알 수 없는 패딩, 소문자 `"same"` (TensorFlow처럼 대문자만 받습니다), 패딩한 입력보다 큰 필터.
""",
    "en": """\
## What to do

Based on the lecture notes' sections **“The problem with fully-connected layers” (「완전연결 계층 (Fully-connected layer)의 문제점」)**, **“Convolutional layer” (「합성곱층 (Convolutional layer)」)** and **“Filter” (「필터 (Filter)」)**.

- An image has a 3-D shape (height, width, channels) and a **spatial structure**: nearby pixels are alike, the RGB channels are closely related.
- A fully-connected layer needs the image flattened into 1-D, and then **its shape is ignored**; it needs one weight per input value per neuron.
- A convolutional layer keeps the shape. Each neuron connects only to the pixels of its **receptive field**, and the same filter (weights W) is reused over the whole image. What it outputs, the regions that look like the filter highlighted, is a **feature map**.

### Tasks
1. `fc_params(h, w, c, units)`: parameters of a dense layer on the flattened h×w×c image with `units` neurons (weights h·w·c·units + biases units).
2. `conv_params(kh, kw, c, f, bias=True)`: parameters of f filters of kh×kw. A filter spans every input channel (c of them); one bias per filter (when `bias=True`).
3. `conv_output_shape(x_shape, w_shape, stride, padding)`: the output shape `(N, Ho, Wo, F)` `tf.nn.conv2d` gives for an NHWC input `(N, H, W, C)` and HWIO filters `(kh, kw, C, F)`.
   - `"VALID"`: `Ho = (H - kh) // sh + 1`
   - `"SAME"`: `Ho = ceil(H / sh)` (whatever the kernel)
   - int `p`, `(ph, pw)`, `((top, bottom), (left, right))`: `Ho = (H + top + bottom - kh) // sh + 1`
   - the output has one channel per filter: `F`.
4. `receptive_field(layers)`: for `(kernel, stride)` layers stacked from the input on, the length (one axis) of input one neuron of the last layer sees. It starts at 1 and each layer adds `(kernel - 1) × (product of the strides before it)`.

### Example
`fc_params(32, 32, 3, 100) == 307300` and `conv_params(3, 3, 3, 100) == 2800`: 100 neurons against 100 filters, more than a hundred times the parameters.

### Watch out
- Integers only: return an `int` or a tuple of `int`s (`//` and `math.ceil`, not `/`).
- Reject bad input with `ValueError`: sizes below 1, non-integers, input and filter channel counts that differ, stride < 1, negative or unknown padding, lowercase `"same"` (uppercase only, as in TensorFlow), a filter larger than the padded input.
""",
}

CELLS = {
    "intro": [
        md(
            """\
### 그림으로 보기
이 노트북의 그림은 키트가 직접 그린 64×64 이미지(`house()`)로 그립니다. 그림 안의 글자는 영어입니다 (matplotlib의 기본 글꼴에는 한글이 없습니다).
함수를 구현하기 전에는 그림 셀이 ⏳ 안내만 출력합니다.""",
            """\
### Pictures
The pictures use a 64×64 image the kit draws itself (`house()`). Text inside the pictures is in English (matplotlib's default fonts have no Hangul).
Until you implement the functions, the picture cells only print a ⏳ note.""",
        ),
        code(
            """\
image = house()  # (64, 64), 0..1
show([image, house(rgb=True)], ["house(): grayscale 64x64", "house(rgb=True): 64x64x3"])""",
        ),
    ],
    "after:conv_params": [
        md(
            """\
### 파라미터 수: 32×32×3 이미지, 뉴런 100개 대 3×3 필터 100개
완전연결 계층은 펼친 3,072개의 값 하나하나에 뉴런마다 가중치가 있습니다. 합성곱층의 필터는 3×3×3 윈도우 하나의 가중치를 이미지 전체에서 다시 씁니다.""",
            """\
### Parameters: a 32×32×3 image into 100 neurons against 100 3×3 filters
A dense layer holds one weight per flattened value (3,072 of them) per neuron; a filter's 3×3×3 window of weights is reused over the whole image.""",
        ),
        code(
            """\
with when_implemented():
    fc, conv = fc_params(32, 32, 3, 100), conv_params(3, 3, 3, 100)
    print(f"완전연결 / fully connected: {fc:,}   합성곱 / convolution: {conv:,}   ({fc / conv:.0f}x)")
    expect(fc, 307300)
    expect(conv, 2800)
    fig, ax = plt.subplots(figsize=(6, 1.8))
    ax.barh(["conv 3x3, 100 filters", "dense, 100 units"], [conv, fc], color=["tab:blue", "tab:red"])
    ax.set_xscale("log")
    ax.set_xlabel("parameters (log scale)")
    for row, value in enumerate([conv, fc]):
        ax.text(value, row, f" {value:,}", va="center")
    ax.set_xlim(1e3, 3e6)
    plt.show()""",
        ),
        md(
            """\
### 픽셀을 섞으면: 완전연결 계층은 모르고, 합성곱층은 압니다
픽셀의 순서를 섞고 가중치의 행도 같은 순서로 섞으면, 완전연결 계층의 출력은 **똑같습니다**: 형상이 무시되기 때문입니다.
합성곱층의 특성맵은 전혀 다른 그림이 됩니다: 이웃한 픽셀끼리의 관계(공간적 구조)를 보기 때문입니다.""",
            """\
### Shuffled pixels: a dense layer cannot tell, a convolution can
Shuffle the pixels, and the rows of the weights alike: the dense layer's output is **the same**, since the shape is ignored.
The convolution's feature map becomes a different picture: it looks at neighbouring pixels (the spatial structure).""",
        ),
        code(
            """\
rng = np.random.default_rng(0)
small = house()[::4, ::4]                          # 16x16
order = rng.permutation(small.size)                # 픽셀을 섞는 순서 / a shuffling of the pixels
shuffled = small.reshape(-1)[order].reshape(small.shape)
W = rng.standard_normal((small.size, 100))         # 뉴런 100개의 가중치 / weights of 100 neurons
fc_out = small.reshape(-1) @ W
fc_shuffled = shuffled.reshape(-1) @ W[order]      # 가중치의 행도 같은 순서로 / weights shuffled alike
expect(np.allclose(fc_out, fc_shuffled), True)     # 완전연결: 출력이 같습니다 / dense: same output
conv_out, conv_shuffled = feature_map(small, SOBEL_X), feature_map(shuffled, SOBEL_X)
expect(np.allclose(conv_out, conv_shuffled), False)  # 합성곱: 다릅니다 / convolution: different
show([small, shuffled], ["image 16x16", "pixels shuffled"])
show([conv_out, conv_shuffled], ["feature map (Sobel x)", "feature map of the shuffled image"], diverging=True)""",
        ),
        md(
            """\
### 이미지를 옮기면 특성맵도 옮겨집니다
같은 필터를 모든 위치에 쓰므로, 이미지를 아래로 6칸, 오른쪽으로 10칸 옮기면 특성맵도 똑같이 옮겨집니다 (가장자리만 빼고).""",
            """\
### A shifted image gives a shifted feature map
The same filter works at every position: shift the image 6 down and 10 right, and the feature map moves the same way (borders aside).""",
        ),
        code(
            """\
shifted = np.roll(image, (6, 10), axis=(0, 1))     # 아래로 6, 오른쪽으로 10 / down 6, right 10
before, after = feature_map(image, SOBEL_X), feature_map(shifted, SOBEL_X)
moved = np.roll(before, (6, 10), axis=(0, 1))
expect(np.allclose(moved[8:, 12:], after[8:, 12:]), True)  # 옮긴 특성맵 = 옮긴 이미지의 특성맵 / same inside
show([image, shifted], ["image", "shifted: down 6, right 10"])
show([before, after], ["feature map", "feature map of the shifted image"], diverging=True)""",
        ),
    ],
    "after:conv_output_shape": [
        md(
            """\
### 강의의 실습: 3×3 이미지와 2×2 필터
VALID는 필터가 들어가는 위치만, SAME은 출력 크기가 `ceil(n / s)`가 되도록 0을 채웁니다.""",
            """\
### The lecture's practice: a 3×3 image and a 2×2 filter
VALID keeps only the positions where the filter fits; SAME pads zeros so that the output size is `ceil(n / s)`.""",
        ),
        code(
            """\
with when_implemented():
    for padding in ("VALID", "SAME"):
        print(padding, conv_output_shape((1, 3, 3, 1), (2, 2, 1, 1), 1, padding))
    print("3 filters, SAME", conv_output_shape((1, 3, 3, 1), (2, 2, 1, 3), 1, "SAME"))""",
        ),
    ],
    "after:receptive_field": [
        md(
            """\
### 수용영역 그림
3×3 층을 두 번 쌓으면 마지막 뉴런(주황색) 하나가 입력의 5×5를 봅니다. 스트라이드 2인 층 뒤에서는 더 빨리 넓어집니다.""",
            """\
### The receptive field, drawn
Two stacked 3×3 layers: one neuron of the last layer (orange) sees 5×5 of the input. After a stride-2 layer it grows faster.""",
        ),
        code(
            """\
with when_implemented():
    for layers in ([(3, 1), (3, 1)], [(3, 2), (3, 1)]):
        draw_receptive_field(layers, receptive_field(layers))""",
        ),
    ],
}
