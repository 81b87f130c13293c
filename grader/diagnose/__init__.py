"""Which misconception does a wrong answer show?

For each case (one call of a student function) an :class:`Analysis` holds what students with each
misconception of SPEC §5 would get: the wrong outputs of the models (``(code, output, variant)``;
a model that equals the right answer for this case proves nothing and is left out), the codes whose
misconception makes this very call raise (a channel check reading NCHW, a partial window of a ceil
output size...), and the classes the case belongs to (``N = 0``, ``stride > kernel``...), which name
where a student's code crashed without naming any value.

Where analyses come from (the one extension point for new assignments):

- **live**, on the instructor's side: numpy models in modules listed in :data:`MODEL_MODULES`
  (the package ``grader.diagnose.models``: ``conv`` for the convolutions, ``small`` for zero_pad,
  output_size, same_padding and relu). Each module registers an *analyzer* per function with
  :func:`register` when imported: ``register("fc_params", analyze_fc, signature=...)``, where
  ``analyze_fc(case) -> Analysis | None``. A new assignment adds its module's name to
  :data:`MODEL_MODULES` (and its codes to :mod:`grader.diagnose.codes`). These modules compute
  right answers, so they never ship to students (``grader release`` leaves them out).
- **precomputed**, in the student's bundle: ``grader build`` stores the analyses of the public cases
  beside the public fixtures (``fixtures/diagnoses.npz``); loading the fixtures registers them with
  :func:`use_precomputed`, keyed by a fingerprint of the case's inputs. The local check then matches
  the student's output against stored outputs and needs no model at all.

Then :func:`findings` matches one output against the models (every code that fits, most specific
first), and :func:`grader.diagnose.settle.settle` turns the codes of a whole submission into one
diagnosis per failing test (ranking, rival codes, premises, the class of case a crash belongs to).

>>> x = np.arange(9.0).reshape(3, 3); k = np.array([[0.0, 1.0], [2.0, 3.0]])
>>> case = Case("d2l", "cross_correlate2d", (x, k))
>>> diagnose(case, np.array([[5.0, 11.0], [23.0, 29.0]]))   # the convolution instead
('flipped_kernel',)

Diagnosis runs on failing cases only, is fast (analyses are cached by fingerprint: a public case
shared by a batch of students is analysed once per process) and never raises.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import threading
from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from grader.cases import Case
from grader.diagnose.codes import CODES_BY_FUNCTION, rank

__all__ = [
    "Analysis", "CODES_BY_FUNCTION", "MODEL_MODULES", "SIGNATURES", "analysis", "bind", "diagnose", "findings",
    "fingerprint", "register", "use_precomputed", "wrap_to_dtype",
]

# Outputs bigger than this are not diagnosed: the models would cost more than they are worth.
MAX_ELEMENTS = 2_000_000

#: Modules whose import registers live analyzers (instructor side only; absent from the student bundle).
MODEL_MODULES: list[str] = ["grader.diagnose.models", "grader.diagnose_shapes"]


class Analysis:
    """What the misconceptions make of one case.

    ``models`` may be given as a callable, computed on first use: crash classes and raise
    predictions are needed for passing cases too, wrong outputs only for failing ones.

    ``layout`` (set by :func:`analysis` for live models) names the case's shapes, dtypes and
    parameters: what a model's output *shape* depends on. See :func:`iter_models`.
    """

    __slots__ = ("_models", "_raises", "_classes", "_right", "layout")

    def __init__(self, models: Iterable[tuple[str, Any, str]] | Callable[[], Iterable[tuple[str, Any, str]]] = (),
                 raises: Iterable[str] | Callable[[], Iterable[str]] = (),
                 classes: Iterable[str] | Callable[[], Iterable[str]] = (), right: Callable[[], Any] | None = None):
        self._models = models
        self._raises = raises
        self._classes = classes
        self._right = right
        self.layout: tuple | None = None

    @property
    def raises(self) -> frozenset[str]:
        """Codes whose misconception makes this (valid) call raise (``code`` or ``code:reading``)."""
        if not isinstance(self._raises, frozenset):
            self._raises = frozenset(self._raises() if callable(self._raises) else self._raises)
        return self._raises

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes of case this call belongs to, most telling first (``case_class.*`` names)."""
        if not isinstance(self._classes, tuple):
            self._classes = tuple(self._classes() if callable(self._classes) else self._classes)
        return self._classes

    def proves_nothing(self, output: Any) -> bool:
        """Whether a model's output is the right answer for this case (a symmetric kernel under
        ``flipped_kernel``...): such a model proves nothing. Checked only for models that match an
        output, since most never do; stored analyses hold no such model and no right answer."""
        if self._right is None:
            return False
        if callable(self._right):
            try:
                self._right = as_values(self._right())
            except Exception:  # noqa: BLE001 - no right answer: every model stands
                self._right = None
                return False
        return self._right is not None and close(output, self._right)

    def wrong_models(self) -> list[tuple[str, Any, str]]:
        """The models that differ from the right answer (what ``grader build`` stores)."""
        return [(code, output, variant) for code, output, variant in self.models if not self.proves_nothing(output)]

    def _entries(self) -> list[list[Any]]:
        """``[code, output or a thunk computing it, variant]``, outputs computed on first use."""
        if not isinstance(self._models, list):
            try:
                self._models = [list(entry) for entry in (self._models() if callable(self._models) else self._models)]
            except Exception:  # noqa: BLE001 - a model set that fails is no diagnosis
                self._models = []
        return self._models

    def iter_models(self, skip: Iterable[str] = (), shape: tuple[int, ...] | None = None) -> Iterator[tuple[str, Any, str]]:
        """``(code, output, variant)`` of the models whose code is not in ``skip`` (a live set: a code
        found meanwhile costs none of its remaining models).

        ``shape``: only models that may give an array of this shape are wanted (the student's
        output's: a model of another shape cannot match it). A model's output shape follows from
        the case's layout alone (shapes, dtypes, parameters; never the values), so it is remembered
        per layout and model, and a model already seen to give another shape for this layout is not
        computed again. A batch grades many cases of each layout (a hidden case keeps its shapes
        from student to student, only its values change): from the second student on, about three
        models in four are skipped unseen. Should a model ever give two shapes for one layout, it
        is computed every time from then on.
        """
        known = _SHAPES.get(self.layout) if self.layout is not None and shape is not None else None
        ordinal: dict[tuple[str, str], int] = {}
        for entry in self._entries():
            code, output, variant = entry
            nth = ordinal[code, variant] = ordinal.get((code, variant), -1) + 1
            if code in skip:
                continue
            if callable(output):
                if known is not None:
                    seen = known.get((code, variant, nth), _UNSEEN)
                    if type(seen) is tuple and seen != shape:
                        continue
                try:
                    output = entry[1] = output()
                except Exception:  # noqa: BLE001 - one model failing (shape mismatch...) is no diagnosis
                    output = entry[1] = None
                if self.layout is not None:
                    _remember_shape(self.layout, (code, variant, nth), output)
            if output is not None:
                yield code, output, variant

    @property
    def models(self) -> tuple[tuple[str, Any, str], ...]:
        """``(code, wrong output, variant)``: ``variant`` names how (``"products"``...) or is ``""``."""
        return tuple(self.iter_models())


EMPTY = Analysis()

_UNSEEN = object()
_VARIES = "varies"
#: layout -> {(code, variant, n-th model of that code and variant): output shape, or _VARIES}
_SHAPES: OrderedDict[tuple, dict[tuple[str, str, int], Any]] = OrderedDict()
SHAPES_SIZE = 4096


def _remember_shape(layout: tuple, model: tuple[str, str, int], output: Any) -> None:
    shape = tuple(output.shape) if isinstance(output, np.ndarray) else _VARIES  # (an int, a failure: no gate)
    shapes = _SHAPES.get(layout)
    if shapes is None:
        shapes = _SHAPES[layout] = {}
        if len(_SHAPES) > SHAPES_SIZE:
            _SHAPES.popitem(last=False)
    before = shapes.get(model, _UNSEEN)
    shapes[model] = shape if before is _UNSEEN or before == shape else _VARIES


def layout(case: Case) -> tuple | None:
    """What the output shapes of a case's models can depend on: the function, each array argument's
    shape, dtype and whether it is all zeros (a zero bias has no bias models), every other argument
    itself. None when an argument is too odd to say."""
    def of(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return "A", value.shape, value.dtype.str, value.dtype.kind != "O" and bool(value.any())
        if isinstance(value, (tuple, list)):
            return type(value).__name__, tuple(of(v) for v in value)
        if value is None or isinstance(value, (bool, int, float, str, np.generic)):
            return "V", type(value).__name__, repr(value)
        raise TypeError(type(value).__name__)

    try:
        return case.function, of(tuple(case.args)), tuple(sorted((k, of(v)) for k, v in case.kwargs.items()))
    except Exception:  # noqa: BLE001 - no gate for this case: every model is computed
        return None


Analyzer = Callable[[Case], "Analysis | None"]
_ANALYZERS: dict[str, Analyzer] = {}


# -- signatures of the exercises (SPEC §3), to read a case's args/kwargs by parameter name ---------
def _cross_correlate2d(x, k): ...
def _convolve2d(x, k): ...
def _zero_pad(x, pad): ...
def _output_size(n, k, stride=1, padding="VALID"): ...
def _same_padding(n, k, stride=1): ...
def _correlate2d(x, k, stride=1, padding="VALID"): ...
def _conv2d(x, w, b=None, stride=1, padding="VALID"): ...
def _relu(x): ...
def _conv2d_relu(x, w, b, stride=1, padding="VALID"): ...


SIGNATURES: dict[str, inspect.Signature] = {
    f.__name__[1:]: inspect.signature(f)
    for f in (
        _cross_correlate2d, _convolve2d, _zero_pad, _output_size, _same_padding,
        _correlate2d, _conv2d, _relu, _conv2d_relu,
    )
}


def register(function: str, analyzer: Analyzer, *, signature: inspect.Signature | None = None,
             codes: Sequence[str] | None = None) -> None:
    """Make ``analyzer(case) -> Analysis | None`` the live analysis of ``function``'s cases.

    ``signature`` lets :func:`bind` read the function's arguments by name; ``codes`` (most specific
    first) extends :data:`CODES_BY_FUNCTION` for a function of a new assignment.
    """
    _ANALYZERS[function] = analyzer
    if signature is not None:
        SIGNATURES[function] = signature
    if codes is not None:
        CODES_BY_FUNCTION.setdefault(function, tuple(codes))


_loaded = False
_lock = threading.Lock()


def _load_model_modules() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        for name in MODEL_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # the student bundle: no live models, precomputed analyses only
                pass
        _loaded = True


def bind(case: Case) -> dict[str, Any] | None:
    """The case's arguments by parameter name (defaults filled in), or None if they do not fit."""
    signature = SIGNATURES.get(case.function)
    if signature is None:
        return None
    try:
        bound = signature.bind(*case.args, **dict(case.kwargs))
    except TypeError:
        return None
    bound.apply_defaults()
    return bound.arguments


# -- fingerprints, the cache, precomputed analyses ---------------------------------------------------
def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        digest.update(f"A{value.dtype.str}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes() if value.dtype.kind != "O" else repr(value).encode())
    elif isinstance(value, (tuple, list)):
        digest.update(b"T(" if isinstance(value, tuple) else b"L(")
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    else:
        digest.update(f"V{type(value).__name__}:{value!r};".encode())


_RECENT: OrderedDict[int, tuple[Case, str]] = OrderedDict()


def fingerprint(case: Case) -> str:
    """A digest of the call (function, arguments by position and keyword): equal inputs, equal digest.

    Remembered for the last few hundred case objects (settling asks for the same cases many times).
    """
    known = _RECENT.get(id(case))
    if known is not None and known[0] is case:
        return known[1]
    digest = hashlib.blake2b(digest_size=16)
    digest.update(case.function.encode())
    _feed(digest, tuple(case.args))
    for key in sorted(case.kwargs):
        digest.update(f"K{key}=".encode())
        _feed(digest, case.kwargs[key])
    key = digest.hexdigest()
    _RECENT[id(case)] = (case, key)  # (holding the case keeps its id from being reused meanwhile)
    if len(_RECENT) > CACHE_SIZE:
        _RECENT.popitem(last=False)
    return key


_PRECOMPUTED: dict[str, Analysis] = {}
_CACHE: OrderedDict[str, Analysis] = OrderedDict()
CACHE_SIZE = 512


def use_precomputed(analyses: Mapping[str, Analysis]) -> None:
    """Register analyses computed at build time (fingerprint -> Analysis); they win over live models."""
    _PRECOMPUTED.update(analyses)


def live_analysis(case: Case) -> Analysis | None:
    """The analysis of the live models (None without a model module for the function)."""
    _load_model_modules()
    analyzer = _ANALYZERS.get(case.function)
    if analyzer is None:
        return None
    return analyzer(case)


def analysis(case: Case) -> Analysis:
    """The case's analysis: precomputed, cached, or computed now (empty when nothing models it)."""
    try:
        key = fingerprint(case)
    except Exception:  # noqa: BLE001 - an odd argument: nothing to say about it
        return EMPTY
    found = _PRECOMPUTED.get(key)
    if found is not None:
        return found
    found = _CACHE.get(key)
    if found is not None:
        _CACHE.move_to_end(key)
        return found
    try:
        found = live_analysis(case) or EMPTY
        if found is not EMPTY:
            found.layout = layout(case)
    except Exception:  # noqa: BLE001 - diagnosis must never break grading
        found = EMPTY
    _CACHE[key] = found
    if len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return found


def wrap_to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """What storing ``values`` in an integer ``dtype`` gives: truncation toward zero, then wrap-around.

    Returned as float64, for comparison. (NumPy's float -> small int cast of out-of-range values
    is platform-defined; on the machines we know it wraps modulo 2**bits, which is what students see.)
    """
    info = np.iinfo(dtype)
    ints = np.trunc(np.asarray(values, dtype=np.float64))
    # Only out-of-range values wrap; int64 minima do not survive float arithmetic, so leave the rest.
    outside = (ints < info.min) | (ints > info.max)
    if outside.any():
        span = float(info.max) - float(info.min) + 1.0
        ints = np.where(outside, np.mod(ints - float(info.min), span) + float(info.min), ints)
    return ints


# -- matching -------------------------------------------------------------------------------------
def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def as_values(value: Any) -> Any:
    """An output as float64 array / int / float / tuple of ints for matching, or None."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return tuple(int(v) for v in value)
    if _is_int(value):
        return int(value)
    if isinstance(value, float):
        return value
    try:
        a = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything odd is simply not diagnosable
        return None
    if a.dtype.kind not in "biuf" or a.size > MAX_ELEMENTS:
        return None
    return a.astype(np.float64)


def close(model: Any, got: Any, loose: bool = False) -> bool:
    """Same shape and allclose (modest tolerance: diagnosis names an idea, it does not grade)."""
    if isinstance(model, tuple) or isinstance(got, tuple):
        return isinstance(model, tuple) and isinstance(got, tuple) and model == got
    if not isinstance(model, np.ndarray) or not isinstance(got, np.ndarray):
        if isinstance(model, np.ndarray) or isinstance(got, np.ndarray):
            return False
        return float(model) == float(got)
    if model.shape != got.shape:
        return False
    if model.size == 0:
        return True
    model = np.asarray(model, dtype=np.float64)
    magnitude = np.abs(model)
    scale = max(1.0, float(magnitude.max()))
    rtol, atol = (1e-4, 1e-4 * scale) if loose else (1e-6, 1e-6 * scale)
    # Most models are far off: one element in plain floats says so without the array arithmetic.
    first, wanted = float(got.flat[0]), float(model.flat[0])
    if not abs(first - wanted) <= atol + rtol * abs(wanted):  # ``not <=`` also rejects NaN
        return False
    with np.errstate(invalid="ignore"):
        return bool((np.abs(got - model) <= atol + rtol * magnitude).all())


Facts = dict[str, dict[str, str]]


def findings(case: Case, got: Any) -> tuple[tuple[str, ...], Facts]:
    """Every misconception code whose model output matches ``got``, most specific first, and their
    facts (``{"integer_truncation": {"variant": "products"}}``); empty when nothing matches."""
    try:
        if case.expects_error:
            return (), {}
        values = as_values(got)
        if values is None:
            return (), {}
        result = analysis(case)
        loose = isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.dtype.itemsize < 8
        found: dict[str, str] = {}
        shape = values.shape if isinstance(values, np.ndarray) else None
        for code, output, variant in result.iter_models(skip=found, shape=shape):
            if close(output, values, loose) and not result.proves_nothing(output):
                found[code] = variant
        codes = tuple(sorted(found, key=rank))
        return codes, {code: {"variant": v} for code, v in found.items() if v}
    except Exception:  # noqa: BLE001 - diagnosis must never break grading
        return (), {}


def diagnose(case: Case, got: Any) -> tuple[str, ...]:
    """The misconception codes whose model output matches ``got``, most specific first.

    Parameters
    ----------
    case : Case
        The call, with its inputs (``case.expected`` is not used: the models are numpy's).
    got : Any
        What the student's function returned.

    Returns
    -------
    tuple of str
        Codes of SPEC §5; empty when nothing matches, when the case is malformed or expects an
        error, or for a function without models.
    """
    return findings(case, got)[0]
