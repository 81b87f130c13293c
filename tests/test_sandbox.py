"""Mechanics of the sandbox: values, errors, mutation, limits, restarts, output, refusals, scan, wire."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from grader.cases import Case
from grader.course import Limits
from grader.sandbox import CallOutcome, SandboxResult, ScanResult, run_calls, scan_source
from grader.sandbox import forkserver, protocol

LIMITS = Limits(timeout=6.0, call_timeout=2.0, cpu=10.0, memory_mb=512, output_kb=1)
FORBIDDEN = ["tensorflow", "scipy.signal", "subprocess"]


def _isolation() -> str:
    """What the mode chosen by the ``both`` fixture asks of run_calls (kernel modes must not fall back)."""
    return "kernel" if os.environ.get(forkserver.MODE_ENV) in ("jail", "landlock") else "none"


def run(tmp_path: Path, source: str, cases: list[Case], limits: Limits = LIMITS, **kw) -> SandboxResult:
    path = tmp_path / "submission" / "student.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(source))
    kw.setdefault("isolation", _isolation())
    result = run_calls(path, "multichannel", cases, limits=limits, forbidden_imports=FORBIDDEN,
                       protected=[tmp_path / "course"], **kw)
    expected = os.environ.get(forkserver.MODE_ENV, "jail") if kw["isolation"] == "kernel" else "none"
    assert result.isolation == expected or result.status in ("syntax_error", "forbidden_import"), result.isolation
    for pgid in result.pgids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
    return result


def call(function: str, *args, **kwargs) -> Case:
    return Case(function, function, args, kwargs)


MODES = ["jail", "landlock", "zygote", "plain"]
"""The ways a worker runs: in the jail, under Landlock + seccomp, forked unjailed, a fresh interpreter."""


def use_mode(monkeypatch, mode: str) -> None:
    monkeypatch.setenv(forkserver.MODE_ENV, mode if mode in ("jail", "landlock") else "none")
    monkeypatch.setenv(forkserver.ZYGOTE_ENV, "0" if mode == "plain" else "1")


@pytest.fixture(params=MODES)
def both(request, monkeypatch) -> str:
    """Run the test in every way a worker runs (the behaviour seen by the student is the same)."""
    use_mode(monkeypatch, request.param)
    return request.param


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
        return {1: "a"}  # a dict crosses only with str keys (a05's tf_conv2d_args returns one)
    if kind == "str_dict":
        return {"strides": [1, 2, 2, 1], "padding": np.zeros(2)}
    if kind == "matrix_in_list":
        return [np.zeros(2).view(np.recarray)]

def env():
    import os
    return sorted(os.environ), os.listdir("."), os.getcwd()
"""


def test_values_come_back_exactly(tmp_path, both):
    x = np.arange(24, dtype=np.float64).reshape(1, 2, 3, 4) / 7
    u8 = np.arange(6, dtype=np.uint8).reshape(2, 3)
    r = run(tmp_path, MODULE, [call("ident", x), call("ident", u8), call("f32", x), call("scalars"), call("zero_d")])
    assert r.status == "ok" and r.detail == ""
    v0, v1, v2, v3, v4 = (c.value for c in r.calls)
    assert type(v0) is np.ndarray and v0.dtype == np.float64 and v0.shape == x.shape and np.array_equal(v0, x)
    assert v1.dtype == np.uint8 and np.array_equal(v1, u8)
    assert v2.dtype == np.float32 and np.array_equal(v2, (x * 2).astype(np.float32))
    # numpy scalars keep their type and dtype
    assert v3[:4] == (3, 0.5, True, 1 + 2j)
    assert [type(v) for v in v3[:4]] == [np.int64, np.float32, np.bool_, np.complex128]
    assert v3[4:] == (7, "s", None, [1, (2.5,)])
    assert type(v4) is np.ndarray and v4.shape == () and v4 == 4.0
    assert r.functions["ident"] > 0 and set(r.functions) >= {"ident", "bad", "mutate"}
    assert all(c.fault is None and c.error is None for c in r.calls)


def test_exceptions_are_reported_with_name_bases_and_capped_message(tmp_path, both):
    r = run(tmp_path, MODULE, [call("bad", "value"), call("bad", "sub"), call("bad", "ni")])
    a, b, c = r.calls
    assert (a.error, a.message, a.fault) == ("ValueError", "shapes do not match", None)
    assert b.error == "MyError" and "ValueError" in b.error_bases and len(b.message) == 300
    assert c.error == "NotImplementedError" and "RuntimeError" in c.error_bases


def test_mutated_inputs_are_visible_and_parent_copies_untouched(tmp_path, both):
    x, w = np.zeros(3), np.ones(2)
    r = run(tmp_path, MODULE, [call("mutate", x, w=w), call("ident", x)])
    after = r.calls[0]
    assert after.args_after[0][0] == 99 and np.array_equal(after.kwargs_after["w"], [2.0, 2.0])
    assert np.array_equal(x, np.zeros(3)) and np.array_equal(w, np.ones(2))
    assert list(after.kwargs_after) == ["w"] and after.args_after[1:] == ()
    assert r.calls[1].args_after == () and r.calls[1].kwargs_after == {}  # unchanged: nothing sent back


def test_timeout_in_call_2_of_4_costs_one_case(tmp_path, both):
    limits = Limits(timeout=10.0, call_timeout=1.0, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, MODULE, [call("ident", 1), call("loop"), call("ident", 3), call("ident", 4)], limits)
    assert r.status == "ok"
    assert [c.value for c in r.calls] == [1, None, 3, 4]
    assert r.calls[1].fault == "timeout" and "1 s" in r.calls[1].detail
    assert len(r.pgids) == 2  # a fresh worker after the timeout


def test_restarts_are_bounded(tmp_path, both):
    limits = Limits(timeout=20.0, call_timeout=0.5, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, MODULE, [call("loop") for _ in range(6)] + [call("ident", 1)], limits)
    assert [c.fault for c in r.calls] == ["timeout"] * 7
    assert all("not run" not in c.detail for c in r.calls[:4])
    assert all("not run" in c.detail for c in r.calls[4:])
    assert len(r.pgids) == 4  # the first worker + 3 restarts


def test_whole_submission_timeout_stops_the_rest(tmp_path, both):
    limits = Limits(timeout=3.0, call_timeout=2.5, cpu=10.0, memory_mb=512, output_kb=1)
    started = time.monotonic()
    r = run(tmp_path, MODULE, [call("sleepy", 0.8) for _ in range(6)], limits)
    assert time.monotonic() - started < limits.timeout + 3
    # 6 x 0.8 s cannot fit in 3 s: the submission's deadline stops one call and the rest never run
    assert [c.fault for c in r.calls[-2:]] == ["timeout", "timeout"]
    assert "not run: the whole submission" in r.calls[-1].detail
    assert len(r.pgids) == 1


def test_import_time_failures(tmp_path, both):
    r = run(tmp_path, "while True:\n    pass\n", [call("ident", 1)], Limits(6.0, 1.0, 10.0, 512, 1))
    assert r.status == "timeout" and r.calls[0].fault == "timeout"
    r = run(tmp_path, "x = 1\nraise RuntimeError('boom')\n", [call("ident", 1)])
    assert r.status == "crashed" and "RuntimeError: boom" in r.detail
    r = run(tmp_path, "import os\nos._exit(3)\n", [call("ident", 1)])
    assert r.status == "crashed" and "status 3" in r.detail


def test_output_is_captured_and_capped(tmp_path, both):
    r = run(tmp_path, MODULE, [call("chatty", 10), call("chatty", 100_000)])
    assert r.calls[1].value == 100_000
    assert "y" * 10 + "\n" in r.output and "err\n" in r.output
    assert len(r.output) < 1024 + 100 and "not kept" in r.output


def test_a_dict_with_str_keys_crosses(tmp_path):
    r = run(tmp_path, MODULE, [call("weird", "str_dict")])
    assert r.calls[0].fault is None, r.calls[0].detail
    value = r.calls[0].value
    assert value["strides"] == [1, 2, 2, 1] and isinstance(value["padding"], np.ndarray)


@pytest.mark.parametrize("kind, words", [
    ("object", "object array"), ("structured", "structured"), ("subclass", "subclass"),
    ("dict", "dict"), ("matrix_in_list", "subclass"),
])
def test_values_that_may_not_cross_are_refused(tmp_path, kind, words):
    r = run(tmp_path, MODULE, [call("weird", kind)])
    assert r.calls[0].fault == "refused_value" and words in r.calls[0].detail and r.calls[0].value is None


def test_value_size_limits(tmp_path, both):
    small = np.zeros(4)
    r = run(tmp_path, MODULE, [call("big", 1 << 20, small), call("big", (1 << 20) + 8 * 100, small),
                               call("big", 16 * (1 << 20), np.zeros((1 << 20) // 8)), call("big", 70 << 20)])
    assert r.calls[0].fault is None and r.calls[0].value.nbytes == 1 << 20  # the 1 MB floor
    assert r.calls[1].fault == "refused_value" and "limit" in r.calls[1].detail  # > 16x the largest input
    assert r.calls[2].fault is None  # 16x a 1 MB input
    assert r.calls[3].fault == "refused_value"  # over 64 MB whatever the inputs


def test_only_the_module_is_copied_environment_is_scrubbed(tmp_path, both, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "hunter2")
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "conftest.py").write_text("raise SystemExit\n")
    r = run(tmp_path, MODULE, [call("env")])
    keys, files, cwd = r.calls[0].value
    assert "GRADER_SECRET" not in keys and set(keys) <= {
        "PATH", "LANG", "HOME", "TMPDIR", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "LC_CTYPE"}
    assert files == ["multichannel.py"]
    if both == "jail":
        assert cwd == "/scratch"  # its own tmpfs, gone with the worker's mount namespace
    else:
        assert not os.path.exists(cwd), "the scratch folder must be removed"


def test_static_forbidden_import_never_runs(tmp_path):
    marker = tmp_path / "ran"
    r = run(tmp_path, f"open({str(marker)!r}, 'w').close()\nimport scipy.signal as s\n", [call("ident", 1)])
    assert r.status == "forbidden_import" and r.detail == "forbidden import 'scipy.signal' (line 2)" and r.line == 2
    assert r.calls[0].fault == "forbidden_import" and not marker.exists() and r.pgids == []


def test_syntax_error(tmp_path):
    r = run(tmp_path, "def f(:\n    pass\n", [call("f")])
    assert r.status == "syntax_error" and r.line == 1 and "line 1" in r.detail


def test_missing_function(tmp_path, both):
    r = run(tmp_path, MODULE, [call("nope"), call("ident", 2)])
    assert r.calls[0].fault == "missing_function" and "nope" in r.calls[0].detail and r.calls[1].value == 2


def test_numpy_submodules_work_at_module_level(tmp_path, both):
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


def test_each_worker_draws_its_own_unseeded_random_numbers(tmp_path, both):
    """Workers forked from one template must not all replay its global RandomState."""
    source = """
    import numpy as np
    def draw():
        return np.random.rand(4)
    """
    first, second = (run(tmp_path, source, [call("draw")]).calls[0].value for _ in range(2))
    assert first.shape == second.shape == (4,) and not np.array_equal(first, second)


def test_sixty_small_calls_are_fast(tmp_path, both):
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


# ---------------------------------------------------------------------------------------------- pipelining


def test_each_call_gets_its_own_deadline(tmp_path, both):
    """Call k's wall time starts when it is sent, after call k-1's result arrived."""
    limits = Limits(timeout=10.0, call_timeout=1.0, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, MODULE, [call("sleepy", 0.6) for _ in range(4)] + [call("loop"), call("ident", 5)], limits)
    assert [c.fault for c in r.calls] == [None] * 4 + ["timeout", None]
    assert [c.value for c in r.calls[:4]] == [0.6] * 4 and r.calls[5].value == 5
    assert len(r.pgids) == 2


def test_large_frames_in_both_directions_do_not_deadlock(tmp_path, both):
    """Far more than a pipe buffer each way: the parent writes while it reads."""
    rng = np.random.default_rng(3)
    arrays = [rng.random(300_000) for _ in range(12)]  # 2.4 MB each
    r = run(tmp_path, MODULE, [call("ident", a) for a in arrays], Limits(30.0, 5.0, 20.0, 1024, 1))
    assert all(c.fault is None for c in r.calls), [c.detail for c in r.calls]
    assert all(np.array_equal(c.value, a) for c, a in zip(r.calls, arrays))


# ---------------------------------------------------------------------------------------------- zygote

PROBE = """
import os, sys

def fds():
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.append((int(fd), os.readlink("/proc/self/fd/" + fd)))
        except OSError:
            pass  # the descriptor listdir itself used
    return sorted(out), [int(a) for a in sys.argv[1:]]

def ids():
    return os.getpid(), os.getppid(), os.getpgid(0), os.getsid(0)

def ident(x):
    return x

def sleepy(s):
    import time
    time.sleep(s)
    return s
"""


def _outcome_key(c: CallOutcome) -> tuple:
    value = c.value.tolist() if isinstance(c.value, np.ndarray) else repr(c.value)
    return (c.fault, c.detail, c.error, c.error_bases, c.message, value)


def test_every_mode_gives_identical_outcomes(tmp_path, monkeypatch):
    limits = Limits(timeout=20.0, call_timeout=1.0, cpu=10.0, memory_mb=512, output_kb=1)
    source = MODULE + "\ndef die(code):\n    import os\n    os._exit(code)\n"
    cases = [call("ident", np.arange(6).reshape(2, 3)), call("scalars"), call("bad", "sub"), call("nope"),
             call("weird", "object"), call("loop"), call("die", 3), call("mutate", np.zeros(2)), call("chatty", 3),
             call("big", 70 << 20)]
    results = {}
    for mode in MODES:
        use_mode(monkeypatch, mode)
        results[mode] = run(tmp_path, source, cases, limits)
    first = results["jail"]
    for mode, r in results.items():
        assert (r.status, r.detail, r.output) == (first.status, first.detail, first.output), mode
        assert [_outcome_key(c) for c in r.calls] == [_outcome_key(c) for c in first.calls], mode
        assert len(r.pgids) == 3, mode
    assert [c.fault for c in first.calls] == [None, None, None, "missing_function", "refused_value", "timeout",
                                              "crashed", None, None, "refused_value"]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def _zygote_host_pid(mode: str) -> int | None:
    """The fork server's pid on this machine (in the jail: the launcher's only child)."""
    z = forkserver.zygote("none" if mode in ("zygote", "plain") else mode)
    if z.pid is None:
        return None
    if mode == "jail":
        kids = _children(z.pid)
        return kids[0] if kids else None
    return z.pid


def _live_workers(mode: str) -> list[int]:
    if mode == "plain":
        return _children(os.getpid())
    zpid = _zygote_host_pid(mode)
    return _children(zpid) if zpid else []


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _watch_worker(mode: str, seen: dict) -> None:
    """From the trusted side, while a worker sleeps in a call: its descriptors, ids, layers, namespaces."""
    time.sleep(1.0)  # well inside the 2 s call: the worker has long finished its setup
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "fds" not in seen:
        for pid in _live_workers(mode):
            try:
                seen["fds"] = {int(fd): os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
                seen["status"] = _status(pid)
                seen["ns"] = {n: os.readlink(f"/proc/{pid}/ns/{n}") for n in ("user", "mnt", "pid", "net", "ipc")}
                seen["root"] = os.readlink(f"/proc/{pid}/root")
            except OSError:
                seen.clear()
        time.sleep(0.05)


@pytest.mark.parametrize("mode", MODES)
def test_worker_layers_seen_from_the_trusted_side(tmp_path, monkeypatch, mode):
    """While a worker sleeps in a call, /proc (of this machine) shows what it holds and what it is:
    only its stdio and two pipes; in the kernel modes its own uid (jail), no capabilities,
    no_new_privs, seccomp filtering, not dumpable; in the jail, namespaces of its own."""
    use_mode(monkeypatch, mode)
    run(tmp_path, PROBE, [call("ident", 1)])  # the fork server is up
    seen: dict = {}
    watcher = threading.Thread(target=_watch_worker, args=(mode, seen))
    watcher.start()
    limits = Limits(timeout=10.0, call_timeout=5.0, cpu=10.0, memory_mb=512, output_kb=1)
    r = run(tmp_path, PROBE, [call("sleepy", 2.0)], limits)
    watcher.join()
    assert r.calls[0].value == 2.0
    fds = seen["fds"]
    assert sorted(fds)[:3] == [0, 1, 2] and len(fds) == 5, fds
    assert fds[0] == "/dev/null" and all(t.startswith("pipe:") for fd, t in fds.items() if fd), fds
    status = seen["status"]
    if mode in ("jail", "landlock"):
        assert status["CapEff"] == status["CapPrm"] == status["CapBnd"] == "0000000000000000", status
        assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2", status
    own = {n: os.readlink(f"/proc/self/ns/{n}") for n in seen["ns"]}
    if mode == "jail":
        uids = {int(u) for u in status["Uid"].split()}
        assert len(uids) == 1 and uids.pop() >= forkserver.host_uid_base() + forkserver.WORKER_UID
        assert all(seen["ns"][n] != own[n] for n in own), (seen["ns"], own)
        assert seen["root"] == "/", seen["root"]  # its root is the jail's (the path as seen from inside it)
    else:
        assert seen["ns"] == own


def test_forked_worker_is_its_own_session(tmp_path, both):
    r = run(tmp_path, PROBE, [call("ids")])
    pid, ppid, pgid, sid = r.calls[0].value
    assert pgid == sid == pid  # own session and process group
    if both == "jail":
        assert ppid == 1  # the fork server is the first process of the jail's PID namespace
    elif both == "plain":
        assert ppid == os.getpid()
    else:
        assert ppid == _zygote_host_pid(both)


def test_concurrent_run_calls_from_four_threads(tmp_path):
    limits = Limits(timeout=20.0, call_timeout=1.0, cpu=10.0, memory_mb=512, output_kb=1)
    results: dict[int, SandboxResult] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            folder = tmp_path / f"t{i}"
            folder.mkdir()
            cases = [call("ident", np.full(3, i * 100 + k)) for k in range(20)]
            if i == 1:
                cases[5] = call("loop")  # a timeout and a restart in one thread while the others run
            results[i] = run(folder, MODULE, cases, limits, isolation="kernel")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i, r in results.items():
        assert r.isolation == "jail"
        for k, c in enumerate(r.calls):
            if i == 1 and k == 5:
                assert c.fault == "timeout"
            else:
                assert c.fault is None and np.array_equal(c.value, np.full(3, i * 100 + k)), (i, k, c)
        assert len(r.pgids) == (2 if i == 1 else 1)
    assert len({p for r in results.values() for p in r.pgids}) == 5


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for a parent counts as gone)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.mark.parametrize("mode", ["jail", "zygote"])
def test_fork_server_restarts_after_being_killed(tmp_path, monkeypatch, mode):
    use_mode(monkeypatch, mode)
    run(tmp_path, PROBE, [call("ids")])
    first = _zygote_host_pid(mode)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while not _gone(first) and time.monotonic() < deadline:
        time.sleep(0.01)
    r = run(tmp_path, PROBE, [call("ids"), call("ident", 2)])
    assert r.status == "ok" and r.calls[1].value == 2
    second = _zygote_host_pid(mode)
    assert second not in (None, first)


@pytest.mark.parametrize("mode", ["jail", "zygote"])
def test_hung_fork_server_is_replaced_and_the_run_still_completes(tmp_path, monkeypatch, mode):
    use_mode(monkeypatch, mode)
    run(tmp_path, PROBE, [call("ident", 1)])
    stuck = _zygote_host_pid(mode)
    monkeypatch.setattr(forkserver, "ZYGOTE_REPLY_TIMEOUT", 0.5)
    os.kill(stuck, signal.SIGSTOP)
    try:
        r = run(tmp_path, PROBE, [call("ids"), call("ident", 4)])
    finally:
        try:
            os.kill(stuck, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert r.status == "ok" and r.calls[1].value == 4
    deadline = time.monotonic() + 5
    while not _gone(stuck) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _gone(stuck) and _zygote_host_pid(mode) not in (None, stuck)


def test_unjailed_fork_server_that_cannot_start_falls_back_to_plain_workers(tmp_path, monkeypatch):
    use_mode(monkeypatch, "zygote")
    broken = forkserver.Zygote("none")
    starts = []

    def fail() -> None:
        starts.append(1)
        raise forkserver.ZygoteError("no zygote today")

    monkeypatch.setattr(broken, "_start", fail)
    monkeypatch.setitem(forkserver._ZYGOTES, "none", broken)
    for _ in range(forkserver.MAX_ZYGOTE_START_FAILURES + 2):
        r = run(tmp_path, PROBE, [call("ids"), call("ident", 3)])
        assert r.status == "ok" and r.calls[0].value[1] == os.getpid() and r.calls[1].value == 3
    assert len(starts) == forkserver.MAX_ZYGOTE_START_FAILURES  # then it stops trying


def test_a_required_kernel_sandbox_that_cannot_start_is_never_replaced_by_a_weaker_one(tmp_path, monkeypatch):
    use_mode(monkeypatch, "jail")
    broken = forkserver.Zygote("jail")
    monkeypatch.setattr(broken, "_start", lambda: (_ for _ in ()).throw(forkserver.ZygoteError("no namespaces")))
    monkeypatch.setitem(forkserver._ZYGOTES, "jail", broken)
    marker = tmp_path / "ran"
    (tmp_path / "m.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef touch():\n    pass\n")
    result = run_calls(tmp_path / "m.py", "m", [call("touch")], limits=LIMITS, forbidden_imports=[],
                       isolation="kernel")
    assert result.status == "internal_error" and "no kernel sandbox" in result.detail and "no namespaces" in result.detail
    assert result.calls[0].fault == "internal_error" and not marker.exists()


@pytest.mark.parametrize("how", ["exit", "sigkill"])
@pytest.mark.parametrize("mode", ["jail", "zygote"])
def test_fork_server_and_its_workers_die_with_the_grader(tmp_path, how, mode):
    script = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        from pathlib import Path
        from grader.cases import Case
        from grader.course import Limits
        from grader.sandbox import forkserver, run_calls
        path = Path(sys.argv[1])
        path.write_text("import time\\ndef nap(s):\\n    time.sleep(s)\\n    return s\\n")
        limits = Limits(timeout=60.0, call_timeout=60.0, cpu=60.0, memory_mb=512, output_kb=1)
        isolation = "kernel" if {mode!r} == "jail" else "none"
        run_calls(path, "m", [Case("a", "nap", (0,), {{}})], limits=limits, forbidden_imports=[], isolation=isolation)
        threading.Thread(target=run_calls, args=(path, "m", [Case("a", "nap", (30,), {{}})]),
                         kwargs=dict(limits=limits, forbidden_imports=[], isolation=isolation), daemon=True).start()
        def children(pid):
            try:
                return open(f"/proc/{{pid}}/task/{{pid}}/children").read().split()
            except OSError:
                return []
        top = forkserver.zygote("jail" if isolation == "kernel" else "none").pid
        procs = [str(top)]
        for _ in range(500):
            procs = [str(top)]
            todo = [str(top)]
            while todo:
                kids = children(todo.pop())
                procs += kids
                todo += kids
            if len(procs) >= (3 if isolation == "kernel" else 2):
                break
            time.sleep(0.01)
        print(*procs, flush=True)
        if {how!r} == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.exit(0)
        """)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.py")], capture_output=True, text=True,
                         env=env, timeout=60)
    procs = [int(x) for x in out.stdout.split()]
    assert len(procs) >= (3 if mode == "jail" else 2), (out.stdout, out.stderr[-2000:])
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in procs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(p) for p in procs), out.stderr[-2000:]


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


@pytest.mark.parametrize("array", [
    np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.array(3.5), np.zeros((0, 3)),
    np.array(["ab", "c"]), np.arange(4, dtype=">i4"), np.array([1 + 2j]), np.array([True, False]),
])
def test_npy_round_trip_keeps_dtype_order_and_gives_owned_writable_arrays(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    for _ in range(2):  # the second read comes from the header cache
        got = protocol.npy_to_array(buf.getvalue())
        assert got.dtype == array.dtype and got.shape == array.shape and np.array_equal(got, array)
        assert got.flags.writeable and got.flags.owndata and got.flags.f_contiguous == array.flags.f_contiguous


@pytest.mark.parametrize("array", [
    np.arange(6.0).reshape(2, 3), np.asfortranarray(np.ones((2, 3))), np.array(3, np.uint8), np.zeros((0, 3), np.float32),
    np.zeros((1, 2, 3, 4, 5), np.int8), np.array(["ab", "c"]), np.zeros(7, ">f4"), np.array([True]),
])
def test_plain_npy_headers_are_read_as_numpy_reads_them(array):
    """The fast header parser must agree with numpy's own on every header numpy writes."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    data = buf.getvalue()
    end = 10 + int.from_bytes(data[8:10], "little")
    reference = io.BytesIO(data)
    np.lib.format.read_magic(reference)
    assert protocol._plain_header(data[10:end]) == np.lib.format.read_array_header_1_0(reference)
    if array.flags.c_contiguous:  # and the cached headers write exactly what numpy writes
        assert protocol.array_to_npy(array) == data


@pytest.mark.parametrize("header, refused", [
    (b"{'descr': '|O', 'fortran_order': False, 'shape': (3,), } \n", True),
    (b"{'descr': '<q9', 'fortran_order': False, 'shape': (3,), } \n", True),
    (b"{'descr': '<f8', 'fortran_order': False, 'shape': (3), } \n", False),  # not numpy's layout
    (b"{'descr': '<f8', 'shape': (3,), 'fortran_order': False} \n", False),
])
def test_odd_npy_headers_are_refused_or_left_to_numpy(header, refused):
    if refused:
        with pytest.raises(protocol.ProtocolError):
            protocol._plain_header(header)
    else:
        assert protocol._plain_header(header) is None


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


@pytest.mark.parametrize("zygote", [False, True])
def test_zygote_argument_chooses_how_the_worker_starts(tmp_path, zygote):
    """A one-submission process (the student's check) asks for a plain worker: our own child."""
    source = """
    import os
    def parent():
        return os.getppid()
    """
    path = tmp_path / "student.py"
    path.write_text(textwrap.dedent(source))
    r = run_calls(path, "multichannel", [call("parent")], limits=LIMITS, forbidden_imports=FORBIDDEN, zygote=zygote,
                  isolation="none")
    assert r.status == "ok", r.detail
    assert (r.calls[0].value == os.getpid()) is (not zygote)


# ---------------------------------------------------------------------------------------------- kernel layers alone

POLICY_PROBE = """
import errno, fcntl, mmap, os, signal, socket

def attempts():
    open("f", "w").close()
    fd = os.open("f", os.O_RDONLY)
    tries = {
        "fork": os.fork,
        "kill -1": lambda: os.kill(-1, signal.SIGKILL),
        "kill pid 1": lambda: os.kill(1, signal.SIGKILL),
        "pidfd_open": lambda: os.pidfd_open(1),
        "memfd_create": lambda: os.memfd_create("x"),
        "socket": lambda: socket.socket(socket.AF_UNIX),
        "socketpair": socket.socketpair,
        "chmod": lambda: os.chmod("f", 0o4777),
        "chown": lambda: os.chown("f", 0, 0),
        "utime": lambda: os.utime("f", (0, 0)),
        "setxattr": lambda: os.setxattr("f", "user.x", b"1"),
        "setpriority PRIO_USER 0": lambda: os.setpriority(os.PRIO_USER, 0, 19),
        "setpriority pid 1": lambda: os.setpriority(os.PRIO_PROCESS, 1, 19),
        "sched_setaffinity pid 1": lambda: os.sched_setaffinity(1, {0}),
        "F_SETOWN": lambda: fcntl.fcntl(fd, fcntl.F_SETOWN, 1),
        "FS_IOC_SETFLAGS": lambda: fcntl.ioctl(fd, 0x40086602, b"\\x10\\0\\0\\0"),
        "rwx memory": lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC),
        "unshare": lambda: os.unshare(0) if hasattr(os, "unshare") else (_ for _ in ()).throw(PermissionError(1, "")),
    }
    out = {}
    for name, attempt in tries.items():
        try:
            attempt()
            out[name] = "allowed"
        except OSError as e:
            out[name] = errno.errorcode.get(e.errno, str(e.errno))
    out["setpriority self"] = "allowed" if os.setpriority(os.PRIO_PROCESS, 0, 5) is None else "?"
    return [f"{k}={v}" for k, v in out.items()]
"""


@pytest.mark.parametrize("mode", ["jail", "landlock"])
def test_the_kernel_layers_alone_refuse_what_the_policy_lists(tmp_path, monkeypatch, mode):
    """With the in-process guards off (as student code that switched them off), each call the
    policy refuses fails with EPERM (or EACCES from the uid/Landlock); what a worker needs still works."""
    use_mode(monkeypatch, mode)
    r = run(tmp_path, POLICY_PROBE, [call("attempts")], guards=False)
    seen = dict(item.split("=", 1) for item in r.calls[0].value or [])
    assert seen.pop("setpriority self", None) == "allowed", (r.calls[0], r.output)
    assert {name: e for name, e in seen.items() if e not in ("EPERM", "EACCES")} == {}, seen


def test_a_forged_frame_cannot_name_one_blob_twice():
    """The trusted decoder would copy a 1 MB blob once per reference: half a million references fit
    in a 4 MB header."""
    blob = protocol.array_to_npy(np.zeros(1 << 17))
    with pytest.raises(protocol.ProtocolError, match="named twice"):
        protocol.decode_value({"L": [{"A": 0}] * 3}, [blob], used=set())
    used: set[int] = set()
    protocol.decode_value({"A": 0}, [blob, blob], used=used)
    with pytest.raises(protocol.ProtocolError, match="named twice"):
        protocol.decode_value({"T": [{"S": 0}]}, [blob, blob], used=used)  # across the fields of one frame


def test_forged_result_fields_are_the_students_crash_not_the_graders(tmp_path, both):
    source = '''
import json, os, struct, sys

def conv2d(x):
    header = json.dumps({"type": "result", "index": 0, "value": None, "seconds": float("1e400") if False else 10**400,
                         "blobs": []}).encode()
    payload = struct.pack(">I", len(header)) + header
    os.write(int(sys.argv[2]), struct.pack(">4sQ", b"GSB1", len(payload)) + payload)
    os._exit(0)
'''
    r = run(tmp_path, source, [call("conv2d", 1), call("conv2d", 2)], guards=False)
    assert r.status == "ok" and r.calls[0].fault == "crashed" and "malformed" in r.calls[0].detail, r.calls[0]
