"""Control groups for the sandbox's fork servers (trusted side; Linux, where a group can be made).

Each fork server (and through it every worker it forks) runs in a group of its own, made next to
the grader's own group: ``pids.max`` caps the processes and threads, ``memory`` caps what they hold
together (tmpfs scratch pages included, which RLIMIT_AS does not see). cgroup v1 (one hierarchy per
controller, as on this project's machines) and v2 (one unified hierarchy, where the grader's group
delegates the controllers) are both read; where neither can be written, there are no groups and
``grader doctor`` says so. The group is also how tests count the processes a run left: never the
whole machine.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """Controller ('' for v2) -> this process's group path, from /proc/self/cgroup."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _writable_v1(controller: str, own: dict[str, str]) -> Path | None:
    base = ROOT / controller
    if controller not in own or not (base / "cgroup.procs").exists():
        return None
    parent = base / own[controller].lstrip("/")
    return parent if os.access(parent, os.W_OK) else None


def _writable_v2(own: dict[str, str]) -> Path | None:
    if "" not in own or not (ROOT / "cgroup.controllers").exists():
        return None
    parent = ROOT / own[""].lstrip("/")
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    if not {"pids", "memory"} & set(enabled) or not os.access(parent, os.W_OK):
        return None
    return parent


@dataclass
class Group:
    """The groups made for one fork server (one folder per v1 controller, or one v2 folder)."""

    paths: list[Path] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)
    """What was set, e.g. {"pids.max": "64", "memory.limit_in_bytes": "..."} (for grader doctor)."""

    def procs(self) -> set[int]:
        """Processes in the group now, and in every group made inside it (as this process's PID
        namespace numbers them)."""
        found: set[int] = set()
        for path in self.paths:
            for folder, _, files in os.walk(path):
                if "cgroup.procs" not in files:
                    continue
                try:
                    found.update(int(p) for p in Path(folder, "cgroup.procs").read_text().split())
                except (OSError, ValueError):
                    pass
        return found

    def remove(self, wait: float = 5.0) -> None:
        """Kill whatever is left in the group (and the groups inside it), then remove them all."""
        until = time.monotonic() + wait
        for path in self.paths:
            while True:
                for pid in self.procs():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    for folder, _, _ in sorted(os.walk(path), key=lambda w: -len(w[0])):
                        Path(folder).rmdir()  # the innermost first
                    break
                except OSError:
                    if time.monotonic() > until:
                        break
                    time.sleep(0.01)
        self.paths = [p for p in self.paths if p.exists()]

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the group (joined before it starts: its children inherit it)."""
        joins = " && ".join(f'echo $$ > "{p}/cgroup.procs"' for p in self.paths)
        return ["sh", "-c", f'{joins or "true"} && exec "$@"', "sh", *argv]


def make(name: str, *, pids: int, memory_bytes: int) -> Group:
    """New groups named ``name`` under the grader's own, with the limits set; empty when none can be made."""
    group = Group()
    own = _own_paths()
    v2 = _writable_v2(own)
    targets: list[tuple[Path, dict[str, str]]] = []
    if v2 is not None:
        targets.append((v2, {"pids.max": str(pids), "memory.max": str(memory_bytes), "memory.swap.max": "0"}))
    else:
        for controller, limits in (("pids", {"pids.max": str(pids)}),
                                   ("memory", {"memory.limit_in_bytes": str(memory_bytes)})):
            parent = _writable_v1(controller, own)
            if parent is not None:
                targets.append((parent, limits))
    for parent, limits in targets:
        path = parent / name
        try:
            path.mkdir()
        except OSError:
            continue
        group.paths.append(path)
        for key, value in limits.items():
            try:
                (path / key).write_text(value)
                group.limits[key] = value
            except OSError:
                pass
    return group


def sweep(dead) -> None:
    """Remove the empty ``grader-<pid>-...`` groups beside ours whose owner pid is ``dead(pid)``
    (a grader killed before it could remove them)."""
    import re

    pattern = re.compile(r"^grader-(\d+)-")
    own = _own_paths()
    parents = [p for p in ([_writable_v2(own)] + [_writable_v1(c, own) for c in ("pids", "memory")]) if p is not None]
    for parent in parents:
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        for entry in entries:
            match = pattern.match(entry.name)
            if match and entry.is_dir() and dead(int(match.group(1))):
                try:
                    entry.rmdir()  # refused while a process is still in it: then it is not stale
                except OSError:
                    pass
