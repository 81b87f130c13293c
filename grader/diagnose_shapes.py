"""Misconception models of the lecture's first and last assignments (a00_fc_vs_conv, a05_tf_conv2d).

A model module of ``grader.diagnose`` (listed in its ``MODEL_MODULES``, so never in the student
bundle): importing it registers an analyzer per function. The models are plain arithmetic on the
case's arguments (parameter counts, output shapes, receptive fields) or, for ``tf_conv2d``, the
same case rewritten as ``conv2d`` so that the convolution models judge it. As there, a model that
gives the right answer for the case proves nothing and is never reported. ``tf_conv2d_args``
returns a dict: its judge is ``grader.judge_args``.

Codes (SPEC §5 style; messages in ``grader/messages``, documented in ``docs/diagnosis-codes.md``):
``params_no_bias``, ``params_bias_flag``, ``params_no_channels``, ``channels_not_filters``,
``valid_same_confused``, ``receptive_field_off_by_one``, ``receptive_field_own_stride``,
``hwio_order``, ``tf_strides_format``, ``tf_padding_format``, ``tf_data_format``, and the shared
``layout_nchw``, ``hw_transposed``, ``stride_ignored``, ``stride_swapped``, ``same_padding_stride1``,
``output_size_ceil``, ``output_size_off_by_one``, ``explicit_padding_order``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from grader.cases import Case
from grader.reference_shapes import tf_strides  # (s, [s], [sh, sw], [1, sh, sw, 1]): the form the reference reads

Model = tuple[tuple[str, ...], Callable[[], Any]]

#: function -> the codes its output can show, in the order they are reported.
CODES_BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "fc_params": ("params_no_bias", "params_no_channels"),
    "conv_params": ("params_no_bias", "params_bias_flag", "params_no_channels"),
    "conv_output_shape": (
        "channels_not_filters", "layout_nchw", "hw_transposed", "valid_same_confused", "same_padding_stride1",
        "stride_ignored", "stride_swapped", "output_size_ceil", "explicit_padding_order", "output_size_off_by_one",
    ),
    "receptive_field": ("stride_ignored", "receptive_field_own_stride", "receptive_field_off_by_one"),
    "stack_filters": ("hwio_order", "hw_transposed"),
}


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def _arguments(case: Case, names: tuple[str, ...], defaults: dict[str, Any]) -> dict[str, Any] | None:
    """The case's arguments by name (positional then keyword, defaults filled in), or None."""
    if len(case.args) > len(names) or any(k not in names for k in case.kwargs):
        return None
    values = dict(defaults)
    values.update(zip(names, case.args))
    values.update(case.kwargs)
    return values if all(n in values for n in names) else None


# -- a00: parameter counts ------------------------------------------------------------------------------


def _fc_models(a: dict[str, Any]) -> Iterator[Model]:
    h, w, c, units = (_int(a[n]) for n in ("h", "w", "c", "units"))
    if None in (h, w, c, units):
        return
    yield (), lambda: h * w * c * units + units  # the right answer comes first
    yield ("params_no_bias",), lambda: h * w * c * units
    yield ("params_no_channels",), lambda: h * w * units + units
    yield ("params_no_bias", "params_no_channels"), lambda: h * w * units


def _conv_param_models(a: dict[str, Any]) -> Iterator[Model]:
    kh, kw, c, f = (_int(a[n]) for n in ("kh", "kw", "c", "f"))
    bias = a["bias"]
    if None in (kh, kw, c, f) or not isinstance(bias, bool):
        return
    yield (), lambda: kh * kw * c * f + (f if bias else 0)
    if bias:
        yield ("params_no_bias",), lambda: kh * kw * c * f
        yield ("params_no_bias", "params_no_channels"), lambda: kh * kw * f
    else:
        yield ("params_bias_flag",), lambda: kh * kw * c * f + f
    yield ("params_no_channels",), lambda: kh * kw * f + (f if bias else 0)


# -- a00: output shapes ----------------------------------------------------------------------------------


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        a, b = _int(value[0]), _int(value[1])
        return None if a is None or b is None else (a, b)
    a = _int(value)
    return None if a is None else (a, a)


def _explicit(padding: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, (tuple, list)) for p in padding):
        rows, cols = _pair(padding[0]), _pair(padding[1])
        return None if rows is None or cols is None else (rows, cols)
    p = _pair(padding)
    return None if p is None else ((p[0], p[0]), (p[1], p[1]))


def _size(n: int, k: int, s: int, padding: Any, before_after: tuple[int, int] | None = None,
          rounding: Callable[[float], int] = math.floor) -> int:
    """One axis of the output: SAME is ceil(n / s), anything else (n + pads - k) / s rounded, + 1."""
    if padding == "SAME":
        return math.ceil(n / s)
    t, b = before_after or (0, 0)
    return rounding((n + t + b - k) / s) + 1


def _shape_models(a: dict[str, Any]) -> Iterator[Model]:
    x_shape, w_shape, padding = a["x_shape"], a["w_shape"], a["padding"]
    if not all(isinstance(s, (tuple, list)) and len(s) == 4 for s in (x_shape, w_shape)):
        return
    n, h, w, c = (_int(v) for v in x_shape)
    kh, kw, _, f = (_int(v) for v in w_shape)
    stride = _pair(a["stride"])
    if None in (n, h, w, c, kh, kw, f, stride) or min(stride) < 1:
        return
    sh, sw = stride
    pads = None if isinstance(padding, str) else _explicit(padding)
    if not isinstance(padding, str) and pads is None:
        return
    rows, cols = pads or ((0, 0), (0, 0))

    def shape(sh=sh, sw=sw, padding=padding, rows=rows, cols=cols, rounding=math.floor) -> tuple[int, ...]:
        return (n, _size(h, kh, sh, padding, rows, rounding), _size(w, kw, sw, padding, cols, rounding), f)

    right = shape()
    yield (), lambda: right
    yield ("channels_not_filters",), lambda: right[:3] + (c,)
    yield ("layout_nchw",), lambda: (n, f, right[1], right[2])
    yield ("hw_transposed",), lambda: (n, right[2], right[1], f)
    if padding in ("SAME", "VALID"):
        yield ("valid_same_confused",), lambda: shape(padding="VALID" if padding == "SAME" else "SAME")
    if padding == "SAME":
        yield ("same_padding_stride1",), lambda: (n, h, w, f)
    else:
        yield ("stride_ignored",), lambda: shape(sh=1, sw=1)
        yield ("output_size_ceil",), lambda: shape(rounding=math.ceil)
    if sh != sw:
        yield ("stride_swapped",), lambda: shape(sh=sw, sw=sh)
    if pads is not None and isinstance(padding, (tuple, list)) and all(isinstance(p, (tuple, list)) for p in padding):
        (t, b), (l, r) = pads
        yield ("explicit_padding_order",), lambda: shape(rows=(t, l), cols=(b, r))
    for dh, dw in ((-1, 0), (0, -1), (-1, -1), (1, 0), (0, 1), (1, 1)):
        yield ("output_size_off_by_one",), lambda dh=dh, dw=dw: (n, right[1] + dh, right[2] + dw, f)


# -- a00: receptive fields ---------------------------------------------------------------------------------


def _field(layers: list[tuple[int, int]], *, step: int = 1, own_stride: bool = False, strides: bool = True) -> int:
    """1 + sum over layers of (k - step) * jump; ``own_stride`` moves the jump update before the sum."""
    field, jump = 1, 1
    for k, s in layers:
        if own_stride and strides:
            jump *= s
        field += (k - step) * jump
        if not own_stride and strides:
            jump *= s
    return field


def _field_models(a: dict[str, Any]) -> Iterator[Model]:
    raw = a["layers"]
    if not isinstance(raw, (tuple, list)) or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in raw):
        return
    layers = [(_int(k), _int(s)) for k, s in raw]
    if any(k is None or s is None or k < 1 or s < 1 for k, s in layers):
        return
    right = _field(layers)
    yield (), lambda: right
    yield ("stride_ignored",), lambda: _field(layers, strides=False)
    yield ("receptive_field_own_stride",), lambda: _field(layers, own_stride=True)
    yield ("receptive_field_off_by_one",), lambda: right - 1
    yield ("receptive_field_off_by_one",), lambda: right + 1
    yield ("receptive_field_off_by_one",), lambda: _field(layers, step=0)  # k instead of k - 1 per layer
    yield ("receptive_field_off_by_one",), lambda: _field(layers, step=0) - 1


# -- a05: filters and tf.nn.conv2d ---------------------------------------------------------------------------


def _stack_models(a: dict[str, Any]) -> Iterator[Model]:
    try:
        k = np.asarray(a["kernels"], dtype=np.float64)
    except (TypeError, ValueError):
        return
    if k.ndim != 3 or 0 in k.shape:
        return
    f, kh, kw = k.shape
    yield (), lambda: np.moveaxis(k, 0, -1)[:, :, np.newaxis, :]
    yield ("hwio_order",), lambda: k.reshape(kh, kw, 1, f)  # reshape instead of moving the axis
    yield ("hwio_order",), lambda: k[:, :, :, np.newaxis]  # (F, kh, kw, 1): filters first
    yield ("hwio_order",), lambda: k[:, np.newaxis]  # (F, 1, kh, kw): channels-first (OIHW)
    yield ("hwio_order",), lambda: np.moveaxis(k, 0, -1)[:, :, :, np.newaxis]  # (kh, kw, F, 1): in/out swapped
    yield ("hwio_order",), lambda: np.moveaxis(k, 0, -1)  # (kh, kw, F): no input-channel axis
    yield ("hw_transposed",), lambda: np.transpose(k, (2, 1, 0))[:, :, np.newaxis, :]


def as_conv2d_case(case: Case) -> Case | None:
    """A valid ``tf_conv2d`` case as the equivalent ``conv2d(x, w, None, stride, padding)`` case."""
    a = _arguments(case, ("input", "filters", "strides", "padding", "data_format"), {"data_format": "NHWC"})
    if a is None or a["data_format"] != "NHWC":
        return None
    stride = tf_strides(a["strides"])
    padding = a["padding"]
    if isinstance(padding, (tuple, list)):
        if len(padding) != 4 or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            return None
        padding = (tuple(padding[1]), tuple(padding[2]))
    if stride is None:
        return None
    return Case(case.name, "conv2d", (a["input"], a["filters"], None, stride, padding), {}, case.expected, case.float32_ok)


# -- dispatch -----------------------------------------------------------------------------------------------------

_SIGNATURES: dict[str, tuple[tuple[str, ...], dict[str, Any], Callable[[dict[str, Any]], Iterator[Model]]]] = {
    "fc_params": (("h", "w", "c", "units"), {}, _fc_models),
    "conv_params": (("kh", "kw", "c", "f", "bias"), {"bias": True}, _conv_param_models),
    "conv_output_shape": (("x_shape", "w_shape", "stride", "padding"), {"stride": 1, "padding": "VALID"}, _shape_models),
    "receptive_field": (("layers",), {}, _field_models),
    "stack_filters": (("kernels",), {}, _stack_models),
}


# -- registration with grader.diagnose ------------------------------------------------------------------------------


def _analyzer(function: str):
    """``case -> Analysis``: the models of ``_SIGNATURES[function]`` (the first one each generator
    yields, with no code, is the right answer)."""
    from grader.diagnose import Analysis, as_values

    names, defaults, models = _SIGNATURES[function]

    def analyze(case: Case):
        if case.expects_error:
            return None
        arguments = _arguments(case, names, defaults)
        if arguments is None:
            return None
        right: list[Any] = []
        entries: list[tuple[str, Any, str]] = []
        for codes, model in models(arguments):
            try:
                value = as_values(model())
            except Exception:  # noqa: BLE001 - one model failing is no diagnosis
                continue
            if not codes:
                right.append(value)
                continue
            entries += [(code, value, "") for code in codes if value is not None]
        return Analysis(models=entries, right=(lambda: right[0]) if right else None)

    return analyze


def _analyze_tf_conv2d(case: Case):
    from grader.diagnose import analysis

    converted = as_conv2d_case(case)
    return None if converted is None else analysis(converted)


def _register() -> None:
    import inspect

    from grader.diagnose import register

    for function, (names, defaults, _) in _SIGNATURES.items():
        parameters = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        default=defaults.get(n, inspect.Parameter.empty)) for n in names]
        register(function, _analyzer(function), signature=inspect.Signature(parameters),
                 codes=CODES_BY_FUNCTION.get(function, ()))
    from grader.diagnose.codes import CODES_BY_FUNCTION as CONVOLUTION_CODES

    tf_parameters = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d)
                     for n, d in (("input", inspect.Parameter.empty), ("filters", inspect.Parameter.empty),
                                  ("strides", inspect.Parameter.empty), ("padding", inspect.Parameter.empty),
                                  ("data_format", "NHWC"))]
    register("tf_conv2d", _analyze_tf_conv2d, signature=inspect.Signature(tf_parameters),
             codes=CONVOLUTION_CODES["conv2d"])


_register()
