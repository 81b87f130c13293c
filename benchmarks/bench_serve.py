"""Load test of ``grader serve`` on localhost: many students uploading at once, on each engine.

One command: ``python benchmarks/bench_serve.py`` (options: ``--submissions 300 --clients 30
--engines process dask --dask-workers 2 --references 60``).

For each engine it starts the server as the instructor would (``python -m grader serve --port 0``;
for ``dask``, first ``dask scheduler`` and ``dask worker --nworkers N --nthreads 1``, then
``grader serve --scheduler``), waits for ``/api/v1/health``, then ``--clients`` threads upload
``--submissions`` a03 notebooks between them (12 styles from ``demo/make_class.py``, right and
wrong, one student each) and poll each upload every 0.25 s until it is graded, as the workflow's
client does. Reported:

- throughput: uploads graded per second, from the first upload to the last grade;
- time to feedback, p50 / p95: from the start of the upload to the client seeing the grade (polled,
  so up to 0.25 s late), and the server's own (result recorded minus upload stored);
- lost (accepted, never graded) and duplicated (rows beyond the accepted uploads, or graded twice);
- whether each student's score equals the first engine's;
- the baseline, measured in the same run: ``grader batch`` on the same notebooks with as many jobs
  (its rate includes its start and TensorFlow's load; the server's does not: it was up already).

``--references N`` then measures, on a Dask cluster, where TensorFlow's answers should be computed:
on the trusted side (the server or batch prepares each job, as the Dask engine does) or on the
workers (each worker loads TensorFlow and needs the course secret): N submissions each way, wall
time, the trusted process's CPU, and the workers' memory.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from bench_batch import STYLES, make_class_module  # noqa: E402

SECRET = "bench-serve-secret"
A03 = "a03_multichannel"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_SECRET": SECRET, "TF_CPP_MIN_LOG_LEVEL": "2"}
POLL = 0.25


def notebooks(count: int) -> list[tuple[str, bytes]]:
    make = make_class_module()
    sources = {style: make.notebook(make.module(style)).encode() for style in STYLES}
    return [(f"s{i:03d}", sources[STYLES[i % len(STYLES)]]) for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


# --- processes ---------------------------------------------------------------------------------------


class Process:
    def __init__(self, command: list[str], name: str):
        self.name = name
        self.proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.lines: queue.Queue = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(x) for x in self.proc.stdout], daemon=True).start()
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: the process and what it started
                self.proc.wait()


def start_server(data: Path, scheduler: str | None, jobs: int) -> tuple[Process, str, float]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "grader", "serve", "--port", "0", "--data", str(data), "--jobs", str(jobs)]
    server = Process(command + (["--scheduler", scheduler] if scheduler else []), "grader serve")
    first = server.lines.get(timeout=120)
    url = re.search(r"http://[\d.]+:\d+/", first)[0]
    while True:
        try:
            with urllib.request.urlopen(url + "api/v1/health", timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.HTTPError, OSError):
            pass
        if server.proc.poll() is not None:
            raise RuntimeError("".join(server.err)[-2000:])
        time.sleep(0.1)
    return server, url, time.perf_counter() - started


def start_dask(folder: Path, workers: int) -> tuple[list[Process], str]:
    scheduler_file = folder / "scheduler.json"
    scheduler = Process(["dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(scheduler_file)], "dask scheduler")
    deadline, address = time.monotonic() + 60, None
    while address is None:
        try:
            address = json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):  # not written yet, or half written
            if time.monotonic() > deadline or scheduler.proc.poll() is not None:
                scheduler.stop()
                raise RuntimeError("dask scheduler did not start: " + "".join(scheduler.err)[-2000:]) from None
            time.sleep(0.1)
    worker = Process(["dask", "worker", "--scheduler-file", str(scheduler_file), "--nworkers", str(workers),
                      "--nthreads", "1", "--no-dashboard"], "dask worker")
    from distributed import Client

    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
    except BaseException:
        worker.stop()
        scheduler.stop()
        raise
    return [worker, scheduler], address


# --- the load -----------------------------------------------------------------------------------------


def tokens(students: list[str]) -> dict[str, str]:
    os.environ["GRADER_SECRET"] = SECRET
    from grader.course import load_course
    from grader.serve.tokens import student_token

    course = load_course(ROOT)
    return {s: student_token(course, s) for s in students}


def load(url: str, uploads: list[tuple[str, bytes]], clients: int, keys: dict[str, str]) -> dict:
    from grader.serve.client import multipart

    done: dict[str, dict] = {}
    refused: list[str] = []
    lock = threading.Lock()

    def call(request: urllib.request.Request) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, json.loads(body or b"{}")
            except ValueError:
                return e.code, {"text": body[:200].decode("utf-8", "replace")}
        except OSError as e:  # a reset connection: counted, never a crashed client
            return 0, {"text": f"{type(e).__name__}: {e}"}

    def client(mine: list[tuple[str, bytes]]) -> None:
        for student, content in mine:
            body, ctype = multipart({"assignment": A03}, "file", f"{A03}.ipynb", content)
            request = urllib.request.Request(url + "api/v1/submissions", data=body, method="POST")
            for k, v in (("Authorization", f"Bearer {keys[student]}"), ("Content-Type", ctype),
                         ("Idempotency-Key", uuid.uuid4().hex)):
                request.add_header(k, v)
            t0 = time.perf_counter()
            status, answer = call(request)
            if status != 202:
                with lock:
                    refused.append(f"{student}: {status} {answer}")
                continue
            t_accepted = time.perf_counter()
            poll = urllib.request.Request(url + f"api/v1/submissions/{answer['id']}")
            poll.add_header("Authorization", f"Bearer {keys[student]}")
            while True:
                status, state = call(poll)
                if status == 200 and state["status"] == "done":
                    break
                if status not in (0, 200):
                    with lock:
                        refused.append(f"{student} (polling {answer['id']}): {status} {state}")
                time.sleep(POLL)
            with lock:
                done[student] = {"id": answer["id"], "start": t0, "accepted": t_accepted - t0,
                                 "feedback": time.perf_counter() - t0, "end": time.perf_counter(),
                                 "score": state["results"]["score"]}

    threads = [threading.Thread(target=client, args=(uploads[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"done": done, "refused": refused, "wall": time.perf_counter() - started}


def audit(data: Path) -> dict:
    con = sqlite3.connect(f"file:{data / 'server.sqlite'}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT id, status, gradings, finished - received FROM submissions").fetchall()
    finally:
        con.close()
    return {"rows": {r[0]: (r[1], r[2]) for r in rows}, "server_seconds": [r[3] for r in rows if r[3] is not None]}


def run_engine(engine: str, uploads: list[tuple[str, bytes]], clients: int, workers: int, folder: Path,
               keys: dict[str, str]) -> dict:
    data = folder / f"data-{engine}"
    helpers: list[Process] = []
    scheduler = None
    try:
        if engine == "dask":
            helpers, scheduler = start_dask(folder, workers)
        server, url, startup = start_server(data, scheduler, workers)
        try:
            outcome = load(url, uploads, clients, keys)
        finally:
            server.stop()
        if outcome["refused"]:
            outcome["refused"].append("server's stderr: " + "".join(server.err)[-3000:])
    finally:
        for helper in helpers:
            helper.stop()
    stored = audit(data)
    done = outcome["done"]
    ids = [d["id"] for d in done.values()]
    first = min(d["start"] for d in done.values())
    last = max(d["end"] for d in done.values())
    feedback = [d["feedback"] for d in done.values()]
    return {
        "engine": engine if engine == "process" else f"dask ({workers} workers)",
        "startup": startup,
        "graded": len(done),
        "throughput": len(done) / (last - first),
        "p50": percentile(feedback, 50),
        "p95": percentile(feedback, 95),
        "server_p50": percentile(stored["server_seconds"], 50),
        "server_p95": percentile(stored["server_seconds"], 95),
        "accept_p95": percentile([d["accepted"] for d in done.values()], 95),
        # lost: accepted (stored) but never graded; duplicated: stored beyond the uploads the
        # clients were told about, or graded more than once; unanswered: no 202 (or no grade seen).
        "lost": sum(stored["rows"].get(i, ("missing", 0))[0] != "done" for i in set(ids))
        + sum(status != "done" for i, (status, _) in stored["rows"].items() if i not in set(ids)),
        "duplicated": (len(stored["rows"]) - len(set(ids))) + sum(g > 1 for _, g in stored["rows"].values()),
        "unanswered": len(uploads) - len(done),
        "refused": outcome["refused"],
        "scores": {s: d["score"] for s, d in done.items()},
    }


# --- where TensorFlow's answers are computed -------------------------------------------------------------


def grade_on_worker(course, assignment, student_id, data, name):  # runs on a Dask worker (pickled by value)
    import tempfile as _tempfile
    from pathlib import Path as _Path

    from grader.grading import grade_path

    with _tempfile.TemporaryDirectory() as scratch:
        path = _Path(scratch) / name
        path.write_bytes(data)
        return grade_path(course, assignment, path, student_id=student_id)


def worker_rss_mb(client) -> float:
    def rss() -> int:
        with open("/proc/self/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))

    return sum(client.run(rss).values()) / 1024


def references(count: int, workers: int, folder: Path) -> list[dict]:
    """Each placement: wall time for ``count`` submissions, the first result, the steady rate (after
    each worker's first result: TensorFlow's load is behind), the trusted process's CPU, the workers' RSS."""
    from grader.batch.dask_executor import DaskExecutor
    from grader.batch.executor import GradeJob
    from grader.course import load_course
    from grader.grading import prepare

    os.environ["GRADER_SECRET"] = SECRET
    course = load_course(ROOT)
    assignment = course.assignment(A03)
    files = folder / "refs"
    paths = []
    for student, content in notebooks(count):
        (files / student).mkdir(parents=True)
        paths.append((student, files / student / f"{A03}.ipynb"))
        paths[-1][1].write_bytes(content)
    out = []
    for placement in ("trusted", "workers"):
        (folder / placement).mkdir()
        helpers, address = start_dask(folder / placement, workers)
        try:
            executor = DaskExecutor(address)
            finished: list[float] = []
            cpu0, t0 = time.process_time(), time.perf_counter()
            if placement == "trusted":
                from grader import reference

                reference.warm_up()  # the server loads TensorFlow once, at its start, in the trusted process
                futures = []
                for s, p in paths:
                    futures.append(executor.submit(GradeJob(course, assignment, s, p, tuple(prepare(course, assignment, s)))))
                    futures[-1].add_done_callback(lambda _: finished.append(time.perf_counter()))
                results = [f.result() for f in futures]
            else:
                remote = [executor.client.submit(grade_on_worker, course, assignment, s, p.read_bytes(), p.name, pure=False)
                          for s, p in paths]
                for future in remote:
                    future.add_done_callback(lambda _: finished.append(time.perf_counter()))
                results = executor.client.gather(remote)
                while len(finished) < len(remote):  # (the callbacks run in a thread of their own)
                    time.sleep(0.01)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            finished.sort()
            steady = (len(finished) - workers) / (finished[-1] - finished[workers - 1])
            rss = worker_rss_mb(executor.client)
            executor.shutdown()
        finally:
            for helper in helpers:
                helper.stop()
        out.append({"placement": placement, "wall": wall, "first": finished[0] - t0, "steady": steady, "cpu": cpu,
                    "rss": rss, "total": sum(r.score for r in results)})
    return out


def batch_baseline(uploads: list[tuple[str, bytes]], jobs: int, folder: Path) -> float:
    """Submissions per second of ``python -m grader batch`` on the same notebooks, start included."""
    klass = folder / "class"
    for student, content in uploads:
        (klass / student).mkdir(parents=True)
        (klass / student / f"{A03}.ipynb").write_bytes(content)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "grader", "batch", A03, str(klass), "--out", str(folder / "batch-out"),
                           "--jobs", str(jobs)], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return len(uploads) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--engines", nargs="+", default=["process", "dask"], choices=["process", "dask"])
    parser.add_argument("--dask-workers", type=int, default=2, help="Dask worker processes (and local engine processes)")
    parser.add_argument("--references", type=int, default=60, help="submissions for the references placement (0: skip)")
    args = parser.parse_args(argv)

    uploads = notebooks(args.submissions)
    keys = tokens([s for s, _ in uploads])
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        baseline = batch_baseline(uploads, args.dask_workers, folder)
        runs = [run_engine(e, uploads, args.clients, args.dask_workers, folder, keys) for e in args.engines]
        print(f"\nbaseline: grader batch --jobs {args.dask_workers} on the same notebooks, {baseline:.1f} per s (start included)")
        print(f"\n{args.submissions} a03 notebooks, {args.clients} concurrent clients, one student each, {os.cpu_count()} cores")
        print(f"{'engine':<18} {'start s':>7} {'graded':>6} {'per s':>6} {'p50 s':>6} {'p95 s':>6} "
              f"{'srv p50':>7} {'srv p95':>7} {'202 p95':>7} {'lost':>4} {'dup':>4} {'unans':>5} {'/batch':>6}  same scores")
        for run in runs:
            same = "yes" if run["scores"] == runs[0]["scores"] else \
                f"NO ({sum(run['scores'].get(s) != v for s, v in runs[0]['scores'].items())} differ)"
            print(f"{run['engine']:<18} {run['startup']:7.1f} {run['graded']:6d} {run['throughput']:6.1f} "
                  f"{run['p50']:6.2f} {run['p95']:6.2f} {run['server_p50']:7.2f} {run['server_p95']:7.2f} "
                  f"{run['accept_p95']:7.3f} {run['lost']:4d} {run['duplicated']:4d} {run['unanswered']:5d} "
                  f"{run['throughput'] / baseline:6.2f}  {same}")
            for line in run["refused"][:6]:
                print(f"  refused or failed: {line}")
        if args.references:
            print(f"\nwhere TensorFlow's answers are computed ({args.references} notebooks, {args.dask_workers} Dask workers)")
            print(f"{'placement':<10} {'wall s':>7} {'1st s':>6} {'steady/s':>8} {'trusted CPU s':>13} "
                  f"{'workers RSS MB':>14} {'total score':>11}")
            for r in references(args.references, args.dask_workers, folder):
                print(f"{r['placement']:<10} {r['wall']:7.1f} {r['first']:6.1f} {r['steady']:8.1f} {r['cpu']:13.1f} "
                      f"{r['rss']:14.0f} {r['total']:11.2f}")
        print(f"\npeak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        bad = [r for r in runs if r["lost"] or r["duplicated"] or r["unanswered"]]
        return 1 if bad else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
