"""Jobs on a Dask cluster (``grader batch``/``grader serve --scheduler tcp://HOST:8786``): the same
:class:`~grader.batch.executor.GradeJob` and :func:`~grader.batch.executor.run_job` as the local
engines. Each job ships the bytes of its file (a worker needs the grader installed, not the
instructor's disk), and each Dask future is mirrored by a ``concurrent.futures.Future``, which the
batch waits on with ``concurrent.futures.wait`` like any other. Imported only when a scheduler is
given (``distributed`` takes ~0.7 s to import).
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import tempfile
import threading
import time
import uuid
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from grader.batch.executor import GradeJob, run_job
from grader.grading import StudentRun
from grader.results import GradingResult

CONNECT_TIMEOUT = 10.0
"""Seconds to reach the scheduler before giving up."""


class DaskExecutor:
    """Jobs on a ``distributed`` cluster: ``dask scheduler`` plus ``dask worker`` processes, on any
    machines of the instructor's with the grader installed (``pip install "conv-grader[instructor]"``).

    The trusted side (the batch or the server) still prepares every job, TensorFlow's answers
    included, so a worker needs neither TensorFlow's load (~2 s and ~0.3 GB a worker) nor the course
    secret; ``benchmarks/bench_serve.py --references`` measures both placements. A job crosses with the
    bytes of the student's file (:func:`run_shipped_job` writes them to a scratch folder on the
    worker); the worker grades it with :func:`run_job` like a local engine: the same sandbox,
    a fork server per worker process started as the worker starts (:class:`SandboxWarmUp`).

    A worker that dies (``kill -9``, a lost machine) loses nothing: the scheduler hands its jobs
    to another worker (up to ``distributed.scheduler.allowed-failures`` times, 3 by default), and
    only then does the future fail, which the batch records as an internal error and the server
    grades again.
    """

    def __init__(self, address: str, *, timeout: float | None = None):
        from distributed import Client

        self.address = address
        self.client = Client(address, timeout=CONNECT_TIMEOUT if timeout is None else timeout, set_as_default=False)
        self._running: set = set()  # distributed futures are released (and cancelled) when dropped
        self._lock = threading.Lock()
        self._slots: tuple[float, int] = (0.0, 1)
        try:
            self.client.register_plugin(SandboxWarmUp(), name="grader-sandbox")
        except Exception:  # noqa: BLE001 - a head start only: the first job starts the sandbox anyway
            pass

    def slots(self) -> int:
        """Jobs the cluster runs at once: every worker's threads (asked again after 5 s: workers
        come and go)."""
        asked, count = self._slots
        if time.monotonic() - asked > 5.0:
            count = max(1, sum(self.client.nthreads().values()))
            self._slots = (time.monotonic(), count)
        return count

    def submit(self, job: GradeJob) -> cf.Future[GradingResult | StudentRun]:
        from grader.submission import read_submitted

        data = read_submitted(Path(job.path))  # a regular file of its own, capped: as every student file
        shipped = dataclasses.replace(job, path=Path(Path(job.path).name))
        key = f"grade-{job.student_id}-{uuid.uuid4().hex[:12]}"
        remote = self.client.submit(run_shipped_job, shipped, data, key=key, pure=False)
        local: cf.Future = cf.Future()
        local.set_running_or_notify_cancel()
        with self._lock:
            self._running.add(remote)
        remote.add_done_callback(lambda done: self._settle(done, local))
        return local

    def _settle(self, remote, local: cf.Future) -> None:
        try:
            local.set_result(remote.result())
        except BaseException as e:  # noqa: BLE001 - the task's error (or a lost cluster) goes to the caller
            local.set_exception(e)
        finally:
            with self._lock:
                self._running.discard(remote)

    def shutdown(self) -> None:
        with self._lock:
            running, self._running = list(self._running), set()
        if running:
            self.client.cancel(running)
        self.client.close()


def run_shipped_job(job: GradeJob, data: bytes) -> GradingResult | StudentRun:
    """On a Dask worker: write the job's file (its bytes came with it) to a scratch folder, then
    :func:`run_job`. ``job.path`` holds only the file name (``multichannel.py``, ``kim.ipynb``)."""
    name = Path(job.path).name
    if not name or name in (".", ".."):
        raise ValueError(f"a shipped job needs a file name, got {str(job.path)!r}")
    with tempfile.TemporaryDirectory(prefix="grader-job-") as scratch:
        path = Path(scratch) / name
        path.write_bytes(data)
        return run_job(dataclasses.replace(job, path=path))


class SandboxWarmUp(WorkerPlugin):
    """Starts each Dask worker's sandbox fork server when the worker starts (or restarts after a
    kill), so that its first job does not wait for it; as :func:`_engine_start` for local engines."""

    idempotent = True

    def setup(self, worker) -> None:  # noqa: ANN001 - distributed's Worker
        threading.Thread(target=_warm_worker, name="grader-sandbox-start", daemon=True).start()


def _warm_worker() -> None:
    try:
        from grader import compare, submission  # noqa: F401  (what every job needs)
        from grader.sandbox import layers, warm_up

        warm_up(layers.isolation_for_grading())
    except Exception:  # noqa: BLE001 - only a head start
        pass
