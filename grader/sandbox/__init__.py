"""Run untrusted student code: a trusted runner, an untrusted worker, and a wire format between them.

Public API::

    from grader.sandbox import run_calls, warm_up, SandboxResult, CallOutcome, scan_source, ScanResult

- ``runner.py`` (trusted): one submission's workers, deadlines, limits, classification of how it ended.
- ``forkserver.py`` (trusted): the fork servers (jailed, Landlock or plain) and the worker processes.
- ``jail.py`` (trusted launcher): namespaces and the minimal filesystem, then it becomes the fork server.
- ``policy.py`` (trusted): the policy as data (seccomp deny list, the jail's view); ``cgroups.py``.
- ``kernel.py`` (both): the Linux system calls the layers need, through libc.
- ``worker.py`` (untrusted; stdlib + numpy only, never imports ``grader``): imports the module, serves calls.
- ``guards.py`` (loaded by the worker by path): audit hook + import guard installed before student code.
- ``protocol.py`` (both sides; stdlib + numpy only): frames of JSON headers and ``.npy`` blobs, no pickle.
- ``scan.py`` (trusted): ``ast``-only scan for syntax errors, forbidden imports and top-level functions.

The names are loaded on first use (PEP 562): ``runner`` needs ``fork`` and other POSIX calls at
import, and the student's check on Windows imports ``grader.sandbox.scan`` and ``protocol`` only.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "run_calls": "runner", "SandboxResult": "runner", "CallOutcome": "runner",
    "warm_up": "forkserver", "SandboxUnavailable": "forkserver",
    "scan_source": "scan", "ScanResult": "scan",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)

__all__ = ["run_calls", "warm_up", "SandboxResult", "CallOutcome", "SandboxUnavailable", "scan_source", "ScanResult"]
