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
"""

from grader.sandbox.forkserver import SandboxUnavailable, warm_up
from grader.sandbox.runner import CallOutcome, SandboxResult, run_calls
from grader.sandbox.scan import ScanResult, scan_source

__all__ = ["run_calls", "warm_up", "SandboxResult", "CallOutcome", "SandboxUnavailable", "scan_source", "ScanResult"]
