"""The launcher of the jail: builds the namespaces and the minimal filesystem, then becomes the zygote.

Started by the trusted runner (``forkserver.py``) as ``python -I -B jail.py CONFIG_JSON READY_FD GO_FD``,
as bubblewrap, nsjail and isolate do it, with the layers set up *before* anything untrusted exists:

1. (this process, "B") join the jail's cgroups, then ``unshare`` a new user, mount, PID, network,
   IPC and UTS namespace; say "ready" on READY_FD and wait on GO_FD while the runner, outside,
   writes B's uid/gid maps (only a process outside may map more than one uid);
2. fork "C", the first process of the new PID namespace (its init: when it ends, the kernel kills
   everything left in the namespace). B stays outside, waits for C and exits with its status;
3. C builds the view from nothing: a fresh tmpfs as the root, read-only binds of the system
   libraries and the Python prefix, every ``site-packages``/``dist-packages`` folder covered by an
   empty tmpfs with only numpy bound back in, five device nodes, an empty ``/tmp``, the sandbox's
   own four files in ``/sandbox``, no ``/proc``, nothing of the course or the grader; then
   ``pivot_root`` into it, detaches the old root and makes the new one read-only;
4. C ``exec``s the zygote (``python -I -B /sandbox/worker.py --zygote ...``), which forks one worker
   per submission and gives each its own layers (``worker.py``: a private scratch tmpfs, its own
   uid, no capabilities, no_new_privs, seccomp).

Errors before the ``exec`` (the exec's own included) are written to READY_FD as one line starting
with ``E`` (and to stderr) and end the launcher with status 111: the runner then reports that the
kernel sandbox could not start. The exec closes READY_FD: end of file on it means the fork server runs.
Standard library + ``kernel.py`` (loaded by path) only.
"""

import importlib.util
import json
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX_FILES = ("worker.py", "protocol.py", "guards.py", "kernel.py")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def _load_kernel():
    spec = importlib.util.spec_from_file_location("_sandbox_kernel", os.path.join(HERE, "kernel.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fail(ready_fd, message):
    for fd, text in ((ready_fd, b"E" + message.encode("utf-8", "replace")[:2000] + b"\n"),
                     (2, b"grader jail: " + message.encode("utf-8", "replace")[:2000] + b"\n")):
        try:
            os.write(fd, text)
        except OSError:
            pass
    os._exit(111)


def _join_cgroups(paths):
    for path in paths:
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))


def _mkdirs(path):
    os.makedirs(path, mode=0o755, exist_ok=True)


def _touch(path):
    _mkdirs(os.path.dirname(path))
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))


def build_root(k, config):
    """Step 3: the new root, from nothing, in C's own mount namespace."""
    root = config["root"]
    k.mount(None, "/", None, k.MS_REC | k.MS_PRIVATE)  # nothing we mount propagates to the host
    k.mount("tmpfs", root, "tmpfs", k.MS_NOSUID | k.MS_NODEV, "size=16m,nr_inodes=4096,mode=0755")

    def inside(path):
        return os.path.join(root, path.lstrip("/"))

    def bind_in_place(path):
        """``path`` of this machine, read-only, at the same place inside (a folder or a file)."""
        target = inside(path)
        if os.path.isdir(path):
            _mkdirs(target)
        else:
            _touch(target)
        k.bind_readonly(path, target)

    # The fork server's own /tmp first: a path bound below (a virtualenv under /tmp, say) then lands
    # on it instead of being covered by it.
    _mkdirs(inside("tmp"))
    k.mount("tmpfs", inside("tmp"), "tmpfs", k.MS_NOSUID | k.MS_NODEV | k.MS_NOEXEC, "size=1m,nr_inodes=64,mode=0755")
    for link, target in config["symlinks"]:
        _mkdirs(os.path.dirname(inside(link)))
        os.symlink(target, inside(link))
    for path in config["read_only"]:  # shorter first: a bind inside another one comes after it
        bind_in_place(path)
    for path in config["hide"]:
        if os.path.isdir(inside(path)):
            k.mount("tmpfs", inside(path), "tmpfs", k.MS_NOSUID | k.MS_NODEV, "size=64k,nr_inodes=256,mode=0755")
    for path in config["expose"]:
        bind_in_place(path)
    for path in config["hide"]:
        target = inside(path)
        if os.path.isdir(target):
            k.mount(None, target, None, k.MS_REMOUNT | k.MS_RDONLY | k.MS_NOSUID | k.MS_NODEV,
                    "size=64k,nr_inodes=256,mode=0755")
    for device in DEVICES:
        _touch(inside(device))
        k.mount(device, inside(device), None, k.MS_BIND)
    for name in ("scratch", "sandbox", ".old"):
        _mkdirs(inside(name))
    for name in SANDBOX_FILES:
        with open(os.path.join(HERE, name), "rb") as src, open(inside(f"sandbox/{name}"), "wb") as dst:
            dst.write(src.read())
    os.symlink("/proc/self/fd", inside("dev/fd"))  # dangling on purpose: there is no /proc

    os.chdir(root)
    k.pivot_root(".", ".old")
    os.chdir("/")
    k.umount("/.old", k.MNT_DETACH)
    os.rmdir("/.old")
    k.mount(None, "/", None, k.MS_REMOUNT | k.MS_RDONLY | k.MS_NOSUID | k.MS_NODEV, "size=16m,nr_inodes=4096,mode=0755")


def main(argv):
    config = json.loads(argv[1])
    ready_fd, go_fd = int(argv[2]), int(argv[3])
    try:
        k = _load_kernel()
        _join_cgroups(config["cgroups"])
        k.unshare(k.CLONE_NEWUSER | k.CLONE_NEWNS | k.CLONE_NEWPID | k.CLONE_NEWNET | k.CLONE_NEWIPC
                  | k.CLONE_NEWUTS)
    except Exception as e:  # noqa: BLE001 - reported to the runner, which decides
        _fail(ready_fd, f"{type(e).__name__}: {e}")
    os.write(ready_fd, b"R\n")
    if os.read(go_fd, 1) != b"G":  # the runner mapped our uids (or gave up: then we end here)
        os._exit(112)
    os.close(go_fd)
    try:
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    except OSError as e:
        _fail(ready_fd, f"no uid 0 in the new user namespace: {e}")
    pid = os.fork()
    if pid == 0:
        try:
            k.prctl(k.PR_SET_PDEATHSIG, signal.SIGKILL)  # B gone (the runner killed it): C and the jail too
            build_root(k, config)
            try:
                import socket
                socket.sethostname("grader")
            except (OSError, AttributeError):
                pass
            # Closed by the exec itself: end of file on it tells the runner the fork server is
            # starting, an "E" line that the exec (or anything before it) failed.
            os.set_inheritable(ready_fd, False)
            argv = config["exec"]
            os.execve(argv[0], argv, config["env"])
        except BaseException as e:  # noqa: BLE001
            _fail(ready_fd, f"{type(e).__name__}: {e}")
    os.close(ready_fd)
    for fd in config["pass_fds"]:
        try:
            os.close(fd)  # only C (the zygote) holds the socket: B's copy would hide its EOF
        except OSError:
            pass
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


if __name__ == "__main__":
    main(sys.argv)
