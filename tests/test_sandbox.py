"""Mechanics of the sandbox: values, errors, mutation, limits, restarts, output, refusals, scan, wire."""

from __future__ import annotations

import io
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from grader.cases import Case
from grader.course import Limits
from grader.sandbox import CallOutcome, SandboxResult, ScanResult, run_calls, scan_source
from grader.sandbox import protocol

LIMITS = Limits(timeout=6.0, call_timeout=2.0, cpu=10.0, memory_mb=512, output_kb=1)
FORBIDDEN = ["tensorflow", "scipy.signal", "subprocess"]


def run(tmp_path: Path, source: str, cases: list[Case], limits: Limits = LIMITS, **kw) -> SandboxResult:
    path = tmp_path / "submission" / "student.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(source))
    result = run_calls(path, "multichannel", cases, limits=limits, forbidden_imports=FORBIDDEN,
                       protected=[tmp_path / "course"], **kw)
    for pgid in result.pgids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
    return result


def call(function: str, *args, **kwargs) -> Case:
    return Case(function, function, args, kwargs)


MODULE = """
import numpy as np

class MyError(ValueError):
    pass

def ident(x):
    return x

def f32(x):
    return np.asarray(x, dtype=np.float32) * 2

def scalars():
    return np.int64(3), np.float32(0.5), np.bool_(True), np.complex128(1 + 2j), 7, "s", None, [1, (2.5,)]

def zero_d():
    return np.array(4.0)

def bad(kind):
    if kind == "value":
        raise ValueError("shapes do not match")
    if kind == "sub":
        raise MyError("x" * 1000)
    raise NotImplementedError

def mutate(x, w=None):
    x[0] = 99
    if w is not None:
        w += 1
    return None

def sleepy(s):
    import time
    time.sleep(s)
    return s

def loop():
    while True:
        pass

def chatty(n):
    print("y" * n)
    import sys
    print("err", file=sys.stderr)
    return n

def big(nbytes, *inputs):
    return np.zeros(nbytes // 8)

def weird(kind):
    if kind == "object":
        return np.array([object()])
    if kind == "structured":
        return np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])
    if kind == "subclass":
        return np.ma.masked_array([1.0, 2.0])
    if kind == "dict":
        return {"a": 1}
    if kind == "matrix_in_list":
        return [np.zeros(2).view(np.recarray)]

def env():
    import os
    return sorted(os.environ), os.listdir("."), os.getcwd()
"""


def test_values_come_back_exactly(tmp_path):
    x = np.arange(24, dtype=np.float64).reshape(1, 2, 3, 4) / 7
    u8 = np.arange(6, dtype=np.uint8).reshape(2, 3)
    r = run(tmp_path, MODULE, [call("ident", x), call("ident", u8), call("f32", x), call("scalars"), call("zero_d")])
    assert r.status == "ok" and r.detail == ""
    v0, v1, v2, v3, v4 = (c.value for c in r.calls)
    assert type(v0) is np.ndarray and v0.dtype == np.float64 and v0.shape == x.shape and np.array_equal(v0, x)
    assert v1.dtype == np.uint8 and np.array_equal(v1, u8)
    assert v2.dtype == np.float32 and np.array_equal(v2, (x * 2).astype(np.float32))
    # numpy scalars: integer -> int, floating -> float, bool_ -> bool, complex -> 0-d array
    assert v3[:3] == (3, 0.5, True) and [type(v) for v in v3[:3]] == [int, float, bool]
    assert type(v3[3]) is np.ndarray and v3[3].shape == () and v3[3] == 1 + 2j
    assert v3[4:] == (7, "s", None, [1, (2.5,)])
    assert type(v4) is np.ndarray and v4.shape == () and v4 == 4.0
    assert r.functions["ident"] > 0 and set(r.functions) >= {"ident", "bad", "mutate"}
    assert all(c.fault is None and c.error is None for c in r.calls)


def test_exceptions_are_reported_with_name_bases_and_capped_message(tmp_path):
    r = run(tmp_path, MODULE, [call("bad", "value"), call("bad", "sub"), call("bad", "ni")])
    a, b, c = r.calls
    assert (a.error, a.message, a.fault) == ("ValueError", "shapes do not match", None)
    assert b.error == "MyError" and "ValueError" in b.error_bases and len(b.message) == 300
    assert c.error == "NotImplementedError" and "RuntimeError" in c.error_bases


def test_mutated_inputs_are_visible_and_parent_copies_untouched(tmp_path):
    x, w = np.zeros(3), np.ones(2)
    r = run(tmp_path, MODULE, [call("mutate", x, w=w), call("ident", x)])
    after = r.calls[0]
    assert after.args_after[0][0] == 99 and np.array_equal(after.kwargs_after["w"], [2.0, 2.0])
    assert np.array_equal(x, np.zeros(3)) and np.array_equal(w, np.ones(2))
    assert np.array_equal(r.calls[1].args_after[0], x)  # not mutated: equal to the original


def test_timeout_in_call_2_of_4_costs_one_case(tmp_path):
    limits = Limits(timeout=10.0, call_timeout=1.0, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, MODULE, [call("ident", 1), call("loop"), call("ident", 3), call("ident", 4)], limits)
    assert r.status == "ok"
    assert [c.value for c in r.calls] == [1, None, 3, 4]
    assert r.calls[1].fault == "timeout" and "1 s" in r.calls[1].detail
    assert len(r.pgids) == 2  # a fresh worker after the timeout


def test_restarts_are_bounded(tmp_path):
    limits = Limits(timeout=20.0, call_timeout=0.5, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, MODULE, [call("loop") for _ in range(6)] + [call("ident", 1)], limits)
    assert [c.fault for c in r.calls] == ["timeout"] * 7
    assert all("not run" not in c.detail for c in r.calls[:4])
    assert all("not run" in c.detail for c in r.calls[4:])
    assert len(r.pgids) == 4  # the first worker + 3 restarts


def test_whole_submission_timeout_stops_the_rest(tmp_path):
    limits = Limits(timeout=3.0, call_timeout=2.5, cpu=10.0, memory_mb=512, output_kb=1)
    started = time.monotonic()
    r = run(tmp_path, MODULE, [call("sleepy", 0.8) for _ in range(6)], limits)
    assert time.monotonic() - started < limits.timeout + 3
    # 6 x 0.8 s cannot fit in 3 s: the submission's deadline stops one call and the rest never run
    assert [c.fault for c in r.calls[-2:]] == ["timeout", "timeout"]
    assert "not run: the whole submission" in r.calls[-1].detail
    assert len(r.pgids) == 1


def test_import_time_failures(tmp_path):
    r = run(tmp_path, "while True:\n    pass\n", [call("ident", 1)], Limits(6.0, 1.0, 10.0, 512, 1))
    assert r.status == "timeout" and r.calls[0].fault == "timeout"
    r = run(tmp_path, "x = 1\nraise RuntimeError('boom')\n", [call("ident", 1)])
    assert r.status == "crashed" and "RuntimeError: boom" in r.detail
    r = run(tmp_path, "import os\nos._exit(3)\n", [call("ident", 1)])
    assert r.status == "crashed" and "status 3" in r.detail


def test_output_is_captured_and_capped(tmp_path):
    r = run(tmp_path, MODULE, [call("chatty", 10), call("chatty", 100_000)])
    assert r.calls[1].value == 100_000
    assert "y" * 10 + "\n" in r.output and "err\n" in r.output
    assert len(r.output) < 1024 + 100 and "not kept" in r.output


@pytest.mark.parametrize("kind, words", [
    ("object", "object array"), ("structured", "structured"), ("subclass", "subclass"),
    ("dict", "dict"), ("matrix_in_list", "subclass"),
])
def test_values_that_may_not_cross_are_refused(tmp_path, kind, words):
    r = run(tmp_path, MODULE, [call("weird", kind)])
    assert r.calls[0].fault == "refused_value" and words in r.calls[0].detail and r.calls[0].value is None


def test_value_size_limits(tmp_path):
    small = np.zeros(4)
    r = run(tmp_path, MODULE, [call("big", 1 << 20, small), call("big", (1 << 20) + 8 * 100, small),
                               call("big", 16 * (1 << 20), np.zeros((1 << 20) // 8)), call("big", 70 << 20)])
    assert r.calls[0].fault is None and r.calls[0].value.nbytes == 1 << 20  # the 1 MB floor
    assert r.calls[1].fault == "refused_value" and "limit" in r.calls[1].detail  # > 16x the largest input
    assert r.calls[2].fault is None  # 16x a 1 MB input
    assert r.calls[3].fault == "refused_value"  # over 64 MB whatever the inputs


def test_only_the_module_is_copied_environment_is_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "hunter2")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "conftest.py").write_text("raise SystemExit\n")
    r = run(tmp_path, MODULE, [call("env")])
    keys, files, cwd = r.calls[0].value
    assert "GRADER_SECRET" not in keys and set(keys) <= {
        "PATH", "LANG", "HOME", "TMPDIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "LC_CTYPE"}
    assert files == ["multichannel.py"]
    assert not os.path.exists(cwd), "the scratch folder must be removed"


def test_static_forbidden_import_never_runs(tmp_path):
    marker = tmp_path / "ran"
    r = run(tmp_path, f"open({str(marker)!r}, 'w').close()\nimport scipy.signal as s\n", [call("ident", 1)])
    assert r.status == "forbidden_import" and r.detail == "forbidden import 'scipy.signal' (line 2)" and r.line == 2
    assert r.calls[0].fault == "forbidden_import" and not marker.exists() and r.pgids == []


def test_syntax_error(tmp_path):
    r = run(tmp_path, "def f(:\n    pass\n", [call("f")])
    assert r.status == "syntax_error" and r.line == 1 and "line 1" in r.detail


def test_missing_function(tmp_path):
    r = run(tmp_path, MODULE, [call("nope"), call("ident", 2)])
    assert r.calls[0].fault == "missing_function" and "nope" in r.calls[0].detail and r.calls[1].value == 2


def test_numpy_submodules_work_at_module_level(tmp_path):
    """Students seed data at import (``X = np.random.rand(3)``); numpy's lazy imports must pass the guards."""
    source = """
    import numpy as np
    X = np.random.rand(3)
    Y = np.random.default_rng(0).standard_normal((2, 2))
    Z = np.linalg.norm(Y) + np.fft.fft(X).real.sum()
    def ident(x):
        return x
    """
    r = run(tmp_path, source, [call("ident", 5)])
    assert r.status == "ok", r.detail
    assert r.calls[0].fault is None and r.calls[0].value == 5


def test_sixty_small_calls_are_fast(tmp_path):
    source = """
    import numpy as np
    def conv2d(x, w, b=None, stride=1, padding="VALID"):
        N, H, W, C = x.shape
        kh, kw, _, F = w.shape
        out = np.zeros((N, H - kh + 1, W - kw + 1, F))
        for n in range(N):
            for i in range(H - kh + 1):
                for j in range(W - kw + 1):
                    for f in range(F):
                        out[n, i, j, f] = np.sum(x[n, i:i + kh, j:j + kw, :] * w[:, :, :, f])
        return out
    """
    rng = np.random.default_rng(1)
    cases = [call("conv2d", rng.random((1, 5, 5, 3)), rng.random((3, 3, 3, 2))) for _ in range(60)]
    r = run(tmp_path, source, cases)
    assert all(c.fault is None for c in r.calls)
    in_calls = sum(c.seconds for c in r.calls)
    assert in_calls < 1.0, in_calls  # the calls themselves (the rest is process start and I/O)


# ---------------------------------------------------------------------------------------------- scan


def test_scan_finds_every_literal_spelling():
    source = textwrap.dedent("""\
        import numpy as np
        import scipy
        import tensorflow.nn as tnn
        from scipy import signal
        from scipy.signal.windows import hann
        x = __import__("tensorflow")
        import importlib
        y = importlib.import_module("scipy.signal")
        def conv2d(x, w):
            import subprocess
        async def later():
            pass
        if True:
            def maybe():
                pass
        """)
    r = scan_source(source, FORBIDDEN)
    assert isinstance(r, ScanResult) and r.syntax_error is None
    assert r.forbidden == [("tensorflow.nn", 3), ("scipy.signal", 4), ("scipy.signal.windows", 5),
                           ("tensorflow", 6), ("scipy.signal", 8), ("subprocess", 10)]
    assert r.functions == {"conv2d": 9, "later": 11, "maybe": 14}


def test_scan_allows_parent_of_forbidden_and_reports_syntax_errors():
    assert scan_source("import scipy\nimport scipy.linalg\n", ["scipy.signal"]).forbidden == []
    r = scan_source("x = 1\ndef f(\n", [])
    assert r.syntax_error and r.line == 2 and r.functions == {}
    assert scan_source("x = '\0'\0", []).syntax_error


# ---------------------------------------------------------------------------------------------- wire


def test_forged_npy_header_is_rejected_before_allocation():
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.zeros(2))
    forged = buf.getvalue().replace(b"(2,)", b"(10000000000000,)".ljust(4))
    with pytest.raises(protocol.ProtocolError):
        protocol.npy_to_array(forged)
    with pytest.raises(protocol.ProtocolError):
        protocol.npy_to_array(b"not an npy file")


def test_frame_reader_rejects_garbage_and_huge_lengths():
    reader = protocol.FrameReader(max_frame=1000)
    with pytest.raises(protocol.ProtocolError):
        reader.feed(b"GSB1" + (1 << 62).to_bytes(8, "big"))
    with pytest.raises(protocol.ProtocolError):
        protocol.FrameReader(1000).feed(b"garbage-garbage")
    ok = protocol.FrameReader(1 << 20)
    node, blobs = protocol.encode_value((np.arange(3), [1.5, "a"], None), 1 << 20)
    ok.feed(protocol.encode_frame({"type": "t", "v": node}, blobs))
    header, got = ok.next_frame()
    value = protocol.decode_value(header["v"], got)
    assert np.array_equal(value[0], np.arange(3)) and value[1:] == ([1.5, "a"], None)


@pytest.mark.parametrize("node", [[1, 2], {"A": 5}, {"X": 1}, {"T": 1}, {"A": 0, "T": []}])
def test_decoder_accepts_only_the_grammar(node):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_value(node, [])


def test_public_types():
    assert CallOutcome().fault is None and CallOutcome().args_after == ()
