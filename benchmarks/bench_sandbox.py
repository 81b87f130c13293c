"""Sandbox cost per submission: ``run_calls`` of a correct loop conv2d on 45 small calls.

Goals (issue: sandbox start + round trips): each further submission inside one grader process under
0.3 s wall; a batch of a class at >= 20 submissions/s with 2 parallel jobs (threads of one process,
as ``grader batch`` runs them).

Compares plain workers (``GRADER_SANDBOX_ZYGOTE=0``: a fresh ``python -I worker.py`` per
submission) with workers forked from the zygote, sequentially and from 2 threads, 20 submissions
each, and relates them to a bare ``python -c "import numpy"`` measured in the same run.
Run: python benchmarks/bench_sandbox.py [--runs 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _timing import ROOT, numpy_baseline, row

sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from grader.cases import Case  # noqa: E402
from grader.course import Limits  # noqa: E402
from grader.sandbox import run_calls, runner  # noqa: E402

SOURCE = '''
import numpy as np

def conv2d(x, w, b=None, stride=1, padding="VALID"):
    N, H, W, C = x.shape
    kh, kw, _, F = w.shape
    out = np.zeros((N, H - kh + 1, W - kw + 1, F))
    for n in range(N):
        for i in range(H - kh + 1):
            for j in range(W - kw + 1):
                for f in range(F):
                    out[n, i, j, f] = np.sum(x[n, i:i + kh, j:j + kw, :] * w[:, :, :, f])
    return out
'''
LIMITS = Limits(timeout=60.0, call_timeout=5.0, cpu=10.0, memory_mb=512, output_kb=64)
FORBIDDEN = ["tensorflow", "scipy.signal", "subprocess", "socket", "ctypes", "multiprocessing", "grader"]


def _cases() -> list[Case]:
    rng = np.random.default_rng(0)
    return [Case(f"c{i}", "conv2d", (rng.random((1, 5, 5, 3)), rng.random((3, 3, 3, 2))), {}) for i in range(45)]


def _one(path: Path, cases: list[Case]) -> float:
    started = time.perf_counter()
    r = run_calls(path, "multichannel", cases, limits=LIMITS, forbidden_imports=FORBIDDEN, protected=[ROOT])
    seconds = time.perf_counter() - started
    assert r.status == "ok" and all(c.fault is None and c.error is None for c in r.calls), (r.status, r.detail)
    return seconds


def sequential(path: Path, cases: list[Case], runs: int) -> tuple[list[float], float]:
    started = time.perf_counter()
    times = [_one(path, cases) for _ in range(runs)]
    return times, time.perf_counter() - started


def threaded(path: Path, cases: list[Case], runs: int, jobs: int) -> tuple[list[float], float]:
    times: list[float] = []
    lock = threading.Lock()
    todo = list(range(runs))

    def work() -> None:
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            t = _one(path, cases)
            with lock:
                times.append(t)

    threads = [threading.Thread(target=work) for _ in range(jobs)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="submissions per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per setting (the median is shown)")
    args = parser.parse_args()

    baseline = numpy_baseline()
    cases = _cases()
    results: dict[tuple[str, str], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "multichannel.py"
        path.write_text(SOURCE)
        for mode, flag in (("plain", "0"), ("zygote", "1")):
            os.environ[runner.ZYGOTE_ENV] = flag
            started = time.perf_counter()
            _one(path, cases)  # warm-up: imports, the zygote's start
            first = time.perf_counter() - started
            print(row(f"{mode}: first submission in this process (warm-up)", first, baseline))
            for label, jobs in (("sequential", 1), ("2 threads", 2)):
                medians, rates = [], []
                for _ in range(args.repeat):
                    if jobs == 1:
                        times, total = sequential(path, cases, args.runs)
                    else:
                        times, total = threaded(path, cases, args.runs, jobs)
                    medians.append(statistics.median(times))
                    rates.append(args.runs / total)
                results[mode, label] = (statistics.median(medians), statistics.median(rates))
        runner._ZYGOTE.shutdown()

    print(row('python -c "import numpy"  (baseline, median of 5)', baseline, baseline))
    for (mode, label), (median, rate) in results.items():
        print(row(f"{mode:<6} {label:<10}: run_calls median, 45 calls", median, baseline)
              + f"   {rate:5.1f} submissions/s")
    seq, par = results["zygote", "sequential"], results["zygote", "2 threads"]
    print(f"  further submission (zygote, sequential): {seq[0] * 1000:.0f} ms "
          f"(goal < 300 ms: {'met' if seq[0] < 0.3 else 'NOT met'})")
    print(f"  batch, 2 threads (zygote): {par[1]:.1f} submissions/s "
          f"(goal >= 20/s: {'met' if par[1] >= 20 else 'NOT met'})")
    print(f"  speed-up zygote vs plain: sequential {results['plain', 'sequential'][0] / seq[0]:.1f}x per submission, "
          f"2 threads {par[1] / results['plain', '2 threads'][1]:.1f}x throughput")


if __name__ == "__main__":
    main()
