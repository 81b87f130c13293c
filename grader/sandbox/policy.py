"""The sandbox's policy, as data: what a worker sees, which system calls it may not make, its limits.

Kept apart from the mechanism (``jail.py``, ``kernel.py``, ``worker.py``), as nsjail keeps its
Kafel policy apart, so that a reviewer reads here what a student's code is allowed to do.
The seccomp filter is compiled by libseccomp (through ``pyseccomp``) in the trusted process; the
zygote only loads the resulting BPF program into each worker.
"""

from __future__ import annotations

import functools
import glob
import io
import os
import sys
from pathlib import Path

# -- seccomp: a deny list -----------------------------------------------------------------------
# Everything else stays allowed: numpy and the interpreter need a long, version-dependent list of
# calls, and what is left is confined by the namespaces (nothing else to see or reach), the uid
# (nothing else to own) and the rlimits. Refused calls fail with EPERM (ENOSYS for clone3, so that
# the C library falls back to clone, whose flags the filter can read).
SECCOMP_REFUSED: dict[str, str] = {
    **dict.fromkeys(("fork", "vfork"), "process creation"),
    **dict.fromkeys(("execve", "execveat"), "running another program"),
    **dict.fromkeys(("tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
                     "pidfd_send_signal", "pidfd_getfd"), "signals to (or handles on) other processes"),
    **dict.fromkeys(("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "process_madvise",
                     "process_mrelease"), "another process's memory"),
    **dict.fromkeys(("memfd_create", "memfd_secret"), "memory outside RLIMIT_AS"),
    **dict.fromkeys(("mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
                     "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"), "namespaces and mounts"),
    **dict.fromkeys(("socket", "socketpair"), "network and local sockets"),
    **dict.fromkeys(("shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
                     "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
                     "mq_getsetattr"),
                    "System V and POSIX IPC (memory outside RLIMIT_AS, outliving the worker, shared between students)"),
    **dict.fromkeys(("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utime",
                     "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
                     "lremovexattr", "fremovexattr", "inotify_add_watch", "fanotify_mark"),
                    "file metadata and watches (Landlock does not cover them; nothing a convolution needs)"),
    **dict.fromkeys(("keyctl", "add_key", "request_key"), "kernel keyrings"),
    **dict.fromkeys(("bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
                     "io_uring_register", "fanotify_init", "lookup_dcookie"), "kernel attack surface"),
    **dict.fromkeys(("kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot",
                     "swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm", "settimeofday",
                     "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "vhangup",
                     "open_by_handle_at", "name_to_handle_at", "mknod", "mknodat"), "system administration"),
}
CLONE_THREAD = 0x00010000
# (system call, argument index, value, reason): refused when the argument is NOT the value, i.e.
# allowed only on the calling process itself. A call listed twice must meet both.
SECCOMP_SELF_ONLY: tuple[tuple[str, int, int, str], ...] = (
    ("kill", 0, 0, "signals to other processes (kill(0, sig): its own process group, which is itself)"),
    ("sched_setscheduler", 0, 0, "another process's scheduling"),
    ("sched_setparam", 0, 0, "another process's scheduling"),
    ("sched_setaffinity", 0, 0, "another process's CPU affinity"),
    ("sched_setattr", 0, 0, "another process's scheduling"),
    ("setpriority", 0, 0, "the priority of a group or a user (PRIO_USER 0 is every process of its uid)"),
    ("setpriority", 1, 0, "another process's priority"),
    ("ioprio_set", 0, 1, "the I/O priority of a group or a user (IOPRIO_WHO_PROCESS only)"),
    ("ioprio_set", 1, 0, "another process's I/O priority"),
    ("prlimit64", 0, 0, "another process's limits"),
)
# Executable memory a worker makes itself: an anonymous mapping with PROT_EXEC, or PROT_EXEC added
# to memory later. Loading a C extension maps its file (not anonymous) with its own protections and
# keeps working; what stops is writing machine code into memory and running it, the way to make any
# system call with the guards on. (Defence in depth for the second layer: the filter itself holds
# against such code too.)
PROT_EXEC, MAP_ANONYMOUS = 0x4, 0x20
# fcntl commands refused: asking the kernel to signal another process on I/O (F_SETOWN,
# F_SETOWN_EX, and F_SETSIG, which picks the signal).
SECCOMP_FCNTLS: dict[int, str] = {8: "F_SETOWN", 15: "F_SETOWN_EX", 10: "F_SETSIG"}
# ioctl commands refused: file flags (immutable/append-only scratch files outliving cleanup, the
# FS_IOC_SETFLAGS / FS_IOC_FSSETXATTR pair) and typing into a terminal (TIOCSTI, TIOCLINUX).
SECCOMP_IOCTLS: dict[int, str] = {
    0x40086602: "FS_IOC_SETFLAGS", 0x40046602: "FS_IOC32_SETFLAGS", 0x401C5820: "FS_IOC_FSSETXATTR",
    0x5412: "TIOCSTI", 0x541C: "TIOCLINUX",
}


class PolicyUnavailable(Exception):
    """The seccomp filter cannot be compiled here (no pyseccomp, no libseccomp, an unknown CPU)."""


@functools.lru_cache(maxsize=None)
def seccomp_program() -> bytes:
    """The workers' seccomp filter as a raw BPF program (``struct sock_filter[]``); cached."""
    try:
        import pyseccomp as sc
    except (ImportError, OSError) as e:  # no package, or no libseccomp.so.2 behind it
        raise PolicyUnavailable(f"pyseccomp/libseccomp not available ({e})") from None
    eperm = sc.ERRNO(1)
    try:
        f = sc.SyscallFilter(defaction=sc.ALLOW)
        for name in SECCOMP_REFUSED:
            _add(f, sc, eperm, name)
        _add(f, sc, sc.ERRNO(38), "clone3")  # ENOSYS: the C library then uses clone
        _add(f, sc, eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))  # not a thread: a process
        for name, index, value, _ in SECCOMP_SELF_ONLY:
            _add(f, sc, eperm, name, sc.Arg(index, sc.NE, value))
        for request in SECCOMP_IOCTLS:
            _add(f, sc, eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, request))
        for command in SECCOMP_FCNTLS:
            _add(f, sc, eperm, "fcntl", sc.Arg(1, sc.EQ, command))
        _add(f, sc, eperm, "mmap", sc.Arg(2, sc.MASKED_EQ, PROT_EXEC, PROT_EXEC),
             sc.Arg(3, sc.MASKED_EQ, MAP_ANONYMOUS, MAP_ANONYMOUS))
        for name in ("mprotect", "pkey_mprotect"):
            _add(f, sc, eperm, name, sc.Arg(2, sc.MASKED_EQ, PROT_EXEC, PROT_EXEC))
        buffer = io.BytesIO()
        read, write = os.pipe()
        try:
            with os.fdopen(write, "wb") as out:
                f.export_bpf(out)
            with os.fdopen(read, "rb") as inp:
                buffer.write(inp.read())
        finally:
            for fd in (read, write):
                try:
                    os.close(fd)
                except OSError:
                    pass
    except (OSError, RuntimeError, ValueError) as e:
        raise PolicyUnavailable(f"libseccomp refused the policy ({e})") from None
    program = buffer.getvalue()
    if not program or len(program) % 8:
        raise PolicyUnavailable("libseccomp exported no program")
    return program


def _add(f, sc, action, name: str, *conditions) -> None:
    try:
        number = sc.resolve_syscall(sc.system_arch(), name)
    except (ValueError, OSError, RuntimeError):
        return
    if number < 0:
        return  # not a system call on this architecture (libseccomp knows it only by name)
    f.add_rule(action, name, *conditions)


def refused_count() -> int:
    """How many system calls the filter refuses outright or by argument (for ``grader doctor``)."""
    return len(SECCOMP_REFUSED) + 2 + len({name for name, *_ in SECCOMP_SELF_ONLY}) + 2 + 3


# -- the jail's filesystem ----------------------------------------------------------------------

SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache")
"""The C library, the dynamic loader and the shared libraries the interpreter links against."""


def _numpy_paths() -> list[str]:
    import numpy

    package = Path(numpy.__file__).resolve().parent
    paths = [str(package)]
    libs = package.with_name("numpy.libs")  # the wheels' bundled OpenBLAS
    if libs.is_dir():
        paths.append(str(libs))
    return paths


def _site_folders() -> list[str]:
    import site

    found = set()
    for folder in [*site.getsitepackages(), *sys.path]:
        if folder.endswith(("site-packages", "dist-packages")) and os.path.isdir(folder):
            found.add(os.path.realpath(folder))
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages", "/usr/lib/python3/dist-packages"):
        found.update(os.path.realpath(p) for p in glob.glob(pattern) if os.path.isdir(p))
    return sorted(found)


@functools.lru_cache(maxsize=None)
def jail_view() -> dict[str, list]:
    """What the jail shows, as paths of this machine (each at the same place inside):

    - ``read_only``: system libraries and the interpreter's prefix (venv and base);
    - ``symlinks``: top-level links such as ``/lib -> usr/lib`` (merged /usr), recreated as links;
    - ``hide``: every site-packages/dist-packages folder, covered by an empty tmpfs...
    - ``expose``: ...into which numpy alone is bound back.
    """
    read_only: set[str] = set()
    symlinks: list[tuple[str, str]] = []
    for path in SYSTEM_LIBRARIES:
        if os.path.islink(path) and os.path.dirname(path) == "/":
            symlinks.append((path, os.readlink(path)))
        elif os.path.exists(path):
            read_only.add(os.path.realpath(path))
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        read_only.add(os.path.realpath(prefix))
    executable = os.path.realpath(sys.executable)
    read_only.add(executable)
    # Keep the smallest set: a path inside another bound path needs no bind of its own.
    ordered = sorted(read_only, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    hide = [p for p in _site_folders() if any(p.startswith(k.rstrip("/") + "/") for k in kept)]
    return {"read_only": kept, "symlinks": symlinks, "hide": hide, "expose": _numpy_paths()}


def executable_inside() -> str:
    """The interpreter's path inside the jail (the same path as outside: prefixes are bound in place)."""
    return sys.executable


def landlock_read_only(view: dict[str, list]) -> list[tuple[str, str]]:
    """Landlock's rules for the same view (where namespaces are refused): read the system libraries
    and the Python prefix except the package folders, list the folders on the way to those, read numpy.

    Landlock only adds rights beneath a path, so "the prefix but not its site-packages" is written
    as every sibling of the folders leading to site-packages, plus listing of those folders.
    """
    rules: list[tuple[str, str]] = []

    def allow_except(root: str, hidden: list[str]) -> None:
        inner = [h for h in hidden if h.startswith(root.rstrip("/") + "/")]
        if not inner or not os.path.isdir(root):
            rules.append((root, "read"))
            return
        rules.append((root, "list"))
        try:
            entries = sorted(os.scandir(root), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = entry.path
            if path in inner:
                rules.append((path, "list"))
            elif any(h.startswith(path + "/") for h in inner):
                allow_except(path, inner)
            else:
                rules.append((path, "read"))

    for root in view["read_only"]:
        allow_except(root, view["hide"])
    rules += [(path, "read") for path in view["expose"]]
    rules += [(path, "read") for path in ("/dev/zero", "/dev/random", "/dev/urandom")]
    rules += [(path, "write") for path in ("/dev/null", "/dev/full")]
    return rules
