"""``grader check`` without the POSIX sandbox: the student's module in a plain subprocess, with deadlines.

The sandbox (``grader/sandbox``) needs ``fork``, ``resource``, ``pass_fds`` and pidfds: Linux and
macOS only. Students also work on Windows, so the student's check has this second path, which
needs nothing but ``subprocess`` (``Popen``, ``kill``, pipes) and files:

- the parent scans the source (syntax, forbidden imports) as the sandbox does, writes the cases to
  a fixture file, and starts ``python -m grader.local_run REQUEST`` in the module's folder;
- the child imports the module and calls each case in order (``grader.check.call_in_process``),
  appending one JSON line per call to a results file (values as the sandbox's wire values:
  ``grader.sandbox.protocol``, arrays as ``.npy`` bytes in base64, never pickle);
- the parent reads the lines as they come, with a wall-clock deadline per call and one for the
  whole run: a call that overruns, or a child that dies, costs that call (``timeout``, ``crashed``)
  and a fresh child goes on with the next one.

There is no memory limit and no isolation on this path: it is the student's own code on the
student's own machine, where the public tests and their answers are already in hand. Grading (the
instructor's) always uses the sandbox. ``GRADER_CHECK_RUNNER=portable`` forces this path
(the tests do, on Linux); ``=sandbox`` forces the sandbox.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

RUNNER_ENV = "GRADER_CHECK_RUNNER"
STARTUP_GRACE = 10.0
"""Seconds for the child's interpreter, numpy and the grader to load before the module's own import."""
MAX_RESTARTS = 3
MAX_VALUE_BYTES = 64 << 20


@dataclass
class LocalResult:
    """What ``grading.judge_run`` reads of a sandbox result (the same fields as ``SandboxResult``)."""

    status: str
    calls: list
    detail: str = ""
    line: int | None = None
    output: str = ""
    seconds: float = 0.0
    functions: dict = field(default_factory=dict)
    pgids: list = field(default_factory=list)
    isolation: str = "none"
    """A plain child process: the student's own code on the student's own machine."""


def sandbox_available() -> bool:
    """True where the POSIX sandbox can run (fork, fork hooks, resource limits, fcntl)."""
    if os.name != "posix" or not hasattr(os, "fork") or not hasattr(os, "register_at_fork"):
        return False
    try:
        import fcntl  # noqa: F401, PLC0415
        import resource  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def runner_kind() -> str:
    """``sandbox`` or ``portable``: ``$GRADER_CHECK_RUNNER`` when set, else what this machine allows."""
    forced = os.environ.get(RUNNER_ENV, "").strip().lower()
    if forced in ("sandbox", "portable"):
        return forced
    return "sandbox" if sandbox_available() else "portable"


# -- the parent ------------------------------------------------------------------------------------------


class _Output:
    """The child's stdout + stderr, read in a thread, capped."""

    def __init__(self, stream: Any, cap: int) -> None:
        self.cap, self.parts, self.size = cap, [], 0
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: Any) -> None:
        for chunk in iter(lambda: stream.read(4096), b""):
            if self.size < self.cap:
                self.parts.append(chunk[: self.cap - self.size])
            self.size += len(chunk)

    def text(self) -> str:
        self.thread.join(timeout=1.0)
        return b"".join(self.parts).decode("utf-8", errors="replace")


def _decode(node: Any, blobs: list[str]) -> Any:
    from grader.sandbox.protocol import decode_value

    return decode_value(node, [base64.b64decode(b) for b in blobs])


def _outcome(line: dict[str, Any]) -> Any:
    from grader.check import InProcessOutcome

    outcome = InProcessOutcome(
        error=line.get("error"), error_bases=tuple(line.get("bases") or ()), message=line.get("message", ""),
        fault=line.get("fault"), detail=line.get("detail", ""), seconds=float(line.get("seconds", 0.0)),
    )
    blobs = line.get("blobs", [])
    if "value" in line:
        outcome.value = _decode(line["value"], blobs)
    outcome.args_after = tuple(_decode(v, blobs) for v in line.get("args_after", []))
    outcome.kwargs_after = {k: _decode(v, blobs) for k, v in line.get("kwargs_after", {}).items()}
    return outcome


def _fault(fault: str, detail: str) -> Any:
    from grader.check import InProcessOutcome

    return InProcessOutcome(fault=fault, detail=detail)


def _child_env() -> dict[str, str]:
    """The parent's environment, with this grader first on the child's path."""
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


def run_portable(module_path: Path, module_name: str, specs: Sequence[Any], *, limits: Any,
                 forbidden_imports: Sequence[str] = ()) -> LocalResult:
    """Run ``module_path`` on every case of ``specs`` in plain child processes (see the module docstring)."""
    from grader.build.fixtures import fixture_bytes
    from grader.sandbox.scan import scan_source

    started = time.monotonic()
    cases = [c for s in specs for c in s.cases]
    n = len(cases)
    raw = Path(module_path).read_bytes()
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return _failed("syntax_error", f"syntax error: the file is not UTF-8 text (byte {e.start})", n, started)
    scan = scan_source(source, forbidden_imports)
    if scan.syntax_error is not None:
        where = f" (line {scan.line})" if scan.line else ""
        return _failed("syntax_error", f"syntax error: {scan.syntax_error}{where}", n, started, line=scan.line)
    if scan.forbidden:
        module, line = scan.forbidden[0]
        return _failed("forbidden_import", f"forbidden import '{module}' (line {line})", n, started, line=line,
                       functions=scan.functions)
    outcomes: list[Any] = [None] * n
    output_text = []
    with tempfile.TemporaryDirectory(prefix="grader-check-portable-") as tmp:
        folder = Path(tmp)
        (folder / "cases.npz").write_bytes(fixture_bytes(list(specs), "", ""))
        module_copy = folder / f"{module_name}.py"
        module_copy.write_bytes(raw)
        start, restarts, deadline_all = 0, 0, started + limits.timeout
        while start < n:
            results = folder / f"results-{restarts}.jsonl"
            request = folder / f"request-{restarts}.json"
            request.write_text(json.dumps({
                "module": str(module_copy), "name": module_name, "cases": str(folder / "cases.npz"),
                "results": str(results), "start": start, "max_bytes": MAX_VALUE_BYTES,
            }), encoding="utf-8")
            status, detail, start = _serve(request, results, folder, outcomes, start, limits, deadline_all, output_text)
            if status != "ok":
                return _failed(status, detail, n, started, functions=scan.functions, output="".join(output_text))
            if start < n and restarts >= MAX_RESTARTS:  # as the sandbox: the last call's fault for the rest
                last = outcomes[start - 1].fault or "crashed"
                for i in range(start, n):
                    outcomes[i] = _fault(last, f"not run: {MAX_RESTARTS + 1} calls ended the checking process ({last})")
                break
            restarts += 1
            if start < n and time.monotonic() > deadline_all:
                for i in range(start, n):
                    outcomes[i] = _fault("timeout", f"not run: the whole check went over {limits.timeout:g} s")
                break
    output = "".join(output_text)[: limits.output_kb * 1024]
    return LocalResult("ok", outcomes, output=output, seconds=time.monotonic() - started, functions=scan.functions)


def _serve(request: Path, results: Path, folder: Path, outcomes: list[Any], start: int, limits: Any,
           deadline_all: float, output_text: list[str]) -> tuple[str, str, int]:
    """One child: calls from ``start`` on until it finishes, dies or overruns; returns (status, detail, next)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.local_run", str(request)], cwd=str(folder), env=_child_env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    output = _Output(process.stdout, limits.output_kb * 1024)
    offset, pending = 0, ""
    deadline = min(time.monotonic() + STARTUP_GRACE, deadline_all)
    imported = False

    def new_lines() -> list[dict[str, Any]]:
        nonlocal offset, pending
        if not results.exists():
            return []
        with results.open("r", encoding="utf-8") as f:
            f.seek(offset)
            pending += f.read()
            offset = f.tell()
        *complete, pending = pending.split("\n")
        return [json.loads(text) for text in complete if text]

    try:
        while start < len(outcomes):
            exited = process.poll() is not None  # before reading: whatever it wrote is in the file then
            lines = new_lines()
            for line in lines:
                if "ready" in line:
                    deadline = min(time.monotonic() + limits.call_timeout, deadline_all)
                elif "import" in line:
                    if line["import"] != "ok":
                        return line["import"], line.get("detail", ""), start
                    imported = True
                    deadline = min(time.monotonic() + limits.call_timeout, deadline_all)
                else:
                    outcomes[line["i"]] = _outcome(line)
                    start = line["i"] + 1
                    deadline = min(time.monotonic() + limits.call_timeout, deadline_all)
            if start >= len(outcomes) or lines:
                continue
            if exited:
                what = f"the checking process ended (exit status {process.returncode})"
                if not imported:
                    return "crashed", f"{what} while importing the module", start
                outcomes[start] = _fault("crashed", f"{what} during the call")
                return "ok", "", start + 1
            if time.monotonic() > deadline:
                process.kill()
                if not imported:
                    return "timeout", f"killed after {limits.call_timeout:g} s of wall time while importing the module", start
                outcomes[start] = _fault("timeout", f"killed after {limits.call_timeout:g} s of wall time")
                return "ok", "", start + 1
            time.sleep(0.005)
        return "ok", "", start
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        output_text.append(output.text())


def _failed(status: str, detail: str, n: int, started: float, *, line: int | None = None,
            functions: dict | None = None, output: str = "") -> LocalResult:
    return LocalResult(status, [_fault(status, detail) for _ in range(n)], detail=detail, line=line, output=output,
                       seconds=time.monotonic() - started, functions=functions or {})


def run_student_portable(assignment: Any, specs: Sequence[Any], module_path: Path) -> Any:
    """``grading.run_student`` on this path: a ``StudentRun`` for ``grading.judge_run``."""
    from grader.grading import StudentRun

    started = time.perf_counter()
    result = run_portable(module_path, assignment.module_name, specs, limits=assignment.limits,
                          forbidden_imports=assignment.forbidden_imports)
    names = tuple(tuple(c.name for c in s.cases) for s in specs)
    return StudentRun("", Path(module_path).name, names, result, time.perf_counter() - started)


# -- the child ---------------------------------------------------------------------------------------------


def _child(request_path: str) -> int:
    import importlib.util

    from grader.build.fixtures import load_fixtures
    from grader.check import call_in_process
    from grader.sandbox.protocol import RefusedValue, ValueEncoder

    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    sink = open(request["results"], "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole run

    def emit(line: dict[str, Any]) -> None:
        sink.write(json.dumps(line) + "\n")
        sink.flush()

    cases = [c for s in load_fixtures(Path(request["cases"])) for c in s.cases]
    emit({"ready": True})
    name = request["name"]
    try:
        spec = importlib.util.spec_from_file_location(name, request["module"])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as e:
        emit({"import": "syntax_error", "detail": f"syntax error: {e.msg} (line {e.lineno})"})
        return 0
    except MemoryError:
        emit({"import": "memory_limit", "detail": "MemoryError while importing the module"})
        return 0
    except BaseException as e:  # noqa: BLE001 - whatever the module does at import is its outcome
        emit({"import": "crashed", "detail": f"{type(e).__name__} while importing the module: {e}"[:400]})
        return 0
    emit({"import": "ok"})
    for index in range(int(request["start"]), len(cases)):
        case = cases[index]
        outcome = call_in_process(module, case)
        line: dict[str, Any] = {
            "i": index, "error": outcome.error, "bases": list(outcome.error_bases), "message": outcome.message,
            "fault": outcome.fault, "detail": outcome.detail, "seconds": outcome.seconds,
        }
        encoder = ValueEncoder(int(request["max_bytes"]))
        if outcome.error is None and outcome.fault is None:
            try:
                line["value"] = encoder.encode(outcome.value)
            except RefusedValue as e:
                line.update(fault="refused_value", detail=str(e))
        changed = ValueEncoder(int(request["max_bytes"]), tolerant=True)
        line["args_after"] = [
            changed.encode(after) if _changed(before, after) else None
            for before, after in zip(case.args, outcome.args_after or ())
        ]
        line["kwargs_after"] = {
            key: changed.encode(after) for key, after in (outcome.kwargs_after or {}).items()
            if _changed(case.kwargs.get(key), after)
        }
        offset = len(encoder.blobs)
        line["args_after"] = [_shift(v, offset) for v in line["args_after"]]
        line["kwargs_after"] = {k: _shift(v, offset) for k, v in line["kwargs_after"].items()}
        line["blobs"] = [base64.b64encode(b).decode("ascii") for b in encoder.blobs + changed.blobs]
        emit(line)
    return 0


def _changed(before: Any, after: Any) -> bool:
    import numpy as np

    if not isinstance(before, np.ndarray) or not isinstance(after, np.ndarray):
        return False
    return after.shape != before.shape or after.dtype != before.dtype or after.tobytes() != before.tobytes()


def _shift(node: Any, offset: int) -> Any:
    """A wire value whose blob numbers follow ``offset`` other blobs."""
    if isinstance(node, dict) and len(node) == 1:
        (tag, body), = node.items()
        if tag in ("A", "S"):
            return {tag: body + offset}
        if tag in ("T", "L"):
            return {tag: [_shift(v, offset) for v in body]}
        if tag == "D":
            return {tag: [[k, _shift(v, offset)] for k, v in body]}
    return node


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
