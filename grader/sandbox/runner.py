"""Trusted side of the sandbox: owns the worker process and classifies how every call ended.

One submission = one worker process (a fresh one after a call kills it, at most ``MAX_RESTARTS``
times), forked by a fork server (``forkserver.py``) inside the kernel-enforced jail where the
caller asks for one (``isolation="kernel"``: hidden grading), or unjailed (``"none"``: a student's
own check). The worker gets the module's source in its setup frame and writes it into its own
scratch folder, so nothing else from the submission folder is ever loaded. The parent enforces
wall time with ``select`` deadlines and SIGKILLs the worker through its pidfd; it reads the result
channel with a size cap and treats every byte from it as hostile (see ``protocol.py``); student
stdout/stderr go to a separate pipe that is drained and capped.

Calls are sent one at a time: the frame of call k+1 is written only after result k has arrived, so
the worker never holds an input it has not been asked to compute (a case's inputs cannot leak
into the answer to an earlier, visible call). Call k's wall deadline starts when it is sent.

What holds the line is the kernel (namespaces, a minimal read-only filesystem, an unprivileged
uid, seccomp, cgroups; Landlock + seccomp where namespaces are refused: ``docs/sandbox.md``). The
in-process guards (``guards.py``) are a second layer that turns most attempts into a friendly
``forbidden_import``/``forbidden_operation`` diagnosis; student code can switch them off from
inside, and gains nothing by it. A student who writes forged frames to the result channel can
mislabel *their own* results; they cannot make the parent run code, unpickle or allocate beyond
the caps.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from grader.cases import Case
from grader.course import Limits
from grader.sandbox import forkserver, protocol
from grader.sandbox.forkserver import STARTUP_GRACE, SandboxUnavailable, ZygoteError
from grader.sandbox.scan import scan_source

MAX_VALUE_BYTES = 64 << 20
"""A returned value larger than this is refused."""
VALUE_FACTOR = 16
"""...or larger than this many times the largest input array..."""
MIN_VALUE_BYTES = 1 << 20
"""...but a value up to this size is always accepted (tiny inputs may legitimately give larger outputs)."""
MAX_RESTARTS = 3
"""Fresh workers started after a call killed one; past this, the remaining calls are not run."""
FSIZE_MB = 64
"""RLIMIT_FSIZE: the largest file student code may write in its scratch folder."""
MAX_SOURCE_BYTES = 4 << 20
"""A module larger than this is not run (it is the student's, and far past any honest solution)."""
ISOLATIONS = ("kernel", "best", "none")
"""What a caller may ask of ``run_calls``: a kernel-enforced boundary or nothing (hidden grading),
the best this machine gives, or the in-process guards only (a student's own check)."""
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
    """Pid on this machine of every worker started (for audits and tests: none survives the return)."""
    isolation: str = ""
    """The sandbox mode the workers ran in: ``jail``, ``landlock`` or ``none`` (see ``forkserver``);
    empty when no worker ran (a syntax error or a forbidden import found before running anything)."""


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


GUARDS_ENV = "GRADER_SANDBOX_GUARDS"


def _guards_on() -> bool:
    return os.environ.get(GUARDS_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def _zygote_again(isolation: str) -> forkserver.Zygote:
    z = forkserver.ready_zygote(isolation)
    if z is None:
        raise ZygoteError("no fork server")
    return z


class _Worker:
    """One worker process: start, talk (pipelined), kill, and say how it ended."""

    def __init__(self, scratch: str, setup: dict[str, Any], source: bytes, limits: Limits, output: _Output,
                 isolation: str) -> None:
        self.limits = limits
        self.output = output
        self.violation: tuple[str, str] | None = None
        self.killed_by_us = False
        self.returncode: int | None = None
        self.status_lost = False
        self.cpu_seconds = 0.0
        self.outbox: list[memoryview] = []
        self.proc: forkserver.PlainProcess | forkserver.ForkedProcess | None = None
        self.cmd_w = self.data_r = self.out_r = None
        try:
            z = None if isolation == "plain" else forkserver.ready_zygote(isolation)
        except SandboxUnavailable as e:
            raise _Ended("internal_error", f"no kernel sandbox on this machine ({e})") from None
        kinds: list = []
        if z is not None:
            kinds.append(lambda *fds: forkserver.ForkedProcess(z, scratch, *fds))
            # A fork server that hung or died is replaced by ``spawn``'s failure: one more try
            # with the new one before giving up (never with a weaker one).
            kinds.append(lambda *fds: forkserver.ForkedProcess(_zygote_again(isolation), scratch, *fds))
        if isolation != "kernel" and (z is None or z.mode == "none"):
            kinds.append(lambda *fds: forkserver.PlainProcess(scratch, *fds))
        errors = []
        for kind in kinds:
            cmd_r, self.cmd_w = os.pipe()
            self.data_r, data_w = os.pipe()
            self.out_r, out_w = os.pipe()
            try:
                self.proc = kind(cmd_r, data_w, out_w)
                break
            except (ZygoteError, SandboxUnavailable, OSError) as e:
                errors.append(str(e))
                # Fresh pipes for the next kind: a child forked before the failure may hold these.
                for fd in (self.cmd_w, self.data_r, self.out_r):
                    os.close(fd)
                self.cmd_w = self.data_r = self.out_r = None
            finally:
                for fd in (cmd_r, data_w, out_w):
                    os.close(fd)
        if self.proc is None:
            raise _Ended("internal_error", "; ".join(errors) or "no way to start a worker")
        self.isolation = self.proc.mode
        self.pgid = self.proc.host_pid
        self.reader = protocol.FrameReader(max_frame=1 << 20)
        os.set_blocking(self.cmd_w, False)
        self.queue(setup, [source])

    # -- talking ---------------------------------------------------------------------------

    def queue(self, header: dict[str, Any], blobs: list[bytes]) -> None:
        """Queue one frame for the worker and write what the pipe takes now (usually all of it: one
        system call, no wait for select); ``receive`` writes the rest as the pipe accepts it, never
        blocking (a hostile worker may stop reading while we wait for its results)."""
        self.outbox.append(memoryview(protocol.encode_frame(header, blobs)))
        self._write_some()

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
                chunk = os.read(self.data_r, protocol.READ_CHUNK)
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
    """Build a CallOutcome from a result frame, validating every field (the worker is untrusted):
    anything outside the protocol, however it fails, is a ``ProtocolError`` (the student's crash)."""
    try:
        return _outcome_fields(header, blobs, index)
    except protocol.ProtocolError:
        raise
    except Exception as e:  # a forged frame (a 400-digit float, a key of the wrong type...)
        raise protocol.ProtocolError(f"a result field outside the protocol ({type(e).__name__})") from None


def _outcome_fields(header: dict[str, Any], blobs: list[bytes], index: int) -> CallOutcome:
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
    used: set[int] = set()  # every blob may be named once in the whole frame
    after = header.get("args_after")
    after = () if after is None else protocol.decode_value(after, blobs, used=used)
    kw_after = header.get("kwargs_after") or {}
    if not isinstance(after, tuple) or not isinstance(kw_after, dict):
        raise protocol.ProtocolError("bad inputs-after")
    return CallOutcome(
        value=protocol.decode_value(header.get("value"), blobs, used=used),
        error=None if error is None else _text(error, 100),
        error_bases=tuple(_text(b, 100) for b in bases),
        message=_text(header.get("message", ""), 300),
        fault=fault,
        detail=_text(header.get("detail", ""), 300),
        args_after=after,
        kwargs_after={_text(k, 100): protocol.decode_value(v, blobs, used=used) for k, v in kw_after.items()},
        seconds=min(float(seconds), 1e9) if isinstance(seconds, (int, float)) else 0.0,
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
    isolation: str = "best",
    zygote: bool | None = None,
    guards: bool | None = None,
) -> SandboxResult:
    """Import a student module in a fresh, limited worker process and run ``calls`` in order.

    ``isolation``: ``"kernel"`` runs the worker behind a kernel-enforced boundary (the jail, or
    Landlock + seccomp) or not at all (every call then reports ``internal_error``: hidden grading
    must not run weaker); ``"best"`` takes the strongest this machine gives; ``"none"`` the
    in-process guards only (a student's own check on their own code). ``zygote=False`` (with
    ``"none"``) starts a plain interpreter: cheaper for a process that runs one submission than
    starting a fork server first; ``None`` follows ``GRADER_SANDBOX_ZYGOTE``.

    Parameters
    ----------
    module_path : Path
        The student's module file (``.py``; notebooks are extracted before this).
    module_name : str
        Name to import it under (``multichannel``); the worker writes it alone as
        ``<module_name>.py`` into its own scratch folder, so nothing else of the submission is loaded.
    calls : sequence of Case
        ``getattr(module, case.function)(*case.args, **case.kwargs)`` for each, in one worker.
    limits : Limits
        ``call_timeout`` and ``timeout`` (wall, enforced here), ``cpu`` (RLIMIT_CPU),
        ``memory_mb`` (RLIMIT_AS), ``output_kb`` (stdout + stderr kept).
    forbidden_imports : sequence of str
        Modules refused statically (not run at all) and at run time, at any depth.
    protected : sequence of Path
        Folders student code may not read or list (the course root, the grader package).
    guards : bool, optional
        ``False`` leaves the in-process guards out, so that a test sees what the kernel layers hold
        on their own, as student code that switched the guards off would; ``None`` follows
        ``GRADER_SANDBOX_GUARDS`` (``0``: off, for the attack tests of a whole batch; default on).

    Returns
    -------
    SandboxResult
        Never raises for anything the student's code does; only infrastructure failures (no
        interpreter, an unreadable ``module_path``) raise.
    """
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {ISOLATIONS}, not {isolation!r}")
    started = time.monotonic()
    deadline_all = started + limits.timeout
    calls = list(calls)
    n = len(calls)
    with open(module_path, "rb") as f:
        raw = f.read(MAX_SOURCE_BYTES + 1)
    if len(raw) > MAX_SOURCE_BYTES:
        return _failed("syntax_error", f"the module is larger than {MAX_SOURCE_BYTES >> 20} MB and was not run", n,
                       started=started)
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

    scratch = forkserver.make_scratch("sandbox")
    output = _Output(limits.output_kb * 1024)
    pgids: list[int] = []
    try:
        setup = {
            "type": "setup",
            "module_name": module_name,
            "protected": [os.path.realpath(p) for p in protected],
            "forbidden": list(forbidden_imports),
            "memory_mb": limits.memory_mb,
            "cpu": limits.cpu,
            "fsize_mb": FSIZE_MB,
            "guards": _guards_on() if guards is None else bool(guards),
        }
        if isolation == "none" and not (forkserver.zygote_enabled() if zygote is None else zygote):
            isolation = "plain"
        session = _Session(scratch, setup, raw, limits, output, pgids, deadline_all, isolation)
        status, detail, line = session.start()
        if status != "ok":
            result = _failed(status, detail, n, line=line, functions=scan.functions, started=started,
                             output=output.text(), pgids=pgids)
            result.isolation = session.mode
            return result
        outcomes = session.run(calls)
        session.close()
        return SandboxResult(status="ok", calls=outcomes, output=output.text(), seconds=time.monotonic() - started,
                             functions=scan.functions, pgids=pgids, isolation=session.mode)
    finally:
        if "session" in locals():
            session.close()
        shutil.rmtree(scratch, ignore_errors=True)


class _Session:
    """The workers of one submission: start, restart after a fatal call, stop at the bounds."""

    def __init__(self, scratch: str, setup: dict[str, Any], source: bytes, limits: Limits, output: _Output,
                 pgids: list[int], deadline_all: float, isolation: str) -> None:
        self.scratch, self.setup, self.source, self.limits, self.output = scratch, setup, source, limits, output
        self.pgids, self.deadline_all, self.isolation = pgids, deadline_all, isolation
        self.worker: _Worker | None = None
        self.restarts = 0
        self.mode = ""
        """The sandbox mode the last worker ran in."""

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
            w = self.worker = _Worker(self.scratch, self.setup, self.source, self.limits, self.output, self.isolation)
        except _Ended as e:
            return "internal_error", f"the worker could not be started ({e.detail})", None
        self.mode = w.isolation
        if w.pgid is not None:
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
        """Run the calls from ``len(outcomes)`` on in the current worker, one at a time.

        The frame of call k is queued only once result k-1 is in: the worker never holds the inputs
        of a call it has not been asked to make (no read-ahead of hidden cases during a visible
        one). The frame is written as the command pipe takes it while the result is awaited, so
        neither side can block the other. Returns True when a call ended the worker (it must be
        replaced; the calls after it are sent again to the next one).
        """
        w = self.worker
        assert w is not None
        first = len(outcomes)
        for index in range(first, len(calls)):
            started = time.monotonic()
            if index > first and started >= self.deadline_all:
                return False  # the caller reports the rest as not run
            w.queue(*_call_frame(calls[index], index, *budgets[index]))
            outcome, fatal = self._result(index, budgets[index], started)
            outcomes.append(outcome)
            if fatal:
                return True
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
