"""Where student runs happen: a small interface so that a cluster can replace the local pool.

The batch hands an :class:`Executor` one :class:`GradeJob` per submission and gets back a
future of its result. A job is plain data (the course, the assignment, the file, the prepared
cases, normally with TensorFlow's answers) and :func:`run_job` is the only code an engine must
call. Grading, storage and reports never see which engine ran a job.

:class:`grader.batch.dask_executor.DaskExecutor` is the engine for a cluster (``grader batch``/``grader
serve --scheduler tcp://HOST:8786``), in a module of its own: importing ``distributed`` costs ~0.7 s,
which a local batch should not pay.

Two local engines are provided. :class:`ProcessExecutor` (the default) runs jobs in worker
processes. Driving a submission is Python that holds the GIL (extracting the module, encoding the
cases, reading the results, comparing, diagnosing): in threads of the batch process it queues behind
TensorFlow's reference work, in processes it spreads over the cores (200 a03 notebooks, 2 jobs:
14.9 s in threads, 10.9–12.9 s in processes). The processes are forked when that is safe, which it is
at the start of a batch: nothing but the main thread runs yet and TensorFlow is not loaded (a fork
copies no thread, so a lock a thread held would stay locked forever in the child). A forked engine
starts in milliseconds with the grader already imported, where a ``spawn``-ed one spends about half
a second of CPU importing it again. Otherwise they are ``spawn``-ed. :class:`ThreadExecutor` runs
each job in a thread of the batch process, without starting anything; it suits a handful of
submissions.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.cases import TestSpec
from grader.course import Assignment, Course
from grader.grading import StudentRun
from grader.results import GradingResult


@dataclass(frozen=True)
class GradeJob:
    """Everything needed to grade one submission, with no TensorFlow left to call.

    Attributes
    ----------
    course, assignment
        The course (limits, protected paths) and the assignment graded.
    student_id
        Who is graded (the result carries it; the cases were already seeded with it).
    path
        The student's ``.py`` or ``.ipynb``.
    specs
        The student's tests, from :func:`grader.grading.prepare`.
    timeout
        Wall-clock seconds for the whole submission; ``None`` keeps course.yaml's.
    answered
        Whether ``specs`` carry the reference's answers. A job handed out while TensorFlow is still
        loading carries only the cases: it is run, and judged by the batch once answers exist.
    """

    course: Course
    assignment: Assignment
    student_id: str
    path: Path
    specs: tuple[TestSpec, ...]
    timeout: float | None = None
    answered: bool = True

    @classmethod
    def prepared(cls, course: Course, assignment: Assignment, student_id: str, path: Path, *,
                 timeout: float | None = None, answered: bool = True) -> "GradeJob":
        """The job of one file handed in, its cases prepared here (in the trusted process): hidden
        cases seeded by the student and by the file's code, with TensorFlow's answers when ``answered``."""
        from grader.grading import prepare
        from grader.submission import submitted_code_digest

        code = submitted_code_digest(path, assignment)
        specs = tuple(prepare(course, assignment, student_id, answers=answered, code=code))
        return cls(course, assignment, student_id, path, specs, timeout, answered=answered)


def run_job(job: GradeJob) -> GradingResult | StudentRun:
    """Grade one job, or only run it when it carries no answers (a ``StudentRun`` to judge later).

    Never raises for anything the student did (a grader bug is an internal_error result).
    """
    from grader.grading import grade_path, run_path

    if not job.answered:
        return run_path(job.course, job.assignment, job.path, student_id=job.student_id,
                        specs=list(job.specs), timeout=job.timeout)
    return grade_path(
        job.course,
        job.assignment,
        job.path,
        student_id=job.student_id,
        timeout=job.timeout,
        specs=list(job.specs),
    )


class Executor(Protocol):
    """What the batch needs from an engine: submit a job, get a future of its result; stop."""

    def submit(self, job: GradeJob) -> cf.Future[GradingResult | StudentRun]:
        ...

    def shutdown(self) -> None:
        ...


class ThreadExecutor:
    """Jobs in threads of this process; each thread mostly waits on its sandbox worker."""

    def __init__(self, jobs: int):
        self._pool = cf.ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="grade")

    def submit(self, job: GradeJob) -> cf.Future[GradingResult | StudentRun]:
        return self._pool.submit(run_job, job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class ProcessExecutor:
    """Jobs in worker processes: each job and its result cross a pipe (pickled by the trusted
    side only: jobs and results are the grader's own objects, never the student's).

    The processes start at once, so that they (and their sandbox fork servers) are ready by the
    time the first job comes, and so that they are forked before the batch starts any thread.
    """

    def __init__(self, jobs: int):
        jobs = max(1, jobs)
        self.start_method = "fork" if fork_is_safe() else "spawn"
        context = multiprocessing.get_context(self.start_method)
        self._pool = cf.ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_engine_start, initargs=(os.getpid(),),
        )
        for _ in range(jobs):  # with spawn, each submit starts one more process; with fork, the first starts all
            self._pool.submit(int)

    def submit(self, job: GradeJob) -> cf.Future[GradingResult | StudentRun]:
        return self._pool.submit(run_job, job)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def fork_is_safe() -> bool:
    """Whether this process can be forked: one Python thread, and no TensorFlow (whose C++ thread
    pools a fork would leave behind, holding their locks)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not any(name == "tensorflow" or name.startswith("tensorflow.") for name in sys.modules)
    )


def _engine_start(batch_pid: int) -> None:
    """Engine process initializer: end with the batch; get the sandbox ready for the first job."""
    import gc

    _end_with(batch_pid)
    _yield_to_batch()
    from grader import compare, submission  # noqa: F401  (what every job needs, imported once here)
    from grader.sandbox import layers, warm_up

    warm_up(layers.isolation_for_grading())
    gc.freeze()  # what the engine has loaded lives as long as it does: keep the collector off it


ENGINE_NICENESS = 5


def _yield_to_batch() -> None:
    """Run this engine, and the sandbox processes it starts, below the batch process's priority.

    The batch process hands out the jobs and computes TensorFlow's answers; when engines and
    student code take both cores as equals, TensorFlow's load stretches from about 2 s to 5 s and
    the engines then wait for work. CPU limits are in CPU seconds and wall-clock limits are
    generous, so a student loses nothing by it.
    """
    try:
        os.nice(ENGINE_NICENESS)
    except OSError:
        pass


def _end_with(batch_pid: int) -> None:
    """Exit as soon as the batch process is gone.

    A pool worker otherwise outlives a batch killed with ``kill -9`` (it waits on its queue
    forever), and with it its sandbox zygote. Once this process exits, the zygote sees its socket
    close and kills its own workers.
    """

    def watch() -> None:
        while os.getppid() == batch_pid:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="end-with-batch", daemon=True).start()


def _spawn_can_start() -> bool:
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


ENGINES = {"thread": ThreadExecutor, "process": ProcessExecutor}


def local_executor(jobs: int, engine: str = "process") -> Executor:
    """The local engine by name (``process`` or ``thread``).

    ``process`` falls back to threads when its processes can be neither forked (see
    :func:`fork_is_safe`) nor ``spawn``-ed: spawn re-runs the main module by path, and a program
    read from standard input has none.
    """
    if engine == "process" and not fork_is_safe() and not _spawn_can_start():
        engine = "thread"
    try:
        return ENGINES[engine](jobs)
    except KeyError:
        raise ValueError(f"unknown executor {engine!r} (known: {', '.join(ENGINES)})") from None
