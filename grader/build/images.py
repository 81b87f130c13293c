"""The kit's own picture for the notebooks: a small house drawn with numpy, stored as a PNG.

The notebooks show edge detectors (Sobel, Prewitt), padding, channels and ReLU on one image that
the kit draws itself (no licence question, a few KB): flat colours with vertical walls, a
horizontal ground line, a diagonal roof, a window and a round sun, so every edge direction shows.

``python -m grader.build.images`` rewrites ``grader/data/house.png``; ``tests/test_lesson.py``
checks that the committed file is exactly this drawing. The PNG is written by hand (zlib and
struct, filter type 0 on every row) so that the same pixels always give the same bytes and reading
it back needs no imaging library (``grader.lesson.read_png``).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIZE = 64
PNG_PATH = Path(__file__).resolve().parent.parent / "data" / "house.png"

SKY, GROUND, WALL, ROOF, DOOR, WINDOW, FRAME, SUN = (
    (150, 200, 240), (90, 160, 70), (235, 215, 170), (170, 50, 40),
    (110, 70, 40), (250, 240, 160), (60, 60, 60), (250, 210, 40),
)


def draw_house(size: int = SIZE) -> np.ndarray:
    """The picture as a ``(size, size, 3)`` uint8 RGB array (drawn for 64 x 64)."""
    s = size / 64.0
    rows, cols = np.mgrid[0:size, 0:size]
    image = np.empty((size, size, 3), dtype=np.uint8)
    image[:] = SKY
    image[rows >= int(48 * s)] = GROUND
    sun = (rows - 12 * s) ** 2 + (cols - 52 * s) ** 2 <= (7 * s) ** 2
    image[sun] = SUN
    wall = (rows >= int(28 * s)) & (rows < int(48 * s)) & (cols >= int(12 * s)) & (cols < int(40 * s))
    image[wall] = WALL
    # Roof: a triangle from the wall's top corners up to a ridge at (12, 26).
    ridge_row, ridge_col, base_row = 12 * s, 26 * s, 28 * s
    half_width = (rows - ridge_row) * (17 * s) / (base_row - ridge_row)
    roof = (rows >= int(ridge_row)) & (rows < int(base_row)) & (np.abs(cols - ridge_col + 0.5) <= half_width)
    image[roof] = ROOF
    image[(rows >= int(36 * s)) & (rows < int(48 * s)) & (cols >= int(16 * s)) & (cols < int(23 * s))] = DOOR
    window = (rows >= int(32 * s)) & (rows < int(41 * s)) & (cols >= int(28 * s)) & (cols < int(37 * s))
    image[window] = WINDOW
    image[window & ((rows == int(36 * s)) | (cols == int(32 * s)))] = FRAME
    return image


def grayscale(rgb: np.ndarray) -> np.ndarray:
    """Luminance in [0, 1] (ITU-R BT.601 weights), float64."""
    return (np.asarray(rgb, dtype=np.float64) @ np.array([0.299, 0.587, 0.114])) / 255.0


def png_bytes(image: np.ndarray) -> bytes:
    """An 8-bit RGB (H, W, 3) or grayscale (H, W) uint8 array as PNG bytes (deterministic)."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    color_type = 2 if image.ndim == 3 else 0
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))  # filter 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main() -> Path:
    PNG_PATH.parent.mkdir(parents=True, exist_ok=True)
    PNG_PATH.write_bytes(png_bytes(draw_house()))
    return PNG_PATH


if __name__ == "__main__":
    print(f"wrote {main()}")
