"""``grader serve``: the course feedback server (SPEC §9). ``grader tokens``: who may upload.

Students upload a notebook or a module (from the upload page, or from their repository's
workflow) and get the same feedback as ``grader grade`` gives, hidden tests included, within
seconds; the instructor watches the class summary fill up and exports grades.csv. One process on a
machine the course controls::

    app.py          routes: the API and the pages (Starlette, served by uvicorn)
    pages.py        the HTML pages (Korean first), around grader.report's feedback and summary
    uploads.py      what an upload must be (name, size, kind) before anything is stored
    store.py        SQLite: every upload (its bytes too) and the queue; durable before the 202
    dispatcher.py   one thread: TensorFlow's answers, jobs on the executor, results into the store
    policy.py       course.yaml ``submissions``: dates, late marking (with time zones)
    tokens.py       per-student upload tokens from the course secret; the revocation list
    client.py       the student side (standard library only): upload, wait, write the job summary

Grading takes the batch's path: a :class:`~grader.batch.executor.GradeJob` per upload on local
engine processes (forked before the server starts any thread, each with its sandbox fork server),
or on a Dask cluster with ``--scheduler``. TensorFlow is loaded once, in the dispatcher's thread.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

from grader.course import Course

DEFAULT_PORT = 8000
DEFAULT_DATA = "grader-server"


def main(
    course: Course,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    data: str | os.PathLike[str] = DEFAULT_DATA,
    scheduler: str | None = None,
    jobs: int | None = None,
    lang: str | None = None,
) -> int:
    """``grader serve [--host H] [--port P] [--data DIR] [--scheduler ADDR]``: serve until stopped.

    Parameters
    ----------
    course
        The course (its secret signs the tokens; its ``submissions`` policies apply).
    host, port
        Where to listen (``--port 0``: any free port; the first line printed says which).
    data
        The server's folder: ``server.sqlite`` (every upload and result) and a scratch folder.
    scheduler
        A Dask scheduler (``tcp://HOST:8786``) to grade on instead of local engine processes.
    jobs
        Local engine processes (default: the number of CPUs); ignored with ``scheduler``.
    lang
        Default language of pages and messages (``?lang=`` switches); course.yaml's by default.

    Returns
    -------
    int
        0 after a clean stop (Ctrl-C, SIGTERM), 2 when the server cannot start (no secret, a bad
        policy, the port taken, the scheduler unreachable).
    """
    from grader.course import CourseError
    from grader.serve import policy
    from grader.serve.tokens import secret_is_set

    if not secret_is_set(course):
        print(
            f"grader serve: the course has no secret (set ${course.secret_env} or write {course.root / course.secret_file}):"
            " tokens would be guessable",
            file=sys.stderr,
        )
        return 2
    try:
        policy.check(course)
    except CourseError as e:
        print(f"grader serve: {e}", file=sys.stderr)
        return 2
    try:
        listener = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as e:
        print(f"grader serve: cannot listen on {host}:{port}: {e.strerror or e}", file=sys.stderr)
        return 2
    # The engine first: local engine processes are forked while this process runs one thread and
    # holds no SQLite connection (a connection must not cross a fork).
    try:
        executor, engine, window = _executor(scheduler, jobs)
    except Exception as e:  # noqa: BLE001 - an unreachable scheduler, a refused fork: one line, exit 2
        listener.close()
        print(f"grader serve: cannot start the grading engine: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return _serve(course, listener, Path(data), executor, engine, window, lang)


def _executor(scheduler: str | None, jobs: int | None):
    if scheduler:
        from grader.batch.dask_executor import DaskExecutor

        executor = DaskExecutor(scheduler)
        return executor, f"dask {scheduler}", lambda: 2 * executor.slots()
    from grader.batch.executor import local_executor

    jobs = jobs or os.cpu_count() or 1
    return local_executor(jobs, "process"), f"process x{jobs}", 2 * jobs


def _serve(course: Course, listener: socket.socket, data: Path, executor, engine: str, window,
           lang: str | None) -> int:
    import uvicorn

    from grader.serve.app import Server, create_app
    from grader.serve.dispatcher import Dispatcher
    from grader.serve.store import STORE_FILE, ServerStore

    import sqlite3

    try:
        data.mkdir(parents=True, exist_ok=True)
        store = ServerStore(data / STORE_FILE)
        requeued = store.recover()
    except (OSError, sqlite3.Error) as e:
        print(f"grader serve: cannot use {data / STORE_FILE}: {e}", file=sys.stderr)
        listener.close()
        executor.shutdown()
        return 2
    work = data / "work"
    shutil.rmtree(work, ignore_errors=True)  # files of jobs a killed server left behind (their uploads are in the store)
    dispatcher = Dispatcher(course, store, executor, window=window, work=work,
                            log=lambda line: print(line, file=sys.stderr, flush=True))
    dispatcher.start()
    app = create_app(Server(course, store, dispatcher, lang=lang, engine=engine))
    where = listener.getsockname()
    print(f"grader serve: listening on http://{where[0]}:{where[1]}/ (data {data}, engine {engine},"
          f" {requeued} uploads back in the queue)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        dispatcher.stop()
        executor.shutdown()
        store.close()
    return 0
