"""Probe a ``grader`` package for working answers: does any function in it compute an assignment?

Run as a script in a process of its own (it imports every module of the package and calls every
callable defined there, with arguments shaped like the assignments'):

    python tests/answer_probe.py ROOT --out REPORT.json [--only grader.diagnose]

``ROOT`` is the folder holding the ``grader`` package to probe (the student bundle, or this
repository). Writes one JSON object: ``{"hits": [...], "modules": n, "callables": n, "calls": n,
"unimportable": [...]}``; a hit names a callable and what it computed (a VALID cross-correlation or
convolution, an NHWC convolution, TensorFlow's SAME split, an output size).

Every callable is called with each argument pattern below, classes are instantiated and the
instances' methods called too; results are searched (arrays, tuples, lists, dicts, iterators and
the public attributes of returned objects) for the right answer of the pattern. Integer answers
(sizes, splits) count only when a callable gets every one of several cases right.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import pkgutil
import signal
import sys
import types
from typing import Any, Iterator

import numpy as np

CALL_SECONDS = 2.0


# -- the right answers, computed here with plain loops --------------------------------------------------
def _correlate(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out


def _same_split(n: int, k: int, s: int) -> tuple[int, int]:
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _nhwc(x: np.ndarray, w: np.ndarray, stride: tuple[int, int], pads: tuple) -> np.ndarray:
    (t, b), (l, r) = pads
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    kh, kw, _, f = w.shape
    sh, sw = stride
    ho, wo = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], ho, wo, f))
    for n in range(x.shape[0]):
        for i in range(ho):
            for j in range(wo):
                window = xp[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                out[n, i, j, :] = np.tensordot(window, w, axes=3)
    return out


rng = np.random.default_rng(20261201)
X2, K2 = rng.standard_normal((5, 6)), rng.standard_normal((3, 2))
X4, W4, B = rng.standard_normal((2, 5, 6, 2)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
SAME_21 = (_same_split(5, 3, 2), _same_split(6, 2, 1))
ARRAY_ANSWERS = {
    "2-D cross-correlation": _correlate(X2, K2),
    "2-D convolution": _correlate(X2, K2[::-1, ::-1]),
    "NHWC convolution": _nhwc(X4, W4, (1, 1), ((0, 0), (0, 0))),
    "NHWC convolution with bias": _nhwc(X4, W4, (1, 1), ((0, 0), (0, 0))) + B,
    "NHWC convolution, stride (2, 1), SAME": _nhwc(X4, W4, (2, 1), SAME_21),
    "NHWC convolution, explicit padding": _nhwc(X4, W4, (2, 1), ((1, 1), (0, 1))),
    "2-D cross-correlation, stride (2, 1), SAME": _nhwc(X2[None, :, :, None], K2[:, :, None, None], (2, 1), SAME_21)[0, :, :, 0],
}
ARRAY_PATTERNS: list[tuple[tuple, dict]] = [
    ((X2, K2), {}),
    ((X4, W4), {}),
    ((X4, W4, B), {}),
    ((X4, W4, None, 1, "VALID"), {}),
    ((X4, W4, None, (2, 1), "SAME"), {}),
    ((X4, W4), {"stride": (2, 1), "padding": "SAME"}),
    ((X4, W4, (1, 1), ((0, 0), (0, 0))), {}),
    ((X4, W4, (2, 1), ((1, 1), (0, 1))), {}),
    ((X4, W4, (2, 1), SAME_21), {}),
    ((X2, K2, (2, 1), "SAME"), {}),
    ((X2, K2), {"stride": (2, 1), "padding": "SAME"}),
]
SPLIT_CASES = [(7, 4, 3), (5, 2, 1), (6, 3, 2), (9, 4, 2), (8, 1, 2), (10, 5, 3)]
SIZE_CASES = [(7, 4, 3, "SAME"), (8, 3, 2, 1), (6, 3, 2, "VALID"), (9, 2, 4, "SAME"), (5, 4, 1, "VALID")]


def _size(n: int, k: int, s: int, padding: Any) -> int:
    if padding == "SAME":
        return math.ceil(n / s)
    p = 0 if padding == "VALID" else padding
    return (n + 2 * p - k) // s + 1


def _case_patterns() -> list[tuple[tuple, dict]]:
    """Cases as the grader builds them (a callable taking a Case could compute its answer)."""
    try:
        from grader.cases import Case
    except ImportError:
        return []
    return [
        ((Case("probe", "cross_correlate2d", (X2, K2)),), {}),
        ((Case("probe", "convolve2d", (X2, K2[::-1, ::-1])),), {}),  # convolve of the flipped = correlate
        ((Case("probe", "conv2d", (X4, W4, B)),), {}),
        ((Case("probe", "conv2d", (X4, W4), {"stride": (2, 1), "padding": "SAME"}),), {}),
        ((Case("probe", "correlate2d", (X2, K2), {"stride": (2, 1), "padding": "SAME"}),), {}),
    ]


# -- searching what a call returned ----------------------------------------------------------------------
def _values(value: Any, depth: int = 0) -> Iterator[Any]:
    """``value`` and what it holds (containers, iterators, an object's public attributes)."""
    yield value
    if depth >= 3 or isinstance(value, (str, bytes, np.ndarray, int, float, type)) or value is None:
        return
    if isinstance(value, dict):
        items = list(value.values())[:200]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)[:200]
    elif isinstance(value, types.GeneratorType) or (hasattr(value, "__next__") and hasattr(value, "__iter__")):
        items = []
        try:
            for item in value:
                items.append(item)
                if len(items) >= 200:
                    break
        except Exception:  # noqa: BLE001
            pass
    elif callable(value) and not isinstance(value, type):
        items = []
        try:
            items.append(_call(value, (), {}))
        except BaseException:  # noqa: BLE001 - a thunk that needs arguments is no answer
            pass
    else:
        items = []
        for name in dir(value):
            if name.startswith("_"):
                continue
            try:
                items.append(getattr(value, name))
            except BaseException:  # noqa: BLE001
                continue
    for item in items:
        yield from _values(item, depth + 1)


def _matches(value: Any, answer: np.ndarray) -> bool:
    if not isinstance(value, np.ndarray) or value.shape != answer.shape or value.dtype.kind not in "fiu":
        return False
    return bool(np.allclose(value, answer, rtol=1e-6, atol=1e-9))


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


def _call(function: Any, args: tuple, kwargs: dict) -> Any:
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        return function(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# -- the probe --------------------------------------------------------------------------------------------
def callables(module: types.ModuleType) -> Iterator[tuple[str, Any]]:
    for name, obj in sorted(vars(module).items()):
        if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
            yield f"{module.__name__}.{name}", obj


def probe(root: str, only: str = "grader") -> dict[str, Any]:
    sys.path.insert(0, root)
    import grader

    assert os.path.dirname(os.path.abspath(grader.__file__)) == os.path.join(os.path.abspath(root), "grader"), grader.__file__
    modules, unimportable = [], []
    for info in pkgutil.walk_packages(grader.__path__, "grader."):
        if not info.name.startswith(only) and only != "grader":
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except BaseException as e:  # noqa: BLE001 - a module the bundle cannot import computes nothing
            unimportable.append(f"{info.name}: {type(e).__name__}")
    if only == "grader":
        modules.insert(0, grader)
    patterns = ARRAY_PATTERNS + _case_patterns()
    hits: list[str] = []
    count = calls = 0
    for module in modules:
        for qualname, obj in callables(module):
            count += 1
            targets = [(qualname, obj)]
            if inspect.isclass(obj):  # instances' methods too
                for args, kwargs in patterns:
                    try:
                        instance = _call(obj, args, kwargs)
                        calls += 1
                    except BaseException:  # noqa: BLE001
                        continue
                    for name in dir(instance):
                        if not name.startswith("__"):
                            try:
                                member = getattr(instance, name)
                            except BaseException:  # noqa: BLE001
                                continue
                            targets.append((f"{qualname}().{name}", member))
            for label, target in targets:
                if not callable(target):
                    for value in _values(target):
                        hits += [f"{label}: {what}" for what, answer in ARRAY_ANSWERS.items() if _matches(value, answer)]
                    continue
                for args, kwargs in [((), {}), *patterns] if label != qualname else patterns:
                    try:
                        result = _call(target, args, kwargs)
                        calls += 1
                    except BaseException:  # noqa: BLE001 - a call that fails computes nothing
                        continue
                    for value in _values(result):
                        hits += [f"{label}: {what}" for what, answer in ARRAY_ANSWERS.items() if _matches(value, answer)]
                hits += _integer_hits(label, target)
                calls += len(SPLIT_CASES) + len(SIZE_CASES)
    return {"hits": sorted(set(hits)), "modules": len(modules), "callables": count, "calls": calls,
            "unimportable": unimportable}


def _integer_hits(label: str, target: Any) -> list[str]:
    out = []
    for what, cases, answer in (("TensorFlow's SAME split", SPLIT_CASES, lambda c: _same_split(*c)),
                                ("an output size", SIZE_CASES, lambda c: _size(*c))):
        right = 0
        for case in cases:
            try:
                got = _call(target, case, {})
            except BaseException:  # noqa: BLE001
                break
            values = [v for v in _values(got) if isinstance(v, (tuple, list, int, np.integer)) and not isinstance(v, bool)]
            if any((tuple(int(x) for x in v) if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(x, (int, np.integer)) for x in v) else v) == answer(case) for v in values):
                right += 1
            else:
                break
        if right == len(cases):
            out.append(f"{label}: {what}")
    return out


def _no_exit(code: int = 0) -> None:
    raise SystemExit(code)


def main(argv: list[str]) -> int:
    """``ROOT --out FILE [--only PREFIX]``: the report goes to FILE (the probed code may print anything)."""
    signal.signal(signal.SIGALRM, _alarm)
    root, out = argv[0], argv[argv.index("--out") + 1]
    only = argv[argv.index("--only") + 1] if "--only" in argv else "grader"
    sys.argv = ["probe"]  # a command-line main called without arguments parses nothing of ours
    real_exit = os._exit
    os._exit = _no_exit  # a console entry point that ends its process early must not end the probe
    try:
        report = probe(root, only)
    finally:
        os._exit = real_exit
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
