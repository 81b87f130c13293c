"""The notebooks' helpers (grader/lesson.py) and the kit's picture (grader/data/house.png)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

from grader import lesson
from grader.build import images


def printed(function, *args, **kwargs) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        function(*args, **kwargs)
    return out.getvalue()


def test_the_bundled_picture_is_the_kits_drawing_and_small():
    data = images.PNG_PATH.read_bytes()
    assert data == images.png_bytes(images.draw_house()), "run `python -m grader.build.images`"
    assert len(data) < 4096
    assert np.array_equal(lesson.read_png(images.PNG_PATH), images.draw_house())
    gray = lesson.house()
    assert gray.shape == (64, 64) and 0.0 <= gray.min() < gray.max() <= 1.0
    np.testing.assert_allclose(gray, images.grayscale(images.draw_house()), atol=1e-12)
    assert lesson.house(rgb=True).shape == (64, 64, 3)


def test_the_png_writer_and_reader_agree_with_an_imaging_library(tmp_path):
    """matplotlib (Pillow) reads the kit's bytes, and the kit reads what Pillow writes (every row filter)."""
    import matplotlib.pyplot as plt
    picture = images.draw_house()
    path = tmp_path / "kit.png"
    path.write_bytes(images.png_bytes(picture))
    assert np.array_equal((plt.imread(path) * 255).round().astype(np.uint8), picture)
    rng = np.random.default_rng(0)
    noisy = np.clip(picture.astype(int) + rng.integers(-20, 20, picture.shape), 0, 255).astype(np.uint8)
    plt.imsave(tmp_path / "pillow.png", noisy)  # Pillow picks its own filters (sub, up, average, Paeth)
    back = lesson.read_png(tmp_path / "pillow.png")  # RGBA, as matplotlib writes it
    assert back.shape == (64, 64, 4) and np.array_equal(back[..., :3], noisy)


def test_edge_detectors_find_the_walls():
    image = lesson.house()
    edges = lesson.feature_map(image, lesson.SOBEL_X)
    assert edges.shape == (62, 62)
    assert np.allclose(edges[:5, :20], 0.0)  # flat sky: no edge
    assert np.abs(edges[40, 9:12]).max() > 0.3  # the house's left wall (column 12 of the picture)


def test_feature_map_draws_the_kits_edge_detectors_and_nothing_else():
    """Each of the four detectors' maps is their cross-correlation (a plain loop here); any other
    kernel is refused, so the student bundle's lesson helpers compute no a01 answer."""
    image = np.random.default_rng(1).standard_normal((7, 9))
    for kernel in (lesson.SOBEL_X, lesson.SOBEL_Y, lesson.PREWITT_X, lesson.PREWITT_Y):
        want = np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(7)] for i in range(5)])
        np.testing.assert_allclose(lesson.feature_map(image, kernel), want, atol=1e-12)
    for other in (lesson.BLUR, np.ones((3, 3)), lesson.SOBEL_X[:2]):
        with pytest.raises(ValueError, match="edge detectors only"):
            lesson.feature_map(image, other)


@pytest.mark.parametrize(
    "got, want, mark",
    [
        (np.array([[19.0, 25.0], [37.0, 43.0]]), "array([[19., 25.],\n       [37., 43.]])", "✅"),
        (np.array([[19.0, 25.0], [37.0, 44.0]]), "array([[19., 25.],\n       [37., 43.]])", "❌"),
        (np.zeros((1, 2), np.float64), "array([[0, 0]], dtype=uint8)", "❌"),  # dtype of an integer answer
        (np.zeros((1, 2), np.uint8), "array([[0, 0]], dtype=uint8)", "✅"),
        ((1, 30, 30, 100), "(1, 30, 30, 100)", "✅"),
        ([1, 30, 30, 100], "(1, 30, 30, 100)", "❌"),
        (307300, "307300", "✅"),
        (307300.0, "307300", "❌"),  # a count is an int
        ({"strides": [1, 2, 2, 1], "padding": "SAME"}, "{'strides': [1, 2, 2, 1], 'padding': 'SAME'}", "✅"),
        (True, True, "✅"),
        (np.bool_(False), True, "❌"),
    ],
)
def test_expect_prints_a_mark(got, want, mark):
    out = printed(lesson.expect, lambda: got, want)
    assert out.startswith(mark), out
    assert ("❌" in out) == (mark == "❌")


def test_expect_says_when_a_function_is_not_written_yet():
    def stub():
        raise NotImplementedError("f: 여기를 구현하세요 / implement this")

    assert printed(lesson.expect, stub, "1").startswith("❌ 아직 구현하지 않았습니다")
    assert printed(lesson.expect, lambda: 1 / 0, "1").startswith("❌ ZeroDivisionError")


def test_when_implemented_waits_for_stubs_only():
    out = io.StringIO()
    with redirect_stdout(out):
        with lesson.when_implemented():
            raise NotImplementedError
    assert out.getvalue().startswith("⏳")
    with pytest.raises(ValueError):
        with lesson.when_implemented():
            raise ValueError("a real error shows")


def test_the_colab_cell_does_nothing_outside_colab():
    from grader.build.notebooks import colab_source

    namespace: dict = {}
    exec(colab_source("https://example.invalid/course.git"), namespace)  # not on Colab: no clone, no install
    assert namespace["COURSE_REPOSITORY"] == "https://example.invalid/course.git"
