"""The trusted answer: TensorFlow in float64 on the CPU.

float64 never takes TensorFlow's oneDNN path, which aborts the process or returns uninitialized
memory on some bad shapes in float32 (FACTS.md). Every case is validated here before TensorFlow
sees it: a case the exercise must reject is answered ``Raises("ValueError")`` without calling TF.
TensorFlow is imported lazily, once per process, so that importing this module stays cheap.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
import threading
import types
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from grader.cases import Case, Raises, TestSpec


class ReferenceError(Exception):
    """A suite asked the reference for something it does not know: a bug in the suite, not the student."""


@dataclass(frozen=True)
class _Ops:
    """The few TensorFlow functions the reference calls, under their public ``tf.*`` names."""

    conv2d: Callable[..., Any]      # tf.nn.conv2d
    bias_add: Callable[..., Any]    # tf.nn.bias_add
    relu: Callable[..., Any]        # tf.nn.relu
    pad: Callable[..., Any]         # tf.pad
    version: str                    # tf.__version__


def _ops_from_modules() -> _Ops:
    """Load only the modules that define ``tf.nn.conv2d`` and its three companions.

    ``import tensorflow`` runs TensorFlow's whole API package (distribute, data, feature_column,
    compat.v1, ...): ~5 s here, of which the reference needs nothing but the op wrappers and the
    eager runtime (~1.7 s). The package is entered through a placeholder that never runs its
    ``__init__``. Each op runs once while the placeholder stands, because TensorFlow's C++ side
    imports a few more submodules by name on an op's first call. Then the placeholder goes, so a
    later ``import tensorflow`` (Keras, a test, matplotlib asking ``sys.modules``) sees the real
    package or none. ``tests/test_reference.py`` checks the functions are the objects ``tf.nn.*`` are.
    """
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("tensorflow is not installed")
    placeholder = types.ModuleType("tensorflow")
    placeholder.__path__ = list(spec.submodule_search_locations)
    placeholder.__spec__, placeholder.__file__, placeholder.__package__ = spec, spec.origin, "tensorflow"
    sys.modules["tensorflow"] = placeholder
    try:
        from tensorflow.python import tf2  # noqa: PLC0415  (heavy: first use only)

        tf2.enable()  # what tensorflow/__init__.py does first: TF2 behaviour, eager execution
        from tensorflow.python.framework import config, versions  # noqa: PLC0415
        from tensorflow.python.ops import array_ops, gen_nn_ops, nn_ops  # noqa: PLC0415
        from tensorflow.python.ops import resource_variable_ops  # noqa: F401, PLC0415  (asked for by C++ on
        # some inputs, e.g. an integer array to tf.pad: load it now, while the placeholder stands)

        _configure(config)
        ops = _Ops(
            conv2d=nn_ops.conv2d_v2, bias_add=nn_ops.bias_add, relu=gen_nn_ops.relu,
            pad=array_ops.pad_v2, version=versions.__version__,
        )
        for dtype in (np.float64, np.float32, np.int64, np.uint8):
            one = np.ones((1, 1, 1, 1), dtype)
            ops.pad(one, [[0, 0]] * 4)
            if dtype != np.uint8:
                ops.relu(one)
        one = np.ones((1, 1, 1, 1))
        ops.bias_add(ops.conv2d(one, one, [1, 1, 1, 1], "VALID"), one[0, 0, 0])
        return ops
    finally:
        if sys.modules.get("tensorflow") is placeholder:
            del sys.modules["tensorflow"]


def _ops_from_package() -> _Ops:
    """The ordinary ``import tensorflow``, with Keras held out while it runs.

    TensorFlow's import also loads Keras (and through it IPython, where installed): ~3.5 s that the
    reference never uses. Keras can load normally afterwards; a TensorFlow that insists on it is
    imported the ordinary way.
    """
    blocked = "keras" not in sys.modules
    if blocked:
        sys.modules["keras"] = None  # type: ignore[assignment]  (makes `import keras` fail fast)
    try:
        import tensorflow as tf  # noqa: PLC0415  (heavy: imported on first use only)
    except ImportError:
        sys.modules.pop("keras", None)
        import tensorflow as tf  # noqa: PLC0415
    finally:
        if blocked and "keras" in sys.modules and sys.modules["keras"] is None:
            del sys.modules["keras"]
    from tensorflow.python.framework import config  # noqa: PLC0415  (tf.config's functions)

    _configure(config)
    return _Ops(
        conv2d=tf.nn.conv2d, bias_add=tf.nn.bias_add, relu=tf.nn.relu,
        pad=tf.pad, version=str(tf.__version__),
    )


def _configure(config: Any) -> None:
    """CPU only, one thread per op.

    The reference's arrays are tiny: an op handed to TensorFlow's thread pools costs more in
    wake-ups than it computes, and in a batch those pools fight the sandbox workers for the
    cores. Settings TensorFlow no longer accepts (someone ran an op already) are left as they are.
    """
    for setting, value in (
        (config.set_visible_devices, ([], "GPU")),
        (config.set_intra_op_parallelism_threads, (1,)),
        (config.set_inter_op_parallelism_threads, (1,)),
    ):
        try:
            setting(*value)
        except RuntimeError:
            pass


_ops_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_ops() -> _Ops:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules:
        try:
            return _ops_from_modules()
        except Exception:  # noqa: BLE001  (a TensorFlow laid out differently: take the long way)
            pass
    return _ops_from_package()


def _tf() -> _Ops:
    """TensorFlow's ops, loaded once per process (thread-safe: batch may warm it up in the background)."""
    with _ops_lock:
        return _load_ops()


def warm_up() -> None:
    """Load TensorFlow now, e.g. in a background thread while student code runs in the sandbox."""
    _tf()


def tf_version() -> str:
    return _tf().version


# -- argument normalization (the grader's own, never the student's) -----------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _pair(value: Any) -> tuple[int, int] | None:
    if _is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return int(value[0]), int(value[1])
    return None


def _pads(padding: Any, hw: tuple[int, int], khw: tuple[int, int], stride: tuple[int, int]):
    """((top, bottom), (left, right)) for any padding form, or None when the form is invalid."""
    if isinstance(padding, str):
        if padding == "VALID":
            return (0, 0), (0, 0)
        if padding == "SAME":
            return tuple(_same(n, k, s) for n, k, s in zip(hw, khw, stride))
        return None
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(
        isinstance(p, (tuple, list)) for p in padding
    ):
        pairs = [_pair(p) for p in padding]
        return None if None in pairs else tuple(pairs)
    p = _pair(padding)
    return None if p is None else ((p[0], p[0]), (p[1], p[1]))


def _same(n: int, k: int, s: int) -> tuple[int, int]:
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _conv_geometry(x: np.ndarray, w: np.ndarray, stride: Any, padding: Any):
    """Validated (strides, pads) of an NHWC x HWIO convolution, or None when it must be rejected."""
    if x.ndim != 4 or w.ndim != 4 or x.shape[3] != w.shape[2] or w.shape[0] < 1 or w.shape[1] < 1:
        return None
    s = _pair(stride)
    if s is None or min(s) < 1:
        return None
    pads = _pads(padding, x.shape[1:3], w.shape[:2], s)
    if pads is None or min(min(p) for p in pads) < 0:
        return None
    if w.shape[0] > x.shape[1] + sum(pads[0]) or w.shape[1] > x.shape[2] + sum(pads[1]):
        return None
    return s, pads


# -- TensorFlow --------------------------------------------------------------------------------


def tf_conv2d(x: np.ndarray, w: np.ndarray, stride: tuple[int, int], pads, same: bool = False) -> np.ndarray:
    """``tf.nn.conv2d`` in float64 with explicit padding, or ``padding="SAME"`` itself when ``same``
    (``pads`` then only sizes the empty results); handles the empty shapes TF cannot."""
    x64 = np.asarray(x, dtype=np.float64)
    w64 = np.asarray(w, dtype=np.float64)
    (t, b), (l, r) = pads
    ho = (x64.shape[1] + t + b - w64.shape[0]) // stride[0] + 1
    wo = (x64.shape[2] + l + r - w64.shape[1]) // stride[1] + 1
    if x64.shape[0] == 0 or w64.shape[3] == 0 or x64.shape[3] == 0:
        # Empty batches/filters/channels: TF answers with wrong shapes or garbage there (FACTS.md);
        # the mathematically right answer is zeros of the right shape.
        return np.zeros((x64.shape[0], ho, wo, w64.shape[3]))
    ops = _tf()
    out = ops.conv2d(
        x64, w64, strides=[1, stride[0], stride[1], 1],
        padding="SAME" if same else [[0, 0], [t, b], [l, r], [0, 0]],
    )
    return out.numpy()


def _conv2d(x, w, b=None, stride=1, padding="VALID") -> Any:
    x, w = np.asarray(x), np.asarray(w)
    geometry = _conv_geometry(x, w, stride, padding)
    if geometry is None:
        return Raises("ValueError")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[3],):
            return Raises("ValueError")
    # SAME goes to TensorFlow as SAME: the kit's own split is checked against it, never used for it.
    out = tf_conv2d(x, w, *geometry, same=isinstance(padding, str) and padding == "SAME")
    if b is not None and out.size:
        out = _tf().bias_add(out, b.astype(np.float64)).numpy()
    return out


def _as_nhwc(x: np.ndarray) -> np.ndarray:
    return x.reshape(1, x.shape[0], x.shape[1], 1)


def _correlate2d(x, k, stride=1, padding="VALID") -> Any:
    x, k = np.asarray(x), np.asarray(k)
    if x.ndim != 2 or k.ndim != 2:
        return Raises("ValueError")
    out = _conv2d(_as_nhwc(x), k.reshape(k.shape[0], k.shape[1], 1, 1), None, stride, padding)
    return out if isinstance(out, Raises) else out[0, :, :, 0]


def _cross_correlate2d(x, k) -> Any:
    return _correlate2d(x, k)


def _convolve2d(x, k) -> Any:
    k = np.asarray(k)
    if k.ndim != 2:
        return Raises("ValueError")
    return _correlate2d(x, k[::-1, ::-1])


def _zero_pad(x, pad) -> Any:
    x = np.asarray(x)
    if x.ndim != 4:
        return Raises("ValueError")
    pads = _pads(pad, (0, 0), (0, 0), (1, 1)) if not isinstance(pad, str) else None
    if pads is None or min(min(p) for p in pads) < 0:
        return Raises("ValueError")
    ops = _tf()
    paddings = [[0, 0], list(pads[0]), list(pads[1]), [0, 0]]
    # tf.pad supports every dtype the exercise uses; the result keeps x's dtype.
    return ops.pad(x, paddings).numpy()


def _output_size(n, k, stride=1, padding="VALID") -> Any:
    if not all(_is_int(v) and v >= 1 for v in (n, k, stride)):
        return Raises("ValueError")
    if isinstance(padding, str) and padding not in ("VALID", "SAME"):
        return Raises("ValueError")
    if not isinstance(padding, str) and not (_is_int(padding) and padding >= 0):
        return Raises("ValueError")
    # Ask TensorFlow itself: the width of conv2d's output on a 1 x n row.
    out = _conv2d(np.zeros((1, 1, n, 1)), np.zeros((1, k, 1, 1)), None, (1, stride),
                  padding if isinstance(padding, str) else ((0, 0), (padding, padding)))
    return Raises("ValueError") if isinstance(out, Raises) else int(out.shape[2])


def _same_padding(n, k, stride=1) -> Any:
    if not all(_is_int(v) and v >= 1 for v in (n, k, stride)):
        return Raises("ValueError")
    from grader.reference_shapes import same_split_from_tf  # noqa: PLC0415  (TensorFlow's SAME, asked directly)

    return same_split_from_tf(int(n), int(k), int(stride))


def _relu(x) -> Any:
    x = np.asarray(x)
    if x.dtype == np.uint8 or x.dtype == np.bool_:
        return x.copy()  # never negative; tf.nn.relu has no uint8 kernel on the CPU
    return np.asarray(_tf().relu(x).numpy())  # TF hands back a numpy scalar for 0-d input


def _conv2d_relu(x, w, b, stride=1, padding="VALID") -> Any:
    if b is None:
        return Raises("ValueError")
    out = _conv2d(x, w, b, stride, padding)
    if isinstance(out, Raises) or out.size == 0:
        return out
    return _tf().relu(out).numpy()


REFERENCES: dict[str, Callable[..., Any]] = {
    "cross_correlate2d": _cross_correlate2d,
    "convolve2d": _convolve2d,
    "zero_pad": _zero_pad,
    "output_size": _output_size,
    "same_padding": _same_padding,
    "correlate2d": _correlate2d,
    "conv2d": _conv2d,
    "relu": _relu,
    "conv2d_relu": _conv2d_relu,
}


def _lecture_references() -> dict[str, Callable[..., Any]]:
    from grader.reference_shapes import REFERENCES as shapes  # noqa: PLC0415  (a00 and a05; imports this module)

    return shapes


def expected(case: Case) -> Any:
    """The reference answer for one case (an array, an int, a tuple, or ``Raises``)."""
    try:
        reference = REFERENCES.get(case.function) or _lecture_references()[case.function]
    except KeyError:
        raise ReferenceError(f"no reference for function {case.function!r}") from None
    answer = reference(*case.args, **case.kwargs)
    if isinstance(case.expected, Raises) and not isinstance(answer, Raises):
        raise ReferenceError(f"case {case.name!r}: the suite expects ValueError but the reference accepts it")
    return answer


def materialize(specs: list[TestSpec]) -> list[TestSpec]:
    """The same tests with every ``Case.expected`` computed by the reference."""
    return [replace(s, cases=tuple(c.with_expected(expected(c)) for c in s.cases)) for s in specs]
