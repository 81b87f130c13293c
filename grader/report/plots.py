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
from typing import Any, Mapping, Sequence

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


def _value_range(*arrays: np.ndarray | None) -> tuple[float, float]:
    """One colour scale for every expected and got panel of a picture, so that equal values have equal
    colours wherever they are drawn; only finite values count."""
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


EQUAL_COLOUR = "#e9f2e9"
"""A difference within the tolerance: drawn as "equal", whatever its size below the tolerance."""
DIFF_BINS = 6
"""Colour steps of the difference panel between the tolerance and the largest difference (log-spaced):
a difference reads as "about this large", and rounding noise on a constant difference never changes
its colour (a continuous scale stretched over ~1e-16 of noise drew one constant in four colours)."""


def _allowed(expected: np.ndarray, got: Any, tolerance: Mapping[str, Any] | None) -> np.ndarray:
    """The largest difference each cell may have and still pass, as compare.py judges it:
    ``atol * max(1, max|ref|) + rtol * |ref|``, with the float32 tolerance for a float32 result."""
    from grader.compare import DEFAULT_TOLERANCE

    kind = "float32" if getattr(got, "dtype", None) == np.float32 else "float64"
    tol = (tolerance or {}).get(kind) or DEFAULT_TOLERANCE[kind]
    finite = np.abs(expected[np.isfinite(expected)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    return tol.atol * scale + tol.rtol * np.abs(expected)


def _cell_boxes(ax: Any, shape: tuple[int, ...], height: int) -> np.ndarray:
    """Pixel box ``(left, top, right, bottom)`` of every cell of a heatmap in the PNG (origin top left)."""
    rows, cols = shape
    corners = ax.transData.transform(
        [(j + dx, i + dy) for i in range(rows) for j in range(cols) for dx, dy in ((-0.5, -0.5), (0.5, 0.5))]
    ).reshape(rows, cols, 2, 2)
    x0, x1 = corners[..., 0, 0], corners[..., 1, 0]
    ya, yb = height - corners[..., 0, 1], height - corners[..., 1, 1]
    return np.stack([np.minimum(x0, x1), np.minimum(ya, yb), np.maximum(x0, x1), np.maximum(ya, yb)], axis=-1)


def _annotate(ax: Any, data: np.ndarray, labels: np.ndarray | None, colours: np.ndarray) -> None:
    """Small slices carry their values in the cells (read number by number); ``labels`` replaces a
    cell's text where not empty (``=`` for a difference within the tolerance)."""
    if data.size > ANNOTATE_MAX_CELLS:
        return
    for (i, j), v in np.ndenumerate(data):
        label = labels[i, j] if labels is not None and labels[i, j] else f"{v:.3g}"
        r, g, b = colours[i, j][:3]
        colour = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
        ax.text(j, i, label, ha="center", va="center", fontsize=7, color=colour)


def _heatmap(ax: Any, data: np.ndarray, title: str, norm: Any, cmap: Any) -> Any:
    image = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return image


def _diff_norm(diffs: list[np.ndarray], alloweds: list[np.ndarray]) -> Any:
    """Log-spaced colour steps from the smallest tolerance to (just above) the largest difference."""
    from matplotlib.colors import BoundaryNorm

    low = min(float(np.min(a)) for a in alloweds)
    outside = [d[np.isfinite(d) & (d > a)] for d, a in zip(diffs, alloweds)]
    outside = [o for o in outside if o.size]
    high = max(float(o.max()) for o in outside) if outside else low * 10
    high = max(high * 1.001, low * 10)  # nudged up: the largest difference sits inside the top step
    return BoundaryNorm(np.geomspace(low, high, DIFF_BINS + 1), ncolors=256, extend="min")


def draw_failure_example(
    example: FailureExample, tolerance: Mapping[str, Any] | None = None
) -> tuple[bytes, dict[tuple[str, int], np.ndarray]] | None:
    """The picture of :func:`failure_example_png` and where its cells are.

    Returns ``(png, boxes)``: ``boxes[("expected" | "got" | "diff", row)]`` holds the pixel box of every
    cell of that panel (see :func:`_cell_boxes`), for a test that reads the picture back. None when
    there is nothing to draw.
    """
    import matplotlib
    from matplotlib.colors import Normalize
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
    fig = Figure(figsize=(3.1 * columns + 0.9, 2.6 * rows), dpi=DPI)
    axes = fig.subplots(rows, columns, squeeze=False, gridspec_kw={"wspace": 0.3, "hspace": 0.3})
    fig.subplots_adjust(left=0.03, right=0.9, top=1 - 0.3 / rows, bottom=0.08 / rows)
    # One scale for every expected and got panel, and one colour bar saying so.
    norm = Normalize(*_value_range(*(a for _, a in exp_slices), *(a for _, a in got_slices)))
    # NaN/inf in a student's output shows as grey, not as some colour of the scale.
    value_cmap = matplotlib.colormaps["viridis"].with_extremes(bad="lightgrey")
    diff_cmap = matplotlib.colormaps["Reds"].with_extremes(bad="lightgrey", under=EQUAL_COLOUR)
    diffs, alloweds = [], []
    if same_shape:
        for (_, e), (_, g) in zip(exp_slices, got_slices):
            with np.errstate(invalid="ignore", over="ignore"):
                diffs.append(np.abs(g - e))
            alloweds.append(_allowed(e, example.got, tolerance))
    diff_norm = _diff_norm(diffs, alloweds) if diffs else None
    value_image = diff_image = None
    panels: dict[tuple[str, int], tuple[Any, tuple[int, ...]]] = {}
    for row in range(rows):
        e_name, e = exp_slices[row] if row < len(exp_slices) else ("", None)
        g_name, g = got_slices[row] if row < len(got_slices) else ("", None)
        for col, (label, name, data) in enumerate((("expected", e_name, e), ("got", g_name, g))):
            ax = axes[row][col]
            if data is None:
                ax.axis("off")
                continue
            shape = "" if same_shape else f" {tuple(expected.shape if col == 0 else got.shape)}"
            value_image = _heatmap(ax, data, f"{label}{shape} {name}".strip(), norm, value_cmap)
            _annotate(ax, data, None, value_cmap(norm(np.nan_to_num(data))))
            panels[(label, row)] = (ax, data.shape)
        if same_shape:
            diff, allowed = diffs[row], alloweds[row]
            within = diff <= allowed  # a NaN difference compares False: never "equal"
            shown = np.where(within, -1.0, diff)  # under the lowest step (a tolerance > 0): pale, "equal"
            ax = axes[row][2]
            diff_image = _heatmap(ax, shown, f"|got - expected| {e_name}".strip(), diff_norm, diff_cmap)
            colours = diff_cmap(diff_norm(np.where(np.isnan(shown), -1.0, shown)))
            _annotate(ax, diff, np.where(within, "=", ""), colours)
            panels[("diff", row)] = (ax, diff.shape)
    if value_image is not None:
        bar = fig.colorbar(value_image, ax=axes[:, :2].ravel().tolist(), fraction=0.03, pad=0.02)
        bar.ax.tick_params(labelsize=7)
        bar.set_label("expected and got: one scale", fontsize=7)
    if diff_image is not None:
        bar = fig.colorbar(diff_image, ax=axes[:, 2].ravel().tolist(), fraction=0.08, pad=0.04,
                           ticks=diff_norm.boundaries, format="%.2g")
        bar.ax.tick_params(labelsize=7)
        bar.set_label("|got - expected|, pale: equal", fontsize=7)
    png = _render(fig)
    height = int(round(fig.get_figheight() * DPI))
    boxes = {key: _cell_boxes(ax, shape, height) for key, (ax, shape) in panels.items()}
    return png, boxes


def failure_example_png(example: FailureExample, tolerance: Mapping[str, Any] | None = None) -> bytes | None:
    """Heatmaps of a failing case: expected, got and |got - expected|, one row per channel.

    2-D outputs are drawn directly; 3-D (HWC) and 4-D (NHWC) outputs show batch 0 and up to
    :data:`MAX_CHANNELS` channels. Expected and got share one colour scale (one colour bar). The
    difference is drawn against the tolerance the case was judged with (``tolerance``: the part's
    ``{"float64": Tolerance, "float32": Tolerance}``; compare.py's defaults when None): a difference
    within it is pale and marked ``=``, larger ones in log-spaced steps of red up to the largest.
    When the shapes differ, expected and got are drawn side by side without a difference. Returns
    None when there is nothing to draw (a scalar, a tuple, an expected error, a complex or
    non-numeric result).
    """
    drawn = draw_failure_example(example, tolerance)
    return None if drawn is None else drawn[0]


def _render(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyph or layout warnings must not reach a student's stderr
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


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
