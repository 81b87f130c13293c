"""Pictures for the HTML reports, drawn with matplotlib and returned as PNG bytes.

matplotlib is imported inside the functions: ``import grader.report`` (and a student's ``grader check``)
never pays for it. Figures are built with ``matplotlib.figure.Figure`` on an Agg canvas rather than
pyplot, so nothing touches pyplot's global figure list (no leak across a batch of thousands, no
interactive backend, safe in worker threads).

Labels inside pictures are plain ASCII: the default fonts have no Hangul glyphs, so Korean would
render as boxes. The localized words live in the HTML around each picture.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import Any, Sequence

import numpy as np

from grader.results import FailureExample

MAX_CHANNELS = 4
"""Channels drawn for a 3-D/4-D output (batch 0 only)."""
MAX_SIDE = 48
"""Rows/columns drawn per picture; a larger (wrong) output is cropped to its top-left corner."""
ANNOTATE_MAX_CELLS = 49
"""Up to 7x7 cells, each value is written in its cell: small visible cases are read number by number."""
DPI = 80


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for an ``<img src>``: keeps an HTML report a single file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _as_image_array(value: Any) -> np.ndarray | None:
    """A real-valued float array of rank 2-4 that can be drawn, or None (ints, tuples, errors, complex)."""
    if not isinstance(value, np.ndarray) or value.ndim not in (2, 3, 4):
        return None
    if value.dtype == bool or np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating):
        return value.astype(np.float64)
    return None


def _slices(array: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """2-D arrays as they are; HWC and NHWC as one 2-D slice per channel (batch 0, first channels)."""
    if array.ndim == 2:
        slices = [("", array)]
    else:
        image = array[0] if array.ndim == 4 else array
        if array.ndim == 4 and array.shape[0] == 0:
            return []
        channels = min(image.shape[-1], MAX_CHANNELS)
        prefix = "n=0, " if array.ndim == 4 else ""
        slices = [(f"{prefix}c={c}", image[..., c]) for c in range(channels)]
    return [(name, s[:MAX_SIDE, :MAX_SIDE]) for name, s in slices if s.size]


def _value_range(*arrays: np.ndarray) -> tuple[float, float]:
    """One colour scale for expected and got, so equal values have equal colours; only finite values count."""
    finite = [a[np.isfinite(a)] for a in arrays if a is not None]
    finite = [f for f in finite if f.size]
    if not finite:
        return 0.0, 1.0
    low = float(min(f.min() for f in finite))
    high = float(max(f.max() for f in finite))
    if low == high:
        low, high = low - 0.5, high + 0.5
    return low, high


def warm_up() -> None:
    """Import what drawing needs now (~1 s), e.g. in a background thread of a batch, ahead of the summary."""
    import matplotlib.figure  # noqa: F401, PLC0415
    from matplotlib.backends import backend_agg  # noqa: F401, PLC0415


def _panel(ax: Any, data: np.ndarray, title: str, vmin: float, vmax: float, cmap: str) -> None:
    """One heatmap. Small slices carry their values in the cells, larger ones a colour bar instead:
    either way the numbers can be read, and a colour bar per panel would double the drawing time."""
    import matplotlib

    # NaN/inf in a student's output shows as grey, not as some colour of the scale.
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="lightgrey")
    image = ax.imshow(np.ma.masked_invalid(data), cmap=colormap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if data.size > ANNOTATE_MAX_CELLS:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        return
    middle = (vmin + vmax) / 2
    for (i, j), v in np.ndenumerate(data):
        colour = "black" if np.isfinite(v) and v > middle else "white"
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7, color=colour)


def _render(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyph or layout warnings must not reach a student's stderr
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def failure_example_png(example: FailureExample) -> bytes | None:
    """Heatmaps of a failing case: expected, got and |got - expected|, one row per channel.

    2-D outputs are drawn directly; 3-D (HWC) and 4-D (NHWC) outputs show batch 0 and up to
    :data:`MAX_CHANNELS` channels. When the shapes differ, expected and got are drawn side by side
    without a difference. Returns None when there is nothing to draw (a scalar, a tuple, an expected
    error, a complex or non-numeric result).
    """
    from matplotlib.figure import Figure

    expected = _as_image_array(example.expected)
    got = _as_image_array(example.got)
    if expected is None and got is None:
        return None
    same_shape = expected is not None and got is not None and expected.shape == got.shape
    exp_slices = _slices(expected) if expected is not None else []
    got_slices = _slices(got) if got is not None else []
    rows = max(len(exp_slices), len(got_slices))
    if rows == 0:
        return None
    columns = 3 if same_shape else 2
    # A fixed grid rather than constrained layout, which measures every text twice and costs seconds.
    fig = Figure(figsize=(2.9 * columns, 2.6 * rows))
    axes = fig.subplots(rows, columns, squeeze=False, gridspec_kw={"wspace": 0.3, "hspace": 0.3})
    fig.subplots_adjust(left=0.03, right=0.95, top=1 - 0.3 / rows, bottom=0.08 / rows)
    for row in range(rows):
        e_name, e = exp_slices[row] if row < len(exp_slices) else ("", None)
        g_name, g = got_slices[row] if row < len(got_slices) else ("", None)
        vmin, vmax = _value_range(e, g)
        for col, (label, name, data) in enumerate((("expected", e_name, e), ("got", g_name, g))):
            ax = axes[row][col]
            if data is None:
                ax.axis("off")
                continue
            shape = "" if same_shape else f" {tuple(expected.shape if col == 0 else got.shape)}"
            _panel(ax, data, f"{label}{shape} {name}".strip(), vmin, vmax, "viridis")
        if same_shape:
            with np.errstate(invalid="ignore", over="ignore"):
                diff = np.abs(g - e)
            # An all-zero difference is the good news: scale it 0..1 so it stays dark.
            low_high = _value_range(diff) if np.any(np.nan_to_num(diff)) else (0.0, 1.0)
            _panel(axes[row][2], diff, f"|got - expected| {e_name}".strip(), *low_high, "magma")
    return _render(fig)


def histogram_png(
    scores: Sequence[float], max_score: float, *, xlabel: str = "score", ylabel: str = "students"
) -> bytes:
    """A histogram of scores from 0 to ``max_score`` (one bin per point up to 20 bins)."""
    from matplotlib.figure import Figure

    top = float(max_score) if max_score > 0 else max([1.0, *scores])
    bins = int(min(20, max(1, np.ceil(top))))
    fig = Figure(figsize=(6.4, 3.2), layout="constrained")
    ax = fig.subplots()
    values = np.clip(np.asarray(scores, dtype=float), 0, top)
    ax.hist(values, bins=np.linspace(0, top, bins + 1), color="#3b6ea8", edgecolor="white")
    ax.set_xlim(0, top)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _render(fig)


def bar_chart_png(labels: Sequence[str], counts: Sequence[int], *, xlabel: str = "count") -> bytes:
    """Horizontal bars, the first label on top (the class summary's most frequent diagnoses)."""
    from matplotlib.figure import Figure

    n = max(1, len(labels))
    fig = Figure(figsize=(6.4, 0.8 + 0.32 * n), layout="constrained")
    ax = fig.subplots()
    positions = np.arange(len(labels))
    ax.barh(positions, list(counts), color="#3b6ea8")
    ax.set_yticks(positions, [str(label) for label in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    for y, value in zip(positions, counts):
        ax.text(value, y, f" {value}", va="center", fontsize=8)
    ax.set_xlim(0, max([1, *counts]) * 1.12)
    return _render(fig)
