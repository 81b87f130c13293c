"""Case classes: which cell of a function's coverage matrix each case of a suite falls in.

Every suite declares, next to its code, a coverage matrix per graded function
(``grader/suites/<id>/coverage.yaml``): the axes of the cases (padding form, stride vs kernel,
stride dividing ``H_p - kh`` or not, even/odd kernel, square or not, C, N, dtype...), the values
each axis must take, the pairs of axes whose every combination must hold a case, the axes that
make no sense for the function (with the reason), and the classes of bad input it must reject.
A case's classes are *computed* from its arguments here, never declared by hand, so the matrix
cannot drift from what the suite really asks. ``tests/test_coverage.py`` checks that every cell
is covered, and that a case's classes are the same for every student (fairness).

A case is read as one *view* per spatial axis (height, width): a cell that combines two per-axis
classes (e.g. SAME x stride larger than the kernel) must be met along one axis.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import yaml

from grader.cases import Case

View = dict[str, str]


class CoverageError(ValueError):
    """A coverage.yaml that is malformed or names what the grader does not know."""


@dataclass(frozen=True)
class Matrix:
    """One function's declared coverage matrix."""

    function: str
    kind: str
    axes: Mapping[str, tuple[str, ...]]
    pairs: tuple[tuple[str, str], ...] = ()
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    impossible: tuple[tuple[Mapping[str, str], str], ...] = ()
    rejects: tuple[str, ...] = ()

    def cells(self) -> list[dict[str, str]]:
        """Every cell that must hold a case: each value of each axis, each combination of each pair."""
        out = [{axis: value} for axis, values in self.axes.items() for value in values]
        for a, b in self.pairs:
            out += [{a: va, b: vb} for va in self.axes[a] for vb in self.axes[b]]
        return [c for c in out if not any(dict(cell) == c for cell, _ in self.impossible)]


def load_matrices(path: Path) -> dict[str, Matrix]:
    """The matrices of a ``coverage.yaml``, checked against the axes its kinds know."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CoverageError(f"{path}: no coverage matrix (declare one per graded function)") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("functions"), dict):
        raise CoverageError(f"{path}: expected a mapping with 'functions'")
    matrices = {}
    for function, spec in raw["functions"].items():
        where = f"{path}: functions.{function}"
        kind = spec.get("kind")
        if kind not in KINDS:
            raise CoverageError(f"{where}.kind: expected one of {sorted(KINDS)}, got {kind!r}")
        axes = {a: tuple(str(v) for v in vs) for a, vs in (spec.get("axes") or {}).items()}
        na = {a: str(r) for a, r in (spec.get("not_applicable") or {}).items()}
        known = KINDS[kind].axes
        for axis in (*axes, *na):
            if axis not in known:
                raise CoverageError(f"{where}: unknown axis {axis!r} for kind {kind} (known: {', '.join(known)})")
        missing = [a for a in known if a not in axes and a not in na]
        if missing:
            raise CoverageError(f"{where}: axes neither covered nor declared not applicable: {', '.join(missing)}")
        pairs = tuple(tuple(p) for p in spec.get("pairs") or ())
        for pair in pairs:
            if len(pair) != 2 or any(a not in axes for a in pair):
                raise CoverageError(f"{where}.pairs: {pair!r} must name two covered axes")
        impossible = tuple(({str(k): str(v) for k, v in i["cell"].items()}, str(i["reason"])) for i in spec.get("impossible") or ())
        rejects = tuple(str(r) for r in spec.get("rejects") or ())
        unknown = [r for r in rejects if r not in KINDS[kind].rejects]
        if unknown:
            raise CoverageError(f"{where}.rejects: unknown classes {unknown} (known: {', '.join(KINDS[kind].rejects)})")
        matrices[function] = Matrix(function, kind, axes, pairs, na, impossible, rejects)
    return matrices


def bind(case: Case, signature: inspect.Signature) -> dict[str, Any]:
    """The case's arguments by parameter name, defaults filled in (``signature``: the solution's)."""
    bound = signature.bind(*case.args, **dict(case.kwargs))
    bound.apply_defaults()
    return dict(bound.arguments)


def classify(case: Case, matrix: Matrix, signature: inspect.Signature) -> list[View]:
    """The views of one case: ``[{"rejects": class}]`` for a case that must raise, else one view
    per spatial axis with a value for every axis of the matrix's kind."""
    kind = KINDS[matrix.kind]
    args = bind(case, signature)
    if case.expects_error:
        return [{"rejects": kind.reject_class(args)}]
    views = kind.views(args)
    if "defaults" in kind.axes:  # does the case leave an optional parameter to its documented default?
        given = len(case.args) + len(case.kwargs)
        for view in views:
            view["defaults"] = "omitted" if given < len(signature.parameters) else "all given"
    return views


# -- kinds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    axes: tuple[str, ...]
    rejects: tuple[str, ...]
    views: Callable[[dict[str, Any]], list[View]]
    reject_class: Callable[[dict[str, Any]], str]


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _pair(v: Any) -> tuple[int, int] | None:
    if _is_int(v):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_int(i) for i in v):
        return int(v[0]), int(v[1])
    return None


def _same(n: int, k: int, s: int) -> tuple[tuple[int, int], int]:
    """TensorFlow's SAME split and the unclamped total."""
    raw = (math.ceil(n / s) - 1) * s + k - n
    total = max(raw, 0)
    return (total // 2, total - total // 2), raw


def _dtype(a: np.ndarray) -> str:
    if a.dtype == np.uint8:
        return "uint8"
    if np.issubdtype(a.dtype, np.integer):
        return "int"
    return str(a.dtype)


def _count(n: int, name: str) -> str:
    return f"{name}=0" if n == 0 else f"{name}=1" if n == 1 else f"{name}>1"


def _padding_form(p: Any) -> str:
    if isinstance(p, str):
        return p
    if _is_int(p):
        return "int"
    if isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(s, (tuple, list)) for s in p):
        return "explicit"
    return "pair"


def _pads(padding: Any, hw: tuple[int, ...], khw: tuple[int, ...], stride: tuple[int, int]):
    form = _padding_form(padding)
    if form == "VALID":
        return ((0, 0), (0, 0)), (0, 0)
    if form == "SAME":
        split = [_same(n, k, s) for n, k, s in zip(hw, khw, stride)]
        return tuple(p for p, _ in split), tuple(raw for _, raw in split)
    if form == "explicit":
        return tuple(_pair(p) for p in padding), (0, 0)
    p = _pair(padding)
    return ((p[0], p[0]), (p[1], p[1])), (0, 0)


def _axis_view(n: int, k: int, s: int, before: int, after: int) -> View:
    padded = n + before + after
    return {
        "stride_vs_kernel": "smaller" if s < k else "equal" if s == k else "larger",
        "stride_divides": "yes" if (padded - k) % s == 0 else "no",
        "kernel_parity": "odd" if k % 2 else "even",
        "kernel_extent": "one" if k == 1 else "full" if k == padded else "beyond" if k > n else "inner",
    }


CONV_AXES = ("padding", "stride_vs_kernel", "stride_divides", "kernel_parity", "kernel_extent", "input_shape",
             "kernel_shape", "channels", "filters", "batch", "dtype", "bias", "layout", "defaults")
CONV_REJECTS = ("rank", "empty_kernel", "channel_mismatch", "bias_shape", "stride", "padding_unknown",
                "padding_negative", "kernel_too_large", "kernel_too_large_padded")


def _kernel_arg(args: dict[str, Any]) -> np.ndarray:
    return np.asarray(args["w"] if "w" in args else args["k"])


def _conv_views(args: dict[str, Any]) -> list[View]:
    x, w = np.asarray(args["x"]), _kernel_arg(args)
    planar = x.ndim == 2
    hw, khw = (x.shape if planar else x.shape[1:3]), w.shape[:2]
    stride = _pair(args.get("stride", 1))
    padding = args.get("padding", "VALID")
    pads, _ = _pads(padding, hw, khw, stride)
    b = args.get("b")
    common = {
        "padding": _padding_form(padding),
        "input_shape": "square" if hw[0] == hw[1] else "non-square",
        "kernel_shape": "square" if khw[0] == khw[1] else "non-square",
        "channels": "n/a" if planar else _count(x.shape[3], "C"),
        "filters": "n/a" if planar else _count(w.shape[3], "F"),
        "batch": "n/a" if planar else _count(x.shape[0], "N"),
        "dtype": _dtype(x),
        "bias": "none" if b is None else "given",
        "layout": "contiguous" if x.flags.c_contiguous else "view",
    }
    return [{**common, **_axis_view(hw[d], khw[d], stride[d], *pads[d])} for d in (0, 1)]


def _conv_reject(args: dict[str, Any]) -> str:
    x, w = np.asarray(args["x"]), _kernel_arg(args)
    planar = "k" in args
    if x.ndim != (2 if planar else 4) or w.ndim != (2 if planar else 4):
        return "rank"
    if min(w.shape[:2]) < 1:
        return "empty_kernel"
    if not planar and x.shape[3] != w.shape[2]:
        return "channel_mismatch"
    b = args.get("b")
    if b is not None and np.asarray(b).shape != (w.shape[3],):
        return "bias_shape"
    stride = _pair(args.get("stride", 1))
    if stride is None or min(stride) < 1:
        return "stride"
    padding = args.get("padding", "VALID")
    form = _padding_form(padding)
    if isinstance(padding, str) and form not in ("VALID", "SAME"):
        return "padding_unknown"
    if form == "pair" and _pair(padding) is None or form == "explicit" and None in [_pair(p) for p in padding]:
        return "padding_unknown"
    hw = x.shape if planar else x.shape[1:3]
    pads, _ = _pads(padding, hw, w.shape[:2], stride)
    if min(min(p) for p in pads) < 0:
        return "padding_negative"
    if w.shape[0] > hw[0] + sum(pads[0]) or w.shape[1] > hw[1] + sum(pads[1]):
        return "kernel_too_large" if form == "VALID" else "kernel_too_large_padded"
    return "accepted"


PAD_AXES = ("padding", "amounts", "input_shape", "channels", "batch", "dtype", "layout")
PAD_REJECTS = ("rank", "padding_negative", "padding_form")


def _pad_views(args: dict[str, Any]) -> list[View]:
    x, pad = np.asarray(args["x"]), args["pad"]
    form = _padding_form(pad)
    if form == "explicit" and isinstance(pad, list):
        form = "explicit_list"
    pads, _ = _pads(pad, (0, 0), (0, 0), (1, 1))
    flat = [p for side in pads for p in side]
    return [{
        "padding": form,
        "amounts": "zero" if max(flat) == 0 else "symmetric" if pads[0][0] == pads[0][1] and pads[1][0] == pads[1][1] else "asymmetric",
        "input_shape": "square" if x.shape[1] == x.shape[2] else "non-square",
        "channels": _count(x.shape[3], "C"),
        "batch": _count(x.shape[0], "N"),
        "dtype": _dtype(x),
        "layout": "contiguous" if x.flags.c_contiguous else "view",
    }]


def _pad_reject(args: dict[str, Any]) -> str:
    x, pad = np.asarray(args["x"]), args["pad"]
    if x.ndim != 4:
        return "rank"
    form = _padding_form(pad)
    if isinstance(pad, str) or (form == "pair" and _pair(pad) is None) or (form == "explicit" and None in [_pair(p) for p in pad]):
        return "padding_form"
    pads, _ = _pads(pad, (0, 0), (0, 0), (1, 1))
    return "padding_negative" if min(min(p) for p in pads) < 0 else "accepted"


SIZE_AXES = ("padding", "stride_vs_kernel", "stride_divides", "kernel_parity", "kernel_extent", "same_total", "defaults")
SIZE_REJECTS = ("below_one", "padding_unknown", "padding_negative", "kernel_too_large", "kernel_too_large_padded")


def _size_views(args: dict[str, Any]) -> list[View]:
    n, k, s = args["n"], args["k"], args["stride"]
    padding = args.get("padding", "SAME")  # same_padding has no padding parameter: it is SAME
    form = _padding_form(padding)
    (before, after), raw = _same(n, k, s) if form == "SAME" else ((padding, padding) if form == "int" else (0, 0), 0)
    total = before + after
    view = _axis_view(n, k, s, before, after)
    view["padding"] = form
    view["same_total"] = ("n/a" if form != "SAME" else "clamped" if raw < 0 else "zero" if total == 0
                          else "odd" if total % 2 else "even")
    return [view]


def _size_reject(args: dict[str, Any]) -> str:
    n, k, s = args["n"], args["k"], args["stride"]
    if not all(_is_int(v) and v >= 1 for v in (n, k, s)):
        return "below_one"
    padding = args.get("padding", "SAME")
    if isinstance(padding, str) and padding not in ("VALID", "SAME") or not isinstance(padding, str) and not _is_int(padding):
        return "padding_unknown"
    if _is_int(padding) and padding < 0:
        return "padding_negative"
    if padding == "VALID" and k > n:
        return "kernel_too_large"
    if _is_int(padding) and k > n + 2 * padding:
        return "kernel_too_large_padded"
    return "accepted"


ELEMENTWISE_AXES = ("dtype", "rank", "size", "signs", "layout")


def _elementwise_views(args: dict[str, Any]) -> list[View]:
    x = np.asarray(args["x"])
    rank = "0" if x.ndim == 0 else "1" if x.ndim == 1 else "2" if x.ndim == 2 else ">2"
    neg, pos = bool(np.any(x < 0)), bool(np.any(x > 0))
    signs = "mixed" if neg and pos else "negative" if neg else "positive" if pos else "zero"
    return [{
        "dtype": "int8" if x.dtype == np.int8 else _dtype(x), "rank": rank, "size": "empty" if x.size == 0 else "non-empty",
        "signs": signs if x.size else "none", "layout": "contiguous" if x.flags.c_contiguous else "view",
    }]


# -- kinds whose arguments are shapes and counts, not arrays (a00) --------------------------------


def _ints_at_least(values: tuple, minimum: int = 1) -> str:
    """``accepted``, or the reject class of the first value that is not an int >= ``minimum``."""
    for v in values:
        if not _is_int(v):
            return "not_int"
        if v < minimum:
            return "below_one"
    return "accepted"


DENSE_AXES = ("image_shape", "channels", "units")
DENSE_REJECTS = ("below_one", "not_int")


def _dense_views(args: dict[str, Any]) -> list[View]:
    """fc_params(h, w, c, units): one view (no spatial window, the image is flattened)."""
    return [{
        "image_shape": "square" if args["h"] == args["w"] else "non-square",
        "channels": _count(args["c"], "C"),
        "units": _count(args["units"], "units"),
    }]


def _dense_reject(args: dict[str, Any]) -> str:
    return _ints_at_least((args["h"], args["w"], args["c"], args["units"]))


PARAMS_AXES = ("kernel_shape", "kernel_size", "channels", "filters", "channels_vs_filters", "bias", "defaults")
PARAMS_REJECTS = ("below_one", "not_int", "bias_not_bool")


def _params_views(args: dict[str, Any]) -> list[View]:
    """conv_params(kh, kw, c, f, bias=True): one view."""
    kh, kw, c, f = args["kh"], args["kw"], args["c"], args["f"]
    return [{
        "kernel_shape": "square" if kh == kw else "non-square",
        "kernel_size": "1x1" if kh == kw == 1 else "larger",
        "channels": _count(c, "C"),
        "filters": _count(f, "F"),
        "channels_vs_filters": "equal" if c == f else "different",  # C != F: forgetting C or F shows
        "bias": str(args["bias"]),
    }]


def _params_reject(args: dict[str, Any]) -> str:
    found = _ints_at_least((args["kh"], args["kw"], args["c"], args["f"]))
    if found == "accepted" and not isinstance(args["bias"], bool):
        return "bias_not_bool"
    return found


SHAPE_AXES = ("padding", "stride_vs_kernel", "stride_divides", "kernel_parity", "kernel_extent", "input_shape",
              "kernel_shape", "channels", "filters", "channels_vs_filters", "batch", "stride_form", "defaults")
SHAPE_REJECTS = ("rank", "batch_negative", "channel_mismatch", "stride", "padding_unknown", "padding_negative",
                 "kernel_too_large", "kernel_too_large_padded")


def _stand_ins(args: dict[str, Any]) -> dict[str, Any]:
    """conv_output_shape's shapes as zero-byte arrays of those shapes (``np.broadcast_to``), so the
    conv kind's classes (SAME split, stride vs kernel, rows left over...) are computed the same way."""
    return {"x": np.broadcast_to(0.0, tuple(args["x_shape"])), "w": np.broadcast_to(0.0, tuple(args["w_shape"])),
            "stride": args["stride"], "padding": args["padding"]}


def _stride_form(stride: Any) -> str:
    return "int" if _is_int(stride) else "pair"


def _shape_views(args: dict[str, Any]) -> list[View]:
    """conv_output_shape(x_shape, w_shape, stride, padding): the conv kind's views without the
    axes of values (dtype, layout, bias), with C vs F and the form of the stride."""
    views = _conv_views(_stand_ins(args))
    c, f = args["x_shape"][3], args["w_shape"][3]
    for view in views:
        for axis in ("dtype", "layout", "bias"):
            del view[axis]
        view["channels_vs_filters"] = "equal" if c == f else "different"
        view["stride_form"] = _stride_form(args["stride"])
    return views


def _shape_reject(args: dict[str, Any]) -> str:
    if len(args["x_shape"]) != 4 or len(args["w_shape"]) != 4:
        return "rank"
    if not all(_is_int(v) and v >= 0 for v in args["x_shape"]):
        return "batch_negative"
    return _conv_reject(_stand_ins(args))


FIELD_AXES = ("depth", "stride_before_last", "last_stride", "kernel_parity", "pooling")
FIELD_REJECTS = ("below_one", "not_pair")


def _field_views(args: dict[str, Any]) -> list[View]:
    """receptive_field(layers): one view of the stack of (kernel, stride) layers."""
    layers = list(args["layers"])
    parities = {"odd" if k % 2 else "even" for k, _ in layers}
    return [{
        "depth": "0" if not layers else "1" if len(layers) == 1 else ">1",
        # a stride > 1 before the last layer widens what follows: the product of the strides shows
        "stride_before_last": "yes" if any(s > 1 for _, s in layers[:-1]) else "no",
        "last_stride": "n/a" if not layers else "1" if layers[-1][1] == 1 else ">1",  # the last stride adds nothing
        "kernel_parity": "n/a" if not layers else parities.pop() if len(parities) == 1 else "mixed",
        "pooling": "yes" if any(k == s > 1 for k, s in layers) else "no",
    }]


def _field_reject(args: dict[str, Any]) -> str:
    for layer in args["layers"]:
        if not isinstance(layer, (tuple, list)) or len(layer) != 2:
            return "not_pair"
        found = _ints_at_least(tuple(layer))
        if found != "accepted":
            return found
    return "accepted"


# -- kinds of a05 (tf.nn.conv2d's arguments reproduced) -------------------------------------------


TF_ARGS_AXES = ("padding", "stride_form", "defaults")
TF_ARGS_REJECTS = ("stride", "padding_unknown", "padding_negative")


def _tf_args_views(args: dict[str, Any]) -> list[View]:
    """tf_conv2d_args(stride, padding): one view (``pair`` strides and paddings have two different values)."""
    stride = _pair(args["stride"])
    return [{"padding": _padding_form(args["padding"]),
             "stride_form": "int" if _is_int(args["stride"]) else "pair" if stride[0] != stride[1] else "equal pair"}]


def _tf_args_reject(args: dict[str, Any]) -> str:
    stride = _pair(args["stride"])
    if stride is None or min(stride) < 1:
        return "stride"
    padding = args["padding"]
    form = _padding_form(padding)
    if isinstance(padding, str):
        return "accepted" if padding in ("VALID", "SAME") else "padding_unknown"
    pads = [_pair(p) for p in padding] if form == "explicit" else [_pair(padding)]
    if None in pads:
        return "padding_unknown"
    return "padding_negative" if min(min(p) for p in pads) < 0 else "accepted"


STACK_AXES = ("container", "filters", "kernel_shape", "dtype")
STACK_REJECTS = ("empty", "shape_mismatch", "rank", "empty_kernel")


def _stack_views(args: dict[str, Any]) -> list[View]:
    """stack_filters(kernels): one view of the list (or (F, kh, kw) array) of kernels."""
    kernels = args["kernels"]
    first = np.asarray(kernels[0])
    return [{
        "container": "array" if isinstance(kernels, np.ndarray) else "list",
        "filters": _count(len(kernels), "F"),
        "kernel_shape": "square" if first.shape[0] == first.shape[1] else "non-square",
        "dtype": _dtype(first),
    }]


def _stack_reject(args: dict[str, Any]) -> str:
    kernels = args["kernels"]
    if len(kernels) == 0:
        return "empty"
    shapes = {np.shape(k) for k in kernels}
    if len(shapes) > 1:
        return "shape_mismatch"
    shape = shapes.pop()
    return "rank" if len(shape) != 2 else "empty_kernel" if 0 in shape else "accepted"


TF_CONV_AXES = (*(a for a in CONV_AXES if a != "bias"), "stride_form")
TF_CONV_REJECTS = ("rank", "empty_kernel", "channel_mismatch", "stride", "stride_batch", "padding_unknown", "padding_form",
                   "padding_batch", "data_format", "kernel_too_large", "kernel_too_large_padded")


def _tf_strides(strides: Any) -> tuple[str, Any]:
    """tf.nn.conv2d's strides (s, [s], [sh, sw], [1, sh, sw, 1]) -> (form, (sh, sw) or None)."""
    values = list(strides) if isinstance(strides, (tuple, list)) else [strides]
    form = "int" if not isinstance(strides, (tuple, list)) else {1: "[s]", 2: "[sh, sw]", 4: "[1, sh, sw, 1]"}.get(len(values), "other")
    if not values or not all(_is_int(v) and v >= 1 for v in values) or len(values) not in (1, 2, 4):
        return form, None
    if len(values) == 4:
        return form, (values[1], values[2]) if values[0] == values[3] == 1 else "batch"
    return form, (values[0], values[-1])


def _tf_as_conv(args: dict[str, Any]) -> dict[str, Any]:
    """tf_conv2d's arguments as the conv kind's: x, w, stride (sh, sw), padding (its 2-D form)."""
    padding = args["padding"]
    if not isinstance(padding, str):  # [[0, 0], [t, b], [l, r], [0, 0]]
        padding = (tuple(padding[1]), tuple(padding[2]))
    return {"x": args["input"], "w": args["filters"], "stride": _tf_strides(args["strides"])[1], "padding": padding}


def _tf_conv_views(args: dict[str, Any]) -> list[View]:
    views = _conv_views(_tf_as_conv(args))
    for view in views:
        del view["bias"]
        view["stride_form"] = _tf_strides(args["strides"])[0]
    return views


def _tf_conv_reject(args: dict[str, Any]) -> str:
    x, w = np.asarray(args["input"]), np.asarray(args["filters"])
    if x.ndim != 4 or w.ndim != 4:
        return "rank"
    if args["data_format"] != "NHWC":
        return "data_format"
    if x.shape[3] != w.shape[2]:
        return "channel_mismatch"
    _, stride = _tf_strides(args["strides"])
    if stride is None:
        return "stride"
    if stride == "batch":
        return "stride_batch"  # along N or C
    padding = args["padding"]
    if isinstance(padding, str):
        if padding not in ("VALID", "SAME"):
            return "padding_unknown"
    elif len(padding) != 4 or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
        return "padding_form"
    elif list(padding[0]) != [0, 0] or list(padding[3]) != [0, 0]:
        return "padding_batch"  # along N or C
    return _conv_reject(_tf_as_conv(args))


KINDS: dict[str, Kind] = {
    "conv": Kind(CONV_AXES, CONV_REJECTS, _conv_views, _conv_reject),
    "pad": Kind(PAD_AXES, PAD_REJECTS, _pad_views, _pad_reject),
    "size": Kind(SIZE_AXES, SIZE_REJECTS, _size_views, _size_reject),
    "elementwise": Kind(ELEMENTWISE_AXES, (), _elementwise_views, lambda args: "accepted"),
    "dense_params": Kind(DENSE_AXES, DENSE_REJECTS, _dense_views, _dense_reject),
    "conv_params": Kind(PARAMS_AXES, PARAMS_REJECTS, _params_views, _params_reject),
    "output_shape": Kind(SHAPE_AXES, SHAPE_REJECTS, _shape_views, _shape_reject),
    "receptive_field": Kind(FIELD_AXES, FIELD_REJECTS, _field_views, _field_reject),
    "tf_args": Kind(TF_ARGS_AXES, TF_ARGS_REJECTS, _tf_args_views, _tf_args_reject),
    "stack": Kind(STACK_AXES, STACK_REJECTS, _stack_views, _stack_reject),
    "tf_conv": Kind(TF_CONV_AXES, TF_CONV_REJECTS, _tf_conv_views, _tf_conv_reject),
}


def uncovered(matrix: Matrix, views: list[View]) -> list[dict[str, str]]:
    """The matrix's cells that no view meets."""
    return [cell for cell in matrix.cells() if not any(all(v.get(a) == val for a, val in cell.items()) for v in views)]


def undeclared(matrix: Matrix, views: list[View]) -> list[str]:
    """``axis=value`` classes the cases show that the matrix does not declare (its list is incomplete)."""
    out = set()
    for v in views:
        for axis, value in v.items():
            if axis == "rejects":
                if value not in matrix.rejects:
                    out.add(f"rejects={value}")
            elif axis in matrix.axes and value not in matrix.axes[axis]:
                out.add(f"{axis}={value}")
    return sorted(out)
