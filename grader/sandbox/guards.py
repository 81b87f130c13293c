"""In-process guards of the worker: an audit hook and an import guard, installed before student code.

Loaded *by file path* by ``worker.py`` (stdlib only; it never imports ``grader``).

Why audit hooks: no seccomp binding is available in the standard library, the worker runs as root
here (so RLIMIT_NPROC cannot stop ``fork``), and Python 3.11 has no ``os.unshare``. ``sys.addaudithook``
(PEP 578) sees every ``open``, ``import``, ``os.system``, ``os.fork``, ``socket.*``, ``ctypes.*``...
raised by the interpreter itself, and a hook cannot be removed once added. It is one layer: the
other layers are the separate process with its own session, rlimits, a scrubbed environment, a
scratch folder holding only the module, and the trusted side treating every byte it gets back as
hostile. See ``runner.py`` for the limitations that remain.

Everything the hook needs lives in closure cells of ``install``; the ways to reach those cells from
Python (frames through ``sys._getframe``/tracebacks/generators, ``gc`` referrer walks, tracing,
swapping ``__code__``) are themselves refused by the hook.
"""

from __future__ import annotations

import _thread
import builtins
import os
import pathlib
import posix
import stat
import sys
from typing import Any, Callable, Sequence

ALWAYS_FORBIDDEN = (
    "subprocess", "_posixsubprocess", "multiprocessing", "_multiprocessing", "_posixshmem",
    "socket", "_socket", "ssl", "_ssl", "ctypes", "_ctypes", "cffi", "pty",
    "_testcapi", "_testinternalcapi", "_xxsubinterpreters", "_xxinterpchannels",
)
"""Modules the worker never lets student code import, whatever course.yaml says: they spawn
processes, open sockets or poke raw memory, and some of their checks are pure-Python audit calls a
student could disable by rebinding ``sys.audit``."""

PROCESS_EVENTS = {
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill",
    "os.killpg", "subprocess.Popen", "os.startfile", "signal.pthread_kill", "pty.spawn",
    "_thread.start_new_thread", "resource.setrlimit", "resource.prlimit", "os.chdir",
    "os.symlink", "os.link", "sqlite3.connect", "sqlite3.connect/handle", "os.add_dll_directory",
}
"""Refused outright: new processes, signals to other processes, threads (a background thread
outlives the call and can race path checks), raising rlimits (root could raise the hard limit),
changing directory, creating links (a link is how a checked path gets swapped)."""

INTROSPECTION_EVENTS = {
    "sys._getframe", "sys._current_frames", "sys._current_exceptions", "sys.settrace",
    "sys.setprofile", "sys.addaudithook", "gc.get_referrers", "gc.get_referents", "gc.get_objects",
    "cpython.PyInterpreterState_Clear", "cpython._PySys_ClearAuditHooks",
}
"""Refused: the ways to reach the hook's own state (frames, referrer walks, tracers) or to add a
hook that races ours."""

FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals"}

WRITE_EVENTS = {
    # event -> indexes of the path arguments, index of dir_fd (or None)
    "os.rename": ((0, 1), None), "os.remove": ((0,), 1), "os.rmdir": ((0,), 1),
    "os.mkdir": ((0,), 2), "os.truncate": ((0,), None), "os.chmod": ((0,), 2),
    "os.chown": ((0,), 3), "os.utime": ((0,), 3), "os.mkfifo": ((0,), 2), "os.mknod": ((0,), 3),
    "os.setxattr": ((0,), None), "os.removexattr": ((0,), None), "os.chflags": ((0,), None),
    "os.lchflags": ((0,), None), "os.lchmod": ((0,), None), "shutil.rmtree": ((0,), 1),
    "shutil.copyfile": ((1,), None), "shutil.copymode": ((1,), None), "shutil.copystat": ((1,), None),
    "shutil.move": ((0, 1), None), "shutil.chown": ((0,), None),
}
LIST_EVENTS = {"os.listdir": 0, "os.scandir": 0, "os.getxattr": 0, "os.listxattr": 0, "glob.glob": 0}

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class SandboxViolation(PermissionError):
    """Raised into student code when it tries something the grader forbids."""


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def install(
    *,
    scratch: str,
    protected: Sequence[str],
    forbidden: Sequence[str],
    import_roots: Sequence[str],
    notify: Callable[[str, str], None],
) -> None:
    """Install the audit hook and the import guard. Irreversible for the life of the process.

    Parameters
    ----------
    scratch : str
        The only folder student code may write to (resolved).
    protected : sequence of str
        Folders nothing may read or list (resolved): the course root, the grader package.
    forbidden : sequence of str
        Module names refused at any depth (``scipy.signal`` refuses ``scipy.signal.windows``).
    import_roots : sequence of str
        The interpreter's own library folders; reads there stay allowed even when a protected
        folder contains them (a virtualenv inside the course folder), and extension modules may
        only be loaded from there.
    notify : callable(kind, what)
        Called on every violation (``kind`` is ``"forbidden_import"`` or ``"forbidden_operation"``)
        before the ``SandboxViolation`` is raised, so a violation the student catches is still
        reported.
    """
    # Everything below is bound to locals/closure cells now, so later monkeypatching of os,
    # os.path, builtins or sys by student code cannot change what the hook does. Path resolution
    # is hand-written on the raw ``posix`` primitives for the same reason: ``os.path.realpath``
    # looks ``os.lstat``/``os.readlink`` up on the ``os`` module at call time, which student code
    # could rebind to lie about a symlink.
    lstat, stat_, readlink, getcwd, fspath, getpid = (
        posix.lstat, posix.stat, posix.readlink, posix.getcwd, os.fspath, posix.getpid
    )
    S_ISLNK, S_ISDIR = stat.S_ISLNK, stat.S_ISDIR
    own_pid = str(getpid())
    _isinstance, _type, _str, _int, _bytes, _tuple = (
        builtins.isinstance, builtins.type, builtins.str, builtins.int, builtins.bytes, builtins.tuple
    )

    def realpath(path: str, depth: int = 0) -> str:
        """Absolute, symlink-free form of an absolute or cwd-relative path (like os.path.realpath)."""
        if not path.startswith("/"):
            path = getcwd() + "/" + path
        parts: list[str] = []
        todo = [p for p in path.split("/") if p and p != "."]
        todo.reverse()
        hops = 0
        while todo:
            part = todo.pop()
            if part == "..":
                if parts:
                    parts.pop()
                continue
            candidate = "/" + "/".join(parts + [part])
            if _len(parts) >= 2 and parts[0] == "proc" and parts[1].isdigit() and parts[1] != own_pid:
                # Never follow a link inside another process's /proc folder (``/proc/<ppid>/cwd``):
                # the path stays under /proc/<pid>, which ``protected_read`` refuses, wherever it points.
                parts.append(part)
                continue
            try:
                is_link = S_ISLNK(lstat(candidate).st_mode)
            except OSError:
                is_link = False
            if is_link and hops < 40:
                hops += 1
                target = readlink(candidate)
                if target.startswith("/"):
                    parts = []
                new = [p for p in target.split("/") if p and p != "."]
                new.reverse()
                todo.extend(new)
                continue
            parts.append(part)
        return "/" + "/".join(parts)

    def isdir(path: str) -> bool:
        try:
            return S_ISDIR(stat_(path).st_mode)
        except OSError:
            return False

    _any, _len, _repr = builtins.any, builtins.len, builtins.repr
    scratch = realpath(scratch)
    protected = _tuple(realpath(p) for p in protected)
    import_roots = _tuple(realpath(p) for p in import_roots if p)
    forbidden = _tuple(dict.fromkeys((*forbidden, *ALWAYS_FORBIDDEN)))
    own_proc = (f"/proc/{getpid()}", "/proc/self", "/proc/thread-self")
    pathlib_types = (pathlib.PosixPath, pathlib.PurePosixPath)

    forbidden_names = frozenset(forbidden)
    forbidden_prefixes = _tuple(f + "." for f in forbidden)
    str_copy = _str.__str__  # an exact str, whatever __eq__ or __hash__ a str subclass brings

    def is_forbidden_module(name: Any) -> bool:
        if not _isinstance(name, _str):
            return False
        name = str_copy(name)
        return name in forbidden_names or name.startswith(forbidden_prefixes)

    def as_text(p: Any) -> str | None:
        """A path argument as text, or None if it is of a type we refuse to interpret.

        A path-like object's ``__fspath__`` runs student code and may answer differently to the
        hook and to the real ``open`` (check-then-use), so only exact str/bytes and pathlib's own
        classes (whose ``__fspath__`` returns a stored string) are accepted.
        """
        t = _type(p)
        if t is _str:
            return p
        if t is _bytes:
            return p.decode("utf-8", "surrogateescape")
        if t in pathlib_types:  # identity, not name: a subclass could override __fspath__
            return _str(fspath(p))
        return None

    def show(p: Any) -> str:
        """A path argument for a message, without running any student code (no __repr__ calls)."""
        text = _str(p) if _type(p) is _int else as_text(p)
        return "<path object>" if text is None else _repr(text)

    def fd_path(fd: int) -> str:
        try:
            return readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return f"<fd {fd}>"

    def resolve(p: Any, dir_fd: Any = None) -> str | None:
        if _type(p) is _int:
            return fd_path(p)
        text = as_text(p)
        if text is None:
            return None
        if not text.startswith("/"):
            base = fd_path(dir_fd) if _type(dir_fd) is _int and dir_fd >= 0 else getcwd()
            text = base + "/" + text
        return realpath(text)

    def protected_read(path: str) -> bool:
        """Longest matching root decides; a tie goes to protection."""
        best, is_protected = -1, False
        for root in protected:
            if _is_under(path, root) and _len(root) >= best:
                best, is_protected = _len(root), True
        for root in import_roots:
            if _is_under(path, root) and _len(root) > best:
                best, is_protected = _len(root), False
        if is_protected:
            return True
        if path.startswith("/proc/") and path.split("/")[2].isdigit():
            return not _any(_is_under(path, own) for own in own_proc)  # another process's memory, fds, cwd
        return False

    def writable(path: str) -> bool:
        return _is_under(path, scratch) or path == "/dev/null"

    def check(event: str, args: tuple) -> tuple[str, str] | None:
        """``(kind, description)`` of the violation this event is, or None."""
        if event == "open":
            p, mode, flags = args[0], args[1], args[2]
            if _type(p) is _int:
                return None  # an fd this process already holds (stdout, the channel)
            path = resolve(p)
            if path is None:
                return "forbidden_operation", "open() of a path-like object that is not str, bytes or pathlib.Path"
            write = _type(flags) is _int and flags & WRITE_FLAGS
            if write and not writable(path):
                return "forbidden_operation", f"open({show(p)}) for writing outside the scratch folder"
            if protected_read(path):
                return "forbidden_operation", f"open({show(p)})"
            if mode is None and not _is_under(path, scratch) and isdir(path):
                # os.open of a directory yields a dir_fd for *at() calls that the "open" event
                # would then report without their directory.
                return "forbidden_operation", f"os.open({show(p)}) of a directory"
            return None
        if event == "import":
            name, filename = args[0], args[1]
            if is_forbidden_module(name):
                return "forbidden_import", f"import of '{name}'"
            if name == "_thread":
                return "forbidden_operation", "re-importing _thread"
            if filename is not None:
                path = resolve(filename) or "?"
                if not _any(_is_under(path, r) for r in import_roots) or _is_under(path, scratch):
                    return "forbidden_operation", f"loading native code from {show(filename)}"
            return None
        if event == "sys._getframe":
            # namedtuple/enum/typing ask for the frame of the module being imported (to set
            # ``__module__``); a module-level frame of a library file is allowed for that.
            code = args[0].f_code
            if code.co_name == "<module>" and _any(_is_under(code.co_filename, r) for r in import_roots):
                return None
            return "forbidden_operation", "sys._getframe"
        if event in PROCESS_EVENTS or event in INTROSPECTION_EVENTS:
            shown = show(args[0]) if args and _type(args[0]) in (_str, _bytes, _int) else ""
            return "forbidden_operation", f"{event}({shown})" if shown else event
        if event.startswith("socket.") or event.startswith("ctypes."):
            return "forbidden_operation", event
        if event == "object.__getattr__" and args[1] in FRAME_ATTRIBUTES:
            return "forbidden_operation", f"access to .{args[1]}"
        if event in ("object.__setattr__", "object.__delattr__") and args[1] in ("__code__", "__closure__", "__globals__"):
            return "forbidden_operation", f"setting .{args[1]}"
        if event in WRITE_EVENTS:
            indexes, fd_index = WRITE_EVENTS[event]
            dir_fd = args[fd_index] if fd_index is not None and fd_index < _len(args) else None
            for i in indexes:
                path = resolve(args[i], dir_fd)
                if path is None or not writable(path):
                    return "forbidden_operation", f"{event}({show(args[i])}) outside the scratch folder"
            return None
        if event in LIST_EVENTS:
            p = args[0] if args else None
            path = resolve("." if p is None else p)
            if path is None or protected_read(path):
                return "forbidden_operation", f"{event}({show(p)})"
            return None
        return None

    def hook(event: str, args: tuple) -> None:
        # No re-entrancy shortcut: our checks raise no audit events of their own, and an event raised
        # while we check (student code cannot run here, but be safe) is checked like any other.
        try:
            found = check(event, args)
        except Exception:  # a check that cannot decide refuses
            found = ("forbidden_operation", f"{event} (could not be verified)")
        if found is not None:
            kind, what = found
            notify(kind, what)
            raise SandboxViolation(f"blocked by the grader sandbox: {what}")

    class ImportGuard:
        """Meta path finder refusing forbidden modules at any depth (``scipy.signal.windows``).

        The audit hook already refuses them for every spelling (``import``, ``__import__``,
        ``importlib.import_module``, ``exec``), because the interpreter raises the ``import`` event
        itself; this finder gives the conventional ``ModuleNotFoundError`` path as a second layer.
        """

        @staticmethod
        def find_spec(name: str, path: Any = None, target: Any = None) -> None:
            if is_forbidden_module(name):
                notify("forbidden_import", f"import of '{name}'")
                raise ModuleNotFoundError(f"blocked by the grader sandbox: import of '{name}'", name=name)
            return None

    # Python 3.11 raises no audit event when a thread starts, so the entry points are replaced.
    # ``_thread`` stays in sys.modules (a re-import, which would bring the originals back, is
    # refused in the "import" event).
    def no_threads(*args: Any, **kwargs: Any) -> None:
        notify("forbidden_operation", "starting a thread")
        raise SandboxViolation("blocked by the grader sandbox: starting a thread")

    _thread.start_new_thread = _thread.start_new = no_threads
    if "threading" in sys.modules:
        sys.modules["threading"]._start_new_thread = no_threads

    # subprocess checks itself with a pure-Python ``sys.audit`` call, which student code could
    # rebind; its native spawn primitive is replaced so a reference to an already-loaded subprocess
    # module (numpy.testing holds one) cannot start a process even then.
    def no_spawn(*args: Any, **kwargs: Any) -> None:
        notify("forbidden_operation", "starting a process")
        raise SandboxViolation("blocked by the grader sandbox: starting a process")

    if "_posixsubprocess" in sys.modules:
        sys.modules["_posixsubprocess"].fork_exec = no_spawn
    if "subprocess" in sys.modules:
        sys.modules["subprocess"]._fork_exec = no_spawn  # bound by name at its import

    # Forbidden modules numpy already loaded (numpy imports ctypes) leave sys.modules, so a student
    # ``import ctypes`` goes through the import machinery again and meets the hook.
    for name in list(sys.modules):
        if is_forbidden_module(name):
            del sys.modules[name]
    sys.meta_path.insert(0, ImportGuard())
    sys.addaudithook(hook)

    return None
