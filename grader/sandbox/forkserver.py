"""The fork servers ("zygotes") of this grader process, and the two kinds of worker processes.

A zygote is a clean worker template (``worker.py --zygote``): numpy and the worker's preloads
imported, no guards, no rlimits, no secret, never any student code. Each worker is a ``fork`` of it,
which skips the ~0.4 s interpreter + numpy start. It runs in one of three modes, chosen per run by
the isolation the caller asks for (``run_calls(isolation=...)``):

- ``jail``: the zygote lives inside the kernel-enforced boundary that ``jail.py`` builds (new user,
  mount, PID, network, IPC and UTS namespaces; a minimal read-only filesystem; a cgroup), and gives
  every worker its own scratch tmpfs, its own unprivileged uid, no capabilities, no_new_privs and
  the seccomp filter of ``policy.py``;
- ``landlock``: where namespaces are refused (Docker-based autograders): the zygote runs on the host
  and gives every worker Landlock (read-only system and Python files, its own scratch folder
  writable, nothing else), seccomp, and its own uid where the interpreter is readable by one;
- ``none``: the in-process guards only (a student's own machine; ``--allow-weak-sandbox``).

``GRADER_SANDBOX=jail|landlock|none`` forces one mode (tests, ``grader doctor``); the default tries
them in that order. One request/response at a time on a SOCK_SEQPACKET socket; replies are small
JSON objects, validated here; nothing is unpickled. The zygote reaps a child only when asked, after
the runner has killed it: a pid (or pidfd) the runner holds can never name a reused process.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from grader.sandbox import cgroups, policy

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
JAIL = HERE / "jail.py"
STARTUP_GRACE = 10.0
"""Seconds for python + numpy to start before the student's code runs (not the student's fault)."""
ZYGOTE_ENV = "GRADER_SANDBOX_ZYGOTE"
"""Set to ``0`` to start every unjailed worker as a fresh interpreter instead of forking it."""
MODE_ENV = "GRADER_SANDBOX"
"""``jail``, ``landlock`` or ``none`` forces that mode; anything else (``auto``) tries them in order."""
UID_BASE_ENV = "GRADER_SANDBOX_UID_BASE"
ZYGOTE_REPLY_TIMEOUT = 10.0
"""Seconds the zygote may take to answer one request before it is replaced."""
MAX_ZYGOTE_START_FAILURES = 3
"""Consecutive failed starts after which a mode is given up in this process."""
EXIT_GRACE = 10.0
"""Seconds a SIGKILLed worker may take to be gone before its exit status is given up."""
KERNEL_MODES = ("jail", "landlock")
WORKER_UID = 1000
"""First uid of the workers (inside the jail's user namespace); each live worker has its own."""
WORKER_UIDS = 4096
"""How many uids the workers use (at most this many workers alive in one zygote)."""
HOST_UID_BASE = 1_800_000_000
"""Host uids of the workers start at this + WORKER_UID: far from any real account, so a worker owns
nothing on the machine (``GRADER_SANDBOX_UID_BASE`` overrides). Each grader process takes its own
block of ``WORKER_UIDS`` above it (``uid_block``): workers of two batch engines never share a uid."""
UID_BLOCKS = 500_000
SCRATCH_MB = 64
"""Size of a jailed worker's scratch tmpfs: the most a student's code can write, in all."""
CGROUP_PIDS = 256
"""Processes and threads one zygote's group may hold (the zygote, its workers and their threads)."""
CGROUP_MEMORY = 5 << 30
"""Memory one zygote's group may hold: its workers (each also under RLIMIT_AS, the course's
``memory_mb``), their scratch tmpfs pages (jail) or /dev/shm folders (Landlock), the zygote itself."""


class ZygoteError(Exception):
    """The zygote could not be started, died, or answered outside its protocol."""


class SandboxUnavailable(Exception):
    """A kernel-enforced boundary was required and none could be started on this machine."""


def worker_env(home: str) -> dict[str, str]:
    """The whole environment of a worker (and of the zygote): nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def zygote_enabled() -> bool:
    """``GRADER_SANDBOX_ZYGOTE=0``: fresh interpreters for unjailed workers (read at every run)."""
    return os.environ.get(ZYGOTE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def host_uid_base() -> int:
    try:
        return int(os.environ.get(UID_BASE_ENV, HOST_UID_BASE))
    except ValueError:
        return HOST_UID_BASE


def host_worker_uid() -> int:
    """The first host uid of this grader process's workers (its own block: see ``HOST_UID_BASE``)."""
    return host_uid_base() + WORKER_UID + (os.getpid() % UID_BLOCKS) * WORKER_UIDS


def scratch_root() -> str | None:
    """Where unjailed workers' scratch folders go: ``/dev/shm`` where it is a tmpfs this process can
    write (pages there are charged to the fork server's memory cgroup, so a Landlock worker cannot
    fill the disk), else the system's temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def make_scratch(kind: str) -> str:
    """A new private folder named for this process (``grader-<kind>-<pid>-...``): what a killed
    grader leaves behind is swept by the next one (``sweep_stale``)."""
    return tempfile.mkdtemp(prefix=f"grader-{kind}-{os.getpid()}-", dir=scratch_root())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_SWEPT = False


def sweep_stale() -> None:
    """Once per process: remove the scratch folders and empty cgroups of grader processes that
    are gone (killed before they could clean up). Names carry the owner's pid."""
    global _SWEPT
    if _SWEPT:
        return
    _SWEPT = True
    import re
    import shutil

    pattern = re.compile(r"^grader-(?:sandbox|zygote)-(\d+)-")
    for root in {tempfile.gettempdir(), scratch_root() or tempfile.gettempdir()}:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            match = pattern.match(name)
            if match and not _alive(int(match.group(1))):
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
    cgroups.sweep(lambda pid: not _alive(pid))


def _read_line(fd: int, timeout: float) -> bytes:
    """One line from the launcher's status pipe (b"" on EOF or timeout)."""
    data = b""
    until = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = until - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return data
        chunk = os.read(fd, 4096)
        if not chunk:
            return data
        data += chunk
    return data


class Zygote:
    """One fork server: started lazily, shared by every thread, replaced when it dies."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.home: str | None = None
        self.group: cgroups.Group | None = None
        self.errors = None
        self.generation = 0
        self.start_failures = 0
        self.last_error = ""
        self.report: dict[str, Any] = {}
        """What the zygote said of itself when ready (its mode, uid drop, ...)."""
        self.owner = os.getpid()

    @property
    def pid(self) -> int | None:
        """Pid of the launcher (jail) or of the zygote itself, on this machine (tests, audits)."""
        proc = self.proc
        return None if proc is None else proc.pid

    @property
    def gave_up(self) -> bool:
        return self.start_failures >= MAX_ZYGOTE_START_FAILURES

    # -- lifecycle (the caller holds the lock) ----------------------------------------------

    def ensure(self) -> None:
        if os.getpid() != self.owner:  # a forked copy of the grader must not talk to its parent's zygote
            self.forget()
        if self.proc is not None and self.proc.poll() is not None:
            self._stop(graceful=False)  # it died (killed, crashed): start a new one
        if self.proc is None:
            if self.gave_up:
                raise ZygoteError(f"the {self.mode} sandbox could not be started: {self.last_error}")
            try:
                self._start()
            except ZygoteError as e:
                self.start_failures += 1
                self.last_error = str(e)
                raise
            self.start_failures = 0

    def _zygote_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"mode": self.mode}
        if self.mode in KERNEL_MODES:
            try:
                config["seccomp"] = policy.seccomp_program().hex()
            except policy.PolicyUnavailable as e:
                raise ZygoteError(str(e)) from None
            config["uid"] = WORKER_UID
            config["uids"] = WORKER_UIDS
            config["scratch_mb"] = SCRATCH_MB
        if self.mode == "landlock":
            view = policy.jail_view()
            config["uid"] = host_worker_uid()
            config["read_only"] = policy.landlock_read_only(view)
        return config

    def _start(self) -> None:
        try:
            parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        except OSError as e:
            raise ZygoteError(f"no socket for the zygote ({e})") from None
        sweep_stale()
        try:
            home = make_scratch("zygote")  # neutral, empty, never holds anything
        except OSError as e:
            parent.close()
            child.close()
            raise ZygoteError(f"no folder for the zygote ({e})") from None
        self.sock, self.home = parent, home
        self.generation += 1
        # What the launcher or the fork server prints before it is ready (an interpreter that cannot
        # start in the jail, say) goes to a file of ours: it explains a failed start, and nothing
        # writes to it afterwards.
        self.errors = tempfile.TemporaryFile()
        try:
            config = self._zygote_config()
            if self.mode in KERNEL_MODES:
                self.group = cgroups.make(f"grader-{os.getpid()}-{self.generation}-{os.urandom(3).hex()}",
                                          pids=CGROUP_PIDS, memory_bytes=CGROUP_MEMORY)
                config["cgroups"] = [str(p) for p in self.group.paths]
            if self.mode == "jail":
                self._start_jailed(child, home, config)
            else:
                self._start_plain(child, home, config)
        except ZygoteError:
            child.close()
            self._stop(graceful=False)
            raise
        child.close()
        try:
            reply, fds = self._recv(STARTUP_GRACE)
            self._close_fds(fds)
            if reply.get("type") != "ready" or reply.get("mode") != self.mode:
                raise ZygoteError(f"the zygote did not report ready ({str(reply)[:300]})")
            self.report = reply
        except ZygoteError as e:
            said = self._said()
            self._stop(graceful=False)
            raise ZygoteError(f"{e}{': ' + said if said else ''}") from None

    def _said(self) -> str:
        """The last line the launcher or the fork server printed (its start failed)."""
        if self.errors is None:
            return ""
        try:
            if self.proc is not None:
                try:
                    self.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
            self.errors.seek(0)
            lines = [line for line in self.errors.read()[-4000:].decode("utf-8", "replace").splitlines() if line.strip()]
            return lines[-1].strip()[:300] if lines else ""
        except OSError:
            return ""

    def _start_plain(self, child: socket.socket, home: str, config: dict[str, Any]) -> None:
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", str(WORKER), "--zygote", str(child.fileno()), json.dumps(config)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.errors,
                cwd=home, env=worker_env(home), pass_fds=(child.fileno(),), close_fds=True,
                start_new_session=True,
            )
        except OSError as e:
            raise ZygoteError(f"cannot start the zygote ({e})") from None

    def _start_jailed(self, child: socket.socket, home: str, config: dict[str, Any]) -> None:
        """Start ``jail.py``, map its uids from out here, and wait until the zygote runs inside."""
        view = policy.jail_view()
        fd = child.fileno()
        launcher = {
            "root": home, "cgroups": config.get("cgroups", []), "pass_fds": [fd],
            **view,
            "env": worker_env("/tmp"),
            "exec": [policy.executable_inside(), "-I", "-B", "/sandbox/worker.py", "--zygote", str(fd),
                     json.dumps(config)],
        }
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()
        try:
            try:
                self.proc = subprocess.Popen(
                    [sys.executable, "-I", "-B", str(JAIL), json.dumps(launcher), str(ready_w), str(go_r)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.errors,
                    cwd="/", env=worker_env("/tmp"), pass_fds=(fd, ready_w, go_r), close_fds=True,
                    start_new_session=True,
                )
            except OSError as e:
                raise ZygoteError(f"cannot start the jail ({e})") from None
            os.close(ready_w)
            os.close(go_r)
            ready_w = go_r = -1
            line = _read_line(ready_r, STARTUP_GRACE)
            if line != b"R\n":
                raise ZygoteError(_launcher_error(line, "no namespaces"))
            try:
                _map_ids(self.proc.pid)
            except OSError as e:
                raise ZygoteError(f"cannot map the jail's uids ({e})") from None
            os.write(go_w, b"G")
            line = _read_line(ready_r, STARTUP_GRACE)  # end of file: the fork server was exec'd
            if line:
                raise ZygoteError(_launcher_error(line, "the jail's filesystem could not be built"))
        finally:
            for f in (ready_r, ready_w, go_r, go_w):
                if f >= 0:
                    try:
                        os.close(f)
                    except OSError:
                        pass

    def _stop(self, *, graceful: bool) -> None:
        """Forget the zygote and make sure it is gone (and its group with it).

        ``graceful``: close the socket and let it kill and reap its children; otherwise SIGKILL it
        at once (it misbehaved). Running workers of other threads are killed by their runners.
        """
        sock, proc, home, group, errors = self.sock, self.proc, self.home, self.group, self.errors
        self.sock = self.proc = self.home = self.group = self.errors = None
        if errors is not None:
            errors.close()
        self.report = {}
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
        if group is not None:
            group.remove()
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
        self.sock = self.proc = self.home = self.group = None
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
            raise ZygoteError(f"no answer from the zygote ({e.__class__.__name__})") from None
        try:
            if not data:
                raise ZygoteError("the zygote closed its socket")
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                raise ZygoteError("truncated message from the zygote")
            try:
                reply = json.loads(data)
            except ValueError:
                raise ZygoteError("the zygote sent something that is not JSON") from None
            if not isinstance(reply, dict):
                raise ZygoteError("the zygote sent something that is not a JSON object")
        except ZygoteError:
            self._close_fds(fds)
            raise
        return reply, fds

    def _request(self, message: dict[str, Any], fds: Sequence[int] = ()) -> tuple[dict[str, Any], list[int]]:
        assert self.sock is not None
        self.sock.settimeout(ZYGOTE_REPLY_TIMEOUT)
        try:
            socket.send_fds(self.sock, [json.dumps(message).encode()], list(fds))
        except OSError as e:
            raise ZygoteError(f"cannot reach the zygote ({e.__class__.__name__})") from None
        return self._recv(ZYGOTE_REPLY_TIMEOUT)

    # -- API --------------------------------------------------------------------------------

    def spawn(self, scratch: str, fds: Sequence[int]) -> tuple[int, int, int]:
        """Fork a worker holding ``fds`` (command read end, result write end, output write end).

        Returns ``(pid, pidfd, generation)``; the pid is the zygote's own number for it (inside
        the jail, not a pid of this machine): only the pidfd is used to signal it.
        """
        with self.lock:
            self.ensure()
            try:
                reply, got = self._request({"type": "spawn", "scratch": scratch}, fds)
            except ZygoteError:
                self._stop(graceful=False)
                raise
            pid = reply.get("pid")
            if reply.get("type") != "spawned" or type(pid) is not int or pid <= 1 or len(got) != 1:
                self._close_fds(got)
                if reply.get("type") == "error":  # e.g. no free uid: the zygote itself is fine
                    raise ZygoteError(f"the zygote could not fork a worker: {str(reply.get('detail'))[:200]}")
                self._stop(graceful=False)
                raise ZygoteError(f"unexpected answer from the zygote: {str(reply)[:200]}")
            return pid, got[0], self.generation

    def reap(self, pid: int, generation: int) -> tuple[int, float] | None:
        """``(wait status, CPU seconds)`` of an exited child, ``None`` while it still runs.

        Raises ``ZygoteError`` when the zygote that forked it is gone (its status is lost).
        """
        with self.lock:
            if generation != self.generation or self.proc is None or os.getpid() != self.owner:
                raise ZygoteError("the zygote that started this worker is gone")
            try:
                reply, got = self._request({"type": "reap", "pid": pid})
            except ZygoteError:
                self._stop(graceful=False)
                raise
            self._close_fds(got)
            kind = reply.get("type")
            if kind == "running" and reply.get("pid") == pid:
                return None
            status, utime, stime = reply.get("status"), reply.get("utime"), reply.get("stime")
            if (kind != "reaped" or reply.get("pid") != pid or type(status) is not int
                    or not all(type(t) in (int, float) for t in (utime, stime))):
                raise ZygoteError(f"unexpected answer from the zygote: {str(reply)[:200]}")
            return status, float(utime) + float(stime)


def _launcher_error(line: bytes, default: str) -> str:
    text = line.decode("utf-8", "replace").strip()
    return text[1:] if text.startswith("E") else (text or default)


def _map_ids(pid: int) -> None:
    """Write the jail's uid and gid maps (only a process outside the new namespace may map a range).

    As root: inside uid 0 is this machine's root (the zygote, trusted, never runs student code;
    it needs to read the interpreter under a private home) and the workers' uids map to a block of
    host uids no account uses. Not root: the only uid that may be mapped is our own, which then is
    uid 0 inside; the workers then keep it without capabilities.
    """
    proc = Path(f"/proc/{pid}")
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        first = host_worker_uid()
        (proc / "uid_map").write_text(f"0 0 1\n{WORKER_UID} {first} {WORKER_UIDS}\n")
        (proc / "gid_map").write_text(f"0 0 1\n{WORKER_UID} {first} {WORKER_UIDS}\n")
    else:
        (proc / "setgroups").write_text("deny")
        (proc / "uid_map").write_text(f"0 {uid} 1\n")
        (proc / "gid_map").write_text(f"0 {gid} 1\n")


_ZYGOTES: dict[str, Zygote] = {}
_ZYGOTES_LOCK = threading.Lock()


def zygote(mode: str) -> Zygote:
    with _ZYGOTES_LOCK:
        z = _ZYGOTES.get(mode)
        if z is None:
            z = _ZYGOTES[mode] = Zygote(mode)
        return z


def _shutdown_all() -> None:
    for z in list(_ZYGOTES.values()):
        z.shutdown()


def _forget_all() -> None:
    global _ZYGOTES_LOCK
    _ZYGOTES_LOCK = threading.Lock()
    for z in _ZYGOTES.values():
        z.forget()


atexit.register(_shutdown_all)
if hasattr(os, "register_at_fork"):  # POSIX; the module still imports elsewhere (a student's check on Windows)
    os.register_at_fork(after_in_child=_forget_all)


def candidate_modes(isolation: str) -> list[str]:
    """The zygote modes to try, best first, for ``isolation`` (``kernel``, ``best`` or ``none``)."""
    if isolation == "none":
        return ["none"]
    forced = os.environ.get(MODE_ENV, "auto").strip().lower()
    modes = [forced] if forced in ("jail", "landlock", "none") else list(KERNEL_MODES)
    if isolation == "kernel":
        return [m for m in modes if m in KERNEL_MODES]
    return modes + ([] if "none" in modes else ["none"])


def ready_zygote(isolation: str) -> Zygote | None:
    """The best zygote for ``isolation`` that is running or can be started; ``None`` when only
    plain (unjailed) workers are left. Raises ``SandboxUnavailable`` when ``isolation`` is
    ``kernel`` and no kernel mode can start."""
    errors = []
    for mode in candidate_modes(isolation):
        if mode == "none" and not zygote_enabled():
            return None
        z = zygote(mode)
        with z.lock:
            try:
                z.ensure()
                return z
            except ZygoteError as e:
                errors.append(f"{mode}: {e}")  # the next mode in order (this one is tried again next time)
    if isolation == "kernel":
        raise SandboxUnavailable("; ".join(errors) or "no kernel sandbox mode is allowed")
    return None


def warm_up(isolation: str = "best") -> None:
    """Start this process's fork server now rather than at its first submission (a batch engine
    does it while the batch is still starting). Quiet when it cannot: the first run retries."""
    try:
        ready_zygote(isolation)
    except SandboxUnavailable:
        pass


class PlainProcess:
    """A worker started as a fresh interpreter: ``python -I -B worker.py CMD_FD DATA_FD`` (mode none)."""

    wait_fd = None
    mode = "none"

    def __init__(self, scratch: str, cmd_r: int, data_w: int, out_w: int) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-I", "-B", str(WORKER), str(cmd_r), str(data_w)],
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=out_w,
            cwd=scratch,
            env=worker_env(scratch),
            pass_fds=(cmd_r, data_w),
            close_fds=True,
            start_new_session=True,  # own session and process group: one killpg ends everything
        )
        self.pid = self.host_pid = self.popen.pid

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


def _host_pid(pidfd: int) -> int | None:
    """The pid this machine gives the process behind ``pidfd`` (its jail numbers it differently)."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as f:
            for line in f:
                if line.startswith("Pid:"):
                    pid = int(line.split()[1])
                    return pid if pid > 0 else None
    except (OSError, ValueError):
        pass
    return None


class ForkedProcess:
    """A worker forked by a zygote; the runner holds a pidfd of it (pollable, immune to pid reuse)."""

    def __init__(self, z: Zygote, scratch: str, cmd_r: int, data_w: int, out_w: int) -> None:
        self.zygote = z
        self.mode = z.mode
        self.pid, self.pidfd, self.generation = z.spawn(scratch, (cmd_r, data_w, out_w))
        self.wait_fd = self.pidfd
        self.host_pid = _host_pid(self.pidfd)

    def exited(self) -> bool:
        return bool(select.select([self.pidfd], [], [], 0)[0])

    def signal_group(self) -> None:
        """SIGKILL the worker through its pidfd. In a kernel mode it cannot have started another
        process (seccomp); unjailed, its whole process group goes too."""
        if self.mode == "none":
            try:
                os.killpg(self.pid, signal.SIGKILL)
                return
            except (ProcessLookupError, PermissionError):
                pass  # not yet its own group leader (between fork and setsid): the process alone
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except (ProcessLookupError, OSError):
            pass

    def reap(self) -> tuple[int, float] | None:
        """Wait (bounded) until the worker is gone, then ask the zygote for its status."""
        until = time.monotonic() + EXIT_GRACE
        while True:
            select.select([self.pidfd], [], [], max(0.0, until - time.monotonic()))
            try:
                got = self.zygote.reap(self.pid, self.generation)
            except ZygoteError:
                return None
            if got is not None or time.monotonic() >= until:
                return got

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = self.wait_fd = None
