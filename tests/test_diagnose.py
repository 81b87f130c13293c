"""Diagnosis: the numpy models against TensorFlow, the correct answer, and the mutant corpus.

The mutant corpus (tests/corpus/mutants/, listed in MANIFEST.yaml) holds plausible wrong submissions,
each the solution with one bug. Every mutant is imported in-process (trusted corpus files), run on a
set of representative cases of the functions of its broken parts, judged with ``judge_case``
against the solution's answers, and must show its expected code on at least one failing case.
"""

from __future__ import annotations

import time
import types
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import yaml

from grader.cases import Case, Raises
from grader.compare import judge_case
from grader.course import load_course
from grader.diagnose import CODES_BY_FUNCTION, diagnose
from grader.diagnose.codes import RANK
from grader.diagnose.models.core import correlate_nhwc, pad_hw, resolve_pads
from grader.sandbox.runner import CallOutcome as Outcome

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "tests" / "corpus" / "mutants"
MANIFEST = yaml.safe_load((MUTANTS / "MANIFEST.yaml").read_text(encoding="utf-8"))["mutants"]
COURSE = load_course(ROOT)
TOLERANCE = COURSE.assignment("a01_correlation").parts[0].tolerance
MIN_HIT_RATE = 0.90

# Codes no wrong *output* can show: they come from the sandbox and belong to other corpora.
NOT_OUTPUT_CODES = {
    "not_implemented", "syntax_error", "missing_function", "timeout", "memory_limit", "crashed",
    "forbidden_import", "forbidden_operation",
}


def load_module(path: Path, name: str) -> Any:
    """Import a trusted corpus or solution file by path (compiled directly: no __pycache__ in the corpus)."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return module


def solution(assignment_id: str) -> Any:
    assignment = COURSE.assignment(assignment_id)
    return load_module(COURSE.solutions_dir / assignment_id / assignment.module, f"solution_{assignment_id}")


# -- representative cases -------------------------------------------------------------------------
rng = np.random.default_rng(20240611)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


def ints(*shape: int, low: int = -4, high: int = 5, dtype: type = np.int64) -> np.ndarray:
    return rng.integers(low, high, size=shape).astype(dtype)


def image(*shape: int) -> np.ndarray:
    return rng.integers(0, 256, size=shape).astype(np.uint8)


def call(name: str, function: str, *args: Any, **kwargs: Any) -> Case:
    arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
    return Case(name, function, tuple(args), dict(kwargs), None, bool(arrays) and all(a.dtype == np.float32 for a in arrays))


def planar_cases(function: str) -> list[Case]:
    return [
        call("d2l", function, np.arange(9).reshape(3, 3), np.array([[0, 1], [2, 3]])),
        call("non-square", function, normal(5, 6), normal(3, 2)),
        call("square", function, normal(5, 5), normal(3, 3)),
        call("uint8 image", function, image(6, 6), normal(3, 3)),
        call("uint8 image and kernel", function, image(5, 5), ints(2, 2, low=1, high=4, dtype=np.uint8)),
        call("int64", function, ints(4, 5), ints(2, 3)),
        call("float32", function, normal(4, 4, dtype=np.float32), normal(2, 2, dtype=np.float32)),
        call("1-D input", function, normal(5), normal(2, 2)),
        call("kernel too big", function, normal(3, 3), normal(4, 2)),
    ]


CONV_SHAPES = [  # name, x, w, b, stride, padding
    ("3 channels", normal(1, 5, 5, 3), normal(3, 3, 3, 2), normal(2), 1, "VALID"),
    ("batch, even kernel, stride (2, 1), SAME", normal(2, 6, 7, 3), normal(2, 3, 3, 4), normal(4), (2, 1), "SAME"),
    ("stride 2 SAME even kernel", normal(1, 6, 6, 2), normal(2, 2, 2, 3), normal(3), 2, "SAME"),
    ("uint8 image, padding 1", image(1, 6, 6, 3), normal(3, 3, 3, 2), normal(2), 1, 1),
    ("uint8 image, no bias", image(1, 5, 5, 2), normal(2, 2, 2, 2), None, 2, "VALID"),
    ("cube 4", normal(1, 4, 4, 4), normal(3, 3, 4, 2), normal(2), 1, "VALID"),
    ("cube 5, SAME", normal(2, 5, 5, 5), normal(2, 2, 5, 3), normal(3), 1, "SAME"),
    ("stride (1, 2), SAME odd", normal(1, 7, 8, 2), normal(3, 4, 2, 2), normal(2), (1, 2), "SAME"),
    ("explicit padding", normal(1, 5, 5, 2), normal(3, 3, 2, 1), normal(1), 1, ((1, 0), (0, 2))),
    ("float32", normal(1, 4, 5, 2, dtype=np.float32), normal(3, 2, 2, 2, dtype=np.float32),
     normal(2, dtype=np.float32), 1, "VALID"),
    ("empty batch", normal(0, 4, 4, 2), normal(3, 3, 2, 1), normal(1), 1, "VALID"),
    ("int64 stride 3 padding 1", ints(1, 8, 8, 2), ints(3, 3, 2, 2), ints(2), 3, 1),
    ("7x7, 2x2, stride 2: a row left over", normal(1, 7, 7, 1), normal(2, 2, 1, 1), None, 2, "VALID"),
    ("SAME, 1x4, stride (2, 5): no padding", normal(1, 8, 9, 1), normal(1, 4, 1, 1), None, (2, 5), "SAME"),
    ("H = C = kw = 3", normal(1, 3, 5, 3), normal(2, 3, 3, 1), None, 1, "VALID"),
]


def conv_cases(function: str) -> list[Case]:
    cases = []
    for name, x, w, b, stride, padding in CONV_SHAPES:
        if function == "conv2d" and name == "3 channels":
            cases.append(call("3 channels, no bias", function, x, w))
        cases.append(call(name, function, x, w, b, stride=stride, padding=padding))
    cases += [
        call("channel mismatch 3 vs 1", function, normal(1, 4, 4, 3), normal(2, 2, 1, 2), normal(2)),
        call("channel mismatch 4 vs 2", function, normal(1, 4, 4, 4), normal(2, 2, 2, 2), normal(2)),
        call("bias of length 1", function, normal(1, 4, 4, 2), normal(2, 2, 2, 3), normal(1)),
        call("3-D input", function, normal(4, 4, 2), normal(2, 2, 2, 1), normal(1)),
        call("stride 0", function, normal(1, 4, 4, 2), normal(2, 2, 2, 1), normal(1), stride=0),
        call("lowercase same", function, normal(1, 4, 4, 2), normal(2, 2, 2, 1), normal(1), padding="same"),
    ]
    return cases


CASES: dict[str, list[Case]] = {
    "cross_correlate2d": planar_cases("cross_correlate2d"),
    "convolve2d": planar_cases("convolve2d"),
    "zero_pad": [
        call("float pad 1", "zero_pad", normal(2, 3, 4, 2), 1),
        call("uint8 (ph, pw)", "zero_pad", image(1, 3, 3, 3), (1, 2)),
        call("nested", "zero_pad", normal(1, 2, 3, 1), ((0, 1), (2, 0))),
        call("int8 pad 2", "zero_pad", ints(2, 2, 2, 2, dtype=np.int8), 2),
        call("negative", "zero_pad", normal(1, 2, 2, 1), -1),
        call("3-D", "zero_pad", normal(2, 2, 1), 1),
    ],
    "output_size": [
        call(f"n{n} k{k} s{s} {p}", "output_size", n, k, s, p)
        for n, k, s, p in [(8, 3, 1, 1), (8, 3, 2, 1), (7, 4, 2, "SAME"), (6, 2, 1, "SAME"), (7, 2, 2, "VALID"),
                           (8, 3, 3, 0), (5, 2, 1, "SAME"), (9, 4, 2, 1), (5, 3, 1, -1), (3, 5, 1, "VALID"),
                           (5, 3, 0, "VALID"), (5, 3, 1, "same"), (8, 1, 2, "SAME"), (7, 2, 4, 0)]
    ],
    "same_padding": [
        call(f"n{n} k{k} s{s}", "same_padding", n, k, s)
        for n, k, s in [(5, 3, 1), (4, 2, 1), (6, 3, 2), (7, 4, 2), (10, 5, 3), (8, 4, 1), (0, 3, 1), (5, 3, 0),
                        (8, 1, 2), (7, 2, 4), (8, 4, 2)]
    ],
    "correlate2d": [
        call("stride (2, 1)", "correlate2d", normal(7, 6), normal(3, 2), stride=(2, 1)),
        call("stride 2 SAME", "correlate2d", normal(6, 6), normal(3, 3), stride=2, padding="SAME"),
        call("even kernel SAME", "correlate2d", normal(5, 7), normal(2, 2), padding="SAME"),
        call("stride (1, 2) SAME", "correlate2d", normal(6, 5), normal(4, 3), stride=(1, 2), padding="SAME"),
        call("uint8 padding 1", "correlate2d", image(6, 6), normal(3, 3), 1, 1),
        call("explicit padding", "correlate2d", normal(5, 5), normal(3, 3), padding=((0, 1), (2, 0))),
        call("stride 3 padding 1", "correlate2d", normal(8, 8), normal(3, 3), 3, 1),
        call("stride 0", "correlate2d", normal(5, 5), normal(2, 2), stride=0),
        call("lowercase same", "correlate2d", normal(5, 5), normal(2, 2), padding="same"),
        call("negative padding", "correlate2d", normal(5, 5), normal(2, 2), padding=-1),
        call("kernel bigger than padded input", "correlate2d", normal(3, 3), normal(6, 2), padding=1),
        call("SAME, stride (2, 4) > kernel (1, 2)", "correlate2d", normal(8, 7), normal(1, 2), stride=(2, 4), padding="SAME"),
    ],
    "conv2d": conv_cases("conv2d"),
    "relu": [
        call("float", "relu", normal(2, 3, 4, 2)),
        call("int8", "relu", ints(3, 4, dtype=np.int8)),
        call("float32", "relu", normal(5, dtype=np.float32)),
        call("int64", "relu", ints(6)),
    ],
    "conv2d_relu": [c for c in conv_cases("conv2d_relu") if c.args[2] is not None],
}


# a00_fc_vs_conv and a05_tf_conv2d (models in grader/diagnose_shapes.py)
_IMAGE = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
CASES.update({
    "fc_params": [call("rgb", "fc_params", 32, 32, 3, 100), call("gray", "fc_params", 28, 28, 1, 10),
                  call("zero", "fc_params", 0, 4, 3, 2)],
    "conv_params": [call("rgb", "conv_params", 3, 3, 3, 100), call("no bias", "conv_params", 3, 5, 4, 8, bias=False),
                    call("bad bias", "conv_params", 3, 3, 3, 2, bias="yes")],
    "conv_output_shape": [
        call("valid", "conv_output_shape", (2, 10, 13, 3), (3, 2, 3, 5), 2, "VALID"),
        call("same", "conv_output_shape", (1, 10, 11, 2), (3, 3, 2, 4), (3, 2), "SAME"),
        call("explicit", "conv_output_shape", (1, 7, 9, 2), (3, 2, 2, 6), 1, ((2, 0), (1, 3))),
        call("mismatch", "conv_output_shape", (1, 8, 8, 3), (3, 3, 2, 4), 1, "VALID"),
    ],
    "receptive_field": [call("stack", "receptive_field", [(5, 2), (3, 2), (3, 1)]), call("empty", "receptive_field", []),
                        call("bad", "receptive_field", [(0, 1)])],
    "tf_conv2d_args": [call("same", "tf_conv2d_args", (1, 2), "SAME"), call("explicit", "tf_conv2d_args", 1, ((1, 0), (0, 2))),
                       call("lowercase", "tf_conv2d_args", 1, "same")],
    "stack_filters": [call("three", "stack_filters", [normal(2, 3) for _ in range(3)]),
                      call("ragged", "stack_filters", [normal(2, 2), normal(3, 3)])],
    "tf_conv2d": [
        call("lecture SAME", "tf_conv2d", _IMAGE, np.ones((2, 2, 1, 1)), [1, 1, 1, 1], "SAME"),
        call("strides [1, 2]", "tf_conv2d", normal(1, 5, 7, 2), normal(3, 2, 2, 2), [1, 2], "SAME"),
        call("explicit", "tf_conv2d", normal(2, 4, 5, 1), normal(2, 3, 1, 2), 1, [[0, 0], [2, 0], [0, 1], [0, 0]]),
        call("NCHW", "tf_conv2d", normal(1, 4, 4, 1), normal(2, 2, 1, 1), 1, "VALID", data_format="NCHW"),
    ],
})


def materialize(case: Case, module: Any) -> Case:
    """The case with the solution's answer, or Raises("ValueError") when the solution rejects it."""
    try:
        return case.with_expected(getattr(module, case.function)(*case.args, **case.kwargs))
    except ValueError:
        return case.with_expected(Raises("ValueError"))


def run(function: Callable[..., Any], case: Case) -> Outcome:
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
    kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = function(*args, **kwargs)
        return Outcome(value=value, args_after=args, kwargs_after=kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome records it, as the sandbox would
        bases = tuple(c.__name__ for c in type(e).__mro__[1:])
        return Outcome(error=type(e).__name__, error_bases=bases, message=str(e), args_after=args, kwargs_after=kwargs)


@pytest.fixture(scope="module")
def materialized() -> dict[str, dict[str, list[Case]]]:
    out = {}
    for assignment in COURSE.assignments:
        module = solution(assignment.id)
        out[assignment.id] = {f: [materialize(c, module) for c in CASES[f]] for f in assignment.functions}
    return out


# -- the numpy core agrees with TensorFlow --------------------------------------------------------
@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding",
    [
        ((1, 5, 5, 1), (3, 3, 1, 1), (1, 1), "VALID"),
        ((2, 7, 6, 3), (2, 3, 3, 4), (2, 1), "SAME"),
        ((1, 6, 6, 2), (2, 2, 2, 3), (2, 2), "SAME"),
        ((3, 8, 9, 2), (4, 3, 2, 2), (3, 2), "SAME"),
        ((1, 5, 7, 2), (3, 3, 2, 2), (1, 2), ((1, 0), (2, 1))),
    ],
)
def test_core_agrees_with_tensorflow(x_shape, w_shape, stride, padding):
    import tensorflow as tf
    x, w = normal(*x_shape), normal(*w_shape)
    pads = resolve_pads(padding, x_shape[1:3], w_shape[:2], stride)
    tf_padding = padding if isinstance(padding, str) else [[0, 0], *map(list, padding), [0, 0]]
    want = tf.nn.conv2d(x, w, strides=list(stride), padding=tf_padding).numpy()
    np.testing.assert_allclose(correlate_nhwc(x, w, stride, pads), want, rtol=1e-12, atol=1e-12)


# -- no diagnosis for a right answer, and never an exception ---------------------------------------
def test_correct_answers_get_no_diagnosis(materialized):
    for functions in materialized.values():
        for function, cases in functions.items():
            for case in cases:
                if not case.expects_error:
                    assert diagnose(case, case.expected) == (), (function, case.name)


@pytest.mark.parametrize("got", [None, "text", 3.5, [[1, 2]], np.zeros((2, 2, 2)), np.array(["a"]), object(),
                                 np.array([1 + 2j]), (1, 2, 3), np.full((3, 3), np.nan)])
def test_odd_outputs_never_raise(materialized, got):
    for functions in materialized.values():
        for cases in functions.values():
            for case in cases:
                assert isinstance(diagnose(case, got), tuple)


def test_odd_cases_never_raise():
    odd = [
        Case("unknown function", "max_pool", (np.zeros((2, 2)),)),
        Case("too many args", "relu", (1, 2, 3)),
        Case("strings", "conv2d", ("x", "w")),
        Case("objects", "cross_correlate2d", (np.array([object()]), np.zeros((1, 1)))),
        Case("bad stride", "correlate2d", (np.zeros((3, 3)), np.zeros((2, 2))), {"stride": "2"}),
    ]
    for case in odd:
        assert diagnose(case, np.zeros((2, 2))) == ()


def test_symmetric_kernel_proves_nothing():
    x = normal(5, 5)
    k = np.array([[1.0, 2.0, 1.0], [0.0, 5.0, 0.0], [1.0, 2.0, 1.0]])  # flip-symmetric
    case = call("symmetric", "cross_correlate2d", x, k)
    got = correlate_nhwc(x[None, :, :, None], k[::-1, ::-1, None, None])[0, :, :, 0]
    assert "flipped_kernel" not in diagnose(case, got)


def test_every_code_in_the_table_is_a_spec_code():
    from grader.diagnose_shapes import CODES_BY_FUNCTION as LECTURE_CODES
    from grader.messages import catalog
    spec_codes = {key.split(".", 1)[1] for key in catalog("en") if key.startswith("diagnosis.")} - {"unknown"}
    for codes in [*CODES_BY_FUNCTION.values(), *LECTURE_CODES.values()]:
        assert set(codes) <= spec_codes


def test_diagnosis_is_fast(materialized):
    """Diagnosis runs on every failing case, in the student's local check too: a few ms per small case."""
    case = next(c for c in materialized["a03_multichannel"]["conv2d"] if c.name.startswith("batch"))
    wrong = case.expected + 1.0  # matches no model: every model is computed
    diagnose(case, wrong)
    start = time.perf_counter()
    for _ in range(20):
        diagnose(case, wrong)
    # 5 ms on a normal machine; the shared CI machines are several times slower.
    assert (time.perf_counter() - start) / 20 < 0.05


# -- the mutant corpus ----------------------------------------------------------------------------
def test_manifest_is_complete():
    assert len(MANIFEST) >= 70
    names = [(m["assignment"], m["name"]) for m in MANIFEST]
    assert len(set(names)) == len(names)
    on_disk = {(p.parent.parent.name, p.parent.name) for p in MUTANTS.glob("*/*/*.py")}
    assert on_disk == set(names)
    from grader.messages import catalog
    spec_codes = {key.split(".", 1)[1] for key in catalog("en") if key.startswith("diagnosis.")} - {"unknown"}
    for m in MANIFEST:
        assignment = COURSE.assignment(m["assignment"])
        assert m["code"] in spec_codes or m["code"] is None, m
        assert set(m["parts"]) <= {p.id for p in assignment.parts}, m
        assert (MUTANTS / m["assignment"] / m["name"] / assignment.module).is_file(), m
    # Every code a wrong output can show has at least one mutant.
    assert spec_codes - NOT_OUTPUT_CODES == {m["code"] for m in MANIFEST} - {None}
    # ... and each code new with the diagnosis rework fires on a submission written from scratch.
    from_scratch = {m["code"] for m in MANIFEST if m.get("origin") == "scratch"}
    assert {"output_size_ceil", "same_padding_negative", "same_padding_stride1", "bias_inside_window", "batch_index",
            "flip_one_axis", "explicit_padding_order", "wrong_exception", "crashed_on_case", "layout_nchw"} <= from_scratch


def judge_mutant(entry: dict, materialized: dict) -> tuple[set[str], dict[str, int]]:
    """The codes of the mutant's failing cases (settled over all its cases, one test per function),
    and how many cases each listed part's functions failed."""
    from grader.diagnose.settle import settle

    assignment = COURSE.assignment(entry["assignment"])
    module = load_module(MUTANTS / entry["assignment"] / entry["name"] / assignment.module,
                         f"mutant_{entry['assignment']}_{entry['name']}")
    judged = {function: [(case, judge_case(case, run(getattr(module, function), case), TOLERANCE))
                         for case in materialized[entry["assignment"]][function]]
              for function in assignment.functions}
    settled = dict(zip(judged, settle(list(judged.values()))))
    codes: set[str] = set()
    failed: dict[str, int] = {}
    for part_id in entry["parts"]:
        for function in assignment.part(part_id).functions:
            for result in settled[function]:
                if not result.passed:
                    failed[part_id] = failed.get(part_id, 0) + 1
                    codes.update(result.codes)
    return codes, failed


def test_mutant_corpus_hit_rate(materialized, capsys):
    misses = []
    for entry in MANIFEST:
        codes, failed = judge_mutant(entry, materialized)
        # A mutant that passes a part it claims to break is a corpus error, not a diagnosis miss.
        assert set(failed) == set(entry["parts"]), (entry["name"], failed)
        named = codes & set(RANK)
        if (entry["code"] is None and named) or (entry["code"] is not None and entry["code"] not in codes):
            misses.append(f"{entry['assignment']}/{entry['name']}: expected {entry['code']}, got {sorted(codes)}")
    rate = 1 - len(misses) / len(MANIFEST)
    with capsys.disabled():
        print(f"\nmutant diagnosis hit rate: {len(MANIFEST) - len(misses)}/{len(MANIFEST)} = {rate:.1%}")
        for miss in misses:
            print("  miss:", miss)
    assert rate >= MIN_HIT_RATE, misses


def test_a_model_output_matches_only_when_every_element_does():
    """The first element decides most mismatches on its own; the rest must still be checked."""
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    case = Case("asymmetric kernel", "cross_correlate2d", (x, k))
    flipped = correlate_nhwc(x[None, :, :, None], k[::-1, ::-1, None, None])[0, :, :, 0]
    assert diagnose(case, flipped) == ("flipped_kernel",)
    last_off = flipped.copy()
    last_off[-1, -1] += 1.0
    assert diagnose(case, last_off) == ()
    first_nan = flipped.copy()
    first_nan[0, 0] = np.nan
    assert diagnose(case, first_nan) == ()


@pytest.mark.parametrize("mode", ["edge", "reflect", "constant"])
def test_padding_models_pad_as_np_pad_does(mode):
    rng = np.random.default_rng(0)
    for h, w, top, bottom, left, right in [(1, 1, 2, 0, 0, 3), (2, 3, 1, 4, 5, 0), (3, 2, 7, 6, 1, 1), (5, 4, 0, 0, 9, 2)]:
        x = rng.standard_normal((2, h, w, 3))
        pads = ((top, bottom), (left, right))
        try:
            want = np.pad(x, ((0, 0), *pads, (0, 0)), mode=mode)
        except ValueError:  # reflect of a single row: np.pad refuses some, and so may we
            continue
        np.testing.assert_array_equal(pad_hw(x, pads, mode=mode), want, err_msg=f"{mode} {x.shape} {pads}")
