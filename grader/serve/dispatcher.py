"""The server's grader: takes queued uploads from the store, grades them on the engine, records results.

One thread of the server process does it all, the way ``grader batch`` does: TensorFlow is loaded
once, here; each upload's cases are prepared with its answers (:func:`grader.grading.prepare`) and
handed to an :class:`~grader.batch.executor.Executor` as a :class:`~grader.batch.executor.GradeJob`
(local engine processes, or a Dask cluster); the result is committed to the store the moment it
comes back. At most ``window`` uploads are on the engine at once (on Dask, twice the cluster's
threads as they are now); the rest wait in the store.

An engine failure (a dead engine process, a Dask job that failed on every worker it was given)
or a result that blames the grader (``internal_error``) puts the upload back in the queue, up to
``max_engine_attempts`` hand-outs; only then is the internal error recorded (and shown to the student
as "the grader failed, not you").
"""

from __future__ import annotations

import concurrent.futures as cf
import queue
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from grader.batch.executor import Executor, GradeJob
from grader.course import Course, CourseError
from grader.results import GradingResult, Status
from grader.serve.store import Claimed, ServerStore

MAX_ENGINE_ATTEMPTS = 3


class Dispatcher:
    def __init__(
        self,
        course: Course,
        store: ServerStore,
        executor: Executor,
        *,
        window: int | Callable[[], int],
        work: Path,
        max_engine_attempts: int = MAX_ENGINE_ATTEMPTS,
        log: Callable[[str], None] = print,
    ):
        self.course = course
        self.store = store
        self.executor = executor
        self._window = window
        self.work = Path(work)
        self.max_engine_attempts = max_engine_attempts
        self.log = log
        self.ready = threading.Event()
        """Set once TensorFlow is loaded and uploads are being graded."""
        self.failed: str | None = None
        """Why the dispatcher stopped for good (TensorFlow could not load), for the health check."""
        self._events: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._inflight: dict[str, Claimed] = {}
        self._thread = threading.Thread(target=self._run, name="grader-dispatcher", daemon=True)
        self.graded = 0
        self.retried = 0

    # --- control -------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A new upload is in the store."""
        self._events.put(None)

    def stop(self, wait: float = 5.0) -> None:
        """Stop handing out uploads; wait up to ``wait`` s for those on the engine (the rest stay
        ``running`` in the store and go back to the queue at the next start)."""
        self._stop.set()
        self.wake()
        self._thread.join(timeout=wait + 1)

    @property
    def window(self) -> int:
        """Uploads on the engine at once: fixed, or asked each time (a Dask cluster grows and shrinks)."""
        return max(1, self._window() if callable(self._window) else self._window)

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    # --- the loop --------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            from grader import reference

            reference.warm_up()
        except Exception as e:  # noqa: BLE001 - without TensorFlow nothing can be graded: say so in /health
            self.failed = f"TensorFlow could not be loaded: {type(e).__name__}: {e}"
            self.log(f"grader serve: {self.failed}")
            return
        self.ready.set()
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as e:  # noqa: BLE001 - a store or engine problem: say it, keep serving
                self.log(f"grader serve: the dispatcher met {type(e).__name__}: {e}")
                time.sleep(1.0)
        deadline = time.monotonic() + 5.0
        while self._inflight and time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event is not None:
                self._done(*event, stopping=True)

    def _step(self) -> None:
        """Hand out what the window allows, then record whatever has come back (waiting up to 1 s)."""
        self._fill()
        try:
            events = [self._events.get(timeout=1.0)]
        except queue.Empty:
            return
        while not self._events.empty():
            events.append(self._events.get_nowait())
        for event in events:
            if event is not None:
                self._done(*event)

    def _fill(self) -> None:
        if self._stop.is_set():
            return
        for claimed in self.store.claim(self.window - len(self._inflight)):
            self._inflight[claimed.id] = claimed
            try:
                future = self.executor.submit(self._job(claimed))
            except Exception as e:  # noqa: BLE001 - a suite or reference bug, an unreachable cluster: a failed hand-out
                future = cf.Future()
                future.set_exception(e)
            future.add_done_callback(lambda f, c=claimed: self._events.put((c, f)))

    def _job(self, claimed: Claimed) -> GradeJob:
        assignment = self.course.assignment(claimed.assignment)
        folder = self.work / claimed.id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / claimed.filename  # checked at upload: a plain .py/.ipynb name, no path
        path.write_bytes(claimed.content)
        # Hidden cases seeded by the code too: an upload never gets the cases an earlier one showed.
        return GradeJob.prepared(self.course, assignment, claimed.student_id, path)

    def _done(self, claimed: Claimed, future: cf.Future, stopping: bool = False) -> None:
        from grader.grading import internal_error

        self._inflight.pop(claimed.id, None)
        shutil.rmtree(self.work / claimed.id, ignore_errors=True)
        try:
            result = future.result()
            error = None
        except Exception as e:  # noqa: BLE001 - the engine failed, not the student
            result, error = None, e
        if not isinstance(result, GradingResult):  # (an engine failure, or a run without answers)
            error = error or RuntimeError("the engine returned no result")
            try:
                result = internal_error(self.course.assignment(claimed.assignment), claimed.student_id, error)
            except CourseError:  # the assignment left course.yaml since the upload: no parts to list
                result = GradingResult(claimed.assignment, claimed.student_id, Status.INTERNAL_ERROR,
                                       message=f"{type(error).__name__}: {error}")
        if result.status is Status.INTERNAL_ERROR and stopping:
            return  # the engine is going away with the server: left running, back in the queue at the next start
        if result.status is Status.INTERNAL_ERROR and claimed.engine_attempts < self.max_engine_attempts:
            if self.store.requeue(claimed.id):
                self.retried += 1
                self.log(f"grader serve: {claimed.id} ({claimed.student_id}) back in the queue after: {result.message}")
            return
        if self.store.finish(claimed.id, result):
            self.graded += 1
        else:
            self.log(f"grader serve: {claimed.id} was not running any more; its result was not recorded twice")
