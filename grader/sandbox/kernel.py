"""Linux system calls the sandbox's layers need, through libc (standard library + ctypes only).

Loaded *by file path* by ``jail.py`` (the launcher that builds the namespaces) and by ``worker.py``
(the zygote, which applies each worker's own layers right after its fork, before any student code
runs). It never imports ``grader``.

Why by hand: Python 3.11 has no ``os.unshare``, ``mount``, ``pivot_root``, ``capset`` or
``prctl``, and no maintained PyPI package covers them together (python-prctl covers prctl and
capabilities only, and needs a C build). Each wrapper is a one-line libc call plus an ``OSError`` on
failure. The seccomp *policy* is compiled elsewhere, by libseccomp (``policy.py``, through
pyseccomp); here it is only loaded, as the raw BPF program libseccomp exported. Landlock rules are
built with the ``landlock`` package where it is installed, else with the three raw system calls.
"""

import ctypes
import os
import platform
import struct

_libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_SECUREBITS = 28
PR_GET_NO_NEW_PRIVS = 39
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
SECCOMP_MODE_FILTER = 2
# SECBIT_NOROOT | _LOCKED, SECBIT_NO_SETUID_FIXUP_LOCKED (left off: a change of uid still clears the
# capabilities), SECBIT_KEEP_CAPS_LOCKED (off), SECBIT_NO_CAP_AMBIENT_RAISE | _LOCKED: uid 0 never
# regains a capability, and nothing can undo these bits.
SECUREBITS_LOCKED_DOWN = 0x01 | 0x02 | 0x08 | 0x20 | 0x40 | 0x80

_MACHINE = platform.machine()
_SYSCALLS = {
    # name: (x86_64, aarch64)
    "pivot_root": (155, 41),
    "capset": (126, 91),
    "landlock_create_ruleset": (444, 444),
    "landlock_add_rule": (445, 445),
    "landlock_restrict_self": (446, 446),
}


def _nr(name):
    numbers = _SYSCALLS[name]
    if _MACHINE in ("x86_64", "amd64"):
        return numbers[0]
    if _MACHINE in ("aarch64", "arm64"):
        return numbers[1]
    raise OSError(38, f"{name}: no system call number known for {_MACHINE}")


def _check(result, what):
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _b(path):
    return None if path is None else os.fsencode(path)


def unshare(flags):
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype, flags=0, data=None):
    _check(_libc.mount(_b(source), _b(target), _b(fstype), ctypes.c_ulong(flags), _b(data)),
           f"mount {target}")


def umount(target, flags=MNT_DETACH):
    _check(_libc.umount2(_b(target), ctypes.c_int(flags)), f"umount {target}")


def pivot_root(new_root, put_old):
    _check(_libc.syscall(ctypes.c_long(_nr("pivot_root")), _b(new_root), _b(put_old)), "pivot_root")


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    return _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), f"prctl {option}")


def lock_capabilities():
    """Empty the bounding set and lock the securebits (needs CAP_SETPCAP: before any uid change).

    A process that holds no capability at all (a grader run by an ordinary user, Landlock mode) has
    nothing to drop or lock: that is not an error."""
    for cap in range(64):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError:
            break  # past the last capability this kernel knows (or none to drop: see below)
    try:
        prctl(PR_SET_SECUREBITS, SECUREBITS_LOCKED_DOWN)
    except OSError:
        if os.geteuid() == 0:
            raise  # uid 0 (on the machine, or in the jail's user namespace) must be able to lock them


def clear_capabilities():
    """Empty the effective, permitted and inheritable sets (what a change to a non-zero uid does;
    needed where uid 0 is the only uid a worker can have)."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = bytes(24)  # two __user_cap_data_struct, all zero
    _check(_libc.syscall(ctypes.c_long(_nr("capset")), header, data), "capset")


def load_seccomp(bpf):
    """Install a seccomp-bpf program (the raw ``struct sock_filter`` array libseccomp exports)."""
    if len(bpf) % 8 or not bpf:
        raise ValueError("not a BPF program")
    buffer = ctypes.create_string_buffer(bpf, len(bpf))
    prog = struct.pack("HxxxxxxP", len(bpf) // 8, ctypes.addressof(buffer))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    _check(_libc.prctl(ctypes.c_int(PR_SET_SECCOMP), ctypes.c_ulong(SECCOMP_MODE_FILTER),
                       ctypes.c_char_p(prog), ctypes.c_ulong(0), ctypes.c_ulong(0)), "seccomp")


def flags_of(path):
    """The MS_* flags of the mount holding ``path`` that a bind mount in a user namespace must keep
    (the kernel refuses a remount that clears a flag locked by a more privileged namespace)."""
    f = os.statvfs(path).f_flag
    flags = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                   (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
                   (getattr(os, "ST_RELATIME", 4096), MS_RELATIME)):
        if f & st:
            flags |= ms
    return flags


def bind_readonly(source, target, recursive=False):
    """Bind ``source`` on ``target``, then make that bind read-only, keeping the locked flags."""
    mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | flags_of(target))


# -- Landlock -----------------------------------------------------------------------------------

LANDLOCK_ACCESS_FS_EXECUTE = 1 << 0
LANDLOCK_ACCESS_FS_READ_FILE = 1 << 2
LANDLOCK_ACCESS_FS_READ_DIR = 1 << 3
_FS_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
                  5: (1 << 16) - 1, 6: (1 << 16) - 1, 7: (1 << 16) - 1}
# Rights that apply to a file (EXECUTE, WRITE_FILE, READ_FILE, TRUNCATE, IOCTL_DEV); a rule on a file
# that names any other right is refused by the kernel.
_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
_READ = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR
LANDLOCK_CREATE_RULESET_VERSION = 1


def landlock_abi():
    """The Landlock ABI version the kernel offers, 0 when none."""
    try:
        return _check(_libc.syscall(ctypes.c_long(_nr("landlock_create_ruleset")), None, ctypes.c_size_t(0),
                                    ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION)), "landlock")
    except OSError:
        return 0


def landlock_restrict(rules):
    """Allow only what ``rules`` say: ``[(path, "read" | "list" | "write"), ...]`` (``read``: read
    files and list folders beneath; ``list``: list the folder, read nothing in it; ``write``:
    everything beneath). Nothing else of the filesystem can be opened afterwards.

    Raw system calls (a ruleset attribute, one path-beneath rule per path, restrict_self): the
    ``landlock`` PyPI package wraps the same three calls but is a pre-release, and this runs in the
    zygote, which sees only the standard library.
    """
    abi = landlock_abi()
    if abi <= 0:
        raise OSError(95, "Landlock is not available")
    handled = _FS_ALL_BY_ABI.get(abi, _FS_ALL_BY_ABI[7])
    # handled_access_fs, handled_access_net (ABI 4: TCP bind and connect, with no rule: refused),
    # scoped (ABI 6: abstract Unix sockets and signals to processes outside this domain: refused).
    attr = struct.pack("QQQ", handled, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    rights = {"read": _READ, "list": LANDLOCK_ACCESS_FS_READ_DIR, "write": handled}
    fd = _check(_libc.syscall(ctypes.c_long(_nr("landlock_create_ruleset")), attr, ctypes.c_size_t(size),
                              ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for path, kind in rules:
            try:
                pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path this machine does not have
            try:
                allowed = rights[kind] & handled & (~0 if os.path.isdir(path) else _FILE_RIGHTS)
                if not allowed:
                    continue
                # struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; } packed
                rule = struct.pack("=Qi", allowed, pfd)
                _check(_libc.syscall(ctypes.c_long(_nr("landlock_add_rule")), ctypes.c_int(fd),
                                     ctypes.c_int(1), rule, ctypes.c_uint32(0)), f"landlock rule {path}")
            finally:
                os.close(pfd)
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(_libc.syscall(ctypes.c_long(_nr("landlock_restrict_self")), ctypes.c_int(fd), ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(fd)
