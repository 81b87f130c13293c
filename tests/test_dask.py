"""Grading on a Dask cluster (distributed.LocalCluster, two worker processes): the same grades as the
local engine, student by student; a worker killed with ``kill -9`` mid-batch costs nothing."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

import distributed  # noqa: E402  (the instructor extras: the test run installs them)

A03 = "a03_multichannel"
DEMO = ROOT / "demo" / A03
# Right and wrong answers, a notebook, a syntax error, a forbidden import, an unreadable file.
CLASS = ["kim_minjun", "lee_seoyeon", "han_jiwoo", "lim_sora", "song_minho", "jung_hyunwoo", "min_yoongi",
         "ha_sungwoon", "latin_one", "shin_dongwook", "kwon_eunbi", "jo_haeun"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None) as local:
        yield local


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for student in CLASS:
        shutil.copytree(DEMO / student, folder / student)
    return folder


@pytest.fixture(scope="module")
def local_grades(klass, tmp_path_factory, course):
    from grader.batch.runner import run

    out = tmp_path_factory.mktemp("local")
    report = run(course, course.assignment(A03), klass, out, jobs=2, lang="en")
    assert report.graded == len(CLASS)
    return _grades(out / "grades.csv")


def _grades(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: v for k, v in row.items() if k != "graded_at"} for row in csv.DictReader(handle)]


def test_grader_batch_on_dask_gives_the_local_engines_grades(cluster, klass, local_grades, course, tmp_path, capsys):
    from grader.batch.runner import main

    out = tmp_path / "dask"
    code = main(course, A03, klass, out, lang="en", scheduler=cluster.scheduler_address)
    assert code == 0, capsys.readouterr().err
    assert "12 graded now" in capsys.readouterr().out
    dask = _grades(out / "grades.csv")
    assert dask == local_grades  # student by student: scores, parts, statuses, diagnoses
    assert {r["status"] for r in dask} >= {"graded", "syntax_error", "forbidden", "unreadable"}


def test_an_unreachable_scheduler_is_one_line(course, tmp_path, klass, capsys, monkeypatch):
    from grader import cli
    from grader.batch import dask_executor as executor

    monkeypatch.setattr(executor, "CONNECT_TIMEOUT", 1.0)
    command = ["--course", str(ROOT), "batch", A03, str(klass), "--out", str(tmp_path / "out"),
               "--scheduler", "tcp://127.0.0.1:9"]
    assert cli.main(command) == 2
    assert "cannot use the Dask scheduler tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not (tmp_path / "out" / "grades.csv").exists()


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def test_a_worker_killed_mid_batch_loses_nothing(cluster, klass, local_grades, course, tmp_path):
    from grader.batch.dask_executor import DaskExecutor
    from grader.batch.runner import run

    out = tmp_path / "killed"
    executor = DaskExecutor(cluster.scheduler_address)
    killed: dict = {}

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            if _stored(out / "grades.sqlite") >= 2:
                busy = {w: keys for w, keys in executor.client.processing().items() if keys}
                if busy:
                    worker, keys = next(iter(busy.items()))
                    pid = executor.client.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.update(worker=worker, pid=pid, keys=list(keys))
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        report = run(course, course.assignment(A03), klass, out, jobs=2, lang="en", executor=executor)
    finally:
        killer.join()
        executor.shutdown()
    assert killed, "a worker must be killed while it grades"
    in_flight = {key[len("grade-"):].rsplit("-", 1)[0] for key in killed["keys"]}
    assert in_flight and in_flight <= set(CLASS)
    rows = {r.submission.student_id: r.result for r in report.rows}
    assert report.graded == len(CLASS) and report.future_errors == 0
    assert not [s for s, r in rows.items() if r.status.value == "internal_error"]
    assert _grades(out / "grades.csv") == local_grades  # the jobs the dead worker held were graded again, alike


def test_grader_serve_grades_on_dask_like_the_local_engine(cluster, course, tmp_path, monkeypatch):
    from grader.batch.dask_executor import DaskExecutor
    from grader.grading import grade_path
    from grader.serve.dispatcher import Dispatcher
    from grader.serve.store import ServerStore

    monkeypatch.setenv("GRADER_SECRET", "dask-serve-secret")
    store = ServerStore(tmp_path / "server.sqlite")
    uploads = {s: next(p for p in sorted((DEMO / s).rglob("*")) if p.suffix in (".py", ".ipynb"))
               for s in ("kim_minjun", "han_jiwoo", "song_minho")}
    ids = {s: store.accept(student_id=s, assignment=A03, filename=p.name, content=p.read_bytes(), late=False,
                           by_instructor=False, per_hour=None).id for s, p in uploads.items()}
    executor = DaskExecutor(cluster.scheduler_address)
    dispatcher = Dispatcher(course, store, executor, window=2 * executor.slots(), work=tmp_path / "work")
    dispatcher.start()
    try:
        deadline = time.monotonic() + 120
        while store.status_counts()["done"] < len(ids) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        dispatcher.stop()
        executor.shutdown()
    for student, path in uploads.items():
        served = store.result(ids[student])
        local = grade_path(course, course.assignment(A03), path, student_id=student)
        assert (served.status, served.score, [p.score for p in served.parts], served.codes) == \
            (local.status, local.score, [p.score for p in local.parts], local.codes), student
    assert set(store.audit()["gradings"].values()) == {1}
