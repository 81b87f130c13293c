"""Helpers the notebooks call in their demo cells: the kit's picture, classic filters, ✅/❌ checks, drawings.

Everything a notebook shows that is not the student's own work comes from here, so the notebooks
stay short and the pictures look alike. numpy only at import; matplotlib is imported by the drawing
functions when they are called (the student install has it; ``grader check`` never calls them).
Nothing here is graded, and the graded module may not import ``grader`` (the sandbox refuses it).

>>> image = house()
>>> image.shape, float(image.min()) >= 0.0, float(image.max()) <= 1.0
((64, 64), True, True)
>>> expect(lambda: 1 + 1, "2")
✅ 기대값과 같습니다 / matches the expected value
"""

from __future__ import annotations

import ast
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

DATA = Path(__file__).resolve().parent / "data"

__all__ = [
    "BLUR", "PREWITT_X", "PREWITT_Y", "SOBEL_X", "SOBEL_Y", "draw_grid", "draw_padded", "draw_receptive_field",
    "expect", "feature_map", "house", "padded_colors", "show", "tensorflow", "when_implemented",
]

#: Edge detectors of the lecture's kind (filters that highlight what looks like them).
SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
"""Sobel, vertical edges: responds where the image gets brighter from left to right."""
SOBEL_Y = SOBEL_X.T.copy()
"""Sobel, horizontal edges: responds where the image gets brighter from top to bottom."""
PREWITT_X = np.array([[-1.0, 0.0, 1.0]] * 3)
PREWITT_Y = PREWITT_X.T.copy()
BLUR = np.full((3, 3), 1.0 / 9.0)


# -- the picture -------------------------------------------------------------------------------------------


def read_png(path: str | os.PathLike[str]) -> np.ndarray:
    """An 8-bit gray, gray+alpha, RGB or RGBA PNG as a uint8 array (every row filter of the format is undone).

    Written by hand (zlib and struct) so that the notebooks' picture loads without an imaging library.
    """
    data = Path(path).read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file")
    chunks, offset = {}, 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        chunks.setdefault(kind, []).append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"][0])
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: only 8-bit gray or RGB(A) PNGs without interlacing are read here")
    raw = zlib.decompress(b"".join(chunks[b"IDAT"]))
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int64)
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, row * (stride + 1) + 1).astype(np.int64)
        up = out[row - 1] if row else np.zeros(stride, np.int64)
        if kind == 0:
            out[row] = line
        elif kind == 2:
            out[row] = (line + up) % 256
        else:  # 1 (sub), 3 (average), 4 (Paeth) depend on the pixel to the left: one byte at a time
            for i in range(stride):
                left = out[row, i - channels] if i >= channels else 0
                corner = up[i - channels] if i >= channels and row else 0
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + up[i]) // 2
                else:
                    p = left + up[i] - corner
                    predictor = min((abs(p - left), 0, left), (abs(p - up[i]), 1, up[i]), (abs(p - corner), 2, corner))[2]
                out[row, i] = (line[i] + predictor) % 256
    image = out.astype(np.uint8)
    return image.reshape(height, width, channels) if channels > 1 else image


def house(rgb: bool = False) -> np.ndarray:
    """The kit's 64 x 64 picture (``grader/data/house.png``) as float64 in [0, 1]: gray (64, 64) or RGB (64, 64, 3)."""
    image = read_png(DATA / "house.png").astype(np.float64) / 255.0
    return image if rgb else image @ np.array([0.299, 0.587, 0.114])


def feature_map(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The feature map (VALID, stride 1) of one of the kit's edge detectors, for a00's demos.

    Only ``SOBEL_X``, ``SOBEL_Y``, ``PREWITT_X`` and ``PREWITT_Y``: each is a smoothing along one axis
    times a difference along the other, computed here that way (never as a general
    cross-correlation, which is a01's exercise: the student bundle holds no working answer).

    Raises
    ------
    ValueError
        For any other kernel.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    for named, smooth, axis in ((SOBEL_X, (1.0, 2.0, 1.0), 1), (SOBEL_Y, (1.0, 2.0, 1.0), 0),
                                (PREWITT_X, (1.0, 1.0, 1.0), 1), (PREWITT_Y, (1.0, 1.0, 1.0), 0)):
        if kernel.shape == named.shape and np.array_equal(kernel, named):
            break
    else:
        raise ValueError("feature_map draws the kit's edge detectors only (SOBEL_X, SOBEL_Y, PREWITT_X, PREWITT_Y)")
    x = np.asarray(image, dtype=np.float64)
    if axis == 1:  # right minus left, smoothed down the rows
        d = x[:, 2:] - x[:, :-2]
        return smooth[0] * d[:-2] + smooth[1] * d[1:-1] + smooth[2] * d[2:]
    d = x[2:, :] - x[:-2, :]  # bottom minus top, smoothed along the columns
    return smooth[0] * d[:, :-2] + smooth[1] * d[:, 1:-1] + smooth[2] * d[:, 2:]


# -- ✅ / ❌ -----------------------------------------------------------------------------------------------------

_NAMES = {"array": np.array, "nan": np.nan, "inf": np.inf, "dtype": np.dtype, **{
    name: getattr(np, name) for name in ("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool_")
}}


def _parse(text: str) -> Any:
    """A doctest's expected output (``array([[19., 25.], ...])``, ``(1, 30, 30, 100)``...) as a value."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    try:
        return eval(compile(text, "<expected>", "eval"), {"__builtins__": {}}, dict(_NAMES))  # noqa: S307 - the kit's own text
    except Exception:  # noqa: BLE001 - not a value: compare the printed text
        return _Text(text)


class _Text(str):
    """An expected output that is only text: compared with ``repr`` of the result, spaces normalized."""


def _same(got: Any, want: Any, rtol: float, atol: float) -> bool:
    if isinstance(want, _Text):
        return " ".join(repr(got).split()) == " ".join(want.split())
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray) or got.shape != want.shape:
            return False
        if want.dtype.kind in "iub" and got.dtype != want.dtype:
            return False
        return bool(np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(want, bool) or want is None:
        return got is want or (isinstance(got, np.bool_) and bool(got) is want)
    if isinstance(want, int):  # an int answer wants an int: 4.0 is not a size
        return isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)) and int(got) == want
    if isinstance(want, float):
        return isinstance(got, (int, float, np.number)) and math.isclose(float(got), want, rel_tol=rtol, abs_tol=atol)
    if isinstance(want, (tuple, list)):
        return type(got) is type(want) and len(got) == len(want) and all(_same(g, w, rtol, atol) for g, w in zip(got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(_same(got[k], want[k], rtol, atol) for k in want)
    try:
        return bool(got == want)
    except Exception:  # noqa: BLE001 - an ambiguous comparison is no match
        return False


def expect(compute: Callable[[], Any] | Any, want: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Run ``compute()`` (or take a value) and print ✅ when it equals ``want``, else ❌ with both.

    ``want`` is a value or a doctest-style text (``"array([[19., 25.], [37., 43.]])"``). A
    ``NotImplementedError`` says the function is not written yet; any other exception is shown.
    """
    try:
        got = compute() if callable(compute) else compute
    except NotImplementedError:
        print("❌ 아직 구현하지 않았습니다 / not implemented yet")
        return
    except Exception as e:  # noqa: BLE001 - the student's error is the answer here
        print(f"❌ {type(e).__name__}: {e}")
        return
    expected = _parse(want) if isinstance(want, str) else want
    if _same(got, expected, rtol, atol):
        print("✅ 기대값과 같습니다 / matches the expected value")
        return
    print("❌ 기대값과 다릅니다 / differs from the expected value")
    print(f"   기대값 / expected: {expected!r}" if not isinstance(expected, _Text) else f"   기대값 / expected: {expected}")
    print(f"   결과 / got: {got!r}")


# -- drawings (matplotlib) ---------------------------------------------------------------------------------------


def _plt():
    import matplotlib.pyplot as plt  # noqa: PLC0415 - only the demos draw

    return plt


def show(images: Sequence[np.ndarray], titles: Sequence[str] = (), *, cmap: str = "gray", diverging: bool = False,
         size: float = 2.6) -> None:
    """Images side by side; ``diverging`` centres a red-blue colour map on 0 (feature maps with signs).

    Titles are best in English: matplotlib's default fonts have no Hangul (the notebooks explain
    each picture in Korean in the cell above it).
    """
    plt = _plt()
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size + 0.4), squeeze=False)
    for ax, image, title in zip(axes[0], images, [*titles, *[""] * len(images)]):
        image = np.asarray(image, dtype=np.float64)
        if diverging and image.ndim == 2:
            limit = float(np.max(np.abs(image))) or 1.0
            shown = ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
            fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        else:
            ax.imshow(np.clip(image, 0, 1) if image.ndim == 3 else image, cmap=cmap)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    plt.show()


def draw_grid(ax: Any, values: np.ndarray, title: str = "", *, colors: np.ndarray | None = None, fmt: str = "{:g}") -> None:
    """A small 2-D array as a grid of numbered cells; ``colors`` (same shape, RGB) paints the cells."""
    values = np.asarray(values)
    h, w = values.shape
    painted = np.ones((h, w, 3)) if colors is None else np.asarray(colors, dtype=np.float64)
    ax.imshow(painted, interpolation="nearest", extent=(-0.5, w - 0.5, h - 0.5, -0.5))
    for i in range(h):
        for j in range(w):
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=10)
    _cell_lines(ax, h, w, "black", 1.0)
    ax.set_title(title, fontsize=9)


def _cell_lines(ax: Any, h: int, w: int, color: str, width: float) -> None:
    """The borders of every cell of an (h, w) grid drawn with ``imshow``."""
    for i in range(h + 1):
        ax.plot([-0.5, w - 0.5], [i - 0.5, i - 0.5], color=color, linewidth=width)
    for j in range(w + 1):
        ax.plot([j - 0.5, j - 0.5], [-0.5, h - 0.5], color=color, linewidth=width)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.set_xticks([])
    ax.set_yticks([])


INPUT, ZERO, EXTRA = (0.80, 0.90, 1.0), (0.88, 0.88, 0.88), (1.0, 0.75, 0.45)


def padded_colors(h: int, w: int, rows: tuple[int, int], cols: tuple[int, int], mark_extra: bool = True) -> np.ndarray:
    """Cell colours of an (h, w) input padded by ``rows`` (top, bottom) and ``cols`` (left, right): the
    input blue, the zeros gray, and (``mark_extra``) the odd extra row/column of a SAME split orange."""
    (top, bottom), (left, right) = rows, cols
    colors = np.empty((h + top + bottom, w + left + right, 3))
    colors[:] = ZERO
    colors[top:top + h, left:left + w] = INPUT
    if mark_extra and bottom > top:
        colors[-(bottom - top):, :] = EXTRA
    if mark_extra and right > left:
        colors[:, -(right - left):] = EXTRA
    return colors


def draw_padded(image: np.ndarray, rows: tuple[int, int], cols: tuple[int, int], title: str = "", *,
                mark_extra: bool = True, ax: Any = None) -> None:
    """A small image zero-padded by ``rows``/``cols``, numbers in the cells, the padding coloured."""
    plt = _plt()
    image = np.asarray(image)
    (top, bottom), (left, right) = rows, cols
    padded = np.pad(image, ((top, bottom), (left, right)))
    own = ax is None
    if own:
        _, ax = plt.subplots(figsize=(0.45 * padded.shape[1] + 0.6, 0.45 * padded.shape[0] + 0.6))
    draw_grid(ax, padded, title, colors=padded_colors(*image.shape, rows, cols, mark_extra))
    if own:
        plt.show()


def draw_receptive_field(layers: Sequence[tuple[int, int]], field: int, size: int = 13) -> None:
    """Which input pixels one neuron of the last layer sees: a ``field`` x ``field`` square of a ``size`` grid."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.2, 3.4))
    colors = np.ones((size, size, 3))
    start = max((size - field) // 2, 0)
    colors[start:start + field, start:start + field] = INPUT
    centre = size // 2
    colors[centre, centre] = EXTRA
    ax.imshow(colors, interpolation="nearest")
    _cell_lines(ax, size, size, "gray", 0.5)
    stack = " -> ".join(f"{k}x{k} stride {s}" for k, s in layers)
    ax.set_title(f"receptive field {field}x{field}\n{stack}", fontsize=9)  # (matplotlib's fonts have no Hangul)
    fig.tight_layout()
    plt.show()


class when_implemented:  # noqa: N801 - reads as a sentence: ``with when_implemented():``
    """A demo block that waits for the student's functions: ``NotImplementedError`` prints one line
    instead of a traceback, so "Run all" goes on to the next cell (any other error shows as usual)."""

    def __enter__(self) -> "when_implemented":
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> bool:
        if kind is not None and issubclass(kind, NotImplementedError):
            print("⏳ 함수를 구현한 뒤 이 셀을 다시 실행하세요 / implement the function, then run this cell again")
            return True
        return False


def tensorflow() -> Any:
    """TensorFlow when it is installed (quietly), else None: the notebooks say which."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow's C++ side writes notices straight to file descriptor 2 (absl, oneDNN) on import and
    # on its first op, whatever TF_CPP_MIN_LOG_LEVEL says: Jupyter would show them under the cell.
    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 2)
    try:
        import tensorflow as tf  # noqa: PLC0415

        tf.nn.conv2d(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)), strides=1, padding="VALID")
    except ImportError:
        return None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)
    return tf
