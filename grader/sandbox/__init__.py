"""Run untrusted student code: a trusted runner, an untrusted worker, and a wire format between them.

Public API::

    from grader.sandbox import run_calls, warm_up, SandboxResult, CallOutcome, scan_source, ScanResult

- ``runner.py`` (trusted): scratch folder, worker process, limits, classification of how it ended.
- ``worker.py`` (untrusted; stdlib + numpy only, never imports ``grader``): imports the module, serves calls.
- ``guards.py`` (loaded by the worker by path): audit hook + import guard installed before student code.
- ``protocol.py`` (both sides; stdlib + numpy only): frames of JSON headers and ``.npy`` blobs, no pickle.
- ``scan.py`` (trusted): ``ast``-only scan for syntax errors, forbidden imports and top-level functions.
"""

from grader.sandbox.runner import CallOutcome, SandboxResult, run_calls, warm_up
from grader.sandbox.scan import ScanResult, scan_source

__all__ = ["run_calls", "warm_up", "SandboxResult", "CallOutcome", "scan_source", "ScanResult"]
