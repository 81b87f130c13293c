"""Which sandbox layers this machine gives: measured, not guessed (``grader doctor``, the preflight of
hidden grading, and the line results.json and summary.html record).

The measurement starts the real fork server of each mode and a real worker in it, and reads that
worker from this (trusted) side while it waits in a call: its uid, capabilities, no_new_privs,
seccomp mode and namespaces from ``/proc/<pid>``, and its group from the cgroup files. What a layer
*stops* is shown by the attack tests (``tests/test_attacks.py``, ``tests/test_attack_classes.py``);
``docs/sandbox.md`` lists it.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox import forkserver, policy

ALLOW_WEAK_ENV = "GRADER_ALLOW_WEAK_SANDBOX"
"""Set (by ``--allow-weak-sandbox``) to let hidden grading run with the in-process guards only."""
NAMESPACES = ("user", "mnt", "pid", "net", "ipc", "uts")
HOW_TO_GET_ONE = (
    "Linux with user namespaces (as root, or with kernel.unprivileged_userns_clone=1), or Linux >= 5.13 with "
    "Landlock; plus seccomp: `pip install pyseccomp` over the system library (Debian/Ubuntu: apt install "
    "libseccomp2; Fedora: dnf install libseccomp). In Docker, run the grader with --security-opt "
    "seccomp=unconfined or use the Landlock mode. `grader doctor` says what is missing."
)


@dataclass
class Layer:
    name: str
    active: bool | None
    """``None``: not used in this mode (another layer does its job)."""
    detail: str = ""


@dataclass
class Report:
    """What one measurement found."""

    mode: str
    """The strongest mode that runs here: ``jail``, ``landlock`` or ``none``."""
    layers: list[Layer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why a stronger mode did not start."""

    @property
    def kernel(self) -> bool:
        return self.mode in forkserver.KERNEL_MODES

    def summary(self) -> str:
        """One line for results.json and summary.html, e.g. ``jail: namespaces, minimal filesystem,
        unprivileged uid, no capabilities, no_new_privs, seccomp-bpf, cgroup limits``."""
        on = [layer.name for layer in self.layers if layer.active]
        return f"{self.mode}: " + ", ".join(on) if on else f"{self.mode}: in-process guards only"

    def text(self) -> str:
        lines = [f"sandbox layers on this machine (Linux {platform.release()}, {platform.machine()}, "
                 f"running as uid {os.geteuid()}):"]
        for layer in self.layers:
            mark = "–" if layer.active is None else "✔" if layer.active else "✘"
            lines.append(f"  {mark} {layer.name:<22} {layer.detail}")
        for problem in self.problems:
            lines.append(f"  · {problem}")
        if self.kernel:
            lines.append(f"kernel-enforced boundary: active ({self.mode})")
        else:
            lines.append("kernel-enforced boundary: NONE. Hidden grading refuses to run without one unless "
                         "--allow-weak-sandbox is given.")
            lines.append(f"To get one: {HOW_TO_GET_ONE}")
        return "\n".join(lines)


PROBE = "import time\ndef wait(s):\n    time.sleep(s)\n    return 1\n"


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _workers(z: forkserver.Zygote) -> list[int]:
    top = z.pid
    if top is None:
        return []
    zygotes = _children(top) if z.mode == "jail" else [top]
    return [w for zpid in zygotes for w in _children(zpid)]


def measure_mode(mode: str) -> tuple[list[Layer], str | None]:
    """Start a worker in ``mode`` and read its layers from outside. ``(layers, None)`` or ``([], why not)``."""
    from grader.course import Limits
    from grader.cases import Case
    from grader.sandbox.runner import run_calls

    saved = os.environ.get(forkserver.MODE_ENV)
    os.environ[forkserver.MODE_ENV] = mode
    seen: dict = {}
    done = threading.Event()

    def watch() -> None:
        z = forkserver.zygote(mode)
        while not done.is_set() and "status" not in seen:
            for pid in _workers(z):
                try:
                    status = _status(pid)
                    if status.get("Seccomp") != "2":
                        continue  # still between fork and its layers
                    seen["status"] = status
                    seen["ns"] = {n: os.readlink(f"/proc/{pid}/ns/{n}") for n in NAMESPACES}
                    seen["cgroup"] = Path(f"/proc/{pid}/cgroup").read_text()
                except OSError:
                    seen.clear()
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        with tempfile.TemporaryDirectory(prefix="grader-doctor-") as folder:
            path = Path(folder) / "probe.py"
            path.write_text(PROBE)
            watcher.start()
            result = run_calls(path, "probe", [Case("probe", "wait", (0.6,), {})],
                               limits=Limits(timeout=20.0, call_timeout=10.0, cpu=10.0, memory_mb=512, output_kb=4),
                               forbidden_imports=[], isolation="kernel")
    finally:
        done.set()
        if saved is None:
            os.environ.pop(forkserver.MODE_ENV, None)
        else:
            os.environ[forkserver.MODE_ENV] = saved
    watcher.join(timeout=2)
    if result.status != "ok" or result.isolation != mode:
        return [], (result.detail or result.calls[0].detail or "did not start")
    if "status" not in seen:
        return [], "the worker could not be inspected"
    status, ns = seen["status"], seen["ns"]
    own = {n: os.readlink(f"/proc/self/ns/{n}") for n in NAMESPACES}
    separate = [n for n in NAMESPACES if ns[n] != own[n]]
    uids = sorted({int(u) for u in status["Uid"].split()})
    z = forkserver.zygote(mode)
    group = z.group
    layers = [
        Layer("namespaces", bool(separate), ", ".join(separate) if separate else "none (shares the grader's)"),
        Layer("minimal filesystem", mode == "jail" or mode == "landlock",
              "a new root: system libraries, the Python prefix, numpy; no /proc, no course" if mode == "jail"
              else "Landlock: read system libraries, the Python prefix, numpy; write its scratch only"
              if mode == "landlock" else ""),
        Layer("unprivileged uid", uids != [0], f"uid {uids[0]}" if uids != [0] else
              "uid 0 without capabilities (the interpreter is not readable by another uid)" if mode == "landlock"
              else "uid 0 without capabilities (the grader is not root: no other uid can be mapped)"),
        Layer("no capabilities", status.get("CapEff") == status.get("CapPrm") == "0000000000000000",
              f"CapEff {status.get('CapEff')}, CapBnd {status.get('CapBnd')}"),
        Layer("no_new_privs", status.get("NoNewPrivs") == "1", ""),
        Layer("seccomp-bpf", status.get("Seccomp") == "2",
              f"filter of {policy.refused_count()} refused system calls (libseccomp)"),
        Layer("landlock", True if mode == "landlock" else None,
              f"ABI {z.report.get('landlock', 0)}" + ("" if mode == "landlock" else
                                                      " (the fallback where namespaces are refused)")),
        Layer("cgroup limits", bool(group and group.paths),
              ", ".join(f"{k}={v}" for k, v in (group.limits.items() if group else [])) or "no writable cgroup"),
    ]
    return layers, None


_CACHE: dict[str, Report] = {}
_LOCK = threading.Lock()


def measure() -> Report:
    """The strongest mode that runs here, with its layers as measured (once per process)."""
    with _LOCK:
        if "report" in _CACHE:
            return _CACHE["report"]
        problems = []
        if not sys.platform.startswith("linux"):
            report = Report("none", problems=[f"{sys.platform}: the kernel layers need Linux"])
        else:
            report = None
            for mode in forkserver.candidate_modes("kernel"):
                layers, why = measure_mode(mode)
                if why is None:
                    report = Report(mode, layers, problems)
                    break
                problems.append(f"{mode}: {why}")
            if report is None:
                report = Report("none", [], problems)
        _CACHE["report"] = report
        return report


def weak_allowed() -> bool:
    return os.environ.get(ALLOW_WEAK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def allow_weak() -> None:
    """``--allow-weak-sandbox``: this process and everything it starts (batch engines) may grade
    with the in-process guards only where no kernel layer runs."""
    os.environ[ALLOW_WEAK_ENV] = "1"


def isolation_for_grading() -> str:
    """What hidden grading asks of the sandbox: the kernel boundary, or (allowed weak) the best there is."""
    return "best" if weak_allowed() else "kernel"


class Refused(Exception):
    """Hidden grading without a kernel layer, and --allow-weak-sandbox not given."""


def started() -> Report:
    """The mode hidden grading will use, from the fork server it starts for it (cheap: no probe
    worker; ``measure`` reads a worker's layers from outside, for ``grader doctor``)."""
    problems = []
    if not sys.platform.startswith("linux"):
        return Report("none", problems=[f"{sys.platform}: the kernel layers need Linux"])
    try:
        z = forkserver.ready_zygote("kernel")
    except forkserver.SandboxUnavailable as e:
        return Report("none", problems=[str(e)])
    assert z is not None
    r = z.report
    layers = [
        Layer("namespaces", z.mode == "jail"),
        Layer("minimal filesystem", True),
        Layer("unprivileged uid", bool(r.get("uid_drop"))),
        Layer("no capabilities", True),
        Layer("no_new_privs", True),
        Layer("seccomp-bpf", True),
        Layer("landlock", True if z.mode == "landlock" else None),
        Layer("cgroup limits", bool(z.group and z.group.paths)),
    ]
    return Report(z.mode, layers, problems)


def preflight(verb: str) -> Report:
    """Before hidden grading: the mode it will use, or ``Refused`` with the one line to print.
    A weak sandbox is announced once per process."""
    report = started()
    if report.kernel:
        return report
    if weak_allowed():
        if _CACHE.get("warned"):
            return report
        _CACHE["warned"] = report
        print(f"grader {verb}: warning: no kernel-enforced sandbox on this machine; grading with the "
              f"in-process guards only (--allow-weak-sandbox). {'; '.join(report.problems)}", file=sys.stderr)
        return report
    raise Refused(
        f"grader {verb}: no kernel-enforced sandbox on this machine ({'; '.join(report.problems) or 'not Linux'}); "
        f"hidden grading refuses to run student code without one. {HOW_TO_GET_ONE} "
        f"Or pass --allow-weak-sandbox to grade with the in-process guards only."
    )
