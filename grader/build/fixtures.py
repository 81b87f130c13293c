"""Public fixtures: the visible tests with their TensorFlow answers, in one ``.npz`` file.

Layout of ``assignments/<id>/fixtures/public.npz`` (a zip of ``.npy`` members, readable with
``np.load(path, allow_pickle=False)``):

- ``manifest.npy``: a 0-d unicode array holding JSON: format version, assignment, TensorFlow
  version, and every test with its cases. Non-array values (ints, floats, strings, None, nested
  tuples and lists, dicts with string keys, ``Raises``) are written in the JSON with tags
  (``{"tuple": [...]}``, ``{"dict": {...}}``, ``{"raises": "ValueError"}``); every array is a
  reference ``{"array": "<member>"}``.
- ``tNNcMM_<slot>.npy``: the arrays, dtype and shape exactly as the suite made them (``slot`` is
  ``arg0``, ``kw_<name>`` or ``expected``); numpy scalars are 0-d members tagged ``{"scalar": ...}``.

The zip is written member by member with a fixed date and no compression, so the same cases give
the same bytes on every machine (``np.savez`` stamps the current time). Loading never imports
TensorFlow.

Beside it, ``diagnoses.npz`` holds what the misconception models make of each public case (see
:func:`diagnosis_bytes`): the student's check diagnoses from it, without any model.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from grader.cases import Case, Raises, TestSpec

FORMAT = "grader-public-fixtures"
VERSION = 1
MANIFEST = "manifest"
_DATE = (1980, 1, 1, 0, 0, 0)


class FixtureError(ValueError):
    """A fixture file is missing, corrupt or of an unknown version; the message names the file."""


# -- encoding ----------------------------------------------------------------------------------


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def value(self, value: Any, key: str) -> Any:
        if isinstance(value, Raises):
            return {"raises": value.exception}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise FixtureError(f"{key}: object arrays cannot be stored without pickle")
            self.arrays[key] = value
            return {"array": key}
        if isinstance(value, np.generic):
            self.arrays[key] = np.asarray(value)
            return {"scalar": key}
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"float": repr(value)}
        if isinstance(value, tuple):
            return {"tuple": [self.value(v, f"{key}_{i}") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.value(v, f"{key}_{i}") for i, v in enumerate(value)]
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return {"dict": {k: self.value(v, f"{key}_{k}") for k, v in value.items()}}
        raise FixtureError(f"{key}: cannot store a {type(value).__name__} in the public fixtures")


def _decode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    (tag, inner), = value.items()
    if tag == "array":
        return arrays[inner]
    if tag == "scalar":
        return arrays[inner][()]
    if tag == "tuple":
        return tuple(_decode(v, arrays) for v in inner)
    if tag == "raises":
        return Raises(inner)
    if tag == "float":
        return float(inner)
    if tag == "dict":
        return {k: _decode(v, arrays) for k, v in inner.items()}
    raise FixtureError(f"unknown tag {tag!r}")


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def encode(specs: list[TestSpec], tf_version: str, assignment: str = "") -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON manifest and the arrays of ``specs`` (cases must be materialized)."""
    encoder = _Encoder()
    tests = []
    for t, spec in enumerate(specs):
        cases = []
        for c, case in enumerate(spec.cases):
            if case.expected is None:
                raise FixtureError(f"{spec.name}/{case.name}: not materialized (expected is None)")
            prefix = f"t{t:02d}c{c:02d}"
            cases.append(
                {
                    "name": case.name,
                    "function": case.function,
                    "args": [encoder.value(v, f"{prefix}_arg{i}") for i, v in enumerate(case.args)],
                    "kwargs": {k: encoder.value(v, f"{prefix}_kw_{k}") for k, v in case.kwargs.items()},
                    "expected": encoder.value(case.expected, f"{prefix}_expected"),
                    "float32_ok": bool(case.float32_ok),
                }
            )
        tests.append(
            {"name": spec.name, "part": spec.part, "title": dict(spec.title), "visibility": spec.visibility, "cases": cases}
        )
    manifest = {"format": FORMAT, "version": VERSION, "assignment": assignment, "tensorflow": tf_version, "tests": tests}
    return manifest, encoder.arrays


def fixture_bytes(specs: list[TestSpec], tf_version: str, assignment: str = "") -> bytes:
    """The ``.npz`` file content: deterministic for the same cases."""
    manifest, arrays = encode(specs, tf_version, assignment)
    return _zip_members(manifest, arrays)


def save_fixtures(path: Path, specs: list[TestSpec], tf_version: str, assignment: str = "") -> Path:
    """Write the materialized ``specs`` to ``path`` (an ``.npz``); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fixture_bytes(specs, tf_version, assignment))
    return path


# -- decoding ----------------------------------------------------------------------------------


def read_fixtures(path: Path) -> tuple[dict[str, Any], list[TestSpec]]:
    """The manifest (assignment, TensorFlow version...) and the tests of a fixture file."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise FixtureError(f"{path}: no public fixtures (run `grader build`)") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise FixtureError(f"{path}: not a readable fixture file: {e}") from None
    try:
        manifest = json.loads(str(arrays.pop(MANIFEST)[()]))
    except (KeyError, ValueError) as e:
        raise FixtureError(f"{path}: no readable manifest: {e}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise FixtureError(
            f"{path}: fixture format {manifest.get('format')!r} version {manifest.get('version')!r}, "
            f"this grader reads {FORMAT!r} version {VERSION} (run `grader build` or update the grader)"
        )
    try:
        specs = [
            TestSpec(
                name=t["name"],
                part=t["part"],
                title=t["title"],
                visibility=t["visibility"],
                cases=tuple(
                    Case(
                        name=c["name"],
                        function=c["function"],
                        args=tuple(_decode(v, arrays) for v in c["args"]),
                        kwargs={k: _decode(v, arrays) for k, v in c["kwargs"].items()},
                        expected=_decode(c["expected"], arrays),
                        float32_ok=bool(c["float32_ok"]),
                    )
                    for c in t["cases"]
                ),
            )
            for t in manifest["tests"]
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise FixtureError(f"{path}: malformed manifest: {type(e).__name__}: {e}") from None
    return manifest, specs


def load_fixtures(path: Path, *, diagnoses: bool = True) -> list[TestSpec]:
    """The materialized visible tests stored in ``path``.

    With ``diagnoses`` (the default), the analyses stored beside them (``diagnoses.npz``, see
    :func:`diagnosis_bytes`) are registered with :func:`grader.diagnose.use_precomputed`, so that
    diagnosing these cases needs no model. A missing or unreadable file only costs the diagnoses.
    """
    specs = read_fixtures(path)[1]
    if diagnoses:
        try:
            analyses = read_diagnoses(Path(path).with_name(DIAGNOSES_FILE))
        except FixtureError:
            analyses = {}
        if analyses:
            from grader.diagnose import use_precomputed

            use_precomputed(analyses)
    return specs


# -- the diagnoses of the public cases ----------------------------------------------------------
#
# ``fixtures/diagnoses.npz``, written by ``grader build`` beside ``public.npz``: for every visible
# case, what the misconception models make of it (their wrong outputs, the codes that would make
# the call raise, the classes of the case), so that the student's local check diagnoses without the
# models, which compute right answers and never ship. Same container as the fixtures: a JSON
# manifest (``cases``: fingerprint, test, case, raises, classes, models as ``[code, variant, value]``)
# and one ``.npy`` member per array. Wrong outputs are stored as float32: diagnosis matches them
# with a tolerance far wider than float32's rounding, and the bytes then stay the same on machines
# whose float64 sums round differently in the last bit.

DIAGNOSES_FILE = "diagnoses.npz"
DIAGNOSES_FORMAT = "grader-diagnoses"
DIAGNOSES_VERSION = 1


def diagnosis_bytes(specs: list[TestSpec], assignment: str = "") -> bytes:
    """The ``diagnoses.npz`` content for the visible ``specs``, from the live models (deterministic)."""
    from grader.diagnose import fingerprint, live_analysis

    encoder = _Encoder()
    cases = []
    for t, spec in enumerate(specs):
        for c, case in enumerate(spec.cases):
            found = live_analysis(case)
            if found is None:
                continue
            prefix = f"t{t:02d}c{c:02d}"
            models, seen = [], set()
            for code, value, variant in ([] if case.expects_error else found.wrong_models()):
                value = _compact(value)
                key = (code, variant, repr(value) if not isinstance(value, np.ndarray) else (value.shape, value.tobytes()))
                if key not in seen:  # (several models of one code often agree on a case)
                    seen.add(key)
                    models.append([code, variant, encoder.value(value, f"{prefix}_m{len(models):02d}")])
            cases.append({
                "test": spec.name, "case": case.name, "fingerprint": fingerprint(case),
                "raises": sorted(found.raises), "classes": list(found.classes), "models": models,
            })
    manifest = {"format": DIAGNOSES_FORMAT, "version": DIAGNOSES_VERSION, "assignment": assignment, "cases": cases}
    return _zip_members(manifest, encoder.arrays)


def _compact(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value, dtype=np.float32)
    return value


def read_diagnoses(path: Path) -> dict[str, Any]:
    """fingerprint -> :class:`grader.diagnose.Analysis` of a ``diagnoses.npz`` (empty if there is none)."""
    from grader.diagnose import Analysis

    path = Path(path)
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        manifest = json.loads(str(arrays.pop(MANIFEST)[()]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as e:
        raise FixtureError(f"{path}: not a readable diagnoses file: {e}") from None
    if manifest.get("format") != DIAGNOSES_FORMAT or manifest.get("version") != DIAGNOSES_VERSION:
        raise FixtureError(f"{path}: diagnoses format {manifest.get('format')!r} version {manifest.get('version')!r}")
    try:
        return {
            entry["fingerprint"]: Analysis(
                [(code, _as_model(_decode(value, arrays)), variant) for code, variant, value in entry["models"]],
                raises=entry["raises"], classes=entry["classes"],
            )
            for entry in manifest["cases"]
        }
    except (KeyError, TypeError, ValueError) as e:
        raise FixtureError(f"{path}: malformed manifest: {type(e).__name__}: {e}") from None


def _as_model(value: Any) -> Any:
    return value.astype(np.float64) if isinstance(value, np.ndarray) else value


def _zip_members(manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    members = {MANIFEST: np.array(json.dumps(manifest, ensure_ascii=False, indent=1))}
    members.update(arrays)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in members.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_DATE)
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the machine
            archive.writestr(info, _npy_bytes(array))
    return buffer.getvalue()
