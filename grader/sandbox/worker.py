"""The worker: the only code that runs in the student's process.

Started by ``runner.py`` as ``python -I -B worker.py CMD_FD DATA_FD`` in a fresh session, with a
scrubbed environment and the scratch folder as cwd -- or, normally, forked by the zygote
(``python -I -B worker.py --zygote SOCK_FD``, see ``zygote``), whose child closes the zygote's
socket, calls ``setsid``, moves to the scratch folder, takes its stdout/stderr and closes every
other descriptor before running the same ``main``. It imports only the standard library and numpy
(never ``grader``): ``protocol.py`` and ``guards.py`` are loaded by file path from this folder.

Sequence:

1. import numpy and everything the worker itself will need (numpy loads submodules lazily, and the
   worker's own later imports would otherwise have to pass the guards);
2. read the setup frame from ``CMD_FD`` (scratch folder, module name, limits, protected folders,
   forbidden modules);
3. set rlimits (RLIMIT_AS only now: numpy's import needs more address space than small limits allow),
   install the audit hook and import guard, send ``started``;
4. import the student module from ``<scratch>/<module>.py``, send ``imported`` or ``import_failed``;
5. serve ``call`` frames one by one until ``CMD_FD`` closes, sending one ``result`` frame each
   (the parent may have queued several frames ahead: they are read in order as calls end).

Violations are sent as ``violation`` frames the moment they happen (first one per phase), so a
student who catches the ``SandboxViolation`` cannot hide it.
"""

import builtins
import gc
import importlib.util
import io  # noqa: F401  (preloaded for protocol.py)
import json  # noqa: F401
import os
import resource
import signal
import struct  # noqa: F401
import sys
import time

import numpy as np
import numpy.lib.format  # noqa: F401  (preloaded: the encoder needs it after the guards are up)
# numpy.testing imports subprocess (forbidden to students); students legitimately use
# np.testing.assert_allclose, so it is loaded here, before the guards, and guards.py disarms the
# process-spawning entry point it brings along.
import numpy.testing  # noqa: F401
# Submodules students use at module level (``X = np.random.rand(3)``): numpy imports them lazily,
# and their import machinery (namedtuple, enum, frames) must not meet the guards.
import numpy.fft  # noqa: F401
import numpy.linalg  # noqa: F401
import numpy.random  # noqa: F401
from numpy.lib import stride_tricks  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, filename):
    """Load a sibling file as a private module (not registered in sys.modules, so student code
    cannot look it up there and rebind its functions)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PRELOADED = {}
"""``protocol`` and ``guards`` as loaded by the zygote before it forks (a forked worker skips
compiling them); empty in a worker started as a fresh interpreter."""


def main(argv):
    protocol = _PRELOADED.get("protocol") or _load("_sandbox_protocol", "protocol.py")
    guards = _PRELOADED.get("guards") or _load("_sandbox_guards", "guards.py")
    cmd_fd, data_fd = int(argv[1]), int(argv[2])

    # Bind what the serving loop uses now: student code may later rebind builtins, os or numpy
    # attributes, and must not be able to steer the worker's own bookkeeping that way.
    write, read, exit_now, perf = os.write, os.read, os._exit, time.perf_counter
    encode_frame, FrameReader = protocol.encode_frame, protocol.FrameReader
    decode_value, ValueEncoder, RefusedValue = protocol.decode_value, protocol.ValueEncoder, protocol.RefusedValue
    human_size = protocol.human_size
    read_chunk = protocol.READ_CHUNK
    ndarray = np.ndarray
    _isinstance, _type, _str, _len, _max, _getattr, _callable, _dict, _tuple, _list = (
        builtins.isinstance, builtins.type, builtins.str, builtins.len, builtins.max, builtins.getattr,
        builtins.callable, builtins.dict, builtins.tuple, builtins.list,
    )
    BaseExc, MemErr, SysExit, Exc = BaseException, MemoryError, SystemExit, Exception
    stdout, stderr = sys.stdout, sys.stderr
    collect = gc.collect
    any_is = _any_is

    def send(header, blobs=None):
        data = encode_frame(header, blobs)
        view = memoryview(data)
        while view:
            try:
                n = write(data_fd, view)
            except InterruptedError:
                continue
            except OSError:
                exit_now(0)  # the parent is gone: nothing left to do
            view = view[n:]

    reader = FrameReader(max_frame=1 << 40)  # the parent is trusted; its frames are not capped here

    def receive():
        while True:
            frame = reader.next_frame()
            if frame is not None:
                return frame
            chunk = read(cmd_fd, read_chunk)
            if not chunk:
                exit_now(0)  # the parent closed the command channel: we are done
            reader.feed(chunk)

    def flush_output():
        for stream in (stdout, stderr):
            try:
                stream.flush()
            except BaseExc:
                pass

    setup, setup_blobs = receive()
    scratch = os.getcwd()  # the worker's own scratch folder (a private tmpfs in the jail)
    sys.dont_write_bytecode = True
    name = setup["module_name"]
    with open(os.path.join(scratch, name + ".py"), "wb") as f:
        f.write(setup_blobs[0])

    # ---- limits (after numpy is imported: it needs address space for its own setup) ----------
    def setlimit(which, soft, hard=None):
        try:
            resource.setrlimit(which, (int(soft), int(soft if hard is None else hard)))
        except (ValueError, OSError):
            pass  # a limit the kernel refuses is left as it was; the parent's watchdog still applies

    mem = int(setup["memory_mb"]) << 20
    setlimit(resource.RLIMIT_AS, mem)
    cpu = float(setup["cpu"])
    # soft < hard: the soft limit delivers SIGXCPU (classified as a CPU timeout) before SIGKILL.
    setlimit(resource.RLIMIT_CPU, max(1, int(cpu)), max(2, int(cpu) + 2))
    setlimit(resource.RLIMIT_FSIZE, int(setup["fsize_mb"]) << 20)
    setlimit(resource.RLIMIT_CORE, 0)
    setlimit(resource.RLIMIT_NOFILE, 256)
    # Writing past RLIMIT_FSIZE raises OSError(EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    # ---- guards ----------------------------------------------------------------------------
    state = {"reported": False}

    def notify(kind, what):
        if not state["reported"]:
            state["reported"] = True
            send({"type": "violation", "kind": kind, "what": what})

    import_roots = [p for p in sys.path if p and os.path.isabs(p)]
    protected = setup["protected"]
    # Drop any import path inside a protected folder (an editable install of the grader puts the
    # course root on sys.path): ``import solutions...`` must not even be attempted.
    sys.path[:] = [p for p in import_roots if not any(p == r or p.startswith(r.rstrip("/") + "/") for r in protected)]
    if setup.get("guards", True):  # off only where a test shows what the kernel layers hold alone
        guards.install(
            scratch=scratch,
            protected=protected,
            forbidden=setup["forbidden"],
            import_roots=sys.path,
            notify=notify,
        )
    send({"type": "started"})

    # Student code may rebind builtins (``builtins.isinstance = lambda *a: True``); the stdlib code
    # the worker relies on (json, numpy.lib.format) looks builtins up at call time, so the worker puts
    # the original builtins back after the import and after every call, before doing its own work.
    builtins_dict = builtins.__dict__
    builtins_saved = _dict(builtins_dict)

    clear_builtins, fill_builtins = builtins_dict.clear, builtins_dict.update

    def restore_builtins():
        # Unconditional (no ``!=``: comparing would call a planted object's __eq__), and two C
        # calls rather than a loop over the ~160 names (it runs after every call).
        clear_builtins()
        fill_builtins(builtins_saved)

    # ---- the student's module ----------------------------------------------------------------
    state["reported"] = False
    try:
        spec = importlib.util.spec_from_file_location(name, os.path.join(scratch, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        restore_builtins()
    except MemErr:
        module = None
        restore_builtins()
        collect()
        flush_output()
        send({"type": "import_failed", "fault": "memory_limit",
              "detail": f"ran out of memory while importing the module (limit {setup['memory_mb']} MB)"})
        exit_now(0)
    except SysExit as e:
        restore_builtins()
        flush_output()
        send({"type": "import_failed", "fault": "crashed", "detail": f"the module called sys.exit({_safe_repr(e.code)}) while being imported"})
        exit_now(0)
    except BaseExc as e:
        restore_builtins()
        flush_output()
        line = e.lineno if _isinstance(e, SyntaxError) and _type(e.lineno) is int else None
        send({"type": "import_failed", "fault": "crashed", "line": line,
              "detail": f"importing the module raised {_type(e).__name__}: {_safe_message(e)}"})
        exit_now(0)
    flush_output()
    send({"type": "imported"})

    # ---- calls -------------------------------------------------------------------------------
    while True:
        header, blobs = receive()
        index = header["index"]
        args = decode_value(header["args"], blobs)
        kwargs = {k: decode_value(v, blobs) for k, v in header["kwargs"].items()}
        result = {"type": "result", "index": index, "value": None, "error": None, "bases": [],
                  "message": "", "fault": None, "detail": ""}
        out_blobs = []
        state["reported"] = False
        fn = _getattr(module, header["function"], None)
        value = None
        # Array inputs as they came, to send back only those the call changed (the trusted side
        # judges in-place mutation; an input sent back as None counts as unchanged).
        before = [(a, a.shape, a.dtype, a.tobytes()) for a in (*args, *kwargs.values()) if _type(a) is ndarray]
        started = perf()
        if fn is None or not _callable(fn):
            what = "is missing" if fn is None else f"is not a function ({_type(fn).__name__})"
            result["fault"], result["detail"] = "missing_function", f"{name}.{header['function']} {what}"
        else:
            try:
                value = fn(*args, **kwargs)
            except MemErr:
                value = None
                collect()
                result["fault"] = "memory_limit"
                result["detail"] = f"MemoryError: the call ran out of the {setup['memory_mb']} MB memory limit"
            except SysExit as e:
                result["fault"], result["detail"] = "crashed", f"the call ran sys.exit({_safe_repr(e.code)})"
            except BaseExc as e:
                result["error"] = _safe_name(_type(e))
                result["bases"] = _safe_mro(_type(e))
                result["message"] = _safe_message(e)
        result["seconds"] = perf() - started
        restore_builtins()
        flush_output()
        try:
            if result["fault"] is None and result["error"] is None:
                enc = ValueEncoder(int(header["max_bytes"]))
                result["value"] = enc.encode(value)
                out_blobs = enc.blobs
        except RefusedValue as e:
            result["fault"], result["detail"], result["value"], out_blobs = "refused_value", _str(e), None, []
        except MemErr:
            result["fault"], result["value"], out_blobs = "memory_limit", None, []
            result["detail"] = f"MemoryError while sending the result back (limit {setup['memory_mb']} MB)"
        except BaseExc as e:
            result["fault"], result["value"], out_blobs = "refused_value", None, []
            result["detail"] = f"the returned value could not be sent back ({_type(e).__name__})"
        value = None
        # The array inputs the call changed, as it left them, so the trusted side can see in-place
        # mutation (ndarray is a C type: its shape, dtype and bytes cannot be faked by the student).
        try:
            changed = [a for a, shape, dtype, data in before
                       if a.shape != shape or a.dtype != dtype or a.tobytes() != data]
            if changed:
                after = ValueEncoder(int(header["max_bytes"]) * 4, tolerant=True)
                after.blobs = out_blobs
                result["args_after"] = after.encode(_tuple(a if any_is(a, changed) else None for a in args))
                result["kwargs_after"] = {k: after.encode(v) for k, v in kwargs.items() if any_is(v, changed)}
                out_blobs = after.blobs
            else:  # the usual case: nothing to send back
                result["args_after"], result["kwargs_after"] = None, None
        except BaseExc:
            result["args_after"], result["kwargs_after"] = None, None
        del args, kwargs, before
        send(result, out_blobs)


def _any_is(value, items):
    """``value`` is one of ``items`` (identity only: ``in`` would call a planted ``__eq__``)."""
    for item in items:
        if item is value:
            return True
    return False


def _safe_repr(value):
    """repr of an exit code without running student code (only plain ints, None and str)."""
    if value is None or type(value) in (int, bool):
        return repr(value)
    if type(value) is str:
        return repr(value[:80])
    return "..."


def _safe_name(cls):
    try:
        name = type.__dict__["__name__"].__get__(cls)
        return name if type(name) is str else "Exception"
    except BaseException:
        return "Exception"


def _safe_mro(cls):
    try:
        return [_safe_name(c) for c in type.__dict__["__mro__"].__get__(cls)][:32]
    except BaseException:
        return []


def _safe_message(exc):
    """str(exc), capped at 300 characters; a broken or hostile __str__ gives a placeholder."""
    try:
        text = str(exc)
        if type(text) is not str:
            return "<unprintable message>"
        return text[:300]
    except BaseException:
        return "<unprintable message>"


# ---------------------------------------------------------------------------------------------- zygote


def zygote(sock_fd, config):
    """Fork server: a clean template of this process that forks one worker per request.

    Started by ``forkserver.py`` as ``python -I -B worker.py --zygote SOCK_FD CONFIG`` with the same
    scrubbed environment as a worker -- inside the jail (``jail.py`` execs it as the first process
    of the jail's namespaces) or on the host. It has imported exactly what a worker preloads (the
    module top above) and nothing else: no guards, no rlimits, no secret, never any student code.
    ``CONFIG`` (JSON) names its mode (``jail``, ``landlock``, ``none``) and, in the kernel modes, the
    seccomp program, the workers' uids and (``landlock``) the paths they may read. It serves one
    request at a time on a Unix SOCK_SEQPACKET socket (JSON, never pickle; file descriptors with
    SCM_RIGHTS):

    - ``{"type": "spawn", "scratch": ...}`` + 3 fds (command read end, result write end, output
      write end): fork; the child takes its layers (see ``_become_worker``) and this function
      *returns* in it with the worker's argv. Reply ``{"type": "spawned", "pid": ...}`` + a pidfd of
      the child (the parent polls it to learn when the child exited, without reaping it).
    - ``{"type": "reap", "pid": ...}``: ``wait4(pid, WNOHANG)``. Reply ``reaped`` with the raw wait
      status and the child's user/system CPU seconds, or ``running``. Children are reaped *only*
      on request, so their pid cannot be reused while the parent may still signal them.

    EOF on the socket (the grader exited or shut us down) kills every child not yet reaped, reaps
    them and exits: no process outlives its grader (in the jail, the kernel also ends every process
    of the namespace when the zygote, its first process, ends).
    """
    import collections
    import json
    import socket

    _PRELOADED["protocol"] = _load("_sandbox_protocol", "protocol.py")
    _PRELOADED["guards"] = _load("_sandbox_guards", "guards.py")
    layers = {"mode": config.get("mode", "none")}
    if layers["mode"] in ("jail", "landlock"):
        layers["kernel"] = _load("_sandbox_kernel", "kernel.py")
        layers["seccomp"] = bytes.fromhex(config["seccomp"])
        layers["scratch_mb"] = int(config.get("scratch_mb", 64))
        layers["rules"] = [tuple(r) for r in config.get("read_only", [])]
        for group in config.get("cgroups", []) if layers["mode"] == "landlock" else []:
            with open(os.path.join(group, "cgroup.procs"), "w") as f:  # the jail's launcher did it there
                f.write(str(os.getpid()))
        # A dry run of the layers in a forked probe: with a uid of its own if the kernel maps one
        # (and, on the host, it can read the interpreter), else keeping uid 0 without capabilities;
        # a mode whose layers cannot be taken here never reports ready.
        first = int(config["uid"])
        layers["uid_drop"] = _probe(layers, first)
        if not layers["uid_drop"] and not _probe(layers, None):
            socket.send_fds(socket.socket(fileno=sock_fd), [json.dumps(
                {"type": "error", "detail": f"the {layers['mode']} layers cannot be taken on this machine"}).encode()], [])
            os._exit(3)
        # Handed out in turn (a freed uid goes to the back): the next student never gets the uid
        # of the one before.
        free_uids = collections.deque(range(first, first + int(config["uids"])) if layers["uid_drop"] else ())
    gc.collect()
    gc.freeze()  # objects of the template: keep the collector from touching (copying) their pages
    sock = socket.socket(fileno=sock_fd)
    live = {}  # pid -> uid it was given (or None)

    def reply(message, fds=()):
        socket.send_fds(sock, [json.dumps(message).encode()], list(fds))

    reply({"type": "ready", "pid": os.getpid(), "mode": layers["mode"], "uid_drop": bool(layers.get("uid_drop")),
           "landlock": layers["kernel"].landlock_abi() if "kernel" in layers else 0})
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
        except OSError:
            data, fds = b"", []
        if not data:
            for pid in live:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            for pid in live:
                try:
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            os._exit(0)
        try:
            request = json.loads(data)
            kind = request["type"]
            if kind == "spawn":
                if len(fds) != 3:
                    raise ValueError("spawn needs 3 file descriptors")
                scratch = str(request["scratch"])
                uid = None
                if layers.get("uid_drop"):
                    if not free_uids:
                        raise ValueError("no free worker uid")
                    uid = free_uids.popleft()
                pid = os.fork()
                if pid == 0:
                    return _become_worker(sock, scratch, fds, layers, uid)
                live[pid] = uid
                for fd in fds:
                    os.close(fd)
                fds = []
                pidfd = os.pidfd_open(pid)
                try:
                    reply({"type": "spawned", "pid": pid}, [pidfd])
                finally:
                    os.close(pidfd)
            elif kind == "reap":
                pid = request["pid"]
                if pid not in live:
                    raise ValueError("not a child of this zygote")
                got, status, usage = os.wait4(pid, os.WNOHANG)
                if got == 0:
                    reply({"type": "running", "pid": pid})
                else:
                    uid = live.pop(pid)
                    if uid is not None:
                        free_uids.append(uid)
                    reply({"type": "reaped", "pid": pid, "status": status,
                           "utime": usage.ru_utime, "stime": usage.ru_stime})
            else:
                raise ValueError("unknown request")
        except Exception as e:  # a bad request is answered, never fatal to the zygote
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            try:
                reply({"type": "error", "detail": f"{type(e).__name__}: {e}"[:300]})
            except OSError:
                os._exit(0)


def _probe(layers, uid):
    """Can a worker take these layers here (as ``uid``, or keeping uid 0 when ``None``)? A forked
    child takes them all, then reads the interpreter's own library as a worker would."""
    pid = os.fork()
    if pid == 0:
        try:
            os.closerange(3, 1 << 20)  # nothing of the zygote's, as in a worker
            _take_layers(layers, uid, os.getcwd())
            os.listdir(os.path.dirname(os.__file__))
            with open(os.__file__, "rb"):
                pass
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return status == 0


def _take_layers(layers, uid, scratch):
    """The kernel layers of one worker, in order; returns its scratch folder. Raises on any failure
    (the worker then ends before reading a frame: nothing of the student's ever runs without them).

    jail: a private tmpfs scratch in a mount namespace of its own (sized ``scratch_mb``);
    landlock: the runner's folder, given to the worker's uid. Then: an empty bounding set and locked
    securebits, its own uid (when one can be mapped), no capabilities, not dumpable, Landlock
    (landlock mode), and the seccomp filter (which also sets no_new_privs).
    """
    k = layers["kernel"]
    if layers["mode"] == "jail":
        k.unshare(k.CLONE_NEWNS | k.CLONE_NEWIPC)  # its own mounts and its own (empty) IPC namespace
        owner = uid if uid is not None else 0
        k.mount("tmpfs", "/scratch", "tmpfs", k.MS_NOSUID | k.MS_NODEV | k.MS_NOEXEC,
                f"size={layers['scratch_mb']}m,nr_inodes=4096,mode=0700,uid={owner},gid={owner}")
        scratch = "/scratch"
    elif uid is not None:
        os.chown(scratch, uid, uid)
    os.chdir(scratch)
    k.lock_capabilities()
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    k.clear_capabilities()
    k.prctl(k.PR_SET_DUMPABLE, 0)
    if layers["mode"] == "landlock":
        k.landlock_restrict(layers["rules"] + [(scratch, "write")])
    k.load_seccomp(layers["seccomp"])
    return scratch


def _become_worker(sock, scratch, fds, layers, uid):
    """In the freshly forked child: drop everything of the zygote, take this worker's layers
    (``_take_layers``), then look like a fresh worker. Every layer is in place before the worker
    reads its first frame, so before any student code exists in the process. Returns the argv
    ``main`` expects; never returns into the zygote's loop on failure.
    """
    try:
        sock.close()  # first: the child must never hold the zygote's socket
        os.setsid()  # own session and process group
        cmd_fd, data_fd, out_fd = fds
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        keep = sorted({0, 1, 2, cmd_fd, data_fd})
        start = 3
        for fd in keep:
            if fd >= start:
                os.closerange(start, fd)
                start = fd + 1
        os.closerange(start, 1 << 20)
        for fd in (cmd_fd, data_fd):
            os.set_inheritable(fd, True)  # as pass_fds leaves them in a Popen'ed worker
        # The template's global RandomState must not be shared by every worker: 128 bits from the OS
        # (``np.random.seed()`` draws 2.5 kB and costs a worker ~1 ms).
        np.random.seed(np.frombuffer(os.urandom(16), dtype=np.uint32))
        if "kernel" in layers:
            scratch = _take_layers(layers, uid, scratch)
            for name in [m for m in sys.modules if m in ("ctypes", "_ctypes") or m.startswith("ctypes.")]:
                del sys.modules[name]
        else:
            os.chdir(scratch)
        os.environ["HOME"] = os.environ["TMPDIR"] = scratch
        argv = [os.path.join(HERE, "worker.py"), str(cmd_fd), str(data_fd)]
        sys.argv[:] = argv
        return argv
    except BaseException:
        os._exit(70)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--zygote":
        import json

        config = json.loads(sys.argv[3]) if len(sys.argv) == 4 else {"mode": "none"}
        argv = zygote(int(sys.argv[2]), config)  # returns only in a forked child, as a fresh worker
    else:
        argv = sys.argv
    main(argv)
    os._exit(0)
