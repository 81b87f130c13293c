"""Trusted side of the sandbox: owns the worker process and classifies how every call ended.

One submission = one scratch folder holding only ``<module_name>.py`` + one worker process (a fresh
one after a call kills it, at most ``MAX_RESTARTS`` times). The parent enforces wall time with
``select`` deadlines and SIGKILLs the worker's whole process group; it reads the result channel
with a size cap and treats every byte from it as hostile (see ``protocol.py``); student
stdout/stderr go to a separate pipe that is drained and capped.

Speed: a worker is normally ``fork``ed from the zygote (``_Zygote``; ``worker.zygote``), a clean
template process per grader process that has already imported numpy, instead of a fresh
interpreter (``GRADER_SANDBOX_ZYGOTE=0`` forces that plain path, which is also the fallback when no
zygote can be started). Calls are pipelined: up to ``PIPELINE_WINDOW`` call frames are queued
ahead and written whenever the command pipe has room while results are read, and call k's wall
deadline starts when result k-1 arrived (the worker runs calls strictly in order).

Zygote trade-offs: every forked worker shares the zygote's address-space layout (ASLR) and
``str`` hash secret (numpy's global RandomState is reseeded in each child), and its CPU-time
count starts at the fork (a plain worker's includes its ~0.3 s of interpreter + numpy start).
With pipelining, the frames of the next calls may already sit in the command pipe while a call
runs, so student code can read inputs it is about to receive anyway (never an expected output).

Known limitations (in-process guards are one layer, not a proof):

- numpy can read and write raw process memory (``as_strided`` with forged strides, an
  ``__array_interface__`` with an arbitrary address), which could in principle switch the audit
  hook off. The process boundary still holds: the parent trusts nothing the worker sends. But the
  worker runs as the same user as the grader (root here; the interpreter lives under a 0700 home,
  so it cannot be started as ``nobody``), so a memory-level escape could read files.
  Running the batch grader in a container or as an unprivileged user closes that.
- ``sys._getframe`` is allowed when it returns a library module's top-level frame (namedtuple,
  enum and typing need that while a module is imported). A student who arranges for their code to
  run *during* a library import (a planted meta path finder) could walk from that frame to the
  worker's frames and silence the worker's violation reporting; the operations stay blocked.
- A student who writes forged frames to the result channel can mislabel *their own* results (e.g.
  hide that a call tried something forbidden after catching the violation); they cannot make the
  parent run code, unpickle or allocate beyond the caps.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from grader.cases import Case
from grader.course import Limits
from grader.sandbox import protocol
from grader.sandbox.scan import scan_source

WORKER = Path(__file__).with_name("worker.py")
MAX_VALUE_BYTES = 64 << 20
"""A returned value larger than this is refused."""
VALUE_FACTOR = 16
"""...or larger than this many times the largest input array..."""
MIN_VALUE_BYTES = 1 << 20
"""...but a value up to this size is always accepted (tiny inputs may legitimately give larger outputs)."""
MAX_RESTARTS = 3
"""Fresh workers started after a call killed one; past this, the remaining calls are not run."""
STARTUP_GRACE = 10.0
"""Seconds for python + numpy to start before the student's code runs (not the student's fault)."""
FSIZE_MB = 64
"""RLIMIT_FSIZE: the largest file student code may write in its scratch folder."""
ZYGOTE_ENV = "GRADER_SANDBOX_ZYGOTE"
"""Set to ``0`` to start every worker as a fresh interpreter instead of forking it from the zygote."""
ZYGOTE_REPLY_TIMEOUT = 10.0
"""Seconds the zygote may take to answer one request before it is replaced."""
MAX_ZYGOTE_START_FAILURES = 3
"""Consecutive failed zygote starts after which this process uses plain workers only."""
EXIT_GRACE = 10.0
"""Seconds a SIGKILLed worker may take to be gone before its exit status is given up."""
PIPELINE_WINDOW = 16
"""Call frames written ahead of the call that is running (the worker reads them as it goes)."""
WORKER_FAULTS = {"memory_limit", "crashed", "missing_function", "refused_value"}
"""Faults the worker itself may report for a call; anything else on the wire is a protocol error."""


@dataclass
class CallOutcome:
    """What one call of a student function produced, or why it could not complete."""

    value: Any = None
    """The returned value (ndarray / int / float / bool / str / None / tuple / list), decoded safely.
    numpy scalars arrive as Python numbers (``np.integer`` -> int, ``np.floating`` -> float,
    ``np.bool_`` -> bool); other numpy scalars as 0-d arrays; an ndarray always stays an ndarray."""
    error: str | None = None
    """Class name of the exception the call raised, e.g. ``"ValueError"``."""
    error_bases: tuple[str, ...] = ()
    """Names in that exception's MRO, so a ValueError subclass counts as a ValueError."""
    message: str = ""
    """The exception message, capped at 300 characters."""
    fault: str | None = None
    """Why the call could not complete: ``timeout``, ``memory_limit``, ``crashed``,
    ``forbidden_operation``, ``forbidden_import``, ``missing_function``, ``refused_value``."""
    detail: str = ""
    """Plain-English reason for the fault, e.g. ``killed after 5.0 s of wall time``."""
    args_after: tuple = ()
    """The array arguments the call changed, as it left them (to detect mutated inputs); ``None``
    in the place of every other argument."""
    kwargs_after: dict = field(default_factory=dict)
    """The keyword arguments the call changed, as it left them."""
    seconds: float = 0.0
    """Wall time of the call inside the worker (or until it was stopped)."""


@dataclass
class SandboxResult:
    """Everything one ``run_calls`` produced; only infrastructure failures raise instead."""

    status: str
    """``ok`` when the module imported and the calls ran (even if some faulted); otherwise what
    stopped the import: ``syntax_error``, ``forbidden_import``, ``forbidden_operation``,
    ``timeout``, ``memory_limit``, ``crashed``, ``internal_error``."""
    calls: list[CallOutcome]
    """One outcome per case, in order; when ``status != "ok"`` each carries that same fault."""
    detail: str = ""
    """Reason for a non-ok status, naming the line where known."""
    line: int | None = None
    """Line of the syntax error or forbidden import, when known."""
    output: str = ""
    """The student's stdout + stderr, capped at ``limits.output_kb``."""
    seconds: float = 0.0
    """Wall time of the whole run."""
    functions: dict[str, int] = field(default_factory=dict)
    """Top-level ``def`` name -> line, from the static scan."""
    pgids: list[int] = field(default_factory=list)
    """Process group of every worker started (for audits and tests: none survives the return)."""


class _Ended(Exception):
    """The worker stopped answering: ``fault`` + ``detail`` say how (timeout, crash...)."""

    def __init__(self, fault: str, detail: str) -> None:
        super().__init__(detail)
        self.fault = fault
        self.detail = detail


class _Output:
    """Student stdout + stderr, kept up to a cap; the rest is drained and counted, not stored."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.kept = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        text = self.kept.decode("utf-8", "replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output were not kept]"
        return text


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _worker_env(home: str) -> dict[str, str]:
    """The whole environment of a worker (and of the zygote): nothing of the grader's leaks in."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _zygote_enabled() -> bool:
    """``GRADER_SANDBOX_ZYGOTE=0`` forces a fresh interpreter per worker (read at every run)."""
    return os.environ.get(ZYGOTE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class _ZygoteError(Exception):
    """The zygote could not be started, died, or answered outside its protocol."""


class _Zygote:
    """The fork server of this grader process: started lazily, shared by every thread, replaced when it dies.

    The zygote (``worker.py --zygote``) is a clean worker template: a fresh ``python -I`` with the
    workers' scrubbed environment, an empty folder as cwd, numpy and the worker's preloads imported,
    and no guards, no rlimits, no secret and no student code, ever. Each worker is a ``fork`` of it
    (see ``worker.zygote``), which skips the ~0.4 s interpreter + numpy start.

    One request/response at a time on a SOCK_SEQPACKET socket, under ``lock``. Replies are small
    JSON objects, validated here; nothing is unpickled. The zygote reaps a child only when asked,
    after the runner has killed its group: a pid the runner signals can never have been reused.
    If it dies or misbehaves it is killed and the next spawn starts a new one; if it cannot be
    started ``MAX_ZYGOTE_START_FAILURES`` times in a row, this process uses plain ``Popen`` workers.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.home: str | None = None
        self.generation = 0
        self.start_failures = 0
        self.owner = os.getpid()

    @property
    def pid(self) -> int | None:
        """Pid of the running zygote (for tests and audits)."""
        proc = self.proc
        return None if proc is None else proc.pid

    # -- lifecycle (the caller holds the lock) ----------------------------------------------

    def _ensure(self) -> None:
        if os.getpid() != self.owner:  # a forked copy of the grader must not talk to its parent's zygote
            self.forget()
        if self.proc is not None and self.proc.poll() is not None:
            self._stop(graceful=False)  # it died (killed, crashed): start a new one
        if self.proc is None:
            if self.start_failures >= MAX_ZYGOTE_START_FAILURES:
                raise _ZygoteError("the zygote could not be started; using plain workers")
            try:
                self._start()
            except _ZygoteError:
                self.start_failures += 1
                raise
            self.start_failures = 0

    def _start(self) -> None:
        try:
            parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError as e:
            raise _ZygoteError(f"no socket for the zygote ({e})") from None
        try:
            home = tempfile.mkdtemp(prefix="grader-zygote-")  # neutral, empty, never holds anything
        except OSError as e:
            parent.close()
            child.close()
            raise _ZygoteError(f"no folder for the zygote ({e})") from None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(WORKER), "--zygote", str(child.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=home,
                env=_worker_env(home),
                pass_fds=(child.fileno(),),
                close_fds=True,
                start_new_session=True,
            )
        except OSError as e:
            parent.close()
            os.rmdir(home)
            raise _ZygoteError(f"cannot start the zygote ({e})") from None
        finally:
            child.close()
        self.proc, self.sock, self.home = proc, parent, home
        self.generation += 1
        try:
            reply, fds = self._recv(STARTUP_GRACE)
            self._close_fds(fds)
            if reply.get("type") != "ready" or reply.get("pid") != proc.pid:
                raise _ZygoteError("the zygote did not report ready")
        except _ZygoteError:
            self._stop(graceful=False)
            raise

    def _stop(self, *, graceful: bool) -> None:
        """Forget the zygote and make sure it is gone.

        ``graceful``: close the socket and let it kill and reap its children (interpreter exit);
        otherwise SIGKILL it at once (it misbehaved), leaving running workers of other threads to
        their runners, which kill them through their own process group and pidfd.
        """
        sock, proc, home = self.sock, self.proc, self.home
        self.sock = self.proc = self.home = None
        self.generation += 1
        if proc is not None and not graceful:
            proc.kill()
        if sock is not None:
            sock.close()
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if home is not None:
            try:
                os.rmdir(home)
            except OSError:
                pass

    def forget(self) -> None:
        """In a forked copy of the grader: drop the parent's zygote without touching it."""
        self.lock = threading.Lock()
        if self.sock is not None:
            self.sock.close()  # this copy only: the parent's end stays open, the zygote sees no EOF
        self.sock = self.proc = self.home = None
        self.generation += 1
        self.owner = os.getpid()

    def shutdown(self) -> None:
        """At interpreter exit: EOF on its socket; the zygote kills and reaps its children, then exits."""
        if os.getpid() != self.owner:
            return
        with self.lock:
            self._stop(graceful=True)

    # -- talking (the caller holds the lock) ------------------------------------------------

    @staticmethod
    def _close_fds(fds: Sequence[int]) -> None:
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def _recv(self, timeout: float) -> tuple[dict[str, Any], list[int]]:
        assert self.sock is not None
        self.sock.settimeout(timeout)
        try:
            data, fds, flags, _ = socket.recv_fds(self.sock, 1 << 12, 1)
        except (OSError, ValueError) as e:
            raise _ZygoteError(f"no answer from the zygote ({e.__class__.__name__})") from None
        try:
            if not data:
                raise _ZygoteError("the zygote closed its socket")
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                raise _ZygoteError("truncated message from the zygote")
            try:
                reply = json.loads(data)
            except ValueError:
                raise _ZygoteError("the zygote sent something that is not JSON") from None
            if not isinstance(reply, dict):
                raise _ZygoteError("the zygote sent something that is not a JSON object")
        except _ZygoteError:
            self._close_fds(fds)
            raise
        return reply, fds

    def _request(self, message: dict[str, Any], fds: Sequence[int] = ()) -> tuple[dict[str, Any], list[int]]:
        assert self.sock is not None
        self.sock.settimeout(ZYGOTE_REPLY_TIMEOUT)
        try:
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
        except OSError as e:
            raise _ZygoteError(f"cannot reach the zygote ({e.__class__.__name__})") from None
        return self._recv(ZYGOTE_REPLY_TIMEOUT)

    # -- API --------------------------------------------------------------------------------

    def spawn(self, scratch: str, fds: Sequence[int]) -> tuple[int, int, int]:
        """Fork a worker holding ``fds`` (command read end, result write end, output write end).

        Returns ``(pid, pidfd, generation)``. Raises ``_ZygoteError`` (the caller then starts a
        plain worker, with *new* pipes: a child forked before the failure may hold these).
        """
        with self.lock:
            self._ensure()
            try:
                reply, got = self._request({"type": "spawn", "scratch": scratch}, fds)
            except _ZygoteError:
                self._stop(graceful=False)
                raise
            pid = reply.get("pid")
            if reply.get("type") != "spawned" or type(pid) is not int or pid <= 1 or len(got) != 1:
                self._close_fds(got)
                self._stop(graceful=False)
                raise _ZygoteError(f"unexpected answer from the zygote: {str(reply)[:200]}")
            return pid, got[0], self.generation

    def reap(self, pid: int, generation: int) -> tuple[int, float] | None:
        """``(wait status, CPU seconds)`` of an exited child, ``None`` while it still runs.

        Raises ``_ZygoteError`` when the zygote that forked it is gone (its status is lost).
        """
        with self.lock:
            if generation != self.generation or self.proc is None or os.getpid() != self.owner:
                raise _ZygoteError("the zygote that started this worker is gone")
            try:
                reply, got = self._request({"type": "reap", "pid": pid})
            except _ZygoteError:
                self._stop(graceful=False)
                raise
            self._close_fds(got)
            kind = reply.get("type")
            if kind == "running" and reply.get("pid") == pid:
                return None
            status, utime, stime = reply.get("status"), reply.get("utime"), reply.get("stime")
            if (kind != "reaped" or reply.get("pid") != pid or type(status) is not int
                    or not all(type(t) in (int, float) for t in (utime, stime))):
                raise _ZygoteError(f"unexpected answer from the zygote: {str(reply)[:200]}")
            return status, float(utime) + float(stime)


_ZYGOTE = _Zygote()
atexit.register(_ZYGOTE.shutdown)
os.register_at_fork(after_in_child=_ZYGOTE.forget)


def warm_up() -> None:
    """Start this process's fork server now rather than at its first submission (a batch engine
    does it while the batch is still starting). Quiet when it cannot: the first run retries, or
    falls back to plain workers."""
    if not _zygote_enabled():
        return
    with _ZYGOTE.lock:
        try:
            _ZYGOTE._ensure()
        except _ZygoteError:
            pass


class _PlainProcess:
    """A worker started as a fresh interpreter: ``python -I -B worker.py CMD_FD DATA_FD``."""

    wait_fd = None

    def __init__(self, scratch: str, cmd_r: int, data_w: int, out_w: int) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER), str(cmd_r), str(data_w)],
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=out_w,
            cwd=scratch,
            env=_worker_env(scratch),
            pass_fds=(cmd_r, data_w),
            close_fds=True,
            start_new_session=True,  # own session and process group: one killpg ends everything
        )
        self.pid = self.popen.pid

    def exited(self) -> bool:
        """Has the worker exited? (Without reaping it: its pid and group id stay reserved.)"""
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            return True

    def signal_group(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def reap(self) -> tuple[int, float] | None:
        """Wait for the (exited or SIGKILLed) worker: ``(wait status, CPU seconds)``."""
        try:
            _, status, usage = os.wait4(self.pid, 0)
        except ChildProcessError:
            return None
        self.popen.returncode = os.waitstatus_to_exitcode(status)
        return status, usage.ru_utime + usage.ru_stime

    def close(self) -> None:
        if self.popen.returncode is None:
            self.popen.returncode = -signal.SIGKILL  # reaped elsewhere or lost: keep Popen quiet


class _ForkedProcess:
    """A worker forked by the zygote; the runner holds a pidfd of it (pollable, immune to pid reuse)."""

    def __init__(self, scratch: str, cmd_r: int, data_w: int, out_w: int) -> None:
        self.pid, self.pidfd, self.generation = _ZYGOTE.spawn(scratch, (cmd_r, data_w, out_w))
        self.wait_fd = self.pidfd

    def exited(self) -> bool:
        return bool(select.select([self.pidfd], [], [], 0)[0])

    def signal_group(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            # Not yet its own group leader (between fork and setsid): the process alone.
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        except PermissionError:
            pass

    def reap(self) -> tuple[int, float] | None:
        """Wait (bounded) until the worker is gone, then ask the zygote for its status."""
        until = time.monotonic() + EXIT_GRACE
        while True:
            select.select([self.pidfd], [], [], max(0.0, until - time.monotonic()))
            try:
                got = _ZYGOTE.reap(self.pid, self.generation)
            except _ZygoteError:
                return None
            if got is not None or time.monotonic() >= until:
                return got

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = self.wait_fd = None


class _Worker:
    """One worker process: start, talk (pipelined), kill, and say how it ended."""

    def __init__(self, scratch: str, setup: dict[str, Any], limits: Limits, output: _Output,
                 use_zygote: bool = True) -> None:
        self.limits = limits
        self.output = output
        self.violation: tuple[str, str] | None = None
        self.killed_by_us = False
        self.returncode: int | None = None
        self.status_lost = False
        self.cpu_seconds = 0.0
        self.outbox: list[memoryview] = []
        self.proc: _PlainProcess | _ForkedProcess | None = None
        self.cmd_w = self.data_r = self.out_r = None
        kinds = ([_ForkedProcess] if use_zygote else []) + [_PlainProcess]
        for kind in kinds:
            cmd_r, self.cmd_w = os.pipe()
            self.data_r, data_w = os.pipe()
            self.out_r, out_w = os.pipe()
            try:
                self.proc = kind(scratch, cmd_r, data_w, out_w)
                break
            except _ZygoteError:
                # Fresh pipes for the plain worker: a child forked before the failure may hold these.
                for fd in (self.cmd_w, self.data_r, self.out_r):
                    os.close(fd)
            finally:
                for fd in (cmd_r, data_w, out_w):
                    os.close(fd)
        assert self.proc is not None
        self.pgid = self.proc.pid
        self.reader = protocol.FrameReader(max_frame=1 << 20)
        os.set_blocking(self.cmd_w, False)
        self.queue(setup, [])

    # -- talking ---------------------------------------------------------------------------

    def queue(self, header: dict[str, Any], blobs: list[bytes]) -> None:
        """Queue one frame for the worker; ``receive`` writes it as the pipe accepts it, never blocking
        (a hostile worker may stop reading while we wait for its results)."""
        self.outbox.append(memoryview(protocol.encode_frame(header, blobs)))

    def _write_some(self) -> None:
        while self.outbox:
            try:
                n = os.write(self.cmd_w, self.outbox[0])
            except BlockingIOError:
                return
            except OSError:
                # The worker closed its end: nothing more can reach it; how it ended shows on the
                # result channel (EOF) and in its exit status.
                self.outbox.clear()
                return
            if n == len(self.outbox[0]):
                self.outbox.pop(0)
            else:
                self.outbox[0] = self.outbox[0][n:]

    def receive(self, deadline: float, max_frame: int) -> tuple[dict[str, Any], list[bytes]]:
        """The next non-violation frame; violation frames are recorded on the way. Queued frames
        are written meanwhile, whenever the command pipe has room."""
        self.reader.max_frame = max_frame
        while True:
            frame = self.reader.next_frame()
            if frame is not None:
                header, blobs = frame
                if header.get("type") == "violation":
                    if self.violation is None:
                        kind = header.get("kind")
                        what = header.get("what")
                        kind = kind if kind in ("forbidden_import", "forbidden_operation") else "forbidden_operation"
                        self.violation = (kind, what[:300] if isinstance(what, str) else "?")
                    continue
                return header, blobs
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._stop("timeout", "")
            fds = [self.data_r] + ([self.out_r] if self.out_r is not None else [])
            readable, writable, _ = select.select(fds, [self.cmd_w] if self.outbox else [], [], remaining)
            if writable:
                self._write_some()
            if self.out_r in readable:
                self._drain_output()
            if self.data_r in readable:
                chunk = os.read(self.data_r, 1 << 20)
                if not chunk:
                    raise self._ended(deadline)
                self.reader.feed(chunk)  # raises ProtocolError on garbage or an absurd length

    def _drain_output(self) -> None:
        while self.out_r is not None:
            readable, _, _ = select.select([self.out_r], [], [], 0)
            if not readable:
                return
            chunk = os.read(self.out_r, 1 << 16)
            if not chunk:
                os.close(self.out_r)
                self.out_r = None
                return
            self.output.add(chunk)

    # -- ending ----------------------------------------------------------------------------

    def _stop(self, fault: str, detail: str) -> _Ended:
        self.kill()
        return _Ended(fault, detail)

    def _ended(self, deadline: float) -> _Ended:
        """The result channel closed: wait (until the deadline) for the process to exit, then classify."""
        assert self.proc is not None
        while self.returncode is None and not self.proc.exited():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._stop("timeout", "")
            fds = [self.out_r] if self.out_r is not None else []
            wait_fd = self.proc.wait_fd
            if wait_fd is not None:
                fds.append(wait_fd)
            readable = select.select(fds, [], [], remaining if wait_fd is not None else min(remaining, 0.01))[0]
            if self.out_r is not None and self.out_r in readable:
                self._drain_output()
        self._finish()
        self._drain_output()
        return self._classify()

    def _finish(self) -> None:
        """SIGKILL the whole process group, then reap the worker.

        Killing before reaping matters: while the leader is unreaped (a zombie at worst) its pid,
        and so the group id, cannot be reused by an unrelated process. (A worker that exited by
        itself is reaped the same way: its group may still hold an escaped child.)
        """
        if self.returncode is not None or self.proc is None:
            return
        self.proc.signal_group()
        got = self.proc.reap()
        if got is None:
            self.returncode, self.status_lost = -signal.SIGKILL, True
        else:
            status, self.cpu_seconds = got
            self.returncode = os.waitstatus_to_exitcode(status)

    def _classify(self) -> _Ended:
        rc = self.returncode
        assert rc is not None
        if self.status_lost:
            return _Ended("crashed", "the worker ended and its exit status was lost (the sandbox's fork server died)")
        if rc < 0:
            sig = -rc
            if sig == signal.SIGXCPU or (sig == signal.SIGKILL and self.cpu_seconds >= self.limits.cpu):
                return _Ended("timeout", f"used more than {self.limits.cpu:g} s of CPU time")
            if sig == signal.SIGKILL:
                return _Ended("memory_limit", f"killed by SIGKILL (out of memory; limit {self.limits.memory_mb} MB)")
            if sig == signal.SIGXFSZ:
                return _Ended("crashed", f"wrote a file larger than {FSIZE_MB} MB (SIGXFSZ)")
            return _Ended("crashed", f"the worker died with {_signal_name(sig)}")
        return _Ended("crashed", f"the worker exited with status {rc} (os._exit, sys.exit or exit)")

    def kill(self) -> None:
        """SIGKILL the whole process group (SIGTERM can be ignored), then reap the worker."""
        if self.returncode is None:
            self.killed_by_us = True
        self._finish()

    def close(self) -> None:
        self.kill()
        self.outbox.clear()
        for name in ("cmd_w", "data_r", "out_r"):
            fd = getattr(self, name)
            if fd is not None:
                try:
                    if name == "out_r":
                        self._drain_output()
                        fd = self.out_r
                    if fd is not None:
                        os.close(fd)
                except OSError:
                    pass
                setattr(self, name, None)
        if self.proc is not None:
            self.proc.close()


# ----------------------------------------------------------------------------------------------


def _array_bytes(values: Any, sizes: list[int]) -> list[int]:
    """Append the size of every array in ``values`` (nested in tuples, lists and dicts) to ``sizes``."""
    if isinstance(values, np.ndarray):
        sizes.append(values.nbytes)
    elif isinstance(values, (tuple, list)):
        for value in values:
            _array_bytes(value, sizes)
    elif isinstance(values, dict):
        for value in values.values():
            _array_bytes(value, sizes)
    return sizes


def _value_budget(case: Case) -> tuple[int, int]:
    """(largest value accepted back, budget for the inputs as the call left them)."""
    sizes = _array_bytes(case.kwargs, _array_bytes(case.args, []))
    largest = max(sizes, default=0)
    value = min(MAX_VALUE_BYTES, max(VALUE_FACTOR * largest, MIN_VALUE_BYTES))
    return value, 2 * sum(sizes) + MIN_VALUE_BYTES


def _text(value: Any, cap: int = 300) -> str:
    if not isinstance(value, str):
        raise protocol.ProtocolError("expected text in a result field")
    return value[:cap]


def _outcome(header: dict[str, Any], blobs: list[bytes], index: int) -> CallOutcome:
    """Build a CallOutcome from a result frame, validating every field (the worker is untrusted)."""
    if header.get("type") != "result" or header.get("index") != index:
        raise protocol.ProtocolError(f"expected the result of call {index}")
    fault = header.get("fault")
    if fault is not None and fault not in WORKER_FAULTS:
        raise protocol.ProtocolError("unknown fault on the wire")
    error = header.get("error")
    bases = header.get("bases", [])
    if not isinstance(bases, list) or len(bases) > 64:
        raise protocol.ProtocolError("bad exception bases")
    seconds = header.get("seconds", 0.0)
    after = header.get("args_after")
    after = () if after is None else protocol.decode_value(after, blobs)
    kw_after = header.get("kwargs_after") or {}
    if not isinstance(after, tuple) or not isinstance(kw_after, dict):
        raise protocol.ProtocolError("bad inputs-after")
    return CallOutcome(
        value=protocol.decode_value(header.get("value"), blobs),
        error=None if error is None else _text(error, 100),
        error_bases=tuple(_text(b, 100) for b in bases),
        message=_text(header.get("message", ""), 300),
        fault=fault,
        detail=_text(header.get("detail", ""), 300),
        args_after=after,
        kwargs_after={_text(k, 100): protocol.decode_value(v, blobs) for k, v in kw_after.items()},
        seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
    )


def _call_frame(case: Case, index: int, max_bytes: int, after_bytes: int) -> tuple[dict[str, Any], list[bytes]]:
    enc = protocol.ValueEncoder(1 << 62)
    args = enc.encode(tuple(case.args))
    kwargs = {k: enc.encode(v) for k, v in case.kwargs.items()}
    header = {"type": "call", "index": index, "function": case.function, "args": args, "kwargs": kwargs,
              "max_bytes": max_bytes, "after_bytes": after_bytes}
    return header, enc.blobs


def _failed(status: str, detail: str, n: int, *, line: int | None = None, functions: dict[str, int] | None = None,
            started: float, output: str = "", pgids: list[int] | None = None) -> SandboxResult:
    fault = "crashed" if status == "syntax_error" else status
    return SandboxResult(
        status=status,
        calls=[CallOutcome(fault=fault, detail=detail) for _ in range(n)],
        detail=detail,
        line=line,
        output=output,
        seconds=time.monotonic() - started,
        functions=functions or {},
        pgids=pgids or [],
    )


def run_calls(
    module_path: Path,
    module_name: str,
    calls: Sequence[Case],
    *,
    limits: Limits,
    forbidden_imports: Sequence[str],
    protected: Sequence[Path] = (),
    zygote: bool | None = None,
) -> SandboxResult:
    """Import a student module in a fresh, limited worker process and run ``calls`` in order.

    ``zygote=False`` starts a plain interpreter: cheaper for a process that grades one submission
    (the student's check) than starting the zygote first; ``None`` follows ``GRADER_SANDBOX_ZYGOTE``.

    Parameters
    ----------
    module_path : Path
        The student's module file (``.py``; notebooks are extracted before this).
    module_name : str
        Name to import it under (``multichannel``); it is copied alone as ``<module_name>.py`` into a
        fresh scratch folder, so nothing else from the submission folder is ever loaded.
    calls : sequence of Case
        ``getattr(module, case.function)(*case.args, **case.kwargs)`` for each, in one worker.
    limits : Limits
        ``call_timeout`` and ``timeout`` (wall, enforced here), ``cpu`` (RLIMIT_CPU),
        ``memory_mb`` (RLIMIT_AS), ``output_kb`` (stdout + stderr kept).
    forbidden_imports : sequence of str
        Modules refused statically (not run at all) and at run time, at any depth.
    protected : sequence of Path
        Folders student code may not read or list (the course root, the grader package).

    Returns
    -------
    SandboxResult
        Never raises for anything the student's code does; only infrastructure failures (no
        interpreter, an unreadable ``module_path``) raise.
    """
    started = time.monotonic()
    deadline_all = started + limits.timeout
    calls = list(calls)
    n = len(calls)
    raw = Path(module_path).read_bytes()
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return _failed("syntax_error", f"syntax error: the file is not UTF-8 text (byte {e.start})", n, started=started)
    scan = scan_source(source, forbidden_imports)
    if scan.syntax_error is not None:
        where = f" (line {scan.line})" if scan.line else ""
        return _failed("syntax_error", f"syntax error: {scan.syntax_error}{where}", n, line=scan.line, started=started)
    if scan.forbidden:
        module, line = scan.forbidden[0]
        return _failed("forbidden_import", f"forbidden import '{module}' (line {line})", n, line=line,
                       functions=scan.functions, started=started)

    scratch = tempfile.mkdtemp(prefix="grader-sandbox-")
    output = _Output(limits.output_kb * 1024)
    pgids: list[int] = []
    try:
        (Path(scratch) / f"{module_name}.py").write_bytes(raw)
        setup = {
            "type": "setup",
            "scratch": os.path.realpath(scratch),
            "module_name": module_name,
            "protected": [os.path.realpath(p) for p in protected],
            "forbidden": list(forbidden_imports),
            "memory_mb": limits.memory_mb,
            "cpu": limits.cpu,
            "fsize_mb": FSIZE_MB,
        }
        session = _Session(scratch, setup, limits, output, pgids, deadline_all, _zygote_enabled() if zygote is None else zygote)
        status, detail, line = session.start()
        if status != "ok":
            return _failed(status, detail, n, line=line, functions=scan.functions, started=started,
                           output=output.text(), pgids=pgids)
        outcomes = session.run(calls)
        session.close()
        return SandboxResult(status="ok", calls=outcomes, output=output.text(), seconds=time.monotonic() - started,
                             functions=scan.functions, pgids=pgids)
    finally:
        if "session" in locals():
            session.close()
        shutil.rmtree(scratch, ignore_errors=True)


class _Session:
    """The workers of one submission: start, restart after a fatal call, stop at the bounds."""

    def __init__(self, scratch: str, setup: dict[str, Any], limits: Limits, output: _Output,
                 pgids: list[int], deadline_all: float, use_zygote: bool = True) -> None:
        self.scratch, self.setup, self.limits, self.output = scratch, setup, limits, output
        self.pgids, self.deadline_all, self.use_zygote = pgids, deadline_all, use_zygote
        self.worker: _Worker | None = None
        self.restarts = 0

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _timeout_detail(self, deadline: float, what: str, budget: float) -> str:
        if deadline >= self.deadline_all:
            return f"stopped when the whole submission reached its {self.limits.timeout:g} s time limit"
        return f"killed after {budget:g} s of wall time {what}"

    def start(self) -> tuple[str, str, int | None]:
        """Start a worker and import the module: ``(status, detail, line)``."""
        self.close()
        now = time.monotonic()
        try:
            w = self.worker = _Worker(self.scratch, self.setup, self.limits, self.output, self.use_zygote)
        except _Ended as e:
            return "internal_error", f"the worker could not be started ({e.detail})", None
        self.pgids.append(w.pgid)
        try:
            header, _ = w.receive(min(self.deadline_all, now + STARTUP_GRACE), 1 << 20)
            if header.get("type") != "started":
                raise protocol.ProtocolError("no start message")
        except (_Ended, protocol.ProtocolError) as e:
            # Student code has not run yet: anything here is the grader's (or the machine's) fault.
            self.close()
            if isinstance(e, _Ended) and e.fault == "timeout" and time.monotonic() >= self.deadline_all:
                return "timeout", self._timeout_detail(self.deadline_all, "", 0), None
            reason = e.detail if isinstance(e, _Ended) else str(e)
            tail = self.output.text()[-500:]
            return "internal_error", f"the sandbox worker failed to start: {reason or e.__class__.__name__}. {tail}", None
        import_deadline = min(self.deadline_all, time.monotonic() + self.limits.call_timeout)
        status, detail, line = "ok", "", None
        try:
            header, _ = w.receive(import_deadline, 1 << 20)
            kind = header.get("type")
            if kind == "import_failed":
                fault = header.get("fault")
                status = fault if fault in ("crashed", "memory_limit") else "crashed"
                detail = _text(header.get("detail", ""), 400)
                line = header.get("line") if isinstance(header.get("line"), int) else None
            elif kind != "imported":
                raise protocol.ProtocolError("unexpected message while importing")
        except _Ended as e:
            status = e.fault
            detail = e.detail or ""
            if e.fault == "timeout":
                detail = self._timeout_detail(import_deadline, "while importing the module", self.limits.call_timeout)
            elif detail:
                detail = f"{detail} while importing the module"
        except protocol.ProtocolError as e:
            status, detail = "crashed", f"the worker sent malformed data on the result channel while importing ({e})"
        if w.violation is not None:
            status, what = w.violation
            detail = f"{'forbidden import' if status == 'forbidden_import' else 'forbidden operation'}: {what} (while importing the module)"
        if status != "ok":
            self.close()
        return status, detail, line

    def run(self, calls: list[Case]) -> list[CallOutcome]:
        outcomes: list[CallOutcome] = []
        budgets = [_value_budget(case) for case in calls]
        while len(outcomes) < len(calls):
            index = len(outcomes)
            if time.monotonic() >= self.deadline_all:
                return outcomes + self._not_run(calls[index:], "timeout",
                                                f"not run: the whole submission reached its {self.limits.timeout:g} s time limit")
            if self.worker is None:
                status, detail, _ = self.start()
                if status != "ok":
                    return outcomes + self._not_run(calls[index:], status, f"not run: the restarted worker failed ({detail})")
            if self._serve(calls, budgets, outcomes):
                self.close()
                last = outcomes[-1]
                if self.restarts >= MAX_RESTARTS:
                    return outcomes + self._not_run(
                        calls[len(outcomes):], last.fault or "crashed",
                        f"not run: {MAX_RESTARTS + 1} calls ended the worker ({last.fault}); it is not restarted again")
                self.restarts += 1
        return outcomes

    @staticmethod
    def _not_run(calls: list[Case], fault: str, detail: str) -> list[CallOutcome]:
        return [CallOutcome(fault=fault, detail=detail) for _ in calls]

    def _serve(self, calls: list[Case], budgets: list[tuple[int, int]], outcomes: list[CallOutcome]) -> bool:
        """Run the calls from ``len(outcomes)`` on in the current worker, pipelined.

        Up to ``PIPELINE_WINDOW`` call frames are queued ahead (written as the command pipe takes
        them, while results are read: neither side can block the other). The worker runs them in
        order, so call k starts when it has sent result k-1: that is when call k's wall deadline
        starts. Returns True when a call ended the worker (it must be replaced; the calls after
        it are sent again to the next one).
        """
        w = self.worker
        assert w is not None
        first = len(outcomes)
        sent = first
        started = time.monotonic()  # the worker is idle, waiting for call `first`
        for index in range(first, len(calls)):
            if index > first and started >= self.deadline_all:
                return False  # the caller reports the rest as not run
            while sent < len(calls) and sent - index < PIPELINE_WINDOW:
                header, blobs = _call_frame(calls[sent], sent, *budgets[sent])
                w.queue(header, blobs)
                sent += 1
            outcome, fatal = self._result(index, budgets[index], started)
            outcomes.append(outcome)
            if fatal:
                return True
            started = time.monotonic()
        return False

    def _result(self, index: int, budget: tuple[int, int], started: float) -> tuple[CallOutcome, bool]:
        """The result of call ``index``; ``fatal`` says the worker is gone (or unusable) and must be replaced."""
        w = self.worker
        assert w is not None
        w.violation = None
        deadline = min(self.deadline_all, started + self.limits.call_timeout)
        max_bytes, after_bytes = budget
        fatal = False
        try:
            reply, reply_blobs = w.receive(deadline, max_bytes + after_bytes + protocol.MAX_HEADER + (1 << 20))
            outcome = _outcome(reply, reply_blobs, index)
        except _Ended as e:
            fatal = True
            detail = e.detail
            if e.fault == "timeout" and not detail:
                detail = self._timeout_detail(deadline, "", self.limits.call_timeout)
            outcome = CallOutcome(fault=e.fault, detail=detail, seconds=time.monotonic() - started)
        except protocol.ProtocolError as e:
            fatal = True
            outcome = CallOutcome(fault="crashed", detail=f"the worker sent malformed data on the result channel ({e})",
                                  seconds=time.monotonic() - started)
        if w.violation is not None:
            outcome.fault, outcome.detail = w.violation
            outcome.value = None
        return outcome, fatal
